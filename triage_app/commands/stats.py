"""`triage stats [--json]`: the statistics view's numbers (see docs/supervision.md for the
JSON shape)."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.errors import UsageError
from ..store.stats import DEFAULT_DAYS, compute_stats
from .context import CommandContext
from .numbers import number

MAX_DAYS = 36_500  # a hundred years


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help="queue, decisions, referrals, takedowns and agreement")
    p.add_argument("--json", action="store_true", help="every figure as JSON (stable, documented)")
    p.add_argument(
        "--days",
        type=number("--days", maximum=MAX_DAYS),
        default=DEFAULT_DAYS,
        help=f"decisions per analyst over the last N days (default {DEFAULT_DAYS}; 0 for all time)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.days < 0:
        raise UsageError("--days must be 0 (all time) or more")
    stats = compute_stats(ctx.store(), days=args.days)
    if args.json:
        ctx.print_json(stats)
        return 0
    for line in summary_lines(stats):
        ctx.print(line)
    return 0


def summary_lines(stats: dict[str, Any]) -> list[str]:
    """The figures a person reads first, one per line."""
    q, r, t = stats["queue"], stats["referrals"], stats["time_to_referral"]
    if not q["total"]:
        return [
            "No posts in this store yet: import exports with 'triage import PATH' "
            "(or try 'triage demo')"
        ]
    platforms = ", ".join(f"{k} {v:,}" for k, v in q.get("by_platform", {}).items() if v)
    lines = [
        f"Posts: {q['total']:,}" + (f" ({platforms})" if platforms else ""),
        "By status: " + ", ".join(f"{k} {v:,}" for k, v in q["by_status"].items() if v),
    ]
    new = q["by_status"].get("new", 0)
    decided = q["total"] - new
    if not decided:
        lines.append(
            f"Nothing tagged yet: all {q['total']:,} posts are new, waiting for an analyst"
        )
    elif q["awaiting_review"]:
        lines.append(f"Awaiting a supervisor's review: {q['awaiting_review']:,} tagged posts")
    else:
        lines.append("Awaiting a supervisor's review: none (no tagged post is waiting)")
    back = q.get("returning", {})
    if back.get("posts"):
        lines.append(
            f"Returning after a takedown: {back['posts']:,} post{'s' if back['posts'] != 1 else ''}"
            f" from {back['accounts']:,} account{'s' if back['accounts'] != 1 else ''}"
            f" ({back['waiting']:,} waiting)"
        )
    tags = sorted(((v, k) for k, v in q.get("by_tag", {}).items() if v), reverse=True)
    if tags:
        lines.append("Tags: " + ", ".join(f"{k} {v:,}" for v, k in tags))
    if not r["by_year"]:
        lines.append("Referrals: none yet")
    if r["headline"]:
        lines.append(r["headline"]["text"])
    for row in r["by_year"]:
        pct = row["referred_change"]["percent"]
        change = "" if pct is None else f" ({pct:+.1f}% on {row['year'] - 1})"
        lines.append(
            f"{row['year']}: {row['accounts_referred']:,} accounts referred{change}, "
            f"{row['accounts_taken_down']:,} taken down, {row['packs']:,} packs"
        )
    for row in stats.get("networks", {}).get("by_year", []):
        days = row["median_days_to_return"]
        lines.append(
            f"Networks {row['year']}: {row['referred']:,} referred, {row['taken_down']:,} fully "
            f"taken down, {row['returned']:,} returned after a takedown"
            + (f" (median {days:g} days until they did)" if days is not None else "")
        )
    if t["median_hours"] is not None:
        lines.append(
            f"Median time from import to referral: {t['median_hours']:.1f} hours "
            f"({t['referred_posts']:,} posts)"
        )
    a = stats["agreement"]
    if a["answered"]:
        k = a["overall"]["relevance"]["kappa"]
        lines.append(
            f"Blind review: {a['answered']} answered, relevance kappa "
            f"{'n/a' if k is None else f'{k:.2f}'}"
        )
    return lines
