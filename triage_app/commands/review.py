"""`triage review`, `triage outcome` and `triage blind`: the supervisor's verdicts, what became
of referred accounts, and blind second review with its agreement figures."""

from __future__ import annotations

import argparse
from typing import Any

from ..store import blind_review
from ..store.decisions import review, undo_review
from ..store.outcomes import outcome_history, record_outcome
from .context import CommandContext
from .numbers import number, parse_post_id


def register(sub: Any) -> None:
    p = sub.add_parser(
        "review", help="approve or reject a tagged post, or undo your review of it (supervisor)"
    )
    p.add_argument("post_id", metavar="POST_ID", help="the post's id in the store")
    p.add_argument(
        "verdict",
        choices=("approve", "reject", "undo"),
        help="undo: take back your latest approval or rejection (not once the post is in a pack)",
    )
    p.add_argument("--note", help="the reason (needed to reject)")
    p.set_defaults(handler=run_review)

    p = sub.add_parser(
        "outcome",
        help="record that a referred account was taken down or is still live (supervisor)",
    )
    p.add_argument("account", metavar="ACCOUNT", help="account id, platform:handle or handle")
    p.add_argument("outcome", choices=("taken-down", "still-live"))
    p.add_argument("--date", help="the day it was seen, YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--note", help="a note kept with the outcome")
    p.set_defaults(handler=run_outcome)

    p = sub.add_parser("blind", help="blind second review of an analyst's decisions")
    blind = p.add_subparsers(dest="blind_command", metavar="ACTION", parser_class=type(p))
    blind.required = True
    s = blind.add_parser(
        "sample", help="sample an analyst's decisions for a blind review (supervisor)"
    )
    s.add_argument("analyst", metavar="ANALYST")
    s.add_argument(
        "--n",
        type=number("--n", minimum=1, maximum=blind_review.MAX_SAMPLE),
        default=20,
        help="how many posts (default 20)",
    )
    s.add_argument("--reviewer", help="who reviews them (default: you)")
    s.add_argument("--seed", type=number("--seed"), help="make the sample repeatable")
    s.set_defaults(handler=run_sample)
    s = blind.add_parser("list", help="posts waiting for your blind review (first tags hidden)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_list)
    s = blind.add_parser("answer", help="give your own tags for a sampled post")
    s.add_argument("post_id", metavar="POST_ID")
    s.add_argument("tags", nargs="+", metavar="TAG")
    s.set_defaults(handler=run_answer)
    s = blind.add_parser("agreement", help="Cohen's kappa per analyst and per tag, with counts")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_agreement)
    s = blind.add_parser("disagreements", help="answered posts where the tags differ")
    s.add_argument("--analyst")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_disagreements)


def _post_id(text: str) -> int:
    return parse_post_id(text)


def run_review(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    if args.verdict == "undo":
        undo_review(store, _post_id(args.post_id))
        ctx.print(f"Review of post {args.post_id} undone by {store.user}")
        return 0
    review(store, [_post_id(args.post_id)], args.verdict, args.note)
    done = "approved" if args.verdict == "approve" else "rejected"
    ctx.print(f"Post {args.post_id} {done} by {store.user}")
    return 0


def run_outcome(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    result = record_outcome(store, args.account, args.outcome, args.date, args.note)
    ctx.print(f"Account {args.account}: {result.outcome.replace('_', ' ')} on {result.on_date}")
    for item in outcome_history(store, result.account_id)[:-1]:
        ctx.print(f"  earlier: {item.outcome.replace('_', ' ')} on {item.on_date} ({item.actor})")
    return 0


def run_sample(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    chosen = blind_review.sample(
        store, args.analyst, args.n, reviewer=args.reviewer, seed=args.seed
    )
    who = args.reviewer or store.user
    ctx.print(f"Sampled {len(chosen)} of {args.analyst}'s decisions for a blind review by {who}")
    return 0


def run_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    items = blind_review.pending_items(ctx.store())
    if args.json:
        ctx.print_json(
            [
                {
                    "post_id": i.post_id,
                    "platform": i.platform,
                    "handle": i.handle,
                    "text": i.text,
                    "sampled_at": i.sampled_at,
                }
                for i in items
            ]
        )
        return 0
    if not items:
        ctx.print("Nothing waiting for your blind review")
    for i in items:
        text = " ".join(i.text.split())
        ctx.print(f"{i.post_id}\t{i.platform}\t{text[:100]}")
    return 0


def run_answer(args: argparse.Namespace, ctx: CommandContext) -> int:
    first, second = blind_review.record_answer(ctx.store(), _post_id(args.post_id), args.tags)
    verdict = "agree" if first == second else "differ"
    ctx.print(
        f"Recorded {', '.join(second)} for post {args.post_id}; the analyst tagged "
        f"{', '.join(first) or 'nothing'} ({verdict})"
    )
    return 0


def _kappa_text(k: dict[str, Any]) -> str:
    kappa = "n/a" if k["kappa"] is None else f"{k['kappa']:.2f}"
    return f"kappa {kappa} ({k['agreements']}/{k['n']} agree)"


def run_agreement(args: argparse.Namespace, ctx: CommandContext) -> int:
    report = blind_review.agreement_report(ctx.store())
    if args.json:
        ctx.print_json(report)
        return 0
    ctx.print(f"Blind reviews answered: {report['answered']} (pending {report['pending']})")
    sections = [("everyone", report["overall"]), *report["by_analyst"].items()]
    for name, summary in sections:
        if not summary["n"]:
            continue
        ctx.print(
            f"{name}: {summary['n']} posts, identical tags on {summary['exact_agreements']}"
            f"; relevance {_kappa_text(summary['relevance'])}"
        )
        for tag, k in summary["tags"].items():
            ctx.print(f"    {tag}: {_kappa_text(k)}")
    return 0


def run_disagreements(args: argparse.Namespace, ctx: CommandContext) -> int:
    rows = blind_review.disagreements(ctx.store(), args.analyst)
    if args.json:
        ctx.print_json(
            [
                {
                    "post_id": d.post_id,
                    "analyst": d.analyst,
                    "reviewer": d.reviewer,
                    "first": list(d.first),
                    "second": list(d.second),
                    "reviewed_at": d.reviewed_at,
                }
                for d in rows
            ]
        )
        return 0
    if not rows:
        ctx.print("No disagreements")
    for d in rows:
        ctx.print(
            f"{d.post_id}\t{d.analyst}: {', '.join(d.first)}\t{d.reviewer}: {', '.join(d.second)}"
        )
    return 0
