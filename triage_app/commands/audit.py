"""`triage audit verify`, `triage audit checkpoint` and `triage audit list`: check the hash chain
(naming the first bad row), its signed checkpoints and every post's decisions; sign a checkpoint;
read the trail."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import TriageError, UsageError
from ..store.audit import verify_audit
from ..store.audit_query import list_audit
from ..store.checkpoints import (
    AnchorCheck,
    Checkpoint,
    check_anchor,
    load_checkpoint_file,
    record_checkpoint,
)
from ..store.peer_checkpoints import check_peer_anchors, peer_stores
from ..store.replay import ReplayResult, replay_all
from .context import CommandContext
from .numbers import number, parse_post_id

AGE_MAGIC = b"age-encryption.org/v1"


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="check or read the audit trail")
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", parser_class=type(p))
    actions.required = True
    v = actions.add_parser(
        "verify",
        help="check the hash chain, its signed checkpoints and every post's decisions; name "
        "each problem",
    )
    v.add_argument(
        "--checkpoint",
        metavar="FILE",
        action="append",
        default=[],
        help="also check against this checkpoint: a referral pack's checkpoint.json or "
        "manifest.json, a sync pack's manifest, or a sync pack made for this store (.age); "
        "a peer store's checks the rows received from it (repeatable)",
    )
    v.add_argument("--json", action="store_true")
    v.set_defaults(handler=run_verify)
    c = actions.add_parser(
        "checkpoint", help="sign a checkpoint of the audit chain now (rows and head hash)"
    )
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=run_checkpoint)
    s = actions.add_parser("list", help="audit rows, newest first")
    s.add_argument("--actor")
    s.add_argument("--action")
    s.add_argument("--post", help="rows about this post id")
    s.add_argument(
        "--limit", type=number("--limit"), default=200, help="at most N rows (default 200; 0: all)"
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_list)


PROGRESS_ABOVE = 100_000  # a walk longer than this shows how far it is, on stderr


def _progress(say: Callable[[int, int], str]) -> Callable[[int, int], None]:
    """``show(done, total)`` writing ``say(done, total)`` as a progress line on stderr, for long
    walks only (a short one takes a blink): the audit chain's rows, the replay's posts."""
    from .context import ProgressLine

    line = ProgressLine()

    def show(done: int, total: int) -> None:
        if total <= PROGRESS_ABOVE:
            return
        line.update(say(done, total))
        if done >= total:
            line.finish()

    return show


def _chain_progress() -> Callable[[int, int], None]:
    return _progress(lambda done, total: f"checking the audit chain: {done:,}/{total:,} rows")


def _replay_progress() -> Callable[[int, int], None]:
    return _progress(lambda post, top: f"replaying decisions: post {post:,} of {top:,}")


def run_verify(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.personal_keys import existing_key_for, pinned_founder, registration_store_id
    from ..store.signature_audit import verify_signatures

    store = ctx.store()
    extra = [_load_checkpoint(store, path) for path in args.checkpoint]
    # A peer store's checkpoint checks the rows received from it (store/peer_checkpoints.py).
    peers = peer_stores(store.conn)
    from_peers = [cp for cp in extra if cp.store_id != store.store_id and cp.store_id in peers]
    extra = [cp for cp in extra if cp not in from_peers]
    check = verify_audit(store.conn, _chain_progress())
    anchor, replay = check_anchor(store, extra), replay_all(store, _replay_progress())
    peer_anchor = check_peer_anchors(store.conn, from_peers)
    anchor.problems.extend(peer_anchor.problems)
    anchor.problems.extend(_peer_chain_problems(store))
    mine = existing_key_for(store)
    sigs = verify_signatures(
        store.conn,
        own=(store.user, mine.public_text()) if mine else None,
        pinned=pinned_founder(registration_store_id(store.conn)),
    )
    if args.json:
        ctx.print_json(
            {
                "ok": check.ok and sigs.ok,
                "rows_checked": check.rows,
                "first_bad_id": check.first_bad_id,
                "reason": check.reason,
                "head": check.head,
                "signatures": sigs.as_dict(),
                **_anchor_json(anchor, replay),
                "peer_checkpoints": peer_anchor.as_dict(),
            }
        )
        return 0 if check.ok and sigs.ok and anchor.ok and replay.ok else 1
    for problem in sigs.problems:
        ctx.print(problem.line)
    for line in anchor.problems:
        ctx.print(line)
    for mismatch in replay.mismatches:
        ctx.print(mismatch.line())
    if not check.ok:
        raise TriageError(f"Audit chain broken at row {check.first_bad_id}: {check.reason}")
    ctx.print(f"Audit chain intact: {check.rows:,} rows, head {check.head[:16]}")
    legacy = f", {sigs.legacy:,} legacy unsigned (made before signatures)" if sigs.legacy else ""
    if not sigs.ok:
        raise TriageError(
            f"{len(sigs.problems):,} signature problem(s): forged, altered, unsigned or "
            f"unregistered (listed above); {sigs.signed:,} signatures good{legacy}"
        )
    kinds = (
        "decisions, referrals, outcomes and blind reviews"
        if sigs.outcomes or sigs.blind_reviews
        else "decisions and referrals"
    )
    ctx.print(f"Signatures good: {sigs.signed:,} {kinds}{legacy}")
    if peer_anchor.checked and anchor.ok:
        pending = (
            f"; {peer_anchor.pending:,} not yet reached by the rows held here"
            if peer_anchor.pending
            else ""
        )
        ctx.print(
            f"Peer checkpoints hold: {peer_anchor.checked:,} checkpoints of "
            f"{len(peer_anchor.stores):,} other stores match the rows received from them{pending}"
        )
    _report_anchor(ctx, anchor, replay)
    return 0


def _load_checkpoint(store: Any, path: str) -> Checkpoint:
    """A checkpoint from a file: JSON (checkpoint.json, a manifest) or a sync pack (.age)."""
    from ..packs.sync import pack_checkpoint

    try:
        with open(path, "rb") as handle:
            age = handle.read(len(AGE_MAGIC)) == AGE_MAGIC
    except OSError:
        age = False  # load_checkpoint_file names the problem
    return pack_checkpoint(store, Path(path)) if age else load_checkpoint_file(path)


def _peer_chain_problems(store: Any) -> list[str]:
    """Other stores' rows held here whose own hashes or links are broken."""
    from ..packs.sync_audit import verify_peer_chains

    return [
        f"Audit rows of store {chain.origin} held here were altered: its row "
        f"{chain.first_bad_seq:,}: {chain.reason}"
        for chain in verify_peer_chains(store.conn)
        if not chain.ok
    ]


