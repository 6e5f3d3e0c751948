"""The queue queries: filters, sort orders, full-text search and its plain error, page rows."""

from __future__ import annotations

import time

import pytest

from tests.ui.fill import fill_posts
from triage_app.core.errors import TriageError
from triage_app.store.decisions import apply_tags, claim
from triage_app.store.queue import QueueQuery, is_rtl, queue_ids, queue_rows


@pytest.fixture
def store(make_store):
    s = make_store()
    fill_posts(s, 600)
    return s


def _plain_ids(store, sql, params=()):
    return [r[0] for r in store.execute(sql, params)]


def test_default_order_is_priority_then_id(store):
    ids = list(queue_ids(store, QueueQuery()))
    assert ids == _plain_ids(store, "SELECT id FROM posts ORDER BY priority DESC, id ASC")
    assert len(ids) == 600


@pytest.mark.parametrize(
    "sort,sql",
    [
        ("posted", "SELECT id FROM posts ORDER BY posted_at {d}, id {d}"),
        ("platform", "SELECT id FROM posts ORDER BY platform {d}, id {d}"),
        ("status", "SELECT id FROM posts ORDER BY status {d}, id {d}"),
        ("text", "SELECT id FROM posts ORDER BY text {d}, id {d}"),
    ],
)
@pytest.mark.parametrize("descending", [True, False])
def test_sort_orders_match_sql(store, sort, sql, descending):
    d = "DESC" if descending else "ASC"
    got = list(queue_ids(store, QueueQuery(sort=sort, descending=descending)))
    assert got == _plain_ids(store, sql.format(d=d))


def test_priority_ascending_is_the_reverse(store):
    down = list(queue_ids(store, QueueQuery()))
    up = list(queue_ids(store, QueueQuery(descending=False)))
    assert up == down[::-1]


def test_filters_combine(store):
    ids = set(queue_ids(store, QueueQuery(platform="telegram", language="ar")))
    expected = set(
        _plain_ids(store, "SELECT id FROM posts WHERE platform = 'telegram' AND language = 'ar'")
    )
    assert ids == expected and ids


def test_status_and_tag_filters_follow_decisions(store):
    first = list(queue_ids(store, QueueQuery()))[:3]
    apply_tags(store, first, add=["boat_crossing"])
    assert set(queue_ids(store, QueueQuery(tag="boat_crossing"))) == set(first)
    assert set(queue_ids(store, QueueQuery(status="tagged"))) == set(first)
    assert len(queue_ids(store, QueueQuery(status="new"))) == 597


def test_only_mine_means_decided_or_claimed_by_me(store):
    ids = list(queue_ids(store, QueueQuery()))
    apply_tags(store, [ids[5]], add=["escalate"])
    claim(store, ids[9])
    assert set(queue_ids(store, QueueQuery(only_mine=True))) == {ids[5], ids[9]}


def test_date_range_is_from_inclusive_to_exclusive(store):
    lo, hi = 1_700_000_000 + 86400 * 10, 1_700_000_000 + 86400 * 20
    got = set(queue_ids(store, QueueQuery(date_from=lo, date_to=hi)))
    assert got == set(
        _plain_ids(store, "SELECT id FROM posts WHERE posted_at >= ? AND posted_at < ?", (lo, hi))
    )


def test_search_uses_fts_and_keeps_queue_order(store):
    got = list(queue_ids(store, QueueQuery(search="passports")))
    assert got
    texts = [store.scalar("SELECT text FROM posts WHERE id = ?", (i,)) for i in got]
    assert all("passports" in t.lower() for t in texts)
    full = list(queue_ids(store, QueueQuery()))
    assert got == [i for i in full if i in set(got)]


def test_search_in_arabic_script(store):
    got = queue_ids(store, QueueQuery(search="إيطاليا"))
    assert len(got) == 50  # one text in twelve of 600 posts


@pytest.mark.parametrize("bad", ['"unclosed', "AND", "text:(", "NOT", "a OR"])
def test_malformed_search_is_one_plain_line(store, bad):
    with pytest.raises(TriageError) as info:
        queue_ids(store, QueueQuery(search=bad))
    message = str(info.value)
    assert message.startswith("Search not understood")
    assert "\n" not in message and "Traceback" not in message


def test_unknown_status_and_sort_are_refused(store):
    with pytest.raises(TriageError, match="Unknown status"):
        queue_ids(store, QueueQuery(status="maybe"))
    with pytest.raises(TriageError, match="Cannot sort"):
        queue_ids(store, QueueQuery(sort="colour"))


