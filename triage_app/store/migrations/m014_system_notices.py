"""Migration 14: system notices of chat exports, kept for provenance (issue 13).

A chat export's system lines (the encryption notice, joins and leaves, a deleted message, a
changed security code …) are neither posts nor accounts, but every line of an export must be
accounted for: each notice is kept here with the import it came in, its line, its kind, the
phone language it was recognised in and its text exactly as written. ``imports.line_account``
keeps where every line of a line-based file went (JSON: total, posts, continuation, notices,
quarantined; ingest/lines.py: LineAccount)."""

VERSION = 14

SQL = """
CREATE TABLE system_notices (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER NOT NULL REFERENCES imports(id),
    line_no     INTEGER,
    kind        TEXT NOT NULL,
    language    TEXT,
    sender      TEXT,
    posted_at   INTEGER,
    raw         TEXT NOT NULL
);
CREATE INDEX system_notices_import ON system_notices(import_id);
ALTER TABLE imports ADD COLUMN line_account TEXT;
"""
