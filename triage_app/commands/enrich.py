"""`triage enrich` and `triage pivot`: run enrichment by hand and follow a post's pivots.

Import already enriches; `triage enrich` finishes a run that was cancelled or crashed, and
`--rescore` recomputes every priority (after editing resources/priority.toml)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..core.errors import UsageError
from ..store import enrich, pivots
from .context import CommandContext, ProgressLine
from .numbers import number
from .tagging import resolve_post

PIVOTS = {
    "near-duplicates": pivots.near_duplicates,
    "same-account": pivots.same_account,
    "same-indicator": pivots.same_indicator,
}


def register(sub: Any) -> None:
    e = sub.add_parser("enrich", help="extract indicators, cluster and score posts not yet done")
    e.add_argument("--rescore", action="store_true", help="also recompute every priority")
    e.add_argument("--json", action="store_true")
    e.set_defaults(handler=run_enrich)

    p = sub.add_parser("pivot", help="posts that belong with a post (duplicates, account, phone)")
    p.add_argument("post", metavar="POST_ID", help="local id, or PLATFORM:PLATFORM_POST_ID")
    p.add_argument("pivot", choices=sorted(PIVOTS))
    p.add_argument("--limit", type=number("--limit", minimum=1), default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_pivot)


def run_enrich(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()

    line = ProgressLine()

    def progress(done: int, total: int) -> None:
        if not args.json:
            line.update(f"enriched {done:,} of {total:,} posts")

    def pictures(done: int, total: int) -> None:
        if not args.json:
            line.update(f"read {done:,} of {total:,} pictures")

    def videos(done: int, total: int) -> None:
        if not args.json:
            line.update(f"read {done:,} of {total:,} videos")

    result = enrich.enrich_pending(
        store, progress=progress, ocr_progress=pictures, video_progress=videos
    )
    line.finish()
    for note in result.ocr_notes if not args.json else ():
        print(f"warning: {note}", file=sys.stderr)  # which package to install; carried on
    rescored = enrich.rescore(store) if args.rescore else 0
    summary = {
        "posts": result.posts,
        "indicators": result.indicators,
        "languages_detected": result.languages,
        "images_hashed": result.images_hashed,
        "links": result.links,
        "rescored": rescored,
        "enriched_upto": result.upto,
        "pictures_read": result.pictures_read,
        "picture_indicators": result.picture_indicators,
        "videos_read": result.videos_read,
        "video_indicators": result.video_indicators,
        "ocr_notes": result.ocr_notes,
        "seconds": round(result.seconds, 3),
    }
    if args.json:
        ctx.print_json(summary)
    else:
        ctx.print(
            f"{result.posts} posts enriched ({result.indicators} indicators, {result.links} "
            f"near-duplicate links)"
            + (
                f"; text read in {result.pictures_read} pictures "
                f"({result.picture_indicators} indicators)"
                if result.pictures_read
                else ""
            )
            + (f"; {rescored} posts rescored" if args.rescore else "")
        )
    return 0


def run_pivot(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    store = ctx.store()
    post_id = resolve_post(store, args.post)
    hits = PIVOTS[args.pivot](store, post_id, args.limit)
    if args.json:
        ctx.print_json(
            {
                "post": post_id,
                "pivot": args.pivot,
                "posts": [
                    {
                        "id": h.post_id,
                        "platform": h.platform,
                        "matched": [{"kind": k, "value": v} for k, v in h.matched],
                        "similarity": h.similarity,
                    }
                    for h in hits
                ],
            }
        )
        return 0
    if not hits:
        ctx.print(f"No {args.pivot.replace('-', ' ')} for post {post_id}")
    for h in hits:
        detail = h.reason or (f"similarity {h.similarity:.2f}" if h.similarity is not None else "")
        ctx.print(f"{h.post_id}\t{h.platform}\t{detail}".rstrip())
    return 0