def test_pivot_limits_to_the_list(store):
    ids = list(queue_ids(store, QueueQuery()))
    pick = (ids[100], ids[3], ids[50])
    got = list(queue_ids(store, QueueQuery(pivot=pick)))
    assert got == [ids[3], ids[50], ids[100]]
    assert list(queue_ids(store, QueueQuery(pivot=()))) == []


def test_rows_come_back_in_the_order_asked(store):
    ids = list(queue_ids(store, QueueQuery()))[:40][::-1]
    apply_tags(store, [ids[0]], add=["fake_documents", "escalate"])
    rows = queue_rows(store, ids + [999_999])
    assert [r.id for r in rows] == ids
    assert rows[0].tags == ("escalate", "fake_documents")
    assert all("\n" not in r.snippet and len(r.snippet) <= 160 for r in rows)
    arabic = [r for r in rows if r.language == "ar"]
    assert arabic and all(r.rtl for r in arabic)
    assert not any(r.rtl for r in rows if r.language in ("en", "fr", "es"))
    clustered = [r for r in rows if r.cluster_size]
    for r in clustered:
        cid = store.scalar("SELECT cluster_id FROM posts WHERE id = ?", (r.id,))
        assert r.cluster_size == store.scalar(
            "SELECT count(*) FROM posts WHERE cluster_id = ?", (cid,)
        )


def test_is_rtl_looks_at_the_first_strong_letter():
    assert is_rtl("  123 رحلة")
    assert is_rtl("#12 گەشتی")
    assert not is_rtl("Hello رحلة")
    assert not is_rtl("")


def test_queue_of_many_posts_is_quick(make_store):
    s = make_store("big.db")
    fill_posts(s, 50_000, seed=3)
    start = time.perf_counter()
    ids = queue_ids(s, QueueQuery())
    elapsed = time.perf_counter() - start
    assert len(ids) == 50_000
    assert elapsed < 0.5  # about 5 ms on a laptop; a regression to per-row Python shows here


def test_search_over_ids_in_memory_matches_the_sql_search(store):
    from triage_app.store.queue import keep_only, search_hits

    for base in (QueueQuery(), QueueQuery(platform="x", sort="posted"), QueueQuery(status="new")):
        ids = queue_ids(store, base)
        for text in ("passports", "boat OR bateau", "إيطاليا", "nothingmatches"):
            via_sql = queue_ids(store, QueueQuery(**{**base.__dict__, "search": text}))
            assert keep_only(ids, search_hits(store, text)) == via_sql


def test_search_hits_refuses_bad_syntax_plainly(store):
    from triage_app.store.queue import search_hits

    with pytest.raises(TriageError, match="Search not understood"):
        search_hits(store, '"unclosed')


def test_ids_are_read_in_slices_without_losing_or_reordering_any(store, monkeypatch):
    """queue_ids reads the ids a slice at a time into its array (a 10M-post queue held as text
    beside the array took 499 MB): slices smaller than the queue give the same list."""
    from triage_app.store import queue

    whole = list(queue_ids(store, QueueQuery()))
    monkeypatch.setattr(queue, "ID_SLICE", 7)
    assert list(queue_ids(store, QueueQuery())) == whole
    searched = list(queue_ids(store, QueueQuery(search="boat")))
    monkeypatch.setattr(queue, "ID_SLICE", 65536)
    assert searched == list(queue_ids(store, QueueQuery(search="boat")))
    assert list(queue_ids(store, QueueQuery(), limit=10)) == whole[:10]


def test_a_page_reads_cluster_sizes_without_counting_their_posts(store):
    """A page's cluster sizes come from ``clusters`` (kept by enrichment): counting each
    cluster's posts took 0.9 s a page at 10M posts, where clusters hold 100,000 posts."""
    ids = list(queue_ids(store, QueueQuery()))[:200]
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        rows = queue_rows(store, ids)
    finally:
        store.conn.set_trace_callback(None)
    clustered = [r for r in rows if r.cluster_size]
    assert clustered  # the sizes are there, and right
    for r in clustered:
        cid = store.scalar("SELECT cluster_id FROM posts WHERE id = ?", (r.id,))
        assert r.cluster_size == store.scalar(
            "SELECT count(*) FROM posts WHERE cluster_id = ?", (cid,)
        )
    assert not [s for s in statements if "count(*)" in s and "cluster_id" in s]
