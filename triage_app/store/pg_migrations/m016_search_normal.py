"""PostgreSQL migration 16: the full-text index holds the search form of the text, as on SQLite
(migrations/m016_search_normal.py), and becomes searchable.

``run`` makes ``search_fold(text)`` and ``search_key(text)`` from core/search_normal.py's tables
(pg_migrations/_fold_sql.py), re-folds the rows already indexed and defines the index.

The shape the search queries use (store code for PostgreSQL, not shared with SQLite):

- ``posts_fts(rowid, text, handle, name, document)``: rowid is the post id; text, handle and
  name hold ``search_fold`` of the post's text and its account's handle and display name, kept
  by the triggers below exactly as FTS5's rows are on SQLite (bulk imports write them
  themselves while meta ``fts_bulk`` is set).
- ``document`` = ``setweight(to_tsvector('simple', search_key(text)), 'A') || … handle 'B' ||
  … name 'C'``, GIN-indexed (``posts_fts_document``); since server step 2
  (s002_search_keys.py) built from the keys an import gives, the same document. A query word
  goes through the same steps: ``search_key(search_fold(word))``; a column filter
  (``handle:abc``) is the weight (``'abc':B``); a prefix is ``:*``; a phrase is ``<->``; taa
  marbuta variants are ORed as on SQLite (search_normal.search_query decides them). Example::

      SELECT rowid FROM posts_fts
      WHERE document @@ to_tsquery('simple', quote_literal(search_key(search_fold('word'))))

- ``posts_fts_vocab(term, doc, cnt)``: the indexed words, like FTS5's fts5vocab 'row' table
  (a view over ts_stat: it reads the whole index, so "did you mean" should cache it)."""

from __future__ import annotations

from typing import Any

VERSION = 16

SQL = """
CREATE OR REPLACE FUNCTION posts_fts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT value FROM meta WHERE key = 'fts_bulk') IS NULL THEN
        INSERT INTO posts_fts(rowid, text, handle, name)
        SELECT new.id, search_fold(new.text), search_fold(a.handle), search_fold(a.display_name)
        FROM (SELECT 1) AS one LEFT JOIN accounts a ON a.id = new.account_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION posts_fts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM posts_fts WHERE rowid = old.id;
    INSERT INTO posts_fts(rowid, text, handle, name)
    SELECT new.id, search_fold(new.text), search_fold(a.handle), search_fold(a.display_name)
    FROM (SELECT 1) AS one LEFT JOIN accounts a ON a.id = new.account_id;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION accounts_fts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE posts_fts SET handle = search_fold(new.handle), name = search_fold(new.display_name)
    WHERE rowid IN (SELECT id FROM posts WHERE account_id = new.id);
    RETURN NULL;
END $$;
CREATE OR REPLACE VIEW posts_fts_vocab AS
    SELECT word AS term, ndoc::bigint AS doc, nentry::bigint AS cnt
    FROM ts_stat('SELECT document FROM posts_fts');
"""

_DOCUMENT = """
ALTER TABLE posts_fts DROP COLUMN document;
ALTER TABLE posts_fts ADD COLUMN document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(search_key(text), '')), 'A')
    || setweight(to_tsvector('simple', coalesce(search_key(handle), '')), 'B')
    || setweight(to_tsvector('simple', coalesce(search_key(name), '')), 'C')
) STORED;
CREATE INDEX posts_fts_document ON posts_fts USING gin (document);
"""
_BATCH = 20000


def run(conn: Any, progress: Any = None) -> None:
    from ._fold_sql import fold_digest, functions_sql

    raw = getattr(conn, "raw", conn)  # the adapter's connection, or psycopg's own
    encoding = raw.execute("SHOW server_encoding").fetchone()[0]
    if str(encoding).upper() not in ("UTF8", "UTF-8"):
        raise RuntimeError(
            f"the database uses the {encoding} encoding; the store needs UTF8 "
            "(CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)"
        )
    raw.execute(functions_sql())
    refold(raw, progress)
    from .s002_search_keys import has_keys, rekey

    if has_keys(raw):  # server step 2 ran: the keys made again with these functions
        rekey(raw, progress)
    else:
        raw.execute(_DOCUMENT)
    from ...core.search_normal import FOLD_VERSION

    raw.execute(
        "INSERT INTO meta(key, value) VALUES ('search_fold_version', "
        f"'{int(FOLD_VERSION)}'), ('search_fold_digest', '{fold_digest()}') "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )


def refold(raw: Any, progress: Any = None) -> None:
    """search_fold every indexed row in place, in rowid batches with progress(done, total)."""
    total = int(raw.execute("SELECT count(*) FROM posts_fts").fetchone()[0])
    top = raw.execute("SELECT coalesce(max(rowid), 0) FROM posts_fts").fetchone()[0]
    done = 0
    low = 0
    while low < top:
        high = low + _BATCH
        raw.execute(
            "UPDATE posts_fts SET text = search_fold(text), handle = search_fold(handle), "
            f"name = search_fold(name) WHERE rowid > {int(low)} AND rowid <= {int(high)} AND "
            "(text IS DISTINCT FROM search_fold(text) OR handle IS DISTINCT FROM "
            "search_fold(handle) OR name IS DISTINCT FROM search_fold(name))"
        )
        done += int(
            raw.execute(
                f"SELECT count(*) FROM posts_fts WHERE rowid > {int(low)} AND rowid <= {int(high)}"
            ).fetchone()[0]
        )
        low = high
        if progress is not None:
            progress(done, total)


def is_current(conn: Any) -> bool:
    """Whether the server's search functions were made from this program's fold tables."""
    from ._fold_sql import fold_digest

    raw = getattr(conn, "raw", conn)
    row = raw.execute("SELECT value FROM meta WHERE key = 'search_fold_digest'").fetchone()
    return row is not None and row[0] == fold_digest()


def ensure_current(conn: Any, progress: Any = None) -> None:
    """After the fold tables changed (FOLD_VERSION, or another Unicode version in Python): make
    the functions again, re-fold the index, compute its keys again (s002) and rebuild its
    document column, in the caller's
    transaction (PostgreSQL's counterpart of search_index.ensure_current)."""
    if not is_current(conn):
        run(conn, progress)
