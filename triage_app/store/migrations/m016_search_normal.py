"""Migration 16: the full-text index holds the search form of the text (core/search_normal.py).

The triggers that keep ``posts_fts`` in step with ``posts`` and ``accounts`` now write
``search_fold(…)`` of the text, handle and name (the function every connection registers);
``run`` re-folds the rows already indexed, in place, with progress on big stores. The stored
post text is untouched. ``posts_fts_vocab`` lists the indexed words, for "did you mean"
suggestions when a search finds nothing."""

from typing import Any

VERSION = 16

SQL = """
DROP TRIGGER IF EXISTS posts_fts_insert;
DROP TRIGGER IF EXISTS posts_fts_update;
DROP TRIGGER IF EXISTS accounts_fts_update;
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts
WHEN (SELECT value FROM meta WHERE key = 'fts_bulk') IS NULL BEGIN
    INSERT INTO posts_fts(rowid, text, handle, name)
    SELECT new.id, search_fold(new.text), search_fold(a.handle), search_fold(a.display_name)
    FROM (SELECT 1) LEFT JOIN accounts a ON a.id = new.account_id;
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF text, account_id ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = old.id;
    INSERT INTO posts_fts(rowid, text, handle, name)
    SELECT new.id, search_fold(new.text), search_fold(a.handle), search_fold(a.display_name)
    FROM (SELECT 1) LEFT JOIN accounts a ON a.id = new.account_id;
END;
CREATE TRIGGER accounts_fts_update AFTER UPDATE OF handle, display_name ON accounts BEGIN
    UPDATE posts_fts SET handle = search_fold(new.handle), name = search_fold(new.display_name)
    WHERE rowid IN (SELECT id FROM posts WHERE account_id = new.id);
END;
CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts_vocab USING fts5vocab(posts_fts, row);
"""


def run(conn: Any, progress: Any = None) -> None:
    from ..search_index import refold_index

    refold_index(conn, progress)
