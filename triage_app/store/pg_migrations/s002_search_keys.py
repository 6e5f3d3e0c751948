"""Server-only step 2 (PostgreSQL only, no SQLite counterpart): the search index may be given
the search keys of its text, handle and name, so that an import does not make the server run
the plpgsql ``search_key`` three times for every post (issue 16: at 1,000,000 posts that was
about 20 s of the server's ~57 s of CPU, the largest part of the import's wall time).

- ``posts_fts`` gets ``text_key``, ``handle_key`` and ``name_key``: ``search_key`` of the
  column of the same name (the folded text: ``search_key(search_fold(…))`` of the post's own
  text; '' for a NULL column), or NULL when not given. ``text``, ``handle`` and ``name`` are
  unchanged (the folded form, as on SQLite: db copy moves them between the engines as they
  are).
- ``document`` is built from the key when there is one, else from ``search_key`` of the
  column, as before: ``setweight(to_tsvector('simple', coalesce(text_key, search_key(text),
  '')), 'A') || …``. COALESCE stops at the first value that is not NULL, so a row with its keys
  costs the server no ``search_key`` call. Every document is the one migration 16 gave.
- The import (store/pg/bulk_copy.py) writes the keys, computed in Python by
  ``_fold_sql.search_key_of`` (tests/store/test_search_key_of.py: the same as the server's
  function); every other writer (the triggers of posts and accounts, the picture text of
  store/ocr.py, db copy, the refold) leaves them NULL, and the server computes the document
  as before.
- A key is only good with the value it was made from: a trigger (``posts_fts_keys_stale``)
  sets a key to NULL when an UPDATE changes its column without giving a new key. It runs only
  for rows that have a key (its WHEN clause), never for COPY or INSERT.
- An existing store is converted here: the document dropped, the keys computed on the server
  for every row in rowid batches (with progress), and the document and its GIN index made
  again from them. When the fold tables change (m016_search_normal.ensure_current), the keys
  are computed again the same way with the new functions (``rekey``)."""

from __future__ import annotations

from typing import Any

VERSION = 2

SQL = """
ALTER TABLE posts_fts ADD COLUMN IF NOT EXISTS text_key text,
    ADD COLUMN IF NOT EXISTS handle_key text,
    ADD COLUMN IF NOT EXISTS name_key text;
CREATE OR REPLACE FUNCTION posts_fts_keys_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF new.text IS DISTINCT FROM old.text AND new.text_key IS NOT DISTINCT FROM old.text_key
    THEN
        new.text_key := NULL;
    END IF;
    IF new.handle IS DISTINCT FROM old.handle
        AND new.handle_key IS NOT DISTINCT FROM old.handle_key THEN
        new.handle_key := NULL;
    END IF;
    IF new.name IS DISTINCT FROM old.name AND new.name_key IS NOT DISTINCT FROM old.name_key
    THEN
        new.name_key := NULL;
    END IF;
    RETURN new;
END $$;
CREATE OR REPLACE TRIGGER posts_fts_keys_stale BEFORE UPDATE ON posts_fts FOR EACH ROW
    WHEN (old.text_key IS NOT NULL OR old.handle_key IS NOT NULL OR old.name_key IS NOT NULL)
    EXECUTE FUNCTION posts_fts_keys_stale();
"""

KEY_COLUMNS = ("text_key", "handle_key", "name_key")

DOCUMENT = """
ALTER TABLE posts_fts ADD COLUMN document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(text_key, search_key(text), '')), 'A')
    || setweight(to_tsvector('simple', coalesce(handle_key, search_key(handle), '')), 'B')
    || setweight(to_tsvector('simple', coalesce(name_key, search_key(name), '')), 'C')
) STORED;
CREATE INDEX posts_fts_document ON posts_fts USING gin (document);
"""
_BATCH = 20000


def run(conn: Any, progress: Any = None) -> None:
    rekey(getattr(conn, "raw", conn), progress)


def has_keys(raw: Any) -> bool:
    """Whether posts_fts has the key columns (this step ran). From pg_attribute, which every
    login may read (information_schema shows a login only the columns it has rights on)."""
    row = raw.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('posts_fts') "
        "AND attname = ANY(%s) AND NOT attisdropped",
        (list(KEY_COLUMNS),),
    ).fetchone()
    return bool(row and int(row[0]) == len(KEY_COLUMNS))


def rekey(raw: Any, progress: Any = None) -> None:
    """Every row's keys computed by the server's ``search_key``, and the document and its
    index made again from them (in the caller's transaction; progress(done, total) per batch).
    The document goes first, so that the batches rewrite only the rows, not the index."""
    raw.execute("ALTER TABLE posts_fts DROP COLUMN IF EXISTS document")
    total = int(raw.execute("SELECT count(*) FROM posts_fts").fetchone()[0])
    low, top = (
        int(v)
        for v in raw.execute(
            "SELECT coalesce(min(rowid), 1) - 1, coalesce(max(rowid), 0) FROM posts_fts"
        ).fetchone()
    )
    done = 0
    while low < top:
        high = low + _BATCH
        done += raw.execute(
            "UPDATE posts_fts SET text_key = coalesce(search_key(text), ''), "
            "handle_key = coalesce(search_key(handle), ''), "
            "name_key = coalesce(search_key(name), '') WHERE rowid > %s AND rowid <= %s",
            (low, high),
        ).rowcount
        low = high
        if progress is not None:
            progress(done, total)
    raw.execute(DOCUMENT)  # rewrites the table: the batches' old row versions go with it
