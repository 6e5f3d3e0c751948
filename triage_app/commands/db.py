"""`triage db create|check|encrypt|rekey`: the store file itself and its key at rest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.errors import TriageError
from ..store.encryption import check_store, encrypt_store, rekey_store
from ..store.opening import describe_key, open_for_user, store_exists
from .context import CommandContext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="create, check, encrypt or re-key the store")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True

    create = sub.add_parser("create", help="create a new store (encrypted unless --plain)")
    create.add_argument(
        "--plain",
        action="store_true",
        help="an unencrypted SQLite store (also TRIAGE_PLAIN_STORE=1)",
    )
    create.set_defaults(handler=run_create)

    check = sub.add_parser("check", help="integrity_check and cipher_integrity_check")
    check.add_argument("--json", action="store_true", help="machine-readable result")
    check.set_defaults(handler=run_check)

    encrypt = sub.add_parser("encrypt", help="encrypt a plain store, keeping every row")
    encrypt.set_defaults(handler=run_encrypt)

    rekey = sub.add_parser("rekey", help="give an encrypted store a new key")
    rekey.add_argument(
        "--new-passphrase-file", help="wrap the new key with this passphrase (e.g. for a USB stick)"
    )
    rekey.set_defaults(handler=run_rekey)


def _read_passphrase(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise TriageError(f"Cannot read passphrase file {path}: {exc.strerror or exc}") from exc
    if not text:
        raise TriageError(f"The passphrase file {path} is empty")
    return text


def run_create(args: argparse.Namespace, ctx: CommandContext) -> int:
    path = ctx.store_path
    if store_exists(path):
        raise TriageError(f"A store already exists at {path}")
    store = open_for_user(
        path,
        create=True,
        user=ctx.user,
        data_dir=ctx.data_dir,
        passphrase=ctx.passphrase(),
        encrypted=False if args.plain else None,
    )
    store_id = store.store_id
    store.close()
    ctx.print(f"Created store {store_id} at {path} ({describe_key(path)})")
    return 0


def run_check(args: argparse.Namespace, ctx: CommandContext) -> int:
    result = check_store(ctx.store_path, ctx.passphrase())
    if args.json:
        ctx.print_json(result.to_json())
    else:
        ctx.print(f"store: {result.path}")
        ctx.print(f"key: {result.key}")
        ctx.print("integrity_check: " + "; ".join(result.integrity))
        if result.encrypted:
            ctx.print(
                "cipher_integrity_check: "
                + ("ok" if not result.cipher_integrity else "; ".join(result.cipher_integrity))
            )
        else:
            ctx.print("cipher_integrity_check: not applicable (store is not encrypted)")
    if not result.ok:
        raise TriageError("The store failed its integrity check; restore it from a backup")
    return 0


def run_encrypt(args: argparse.Namespace, ctx: CommandContext) -> int:
    counts = encrypt_store(ctx.store_path, ctx.passphrase())
    ctx.print(
        f"Encrypted {ctx.store_path}: {sum(counts.values())} rows in {len(counts)} tables "
        f"copied and checked ({describe_key(ctx.store_path)})"
    )
    return 0


def run_rekey(args: argparse.Namespace, ctx: CommandContext) -> int:
    new_passphrase = (
        _read_passphrase(args.new_passphrase_file) if args.new_passphrase_file else None
    )
    counts = rekey_store(ctx.store_path, ctx.passphrase(), new_passphrase)
    ctx.print(
        f"New key for {ctx.store_path}: {sum(counts.values())} rows copied and checked "
        f"({describe_key(ctx.store_path)})"
    )
    return 0
