"""The numbers supervisors answer for: the queue, decisions per analyst per day, referrals and
takedowns per month, year and platform with the change on the year before, time from import to
referral, and review agreement. ``triage stats --json`` and the statistics view both print
:func:`compute_stats`, so they always agree.

Definitions (docs/supervision.md repeats them for readers of the figures):

* an account is *referred* in the month of the first referral pack that named it;
* an account is *taken down* in the month of its first "taken down" outcome;
* a post is *referred* in the month of the first pack that contained it;
* time to referral is from the post's import to its first referral pack.

Every query is a GROUP BY over an indexed column (``posts`` by status/platform, ``post_tags``
by tag, ``decisions`` by day), so the figures stay quick on a store of a million posts."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..core.workflow import OUTCOMES, STATUSES
from .blind_review import agreement_report
from .connection import Store

SCHEMA_VERSION = 1
DEFAULT_DAYS = 30


def compute_stats(
    store: Store, *, days: int = DEFAULT_DAYS, today: dt.date | None = None
) -> dict[str, Any]:
    """Every figure, as plain JSON-ready data (the documented shape of ``stats --json``)."""
    today = today or dt.datetime.now(dt.UTC).date()
    posts_rows = referred_posts(store)
    return {
        "schema_version": SCHEMA_VERSION,
        "store_id": store.store_id,
        "queue": queue_stats(store),
        "decisions": decision_stats(store, days=days, today=today),
        "referrals": referral_stats(store, posts_rows, current_year=today.year),
        "time_to_referral": time_to_referral(store, posts_rows),
        "agreement": agreement_report(store),
        "networks": network_disruption(store),
    }


def network_disruption(store: Store) -> dict[str, Any]:
    """Networks referred, fully taken down and returned, with the median days until they
    returned, per year and per platform and year (store/network_disruption.py)."""
    from .network_disruption import disruption_report  # networkx: only when figures are asked

    return disruption_report(store)


# -- queue --------------------------------------------------------------------------------------
def queue_stats(store: Store) -> dict[str, Any]:
    from .networks import returning_counts

    by_status = dict.fromkeys(STATUSES, 0)
    for status, count in store.execute("SELECT status, count(*) FROM posts GROUP BY status"):
        by_status[status] = int(count)
    by_platform = {
        str(p): int(c)
        for p, c in store.execute(
            "SELECT platform, count(*) FROM posts GROUP BY platform ORDER BY platform"
        )
    }
    by_tag = dict.fromkeys(store.taxonomy, 0)
    for tag, count in store.execute("SELECT tag, count(*) FROM post_tags GROUP BY tag"):
        by_tag[tag] = int(count)
    return {
        "total": sum(by_status.values()),
        "awaiting_review": by_status["tagged"],
        "by_status": by_status,
        "by_platform": by_platform,
        "by_tag": by_tag,
        # posts returning after a takedown (store/networks.py)
        "returning": returning_counts(store),
    }


# -- decisions ----------------------------------------------------------------------------------
def decision_stats(store: Store, *, days: int, today: dt.date) -> dict[str, Any]:
    """Decisions per analyst per day over the last ``days`` days (0: all time)."""
    since = (today - dt.timedelta(days=days - 1)).isoformat() if days > 0 else ""
    rows = store.execute(
        "SELECT substr(at, 1, 10) AS day, actor, count(*) FROM decisions WHERE at >= ? "
        "GROUP BY day, actor ORDER BY day, actor",
        (since,),
    ).fetchall()
    per_day = [{"day": d, "actor": a, "decisions": int(c)} for d, a, c in rows]
    by_actor: Counter[str] = Counter()
    for _day, actor, count in rows:
        by_actor[str(actor)] += int(count)
    return {
        "days": days,
        "since": since or None,
        "until": today.isoformat(),
        "per_day": per_day,
        "by_actor": dict(sorted(by_actor.items())),
    }


# -- referrals and takedowns ----------------------------------------------------------------------
def change(current: int, previous: int) -> dict[str, Any]:
    """The change on the year before, as agencies publish it (percent None when from zero)."""
    percent = None if previous == 0 else round((current - previous) * 100.0 / previous, 1)
    return {"previous": previous, "change": current - previous, "percent": percent}


def _months(rows: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for month, platform, count in rows:
        if month:
            out[(str(month), str(platform))] = out.get((str(month), str(platform)), 0) + int(count)
    return out


# Per (month, platform): accounts by their first referral, accounts by their first takedown,
# posts by their first referral. Each inner query groups on an indexed column.
_REFERRED_ACCOUNTS = """
SELECT substr(f.at, 1, 7), a.platform, count(*)
FROM (SELECT ri.account_id AS account_id, min(r.created_at) AS at
      FROM referral_items ri JOIN referrals r ON r.id = ri.referral_id
      WHERE ri.account_id IS NOT NULL GROUP BY ri.account_id) f
