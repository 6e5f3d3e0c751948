"""Bringing exports into the store: one module per source format, detection, and the pipeline."""
