"""`triage tag POST TAG...` (the people of a store: commands/users.py)."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.errors import TriageError, UsageError
from ..store.connection import Store
from ..store.decisions import apply_tags
from .context import CommandContext
from .numbers import parse_post_id


def register(sub: Any) -> None:
    p = sub.add_parser("tag", help="tag (or with --remove untag) a post")
    p.add_argument("post", metavar="POST_ID", help="local id, or PLATFORM:PLATFORM_POST_ID")
    p.add_argument("tags", nargs="*", metavar="TAG")
    p.add_argument("--remove", action="store_true", help="remove the tags instead")
    p.add_argument("--note", help="set the post's note")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_tag)


def resolve_post(store: Store, ref: str) -> int:
    """A post reference: the local id, or PLATFORM:PLATFORM_POST_ID."""
    if ref.strip().lstrip("+-").isdigit():
        post_id = parse_post_id(ref)  # one clear line for "-5", "²" or 10**30
        if store.scalar("SELECT 1 FROM posts WHERE id = ?", (post_id,)):
            return post_id
        raise TriageError(f"No post with id {post_id} in this store")
    if ":" in ref:
        platform, _, pid = ref.partition(":")
        found = store.scalar(
            "SELECT id FROM posts WHERE platform = ? AND platform_post_id = ?",
            (platform.lower(), pid),
        )
        if found is not None:
            return int(found)
        raise TriageError(f"No {platform} post {pid} in this store")
    raise UsageError(f"{ref!r} is not a post id (use a number or PLATFORM:ID)")


def run_tag(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    post_id = resolve_post(store, args.post)
    if args.remove:
        batch = apply_tags(store, [post_id], remove=args.tags, note=args.note)
    else:
        batch = apply_tags(store, [post_id], add=args.tags, note=args.note)
    status = store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,))
    tags = [
        r[0]
        for r in store.execute(
            "SELECT tag FROM post_tags WHERE post_id = ? ORDER BY tag", (post_id,)
        )
    ]
    if args.json:
        ctx.print_json({"post": post_id, "batch": batch, "status": status, "tags": tags})
    else:
        ctx.print(f"post {post_id}: {status}; tags: {', '.join(tags) or '(none)'}")
    return 0
