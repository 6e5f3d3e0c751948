"""PostgreSQL migration 19: text read from pictures (SQLite: migrations/m019_media_text.py)."""

VERSION = 19

SQL = """
CREATE TABLE media_text (
    media_id    bigint PRIMARY KEY REFERENCES media(id),
    post_id     bigint NOT NULL REFERENCES posts(id),
    status      text NOT NULL CHECK (status IN ('read', 'failed')),
    text        text NOT NULL DEFAULT '',
    confidence  double precision,
    words       text,
    languages   text NOT NULL DEFAULT '',
    engine      text NOT NULL DEFAULT '',
    detail      text,
    read_at     text NOT NULL,
    rowid       bigint GENERATED ALWAYS AS (media_id) STORED
);
CREATE INDEX media_text_post ON media_text(post_id);
ALTER TABLE indicators ADD COLUMN media_id bigint;
"""
