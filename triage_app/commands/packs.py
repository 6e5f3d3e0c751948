"""`triage pack build|verify|open`, `triage keys export-public` and `triage recipients
add|remove|list`: the CLI face of triage_app.packs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from .context import CommandContext
from .numbers import number


def register(subparsers: Any) -> None:
    pack = subparsers.add_parser("pack", help="build, verify and open referral packs")
    pack_sub = pack.add_subparsers(dest="pack_command", metavar="ACTION", parser_class=type(pack))
    pack_sub.required = True

    build = pack_sub.add_parser("build", help="build an encrypted, signed referral pack")
    build.add_argument("--platform", required=True, help="platform the pack is addressed to")
    build.add_argument(
        "--recipient",
        action="append",
        default=[],
        metavar="AGE_PUBKEY_OR_LABEL",
        help="age public key or address-book label (repeatable)",
    )
    build.add_argument("--pack-passphrase-file", help="protect the pack with this passphrase")
    build.add_argument(
        "--post",
        action="append",
        type=number("--post", minimum=1),
        default=None,
        metavar="ID",
        help="only these approved posts (repeatable; default: all approved)",
    )
    build.add_argument("--out", required=True, help="pack file to write (NAME.age)")
    build.add_argument("--json", action="store_true", help="print the result as JSON")
    build.set_defaults(handler=run_build)

    verify = pack_sub.add_parser("verify", help="check a pack's signature")
    verify.add_argument("file")
    verify.add_argument("--signer", required=True, help="signer's minisign public key file")
    verify.add_argument("--signature", help="signature file (default: FILE.minisig)")
    verify.add_argument(
        "--accept-renamed",
        action="store_true",
        help="continue when the pack's name differs from the name its signature carries "
        "(reported, not refused)",
    )
    verify.set_defaults(handler=run_verify)

    opener = pack_sub.add_parser("open", help="verify, decrypt and unpack a pack")
    opener.add_argument("file")
    opener.add_argument("--signer", required=True, help="signer's minisign public key file")
    opener.add_argument("--signature", help="signature file (default: FILE.minisig)")
    opener.add_argument("--identity", help="age identity file (age-keygen output)")
    opener.add_argument("--pack-passphrase-file", help="file holding the pack passphrase")
    opener.add_argument("--out", required=True, help="new folder to unpack into")
    opener.add_argument(
        "--accept-renamed",
        action="store_true",
        help="continue when the pack's name differs from the name its signature carries "
        "(reported, not refused)",
    )
    opener.set_defaults(handler=run_open)

    keys = subparsers.add_parser(
        "keys", help="signing keys: the store's pack key, your personal key"
    )
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", parser_class=type(keys))
    keys_sub.required = True
    export = keys_sub.add_parser(
        "export-public", help="write the minisign public key that recipients verify with"
    )
    export.add_argument("--out", help="file to write (default: print it)")
    export.set_defaults(handler=run_export_public)
    from .personal import add_personal_key_commands

    add_personal_key_commands(keys_sub)  # `keys export-personal`

    recipients = subparsers.add_parser("recipients", help="the address book of pack recipients")
    rec_sub = recipients.add_subparsers(
        dest="recipients_command", metavar="ACTION", parser_class=type(recipients)
    )
    rec_sub.required = True
    add = rec_sub.add_parser("add", help="add a liaison's age public key")
    add.add_argument("label")
    add.add_argument("public_key", metavar="AGE_PUBKEY")
    add.add_argument("--platform")
    add.set_defaults(handler=run_recipients_add)
    remove = rec_sub.add_parser("remove", help="take a liaison out of the address book")
    remove.add_argument("label")
    remove.set_defaults(handler=run_recipients_remove)
    listing = rec_sub.add_parser("list", help="list the address book")
    listing.add_argument("--platform")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_recipients_list)


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None
    last = {"stage": ""}

    def report(stage: str, done: int, total: int) -> None:
        if stage != last["stage"] or done == total:
            print(f"{stage}… {done}/{total}", file=sys.stderr)
            last["stage"] = stage

    return report


def run_build(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..packs.build import build_referral_pack
    from ..packs.crypto import read_passphrase_file

    if bool(args.recipient) == bool(args.pack_passphrase_file):
        raise UsageError("give --recipient (one or more) or --pack-passphrase-file, not both")
    passphrase = (
        read_passphrase_file(Path(args.pack_passphrase_file)) if args.pack_passphrase_file else None
    )
    result = build_referral_pack(
        ctx.store(),
        args.platform,
        Path(args.out),
        recipients=args.recipient or None,
        passphrase=passphrase,
        post_ids=args.post,
        progress=_progress_printer(),
    )
    if args.json:
        ctx.print_json(
            {
                "pack": str(result.pack_path),
                "signature": str(result.signature_path),
                "pack_id": result.pack_id,
                "referral": result.referral_uuid,
                "platform": result.platform,
                "posts": result.posts,
                "accounts": result.accounts,
                "media_files": result.media_files,
                "size": result.size,
                "sha256": result.sha256,
                "signer_key_id": result.signer_key_id,
                "protection": result.protection,
                "recipients": list(result.recipients),
            }
        )
    else:
        ctx.print(
            f"Wrote {result.pack_path} ({result.posts} posts, {result.accounts} accounts, "
            f"{result.media_files} media files) and {result.signature_path.name}"
        )
        ctx.print(f"SHA-256 {result.sha256}; signer key {result.signer_key_id}")
    return 0


def run_verify(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..packs.open import check_signed_name, verify_pack

    verified = verify_pack(Path(args.file), Path(args.signer), args.signature)
    notes = check_signed_name(Path(args.file), verified, accept_renamed=args.accept_renamed)
    ctx.print(f"Signature OK: {args.file} was signed by key {verified.key_id}")
    ctx.print(f"Trusted comment: {verified.trusted_comment}")
    for note in notes:
        ctx.print(f"Note: {note}")
    return 0


def run_open(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..packs.crypto import load_identities, read_passphrase_file
    from ..packs.open import open_pack

    if bool(args.identity) == bool(args.pack_passphrase_file):
        raise UsageError("give --identity or --pack-passphrase-file (one of them)")
    identities = load_identities(Path(args.identity)) if args.identity else None
    passphrase = (
        read_passphrase_file(Path(args.pack_passphrase_file)) if args.pack_passphrase_file else None
    )
    opened = open_pack(
        Path(args.file),
        Path(args.signer),
        Path(args.out),
        identities=identities,
        passphrase=passphrase,
        signature=args.signature,
        accept_renamed=args.accept_renamed,
    )
    counts = opened.manifest.get("counts", {})
    ctx.print(f"Signature OK (key {opened.signer_key_id}); every file matches its SHA-256")
    ctx.print(f"Trusted comment: {opened.trusted_comment}")
    for note in opened.notes:
        ctx.print(f"Note: {note}")
    ctx.print(
        f"Opened {opened.files} files into {opened.folder} "
        f"(posts: {counts.get('posts', '?')}, accounts: {counts.get('accounts', '?')})"
    )
    return 0


def run_export_public(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..packs.signing import public_key_text, write_public_key

    if args.out:
        write_public_key(ctx.store(), Path(args.out))
        ctx.print(f"Wrote the signing public key to {args.out}")
    else:
        ctx.out.write(public_key_text(ctx.store()))
    return 0


def run_recipients_add(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.referrals import add_recipient

    added = add_recipient(ctx.store(), args.label, args.public_key, args.platform)
    ctx.print(f"Added {added.label} ({added.public_key})")
    return 0


def run_recipients_remove(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.referrals import remove_recipient

    removed = remove_recipient(ctx.store(), args.label)
    ctx.print(f"Removed {removed.label} ({removed.public_key})")
    return 0


def run_recipients_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.referrals import list_recipients

    rows = list_recipients(ctx.store(), args.platform)
    if args.json:
        ctx.print_json(
            [
                {
                    "label": r.label,
                    "platform": r.platform,
                    "public_key": r.public_key,
                    "added_by": r.added_by,
                    "added_at": r.added_at,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        ctx.print("The address book is empty; add a liaison with 'triage recipients add'")
    for r in rows:
        ctx.print(f"{r.label}\t{r.platform or '-'}\t{r.public_key}\t{r.added_by} {r.added_at}")
    return 0
