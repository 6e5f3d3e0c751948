"""Migration 19: text read from pictures (OCR, core/ocr.py), one row per media file.

``media_text`` holds what Tesseract read (the text, the mean word confidence 0-100, the words
with their boxes as JSON), with which languages and engine, or why nothing was read
('failed': an unreadable picture; 'skipped': no engine). ``indicators.media_id`` says that an
indicator was found in that picture's text (its start/end are offsets in that text, not in the
post's); NULL for the post's own text."""

VERSION = 19

SQL = """
CREATE TABLE media_text (
    media_id    INTEGER PRIMARY KEY REFERENCES media(id),
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    status      TEXT NOT NULL CHECK (status IN ('read', 'failed')),
    text        TEXT NOT NULL DEFAULT '',
    confidence  REAL,
    words       TEXT,
    languages   TEXT NOT NULL DEFAULT '',
    engine      TEXT NOT NULL DEFAULT '',
    detail      TEXT,
    read_at     TEXT NOT NULL
);
CREATE INDEX media_text_post ON media_text(post_id);
ALTER TABLE indicators ADD COLUMN media_id INTEGER;
"""
