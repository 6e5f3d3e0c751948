"""Server-only step 3 (PostgreSQL only): a cluster's posts in id order, from its index.

Why: the compare pane shows a post's near-duplicates (store/pivots.near_duplicates), read as a
cluster's newest members: ``WHERE cluster_id = ? ORDER BY id DESC LIMIT 200``, after every tag
key. SQLite's ``posts_cluster`` index keeps each entry's rowid, so within a cluster its entries
are already in id order. PostgreSQL's index on ``(cluster_id)`` alone does not: the planner
either sorted the whole cluster or, depending on the table's statistics at the time (an
enrichment had just set every post's cluster; autovacuum analyses it when it gets to it),
walked the primary key backwards, filtering on the cluster. On a 100,000-post store just
imported and enriched it read 18,000 rows for 200: 2.6 ms at the median and 13.9 ms at p90
of the server's time, 11 ms of every key's cycle in the window (the largest single item,
2026-12-05). With ``(cluster_id, id)`` it reads the 200 entries it returns whatever the
statistics: 0.39 ms at the median, 0.57 ms at p90, 1.1 ms at most (100 random posts of
clusters over 50 posts); in the window, 11.1 -> 1.3 ms a key.

The index keeps its SQLite name (tests/store/test_pg_schema.py); every query on ``cluster_id``
alone uses the two-column index as well. On an existing store the owner's first open builds it
(seconds at 10M posts, writes to posts waiting meanwhile)."""

VERSION = 3

SQL = """
DROP INDEX IF EXISTS posts_cluster;
CREATE INDEX posts_cluster ON posts (cluster_id, id);
"""