JOIN accounts a ON a.id = f.account_id GROUP BY 1, 2
"""
_TAKEN_DOWN_ACCOUNTS = """
SELECT substr(f.on_date, 1, 7), a.platform, count(*)
FROM (SELECT account_id, min(on_date) AS on_date FROM outcomes
      WHERE outcome = 'taken_down' GROUP BY account_id) f
JOIN accounts a ON a.id = f.account_id GROUP BY 1, 2
"""
# One row per referred post: its first referral, that pack's platform, and hours since import.
# Both the posts-per-month figures and the time to referral come from this one pass. The first
# pack is picked with row_number() (SQLite 3.25+ and PostgreSQL alike), not with a bare column
# beside min(), which only SQLite reads as "from the min() row".
_REFERRED_POSTS = """
SELECT f.at, f.platform, (julianday(f.at) - julianday(p.imported_at)) * 24.0
FROM (SELECT ri.post_id AS post_id, r.created_at AS at, r.platform AS platform,
             row_number() OVER (PARTITION BY ri.post_id ORDER BY r.created_at, r.id) AS n
      FROM referral_items ri JOIN referrals r ON r.id = ri.referral_id
      WHERE ri.post_id IS NOT NULL) f
JOIN posts p ON p.id = f.post_id
WHERE f.n = 1
"""
# The latest outcome of each account: the latest date, the last recorded on that date.
_LATEST_OUTCOMES = """
SELECT l.outcome, count(*) FROM (
    SELECT outcome,
           row_number() OVER (PARTITION BY account_id ORDER BY on_date DESC, id DESC) AS n
    FROM outcomes) l
