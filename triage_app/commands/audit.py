"""`triage audit verify` and `triage audit list`: check the hash chain (naming the first bad
row) and read the trail."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.errors import TriageError, UsageError
from ..store.audit import verify_audit
from ..store.audit_query import list_audit
from .context import CommandContext
from .numbers import number, parse_post_id


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="check or read the audit trail")
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", parser_class=type(p))
    actions.required = True
    v = actions.add_parser("verify", help="check the hash chain; name the first bad row")
    v.add_argument("--json", action="store_true")
    v.set_defaults(handler=run_verify)
    s = actions.add_parser("list", help="audit rows, newest first")
    s.add_argument("--actor")
    s.add_argument("--action")
    s.add_argument("--post", help="rows about this post id")
    s.add_argument(
        "--limit", type=number("--limit"), default=200, help="at most N rows (default 200; 0: all)"
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_list)


def run_verify(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.personal_keys import existing_key_for
    from ..store.signature_audit import verify_signatures

    store = ctx.store()
    check = verify_audit(store.conn)
    mine = existing_key_for(store)
    sigs = verify_signatures(store.conn, own=(store.user, mine.public_text()) if mine else None)
    if args.json:
        ctx.print_json(
            {
                "ok": check.ok and sigs.ok,
                "rows_checked": check.rows,
                "first_bad_id": check.first_bad_id,
                "reason": check.reason,
                "head": check.head,
                "signatures": sigs.as_dict(),
            }
        )
        return 0 if check.ok and sigs.ok else 1
    for problem in sigs.problems:
        ctx.print(problem.line)
    if not check.ok:
        raise TriageError(f"Audit chain broken at row {check.first_bad_id}: {check.reason}")
    ctx.print(f"Audit chain intact: {check.rows:,} rows, head {check.head[:16]}")
    legacy = f", {sigs.legacy:,} legacy unsigned (made before signatures)" if sigs.legacy else ""
    if not sigs.ok:
        raise TriageError(
            f"{len(sigs.problems):,} signature problem(s): forged, altered, unsigned or "
            f"unregistered (listed above); {sigs.signed:,} signatures good{legacy}"
        )
    ctx.print(f"Signatures good: {sigs.signed:,} decisions and referrals{legacy}")
    return 0


def run_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.limit < 0:
        raise UsageError("--limit must be 0 (all) or more")
    post = None
    if args.post is not None:
        post = parse_post_id(args.post, "--post")
    rows = list_audit(
        ctx.store(), actor=args.actor, action=args.action, post=post, limit=args.limit or None
    )
    if args.json:
        ctx.print_json([r.as_dict() for r in rows])
        return 0
    for r in rows:
        obj = f"{r.object_type}:{r.object_id}" if r.object_type else ""
        ctx.print(f"{r.id}\t{r.at}\t{r.actor}\t{r.action}\t{obj}\t{r.detail}")
    return 0
