"""`triage tag POST TAG...` and `triage users add NAME --role R`."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.errors import TriageError, UsageError
from ..store.connection import Store
from ..store.decisions import apply_tags
from ..store.users import add_user
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

    users = sub.add_parser("users", help="manage the store's users")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION")
    users_sub.required = True
    add = users_sub.add_parser("add", help="add a user (supervisors only)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["analyst", "supervisor"])
    add.add_argument(
        "--key",
        metavar="PUBFILE",
        help="their personal public key (from 'triage keys export-personal'), registered and "
        "signed by you",
    )
    add.set_defaults(handler=run_users_add)
    lst = users_sub.add_parser("list", help="list users, roles and whether a key is registered")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=run_users_list)


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


def run_users_add(args: argparse.Namespace, ctx: CommandContext) -> int:
    from .personal import read_public_key_file

    key = read_public_key_file(args.key) if args.key else None
    add_user(ctx.store(), args.name, args.role, public_key=key)
    ctx.print(f"{args.name} is now a {args.role}" + (" with a registered key" if key else ""))
    return 0


def run_users_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.users import list_users_with_keys

    users = list_users_with_keys(ctx.store())
    if args.json:
        ctx.print_json(
            [
                {"name": n, "role": r, "key_registered": k is not None, "public_key": k}
                for n, r, k in users
            ]
        )
    else:
        for name, role, key in users:
            ctx.print(f"{name}\t{role}\t{'key registered' if key else 'no key registered'}")
    return 0
