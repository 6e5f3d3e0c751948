"""`triage settings`: store-wide choices a supervisor makes (each change is an audit row)."""

from __future__ import annotations

import argparse
from typing import Any

from ..store.four_eyes import self_approval_enabled, set_self_approval
from .context import CommandContext


def register(sub: Any) -> None:
    p = sub.add_parser("settings", help="store-wide choices (supervisor)")
    settings = p.add_subparsers(dest="settings_command", metavar="SETTING", parser_class=type(p))
    settings.required = True
    s = settings.add_parser(
        "self-approval",
        help="let a supervisor approve posts they tagged themselves (one-person teams)",
        description=(
            "Four eyes: an approval must come from a supervisor who did not tag the post. "
            "A one-person team can switch self-approval on; every post approved that way is "
            "marked self-approved in the supervisor view, 'triage show' and referral packs. "
            "Without on/off, says whether it is on."
        ),
    )
    s.add_argument("state", nargs="?", choices=("on", "off"))
    s.set_defaults(handler=run_self_approval)
    w = settings.add_parser(
        "returning-weight",
        help="points a post returning after a takedown gets on top of its priority",
        description=(
            "A post whose account shares a phone, link, handle or near-duplicate with an account "
            "already taken down (or referred and still live) is marked returning and gets these "
            "points on top of its priority (default 100: the top of the queue). Without N, says "
            "the current weight."
        ),
    )
    w.add_argument("weight", nargs="?", metavar="N")
    w.set_defaults(handler=run_returning_weight)


def run_self_approval(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    if args.state is None:
        state = "on" if self_approval_enabled(store) else "off"
        ctx.print(f"Self-approval is {state} for this store")
        return 0
    changed = set_self_approval(store, args.state == "on")
    if args.state == "on":
        text = "on: supervisors may approve posts they tagged; such posts are marked self-approved"
    else:
        text = "off: an approval must come from a supervisor who did not tag the post"
    ctx.print(f"Self-approval {'is now' if changed else 'was already'} {text}")
    return 0


def run_returning_weight(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..core.errors import UsageError
    from ..store.networks import MAX_RETURNING_WEIGHT, returning_weight, set_returning_weight

    store = ctx.store()
    if args.weight is None:
        ctx.print(f"Returning weight: {returning_weight(store):g} points")
        return 0
    try:
        weight = float(args.weight)
    except ValueError:
        weight = -1.0
    if not 0 <= weight <= MAX_RETURNING_WEIGHT:
        raise UsageError(
            f"The returning weight is a number from 0 to {MAX_RETURNING_WEIGHT:,.0f}, "
            f"not {args.weight!r}"
        )
    changed = set_returning_weight(store, weight)
    state = "is now" if changed else "was already"
    ctx.print(f"Returning weight {state} {weight:g} points")
    return 0
