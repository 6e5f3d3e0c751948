"""Migration 23: a narrow index on ``posts(id, priority, status)``.

A search whose matches sit deep in the queue (few tens of thousands of matches, the first
page's last one millions of posts down the priority order) used to walk the order index past
every post that does not match (~340 ms CPU at 10M posts). Sorting the matches themselves
needs each one's priority and status: read from the post's row that is ~4 us a match (the rows
are big, text and all); read from this index, which holds only those three columns in id
order, a match costs about a fifth of that (store/queue.py, the "narrow" start). Size: about
17 bytes a post (~175 MB at 10M); bulk loads drop and rebuild it with posts' other secondary
indexes (ingest/bulk_load.py finds them by table)."""

VERSION = 23

SQL = """
CREATE INDEX posts_id_priority_status ON posts(id, priority, status);
"""
