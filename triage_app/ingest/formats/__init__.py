"""One module per source format; each exposes ``IMPORTER`` (see ``triage_app.ingest.base``)."""
