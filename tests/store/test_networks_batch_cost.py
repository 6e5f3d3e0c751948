"""The network build reads each batch's indicators by post, not every indicator of the linking
kinds in the store: on the kind index SQLite walked the whole store's phones and messaging
links once per batch of 5,000 posts, so building the networks of 10M posts was quadratic
(1.1 s a batch at 10M instead of 0.04 s). Checked on the plans of the statements the build
runs, which is what decides it (a timing would be noise at this size)."""

from __future__ import annotations

import pytest

from tests.cli.test_networks_cli import FIRST, _write
from tests.store.test_networks import cli
from triage_app.store import networks

pytestmark = pytest.mark.sqlite_only


def test_batches_read_their_own_posts_indicators(make_store, capsys, tmp_path) -> None:
    store = make_store()
    cli(store, capsys, "import", str(_write(tmp_path / "first.jsonl", FIRST)), "--format", "jsonl")
    plans: list[str] = []
    conn = store.conn

    def explain(sql: str) -> None:  # the batch's read (the trace gives it with its values)
        if sql.startswith("SELECT DISTINCT i.kind, i.value, i.post_id, p.account_id"):
            rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            plans.append(" | ".join(str(r[-1]) for r in rows))

    seen = networks._Seen()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        networks._value_links(conn, 0, 10**9, frozenset(), 25, seen)
        networks._picture_value_links(conn, 0, 10**9, 10**9, frozenset(), 25, seen)
    finally:
        conn.set_trace_callback(None)
    for sql in statements:
        explain(sql)
    assert len(plans) == 2, plans
    by_post, by_id = plans
    assert "indicators_post" in by_post and "indicators_value" not in by_post, by_post
    assert "indicators_value" not in by_id, by_id
