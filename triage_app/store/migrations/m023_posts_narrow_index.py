"""Migration 23: a narrow index on ``posts(id, priority, status)``.

A search whose matches sit deep in the queue (few tens of thousands of matches, the first
page's last one millions of posts down the priority order) used to walk the order index past
every post that does not match (~340 ms CPU at 10M posts). Sorting the matches themselves
needs each one's priority and status: read from the post's row that is ~4 us a match (the rows
are big, text and all); read from this index, which holds only those three columns in id
order, a match costs about a fifth of that (store/queue.py, the "narrow" start). Size: about
17 bytes a post (~175 MB at 10M); bulk loads drop and rebuild it with posts' other secondary
indexes (ingest/bulk_load.py finds them by table).

The index is built in ``run`` with its sort where a bulk load puts it (on disk beside a plain
store): SQLCipher keeps temporary data in memory, and the in-memory sort held every key at
once (the 10M store's upgrade peaked at 533 MB, issue 17's bound being 300 MB)."""

from typing import Any

VERSION = 23

INDEX_SQL = "CREATE INDEX posts_id_priority_status ON posts(id, priority, status)"
SQL = ""  # run() builds the index


def run(conn: Any, progress: Any = None) -> None:
    from ...ingest.bulk_load import build_indexes

    build_indexes(conn, [INDEX_SQL])
