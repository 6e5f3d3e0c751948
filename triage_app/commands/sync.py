"""`triage sync id|export|import|peers`: exchange work with other stores through signed,
encrypted sync packs (no network)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..packs.crypto import canonical_recipient
from ..packs.signing import key_id_hex, load_public_key
from ..packs.sync import export_sync_pack, import_sync_pack, sync_recipient
from ..packs.sync_trust import register_peer
from .context import CommandContext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sync", help="exchange work with other stores (sync packs)")
    sub = parser.add_subparsers(dest="sync_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True

    ident = sub.add_parser("id", help="print this store's sync public key (give it to peers)")
    ident.add_argument("--json", action="store_true")
    ident.set_defaults(handler=run_id)

    export = sub.add_parser("export", help="write what a peer has not seen into a sync pack")
    export.add_argument("--recipient", required=True, help="the peer's sync key (age1...)")
    export.add_argument("--out", required=True, help="pack file to write (NAME.age)")
    export.add_argument(
        "--all",
        action="store_true",
        help="include everything, also what the peer has already been sent",
    )
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=run_export)

    imp = sub.add_parser("import", help="verify and merge a peer's sync pack")
    imp.add_argument("file")
    imp.add_argument("--signer", required=True, help="the peer's minisign public key file")
    imp.add_argument("--signature", help="signature file (default: FILE.minisig)")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=run_import)

    peers = sub.add_parser(
        "peers", help="list the stores this one has exchanged packs with (and their keys)"
    )
    peers.add_argument("--json", action="store_true")
    peers.set_defaults(handler=run_peers)
    peer_sub = peers.add_subparsers(
        dest="peers_command", metavar="ACTION", parser_class=type(peers)
    )
    add = peer_sub.add_parser(
        "add",
        help="trust a peer store's signing key before its first pack (from 'sync id --json' "
        "and 'keys export-public' on the peer)",
    )
    add.add_argument("store_id", help="the peer's store id")
    add.add_argument("--signer", required=True, help="the peer's minisign public key file")
    add.add_argument("--recipient", required=True, help="the peer's sync key (age1...)")
    add.add_argument(
        "--replace",
        action="store_true",
        help="the peer really has a new signing key: replace the one trusted so far",
    )
    add.set_defaults(handler=run_peers_add)


def run_id(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.store()
    recipient = sync_recipient(store)
    if args.json:
        ctx.print_json({"store_id": store.store_id, "recipient": recipient})
    else:
        ctx.print(recipient)
    return 0


def run_export(args: argparse.Namespace, ctx: CommandContext) -> int:
    result = export_sync_pack(ctx.store(), args.recipient, Path(args.out), everything=args.all)
    if args.json:
        ctx.print_json(
            {
                "file": str(result.path),
                "signature": str(result.signature),
                "pack_id": result.pack_id,
                "counts": result.counts,
                "sha256": result.sha256,
            }
        )
    else:
        summary = ", ".join(f"{n} {k}" for k, n in result.counts.items())
        ctx.print(f"Wrote {result.path} and {result.signature.name}: {summary}")
    return 0


def run_import(args: argparse.Namespace, ctx: CommandContext) -> int:
    result = import_sync_pack(
        ctx.store(),
        Path(args.file),
        Path(args.signer),
        signature=Path(args.signature) if args.signature else None,
    )
    if args.json:
        ctx.print_json(
            {
                "pack_id": result.pack_id,
                "from_store": result.from_store,
                "added": result.added,
                "conflicts": result.conflicts,
                "already_imported": result.already,
            }
        )
    elif result.already:
        ctx.print(f"Sync pack {result.pack_id} was already imported; nothing changed")
    else:
        added = ", ".join(f"{n} {k}" for k, n in sorted(result.added.items())) or "nothing new"
        line = f"Merged sync pack from store {result.from_store}: {added}"
        if result.conflicts:
            line += f"; {result.conflicts} posts in conflict go to the supervisor queue"
        ctx.print(line)
        if result.trusted_key:
            ctx.print(
                f"First pack from store {result.from_store}: its signing key {result.trusted_key} "
                "is now the only key trusted for it (recorded in the audit)"
            )
    return 0


def run_peers(args: argparse.Namespace, ctx: CommandContext) -> int:
    rows = (
        ctx.store()
        .execute(
            "SELECT recipient, store_id, last_export_at, last_import_at, signer_key_id, "
            "trusted_how, trusted_by, trusted_at FROM peers ORDER BY recipient"
        )
        .fetchall()
    )
    fields = (
        "recipient",
        "store_id",
        "last_export",
        "last_import",
        "signer_key_id",
        "trusted_how",
        "trusted_by",
        "trusted_at",
    )
    if args.json:
        ctx.print_json([dict(zip(fields, r, strict=True)) for r in rows])
    else:
        for r in rows:
            key = f"key {r[4]} ({r[5].replace('_', ' ')} by {r[6]})" if r[4] else "no key yet"
            ctx.print(
                f"{r[0]}  store {r[1] or '?'}  {key}  sent {r[2] or '-'}  received {r[3] or '-'}"
            )
    return 0


def run_peers_add(args: argparse.Namespace, ctx: CommandContext) -> int:
    store_id = args.store_id.strip()
    if not store_id:
        raise UsageError("Name the peer's store id (from 'triage sync id --json' on the peer)")
    public = load_public_key(Path(args.signer))
    line = register_peer(
        ctx.store(),
        store_id=store_id,
        recipient=canonical_recipient(args.recipient),
        key_id=key_id_hex(public),
        public_key=public.to_base64().decode("ascii"),
        replace=args.replace,
    )
    ctx.print(line)
    return 0
