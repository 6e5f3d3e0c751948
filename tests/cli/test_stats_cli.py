"""`triage stats --json` on a store seeded with two years of referrals and outcomes."""

from __future__ import annotations

import datetime as dt
import json
import time

from triage_app.cli import main
from triage_app.store.demo_history import seed_history


def test_stats_json_gives_the_yearly_counts_and_change(make_store, capsys):
    store = make_store()
    seed_history(
        store,
        seed=3,
        referred={2023: 50, 2024: 70},
        taken_down={2023: 20, 2024: 28},
        awaiting_review=5,
        blind_per_analyst=3,
        today=dt.date(2025, 1, 5),
    )
    assert main(["--db", str(store.path), "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["schema_version"] == 1
    by_year = {r["year"]: r for r in stats["referrals"]["by_year"]}
    assert (by_year[2023]["accounts_referred"], by_year[2024]["accounts_referred"]) == (50, 70)
    assert (by_year[2023]["accounts_taken_down"], by_year[2024]["accounts_taken_down"]) == (20, 28)
    # 28 on 20 = +8 = +40%; 70 on 50 = +20 = +40%
    assert by_year[2024]["taken_down_change"] == {"previous": 20, "change": 8, "percent": 40.0}
    assert by_year[2024]["referred_change"]["percent"] == 40.0
    assert stats["referrals"]["headline"]["text"] == (
        "28 accounts taken down in 2024, up 40% on 20 in 2023"
    )
    assert stats["queue"]["awaiting_review"] == 5
    assert set(stats) == {
        "schema_version",
        "store_id",
        "queue",
        "decisions",
        "referrals",
        "time_to_referral",
        "agreement",
        "networks",
    }


def test_stats_text_and_bad_days(make_store, capsys):
    store = make_store()
    seed_history(
        store,
        seed=1,
        referred={2024: 4, 2025: 5},
        taken_down={2024: 2, 2025: 3},
        awaiting_review=2,
        blind_per_analyst=0,
        today=dt.date(2025, 6, 1),
    )
    assert main(["--db", str(store.path), "stats"]) == 0
    out = capsys.readouterr().out
    assert "3 accounts taken down in 2025, up 50% on 2 in 2024" in out
    assert "2025: 5 accounts referred (+25.0% on 2024), 3 taken down" in out
    assert main(["--db", str(store.path), "stats", "--days", "-1"]) == 2
    assert "--days: must be between 0 and" in capsys.readouterr().err


def test_stats_on_a_missing_store_is_one_line(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.db"), "stats"]) == 1
    assert capsys.readouterr().err.startswith("error: No store at")


def test_stats_stays_quick_on_a_store_with_history(make_store, capsys):
    store = make_store()
    seed_history(
        store,
        seed=2,
        referred={2024: 600, 2025: 800},
        taken_down={2024: 300, 2025: 420},
        today=dt.date(2025, 12, 31),
    )
    started = time.perf_counter()
    assert main(["--db", str(store.path), "stats", "--json"]) == 0
    assert time.perf_counter() - started < 2.0
    assert json.loads(capsys.readouterr().out)["referrals"]["accounts_referred"] == 1400
