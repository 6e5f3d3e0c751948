"""Statistics against what was seeded, hand-computed."""

from __future__ import annotations

import datetime as dt

import pytest

from triage_app.store.audit import verify_audit
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts, seed_history
from triage_app.store.stats import change, compute_stats, headline

TODAY = dt.date(2026, 2, 10)


@pytest.fixture
def seeded(make_store):
    store = make_store(user="sue")
    summary = seed_history(
        store,
        seed=7,
        referred={2024: 15, 2025: 21},
        taken_down={2024: 6, 2025: 7},
        awaiting_review=9,
        blind_per_analyst=5,
        today=TODAY,
    )
    return store, summary


def test_yearly_counts_and_change_on_the_year_before(seeded):
    store, summary = seeded
    stats = compute_stats(store, today=TODAY)
    years = {row["year"]: row for row in stats["referrals"]["by_year"]}
    assert sorted(years) == [2024, 2025]
    assert years[2024]["accounts_referred"] == 15 and years[2025]["accounts_referred"] == 21
    assert years[2024]["accounts_taken_down"] == 6 and years[2025]["accounts_taken_down"] == 7
    # 21 on 15: +6, +40.0% ; 7 on 6: +1, +16.7%
    assert years[2025]["referred_change"] == {"previous": 15, "change": 6, "percent": 40.0}
    assert years[2025]["taken_down_change"] == {"previous": 6, "change": 1, "percent": 16.7}
    assert years[2024]["referred_change"]["percent"] is None
    assert years[2025]["posts_referred"] == 21 * 2  # two posts per account
    assert sum(r["packs"] for r in years.values()) == summary.packs
    assert stats["referrals"]["headline"]["text"] == (
        "7 accounts taken down in 2025, up 16.7% on 6 in 2024"
    )
    assert stats["referrals"]["outcomes"]["taken_down"] == 13
    assert stats["referrals"]["outcomes"]["still_live"] == sum(summary.still_live.values())


def test_months_and_platforms_add_up_to_the_years(seeded):
    store, _ = seeded
    r = compute_stats(store, today=TODAY)["referrals"]
    months = r["by_month"]
    assert months[0]["month"] == "2024-01" and months[-1]["month"] <= "2025-12"
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)
    assert sum(m["accounts_referred"] for m in months if m["month"].startswith("2025")) == 21
    assert sum(m["accounts_taken_down"] for m in months if m["month"].startswith("2024")) == 6
    per_platform_2025 = [p for p in r["by_platform_year"] if p["year"] == 2025]
    assert sum(p["accounts_referred"] for p in per_platform_2025) == 21
    assert sum(p["accounts_taken_down"] for p in per_platform_2025) == 7
    assert r["accounts_referred"] == 36 and r["accounts_taken_down"] == 13


def test_queue_decisions_and_agreement_sections(seeded):
    store, summary = seeded
    stats = compute_stats(store, days=0, today=TODAY)
    q = stats["queue"]
    assert q["by_status"]["referred"] == 72 and q["awaiting_review"] == 9
    assert q["by_status"]["dismissed"] == 4
    assert q["total"] == 72 + 9 + 4
    assert sum(q["by_platform"].values()) == q["total"]
    assert set(q["by_tag"]) >= {"boat_crossing", "not_relevant"}
    decisions = stats["decisions"]
    assert sum(row["decisions"] for row in decisions["per_day"]) == store.scalar(
        "SELECT count(*) FROM decisions"
    )
    assert set(decisions["by_actor"]) == {"bob", "carol", "sue"}
    assert stats["agreement"]["answered"] == summary.blind_reviews == 10
    assert verify_audit(store.conn).ok


def test_decisions_window_counts_only_recent_days(make_store):
    store = make_store(user="sue")
    ids = add_posts(store, 3)
    apply_tags(store, ids, add=["boat_crossing"])
    today = dt.datetime.now(dt.UTC).date()
    recent = compute_stats(store, days=1, today=today)["decisions"]
    assert recent["per_day"] == [{"day": today.isoformat(), "actor": "sue", "decisions": 3}]
    later = compute_stats(store, days=7, today=today + dt.timedelta(days=30))["decisions"]
    assert later["per_day"] == [] and later["since"] == (today + dt.timedelta(days=24)).isoformat()


def test_median_time_from_import_to_referral_is_hand_computed(make_store):
    store = make_store(user="sue")
    ids = add_posts(store, 3)
    with store.transaction() as conn:
        for post_id, imported in zip(
            ids,
            (
                "2025-05-01T00:00:00.000000Z",
                "2025-05-01T06:00:00.000000Z",
                "2025-05-02T00:00:00.000000Z",
            ),
            strict=True,
        ):
            conn.execute("UPDATE posts SET imported_at = ? WHERE id = ?", (imported, post_id))
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r1', 'x', '[]', ?, 'p.age', 'sue', "
            "'2025-05-03T00:00:00.000000Z', 3)",
            ("0" * 64,),
        )
        conn.executemany(
            "INSERT INTO referral_items(referral_id, post_id, account_id) "
            "SELECT ?, id, account_id FROM posts WHERE id = ?",
            [(cur.lastrowid, p) for p in ids],
        )
    # 48 h, 42 h, 24 h -> median 42 h
    t = compute_stats(store)["time_to_referral"]
    assert t["referred_posts"] == 3 and t["median_hours"] == 42.0
    assert t["by_year"] == [{"year": 2025, "referred_posts": 3, "median_hours": 42.0}]


def test_an_empty_store_has_zeros_and_no_headline(make_store):
    stats = compute_stats(make_store())
    assert stats["queue"]["total"] == 0
    assert stats["referrals"]["by_year"] == [] and stats["referrals"]["headline"] is None
    assert stats["time_to_referral"]["median_hours"] is None
    assert stats["agreement"]["overall"]["relevance"]["kappa"] is None


