"""`triage queue` and `triage show`: read the review queue and one post from scripts."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.timeutil import to_utc_iso
from ..core.workflow import STATUSES
from ..store.post_detail import post_detail
from ..store.queue import QueueQuery, queue_ids, queue_rows
from .context import CommandContext
from .numbers import number
from .tagging import resolve_post


def register(sub: Any) -> None:
    q = sub.add_parser("queue", help="list the review queue (highest priority first)")
    q.add_argument("--status", choices=STATUSES)
    q.add_argument("--platform")
    q.add_argument("--tag")
    q.add_argument("--language")
    q.add_argument(
        "--search",
        metavar="FTS",
        help="full-text search (FTS5 syntax; Arabic-script letter variants, digits of any "
        "script, marks and invisible characters fold together)",
    )
    q.add_argument("--limit", type=number("--limit", minimum=1), default=50)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=run_queue)

    s = sub.add_parser("show", help="one post with its account, indicators, cluster, tags")
    s.add_argument("post", metavar="POST_ID", help="local id, or PLATFORM:PLATFORM_POST_ID")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_show)


def run_queue(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..core.errors import UsageError

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    store = ctx.store()
    query = QueueQuery(
        status=args.status,
        platform=args.platform,
        tag=args.tag,
        language=args.language,
        search=args.search or "",
    )
    ids = queue_ids(store, query)
    rows = queue_rows(store, list(ids[: args.limit]))
    suggestions = []
    if query.search.strip() and not ids:
        from ..store.search_suggest import suggest

        suggestions = suggest(store, query)  # other spellings, fewer words: what would find
    in_picture = _found_in_pictures(store, query.search, [r.id for r in rows])
    if args.json:
        from ..store.networks import returning_reason

        back = returning_reason(store.conn, [r.id for r in rows])  # after a takedown
        extra = {}
        if query.search.strip() and not ids:
            extra["suggestions"] = [
                {"search": s.search, "posts": s.hits, "at_least": s.at_least, "why": s.why}
                for s in suggestions
            ]
        ctx.print_json(
            {
                **extra,
                "total": len(ids),
                "posts": [
                    {
                        "id": r.id,
                        "priority": r.priority,
                        "platform": r.platform,
                        "author": r.author,
                        "posted_at": to_utc_iso(r.posted_at),
                        "text": r.snippet,
                        "tags": list(r.tags),
                        "status": r.status,
                        "cluster_size": r.cluster_size,
                        "language": r.language,
                        **({"found_in": "picture text"} if r.id in in_picture else {}),
                        **({"returning": back[r.id]} if r.id in back else {}),
                    }
                    for r in rows
                ],
            }
        )
        return 0
    if query.search.strip() and not ids:
        from ..store.search_suggest import no_hits_message

        ctx.print(no_hits_message(query.search, suggestions))
        return 0
    shown = f", the first {len(rows):,} shown (--limit)" if len(rows) < len(ids) else ""
    ctx.print(f"{len(ids):,} posts{shown}")
    if rows:
        ctx.print(
            f"{'id':>8}  {'prio':>5}  {'platform':<9} {'status':<9} {'account':<18} "
            f"{'tags':<20} text"
        )
    for r in rows:
        tags = ",".join(r.tags)
        ctx.print(
            f"{r.id:>8}  {r.priority:5.1f}  {r.platform:<9} {r.status:<9} "
            f"{(r.author or '')[:18]:<18} {tags:<20} {r.snippet[:60]}"
            + ("  [found in picture text]" if r.id in in_picture else "")
        )
    return 0


def _found_in_pictures(store: Any, search: str, post_ids: list[int]) -> set[int]:
    """The posts whose search hit is only in the text read in their pictures (OCR)."""
    if not search.strip() or not post_ids:
        return set()
    from ..core.search_normal import match_spans, query_terms
    from ..store.post_detail import picture_texts

    terms = query_terms(search)
    found = set()
    for post_id in post_ids:
        pictures = [p["text"] for p in picture_texts(store, post_id) if p["text"]]
        if not pictures:
            continue
        text = store.scalar("SELECT text FROM posts WHERE id = ?", (post_id,)) or ""
        if not match_spans(text, terms) and any(match_spans(p, terms) for p in pictures):
            found.add(post_id)
    return found


def run_show(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    detail = post_detail(store, resolve_post(store, args.post))
    if args.json:
        ctx.print_json(detail)
        return 0
    from .show_text import show_lines

    for line in show_lines(detail):
        ctx.print(line)
    return 0
