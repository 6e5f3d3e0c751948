"""Server-only step 3 (PostgreSQL only): a cluster's posts in id order, from its index.

Why: the compare pane shows a post's near-duplicates (store/pivots.near_duplicates), read as a
cluster's newest members: ``WHERE cluster_id = ? ORDER BY id DESC LIMIT 200``, after every tag
key. SQLite's ``posts_cluster`` index keeps each entry's rowid, so within a cluster its entries
are already in id order. PostgreSQL's index on ``(cluster_id)`` alone does not, and the planner
walked the primary key backwards instead, filtering on the cluster: at 100,000 posts it read
18,000 rows for 200, 2.6 ms at the median and 13.9 ms at p90 of the server's time (the largest
single item of a team server's key cycle: 11 ms a key in the window's benchmark,
2026-12-05). With ``(cluster_id, id)`` it reads the 200 entries it returns: 0.39 ms at the
median, 0.57 ms at p90, 1.1 ms at most (100 random posts of clusters over 50 posts).

The index keeps its SQLite name (tests/store/test_pg_schema.py); every query on ``cluster_id``
alone uses the two-column index as well. On an existing store the owner's first open builds it
(seconds at 10M posts, writes to posts waiting meanwhile)."""

VERSION = 3

SQL = """
DROP INDEX IF EXISTS posts_cluster;
CREATE INDEX posts_cluster ON posts (cluster_id, id);
"""
