"""`triage import PATH...`: import files, folders or ZIPs and print a summary per file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..ingest.accounting_text import summary_lines
from ..ingest.pipeline import ImportProgress, import_paths
from ..ingest.registry import format_names
from ..ingest.zones import zone_by_name
from .context import CommandContext, ProgressLine


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import exports (files, folders, ZIPs) into the store")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--format",
        default="auto",
        choices=["auto", *format_names()],
        help="force a format instead of detecting it",
    )
    p.add_argument(
        "--timezone",
        metavar="ZONE",
        type=_zone,
        help="the zone an ambiguous abbreviation in the file means (IST, CST, AST …): a tz "
        "database name such as Asia/Kolkata, or an offset such as +05:30",
    )
    p.add_argument(
        "--date-order",
        choices=["dmy", "mdy"],
        default=None,
        help="how to read a chat's dates when the file cannot tell: day first (dmy) or "
        "month first (mdy); without it such a WhatsApp file is refused, never guessed",
    )
    p.add_argument("--json", action="store_true", help="print the summaries as JSON")
    p.add_argument(
        "--no-enrich",
        action="store_true",
        help="skip indicators/clustering now (they run on the next import)",
    )
    p.add_argument("--progress", action="store_true", help="show progress on stderr")
    p.set_defaults(handler=run)


def _zone(text: str) -> str:
    if zone_by_name(text) is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time zone: give a tz database name (Asia/Kolkata, "
            "America/Chicago) or an offset (+05:30)"
        )
    return text


def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store(create=True, quiet_key=True)  # an import signs nothing

    progress_line = ProgressLine()

    def show(p: ImportProgress) -> None:
        pct = 100 * p.bytes_done / p.bytes_total if p.bytes_total else 0
        progress_line.update(f"{p.name}: {p.records:,} records, {pct:5.1f}%, {p.rate:,.0f}/s")

    from ..store.networks import returning_counts

    returning_before = returning_counts(store)["posts"]
    summaries = import_paths(
        store,
        args.paths,
        fmt=args.format,
        progress=show if args.progress else None,
        enrich=not args.no_enrich,
        timezone=args.timezone,
        date_order=args.date_order,
    )
    progress_line.finish()
    if args.json:
        ctx.print_json([s.as_dict() for s in summaries])
    else:
        for s in summaries:
            if s.passed_over:
                ctx.print(f"{s.path}: passed over: {s.passed_over}")
            elif s.error:
                ctx.print(f"{s.path}: refused: {s.error}")
            else:
                line = (
                    f"{s.path}: format {s.format}, inserted {s.inserted}, "
                    f"already present {s.present}, quarantined {s.quarantined}"
                )
                if s.skipped:
                    line += f", skipped {s.skipped}"
                if s.media_refused:
                    line += f", media refused {s.media_refused} (see `triage show`)"
                ctx.print(line)
                for text in summary_lines(s):  # issue 13's accounting
                    ctx.print(f"  {text}")
                for note in s.notes:
                    ctx.print(f"  note: {note}")
        returning = returning_counts(store)["posts"] - returning_before
        if returning > 0:  # store/networks.py
            ctx.print(
                f"{returning:,} new post{'s' if returning != 1 else ''} returning after a "
                "takedown, at the top of the queue ('triage queue'; docs/networks.md)"
            )
    refused = [s for s in summaries if s.error]
    if refused and len(refused) == len([s for s in summaries if not s.passed_over]):
        print(f"error: {refused[0].error}", file=sys.stderr)
        return 1
    return 0
