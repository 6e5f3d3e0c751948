"""A cluster's posts in id order from one index on a team server (server step 3,
pg_migrations/s003_cluster_order.py): the compare pane's near-duplicates read the newest
members of a cluster after every tag key, and with an index on ``cluster_id`` alone the server
walked the primary key backwards through the whole table instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.store.keys_helpers import write_posts
from triage_app.ingest.pipeline import import_paths
from triage_app.store.connection import open_store
from triage_app.store.pivots import near_duplicates


@pytest.mark.postgresql
def test_the_cluster_index_holds_the_ids_in_order(pg_server: Any) -> None:
    store = open_store(pg_server.fresh_database(), create=True)
    try:
        definition = store.scalar("SELECT pg_get_indexdef('posts_cluster'::regclass)")
        assert definition.endswith("(cluster_id, id)"), definition
    finally:
        store.close()


@pytest.mark.postgresql
def test_a_large_cluster_s_newest_members_are_read_from_the_index(
    pg_server: Any, tmp_path: Path
) -> None:
    """20,000 posts, one cluster of 303 spread through them: the plan reads the cluster's
    index backwards (no sort, no walk of the primary key), and gives the same posts as a plain
    read. (Without the id in the index this store's plan sorts the cluster; on 100,000 posts
    the server walked the primary key instead.)"""
    store = open_store(pg_server.fresh_database(), create=True)
    try:
        import_paths(store, [write_posts(tmp_path / "posts.jsonl", 20_000)], enrich=False)
        raw = store.conn.raw
        raw.execute("UPDATE posts SET cluster_id = 1 WHERE id % 66 = 0")
        raw.execute("ANALYZE posts")
        newest = store.scalar("SELECT max(id) FROM posts WHERE cluster_id = 1")
        plan = "\n".join(
            r[0]
            for r in raw.execute(
                "EXPLAIN SELECT p.id, p.platform, t.signature FROM posts p "
                "LEFT JOIN text_signatures t ON t.post_id = p.id "
                "WHERE p.cluster_id = 1 AND p.id != %s ORDER BY p.id DESC LIMIT 200",
                (newest,),
            )
        )
        # read in id order from the cluster's own entries: no sort, no walk of the primary key
        assert "Index Scan Backward using posts_cluster" in plan, plan
        assert "Sort" not in plan and "posts_pkey" not in plan, plan
        hits = [h.post_id for h in near_duplicates(store, newest)]
        expected = [
            r[0]
            for r in raw.execute(
                "SELECT id FROM posts WHERE cluster_id = 1 AND id != %s ORDER BY id DESC LIMIT 50",
                (newest,),
            )
        ]
        assert hits == expected  # no signatures: newest first
    finally:
        store.close()