def test_change_and_headline_wording():
    assert change(8000, 5600) == {"previous": 5600, "change": 2400, "percent": 42.9}
    assert change(5, 0)["percent"] is None
    rows = [{"year": 2025, "accounts_taken_down": 8000, "taken_down_change": change(8000, 5714)}]
    assert headline(rows)["text"] == "8,000 accounts taken down in 2025, up 40% on 5,714 in 2024"
    rows[0]["taken_down_change"] = change(8000, 10000)
    assert headline(rows)["text"].endswith("down 20% on 10,000 in 2024")
    assert headline(rows, current_year=2025)["text"] == (
        "8,000 accounts taken down so far in 2025, down 20% on 10,000 in 2024"
    )


def test_seeding_refuses_impossible_counts(make_store):
    from triage_app.core.errors import UsageError

    store = make_store()
    with pytest.raises(UsageError, match="only 2 referred"):
        seed_history(store, referred={2024: 2}, taken_down={2024: 3}, today=TODAY)
    assert store.scalar("SELECT count(*) FROM posts") == 0


def build_big_store(store, posts: int) -> None:
    """A synthetic store of ``posts`` posts in bulk SQL: a fifth tagged, a tenth referred over
    two years with outcomes, two decisions per tagged post (what a busy year looks like)."""
    seed_history(
        store,
        seed=1,
        referred={2024: 50, 2025: 70},
        taken_down={2024: 30, 2025: 42},
        awaiting_review=0,
        blind_per_analyst=10,
        today=TODAY,
    )
    platforms = "'x','facebook','tiktok','telegram','youtube','instagram'"
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
            "VALUES ('big', 'big', '0', 0, 'bulk', 'sue', '2025-01-01T00:00:00Z')"
        )
        import_id = conn.execute("SELECT id FROM imports WHERE uuid = 'big'").fetchone()[0]
        conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {posts}) "
            "INSERT INTO accounts(uuid, platform, platform_account_id, handle) "
            f"SELECT 'acc' || i, json_extract(json_array({platforms}), '$[' || (i % 6) || ']'), "
            "'big' || i, 'h' || i FROM n WHERE i % 5 = 0"
        )
        conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {posts}) "
            "INSERT INTO posts(uuid, platform, platform_post_id, account_id, text, status, "
            "priority, import_id, imported_at) "
            f"SELECT 'big' || i, json_extract(json_array({platforms}), '$[' || (i % 6) || ']'), "
            "'big' || i, NULL, 'advert number ' || i, CASE WHEN i % 10 = 0 THEN 'referred' "
            "WHEN i % 5 = 0 THEN 'tagged' WHEN i % 7 = 0 THEN 'dismissed' ELSE 'new' END, "
            f"(i % 97) / 97.0, {import_id}, "
            "strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || (i % 700) || ' days') FROM n"
        )
        conn.execute(
            "INSERT INTO post_tags(post_id, tag, actor, at) SELECT id, CASE WHEN status = "
            "'dismissed' THEN 'not_relevant' ELSE 'boat_crossing' END, CASE WHEN id % 2 THEN "
            "'bob' ELSE 'carol' END, imported_at FROM posts WHERE uuid LIKE 'big%' AND status "
            "!= 'new'"
        )
        conn.execute(
            "INSERT INTO decisions(uuid, post_id, kind, tag, actor, at) SELECT 'd' || post_id, "
            "post_id, 'tag', tag, actor, at FROM post_tags"
        )
        conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) SELECT 'bigref' || m || p, p, '[]', '0', 'p', 'sue', "
            "strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-15', '+' || m || ' months'), 0 FROM "
            "(WITH RECURSIVE k(m) AS (SELECT 0 UNION ALL SELECT m + 1 FROM k WHERE m < 23) "
            f"SELECT m FROM k), (SELECT value AS p FROM json_each(json_array({platforms})))"
        )
        conn.execute(
            "INSERT INTO referral_items(referral_id, post_id, account_id) "
            "SELECT r.id, p.id, (SELECT id FROM accounts WHERE uuid = 'acc' || substr(p.uuid, 4)) "
            "FROM posts p JOIN referrals r ON r.uuid = 'bigref' || ((p.id / 10) % 24) || "
            "p.platform WHERE p.status = 'referred' AND p.uuid LIKE 'big%'"
        )
        conn.execute(
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at) "
            "SELECT 'o' || ri.account_id, ri.account_id, CASE WHEN ri.account_id % 3 THEN "
            "'taken_down' ELSE 'still_live' END, substr(r.created_at, 1, 10), 'sue', "
            "r.created_at FROM referral_items ri JOIN referrals r ON r.id = ri.referral_id "
            "WHERE r.uuid LIKE 'bigref%' AND ri.account_id IS NOT NULL"
        )


@pytest.mark.slow
@pytest.mark.sqlite_only("builds its million posts with SQLite's own SQL (json_array, strftime)")
def test_stats_stay_fast_on_a_million_posts(make_store):
    """compute_stats holds at a million posts (its time is printed; the speed target lives in
    tests/perf/bench.py's stats figure, not here)."""
    import time

    store = make_store(user="sue")
    build_big_store(store, 1_000_000)
    started = time.perf_counter()
    stats = compute_stats(store, today=TODAY)
    elapsed = time.perf_counter() - started
    assert stats["queue"]["total"] >= 1_000_000
    assert stats["queue"]["by_status"]["referred"] >= 100_000
    print(f"compute_stats on {stats['queue']['total']:,} posts: {elapsed:.2f} s")
