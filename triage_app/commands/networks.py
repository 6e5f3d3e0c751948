"""`triage networks [--json]` and `triage network ACCOUNT [--json]`: networks of accounts linked
by what they share (store/networks.py, docs/networks.md)."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.errors import TriageError, UsageError
from .context import CommandContext
from .numbers import number

STATUS_WORDS = {
    "new": "new",
    "referred": "referred",
    "still_live": "referred, still live",
    "taken_down": "taken down",
}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "networks",
        help="networks of accounts that share phones, messaging links, handles or near-duplicates",
        description=(
            "Accounts are linked when they share a phone number, a messaging link or group, a "
            "payment or e-mail handle, or a near-duplicate text or picture; a network is a set "
            "of accounts linked to each other, on any platforms. Values on the stop list, or "
            "on too many accounts, link nobody."
        ),
    )
    p.add_argument("--json", action="store_true", help="every network as JSON")
    p.add_argument(
        "--limit",
        type=number("--limit", maximum=10_000_000),
        default=50,
        help="networks listed (default 50; 0 all)",
    )
    p.add_argument(
        "--stats",
        action="store_true",
        help="disruption statistics per platform and year (referred, taken down, returned)",
    )
    p.add_argument("--csv", metavar="FILE", help="with --stats: write them to FILE as CSV")
    p.add_argument("--stop", metavar="VALUE", help="put VALUE on the stop list (supervisor)")
    p.add_argument("--unstop", metavar="VALUE", help="take VALUE off the stop list (supervisor)")
    p.add_argument("--stop-list", action="store_true", help="print the stop list")
    p.add_argument(
        "--rebuild", action="store_true", help="forget every link and build them again (supervisor)"
    )
    p.set_defaults(handler=run_networks)

    q = sub.add_parser(
        "network",
        help="the network of one account: its accounts and what each link shares",
    )
    q.add_argument("account", metavar="ACCOUNT", help="store id, platform:handle or handle")
    q.add_argument("--json", action="store_true", help="the network as JSON")
    q.set_defaults(handler=run_network)


def _shared_text(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i['shown']} ({i['accounts']} accounts)" for i in items)


def run_networks(args: argparse.Namespace, ctx: CommandContext) -> int:
    # Imported here: networkx costs every other command's start a sixth of a second.
    from ..store.network_disruption import disruption_stats
    from ..store.networks import (
        list_networks,
        rebuild_networks,
        set_stop_value,
        stoplist,
        update_networks,
    )

    if args.csv and not args.stats:
        raise UsageError("--csv goes with --stats")
    store = ctx.store()
    if args.stats:
        update_networks(store)
        return _print_stats(args, ctx, disruption_stats(store))
    if args.stop or args.unstop:
        value = args.stop or args.unstop
        changed = set_stop_value(store, value, stop=bool(args.stop))
        verb = "added to" if args.stop else "removed from"
        ctx.print(f"{value} {verb} the stop list" if changed else f"No change: {value}")
        return 0
    if args.stop_list:
        for value in sorted(stoplist(store)):
            ctx.print(value)
        return 0
    if args.rebuild:
        result = rebuild_networks(store)
        ctx.print(
            f"Rebuilt: {result.links:,} links from {result.posts:,} posts, "
            f"{len(result.returning):,} returning posts"
        )
        return 0
    update_networks(store)  # posts enriched before this store had networks
    networks = list_networks(store)
    if args.limit > 0:
        networks = networks[: args.limit]
    if args.json:
        ctx.print_json({"networks": networks, "link_kinds": _kinds()})
        return 0
    if not networks:
        ctx.print("No networks yet: no two accounts share a phone, link, handle or near-duplicate")
        return 0
    for n in networks:
        platforms = ", ".join(f"{k} {v}" for k, v in n["platforms"].items())
        statuses = ", ".join(f"{STATUS_WORDS.get(k, k)} {v}" for k, v in n["statuses"].items())
        ctx.print(f"{n['id']}: {n['accounts']} accounts ({platforms}); {statuses}")
        if n["top_shared"]:
            ctx.print(f"  shared: {_shared_text(n['top_shared'])}")
        if n["returning_posts"]:
            ctx.print(f"  returning posts: {n['returning_posts']}")
    return 0


def _kinds() -> dict[str, dict[str, Any]]:
    from ..store.networks import LINK_KINDS

    return {k: {"weight": w, "label": label} for k, (w, label) in LINK_KINDS.items()}


def _label(account: dict[str, Any]) -> str:
    name = f"@{account['handle']}" if account["handle"] else account["platform_account_id"]
    return f"{account['platform']}:{name}"


def run_network(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.networks import account_network, update_networks
    from ..store.outcomes import find_account

    store = ctx.store()
    ref = find_account(store, args.account)
    update_networks(store)
    network = account_network(store, ref.id)
    if args.json:
        ctx.print_json(network)
        return 0
    accounts = {a["id"]: a for a in network["accounts"]}
    if len(accounts) == 1:
        ctx.print(f"{ref.label} shares nothing with any other account")
        return 0
    ctx.print(f"{ref.label} is in network {network['id']}: {len(accounts)} accounts")
    for a in network["accounts"]:
        status = STATUS_WORDS.get(a["status"], a["status"])
        if a["status_date"]:
            status += f" {a['status_date']}"
        extra = f", {a['returning_posts']} returning" if a["returning_posts"] else ""
        ctx.print(
            f"  {a['id']:>6}  {_label(a)}  {status}; {a['posts']} posts{extra}; "
            f"group {a['community'] + 1}"
        )
    ctx.print("Links:")
    for link in network["links"]:
        shared = "; ".join(s["shown"] for s in link["shared"])
        ctx.print(
            f"  {_label(accounts[link['a']])} — {_label(accounts[link['b']])}: {shared} "
            f"(weight {link['weight']:.2f})"
        )
    return 0


STATS_COLUMNS = ("platform", "year", "referred", "taken_down", "returned", "median_days_to_return")


def _print_stats(args: argparse.Namespace, ctx: CommandContext, rows: list[dict[str, Any]]) -> int:
    if args.csv:
        from pathlib import Path

        from ..core.csvsafe import SafeWriter
        from ..core.fileio import open_private

        try:
            with open_private(Path(args.csv)) as out:
                writer = SafeWriter(out)
                writer.writerow(STATS_COLUMNS)
                writer.writerows(
                    [[r[c] if r[c] is not None else "" for c in STATS_COLUMNS] for r in rows]
                )
        except OSError as exc:
            raise TriageError(f"Cannot write {args.csv}: {exc.strerror or exc}") from exc
    if args.json:
        ctx.print_json({"disruption": rows})
        return 0
    if args.csv:
        ctx.print(f"Wrote {len(rows)} rows to {args.csv}")
        return 0
    if not rows:
        ctx.print("No network has been referred yet")
        return 0
    ctx.print("Platform    Year  Referred  Taken down  Returned  Median days to return")
    for r in rows:
        days = "-" if r["median_days_to_return"] is None else f"{r['median_days_to_return']:g}"
        ctx.print(
            f"{r['platform']:<10}  {r['year']:<4}  {r['referred']:>8}  {r['taken_down']:>10}  "
            f"{r['returned']:>8}  {days:>21}"
        )
    return 0
