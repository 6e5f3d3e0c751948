"""Migration 10: media an export named but the import did not take.

A media file is taken only when it is a regular file inside the export's own root and within the
size limit (ingest/media_confine.py). Every other reference is kept here, on its post, as the
export wrote it and with the reason in plain words ("outside the export folder", "a symbolic link
that leaves the export folder", "not a regular file (FIFO)", "over the 2 GiB limit"), so that
`triage show` and the preview say "media refused: reason". Each import also keeps its count."""

VERSION = 10

SQL = """
CREATE TABLE media_refused (
    id        INTEGER PRIMARY KEY,
    post_id   INTEGER NOT NULL REFERENCES posts(id),
    import_id INTEGER REFERENCES imports(id),
    reference TEXT NOT NULL,
    reason    TEXT NOT NULL
);
CREATE INDEX media_refused_post ON media_refused(post_id);
ALTER TABLE imports ADD COLUMN media_refused INTEGER NOT NULL DEFAULT 0;
"""