def _anchor_json(anchor: AnchorCheck, replay: ReplayResult) -> dict[str, Any]:
    latest = anchor.latest
    return {
        "checkpoint": {
            "ok": anchor.ok,
            "checked": anchor.checked,
            "latest": None if latest is None else {**latest.to_json(), "source": latest.source},
            "rows_since": None if latest is None else anchor.chain_rows - latest.rows,
            "problems": anchor.problems,
        },
        "replay": {
            "ok": replay.ok,
            "posts": replay.posts,
            "decisions": replay.decisions,
            "seconds": round(replay.seconds, 3),
            "mismatches": [m.as_dict() for m in replay.mismatches],
        },
    }


def _report_anchor(ctx: CommandContext, anchor: AnchorCheck, replay: ReplayResult) -> None:
    """The checkpoint and replay lines of `audit verify` (their problems are printed above)."""
    latest = anchor.latest
    if anchor.ok and latest is not None:
        since = anchor.chain_rows - latest.rows
        ctx.print(
            f"Checkpoint holds: {latest.describe()}, {latest.reason}, "
            f"{'in the store' if latest.source == 'store' else 'from ' + latest.source}"
            + (f"; {since:,} newer rows not yet anchored" if since else "")
        )
    elif anchor.ok:
        ctx.print(
            "No checkpoint yet: the chain is not anchored (one is signed at every approval, "
            "pack build and sync export, or with 'triage audit checkpoint')"
        )
    if replay.ok:
        ctx.print(
            f"Decisions replayed: {replay.posts:,} posts match their tags and statuses "
            f"({replay.decisions:,} decisions)"
        )
    problems = len(anchor.problems) + len(replay.mismatches)
    if problems:
        parts = []
        if anchor.problems:
            parts.append(f"{len(anchor.problems)} checkpoint problem(s)")
        if replay.mismatches:
            posts = len({m.post_id for m in replay.mismatches})
            parts.append(f"{posts:,} post(s) whose tags or status their decisions do not give")
        raise TriageError(
            f"The store was changed outside the program: {' and '.join(parts)} (listed above)"
        )


def run_checkpoint(args: argparse.Namespace, ctx: CommandContext) -> int:
    checkpoint = record_checkpoint(ctx.store(), "manual")
    if args.json:
        ctx.print_json(checkpoint.to_json())
        return 0
    ctx.print(
        f"Checkpoint signed by {checkpoint.by}: {checkpoint.rows:,} rows, head "
        f"{checkpoint.head[:16]}"
    )
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