WHERE l.n = 1
GROUP BY l.outcome
"""

ReferredPost = tuple[str, str, float | None]  # first referral time, platform, hours from import


def referred_posts(store: Store) -> list[ReferredPost]:
    return [
        (str(at), str(platform), hours) for at, platform, hours in store.execute(_REFERRED_POSTS)
    ]


def referral_stats(
    store: Store, posts_rows: list[ReferredPost] | None = None, *, current_year: int | None = None
) -> dict[str, Any]:
    referred = _months(store.execute(_REFERRED_ACCOUNTS))
    taken = _months(store.execute(_TAKEN_DOWN_ACCOUNTS))
    if posts_rows is None:
        posts_rows = referred_posts(store)
    posts: dict[tuple[str, str], int] = {}
    for at, platform, _hours in posts_rows:
        key = (at[:7], platform)
        posts[key] = posts.get(key, 0) + 1
    packs = _months(
        store.execute(
            "SELECT substr(created_at, 1, 7), platform, count(*) FROM referrals GROUP BY 1, 2"
        )
    )

    months = sorted(
        {m for m, _ in referred}
        | {m for m, _ in taken}
        | {m for m, _ in posts}
        | {m for m, _ in packs}
    )
    platforms = sorted(
        {p for _, p in referred}
        | {p for _, p in taken}
        | {p for _, p in posts}
        | {p for _, p in packs}
    )
    all_months = _month_range(months[0], months[-1]) if months else []
    years = list(range(int(months[0][:4]), int(months[-1][:4]) + 1)) if months else []

    def total(table: dict[tuple[str, str], int], prefix: str, platform: str | None = None) -> int:
        return sum(
            c
            for (m, p), c in table.items()
            if m.startswith(prefix) and (platform is None or p == platform)
        )

    by_month = [
        {
            "month": m,
            "accounts_referred": total(referred, m),
            "accounts_taken_down": total(taken, m),
            "posts_referred": total(posts, m),
            "packs": total(packs, m),
        }
        for m in all_months
    ]
    by_year = []
    for y in years:
        ref, prev_ref = total(referred, str(y)), total(referred, str(y - 1))
        down, prev_down = total(taken, str(y)), total(taken, str(y - 1))
        by_year.append(
            {
                "year": y,
                "accounts_referred": ref,
                "accounts_taken_down": down,
                "posts_referred": total(posts, str(y)),
                "packs": total(packs, str(y)),
                "referred_change": change(ref, prev_ref),
                "taken_down_change": change(down, prev_down),
            }
        )
    by_platform_year = []
    for platform in platforms:
        for y in years:
            ref, prev_ref = total(referred, str(y), platform), total(referred, str(y - 1), platform)
            down = total(taken, str(y), platform)
            prev_down = total(taken, str(y - 1), platform)
            by_platform_year.append(
                {
                    "platform": platform,
                    "year": y,
                    "accounts_referred": ref,
                    "accounts_taken_down": down,
                    "referred_change": change(ref, prev_ref),
                    "taken_down_change": change(down, prev_down),
                }
            )
    return {
        "accounts_referred": sum(referred.values()),
        "accounts_taken_down": sum(taken.values()),
        "outcomes": _current_outcomes(store, sum(referred.values())),
        "by_year": by_year,
        "by_month": by_month,
        "by_platform_year": by_platform_year,
        "headline": headline(by_year, current_year),
    }


def _month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _current_outcomes(store: Store, referred_accounts: int) -> dict[str, int]:
    """Referred accounts by their latest outcome (by date), and those with none yet."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for outcome, count in store.execute(_LATEST_OUTCOMES):
        counts[str(outcome)] = int(count)
    counts["no_outcome"] = max(referred_accounts - sum(counts.values()), 0)
    return counts


def headline(
    by_year: list[dict[str, Any]], current_year: int | None = None
) -> dict[str, Any] | None:
    """The sentence agencies publish, for the latest year: "8,000 accounts taken down in 2025,
    up 40% on 5,600 in 2024" ("so far in" while that year is still running)."""
    if not by_year:
        return None
    row = by_year[-1]
    year, down, chg = row["year"], row["accounts_taken_down"], row["taken_down_change"]
    so_far = "so far " if year == current_year else ""
    text = f"{down:,} accounts taken down {so_far}in {year}"
    if chg["percent"] is None:
        text += f" (none in {year - 1})"
    elif chg["percent"] == 0:
        text += f", the same as in {year - 1}"
    else:
        word = "up" if chg["percent"] > 0 else "down"
        text += (
            f", {word} {_percent_text(abs(chg['percent']))} on {chg['previous']:,} in {year - 1}"
        )
    return {
        "year": year,
        "accounts_taken_down": down,
        "previous": chg["previous"],
        "percent": chg["percent"],
        "text": text,
    }


def _percent_text(value: float) -> str:
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


# -- time to referral ---------------------------------------------------------------------------
def time_to_referral(store: Store, posts_rows: list[ReferredPost] | None = None) -> dict[str, Any]:
    """Median hours from a post's import to its first referral, overall and per year."""
    if posts_rows is None:
        posts_rows = referred_posts(store)
    per_year: dict[int, list[float]] = {}
    for at, _platform, hours in posts_rows:
        if hours is not None:
            per_year.setdefault(int(at[:4]), []).append(max(float(hours), 0.0))
    every = [h for hours in per_year.values() for h in hours]
    return {
        "referred_posts": len(every),
        "median_hours": _median(every),
        "by_year": [
            {"year": y, "referred_posts": len(h), "median_hours": _median(h)}
            for y, h in sorted(per_year.items())
        ],
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
