"""`triage db create|check|encrypt|rekey|copy`: the store file itself and its key at rest."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import TriageError
from ..store.encryption import check_store, encrypt_store, rekey_store
from ..store.media_check import check_media
from ..store.opening import describe_key, open_for_user, store_exists
from .context import CommandContext, ProgressLine

PROGRESS_FILES = 1000  # the media check shows its progress on stderr above this many files


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

    check = sub.add_parser(
        "check",
        help="integrity_check, cipher_integrity_check, and every evidence file decrypts and "
        "matches its SHA-256",
    )
    check.add_argument("--json", action="store_true", help="machine-readable result")
    check.add_argument(
        "--progress",
        action="store_true",
        help=f"show the media check's progress on stderr (always above {PROGRESS_FILES:,} files)",
    )
    check.set_defaults(handler=run_check)

    encrypt = sub.add_parser("encrypt", help="encrypt a plain store, keeping every row")
    encrypt.set_defaults(handler=run_encrypt)

    rekey = sub.add_parser("rekey", help="give an encrypted store a new key")
    rekey.add_argument(
        "--new-passphrase-file", help="wrap the new key with this passphrase (e.g. for a USB stick)"
    )
    rekey.set_defaults(handler=run_rekey)

    from .db_copy import register_copy

    register_copy(sub)


def _read_passphrase(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise TriageError(f"Cannot read passphrase file {path}: {exc.strerror or exc}") from exc
    if not text:
        raise TriageError(f"The passphrase file {path} is empty")
    return text


def run_create(args: argparse.Namespace, ctx: CommandContext) -> int:
    if ctx.server_url is not None:
        return _create_on_server(ctx, ctx.server_url)
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


def _create_on_server(ctx: CommandContext, url: str) -> int:
    """The schema in an empty PostgreSQL database; an existing triage schema is refused."""
    from ..store.pg.opening import open_pg_store, server_schema_version
    from ..store.pg.url import describe

    if server_schema_version(url) > 0:
        raise TriageError(f"The {describe(url)} already holds a triage store")
    store = open_pg_store(
        url, data_dir=ctx.data_dir, create=True, key_passphrase=ctx.key_passphrase()
    )
    try:
        from ..store.pg.roles import ensure_roles, roles_version

        ensure_roles(store.conn)  # done by the opening already; a no-op then (store/pg/roles.py)
        secured = roles_version(store.conn.raw) > 0
        store_id, user = store.store_id, store.user
    finally:
        store.close()
    ctx.print(f"Created store {store_id} in the {describe(url)} (first supervisor: {user})")
    if secured:
        ctx.print(
            "The server enforces the roles triage_analyst, triage_supervisor and triage_admin; "
            "add people with 'triage users add NAME --role analyst|supervisor|admin'"
        )
    return 0


def _media_progress(always: bool) -> Callable[[int, int, int], None]:
    last = [0.0]
    line = ProgressLine()

    def show(done: int, total: int, size: int) -> None:
        if not (always or total > PROGRESS_FILES):
            return
        now = time.monotonic()
        if done < total and now - last[0] < 0.25:
            return
        last[0] = now
        line.update(f"checking media: {done:,}/{total:,} files, {size / 1e6:,.1f} MB")
        if done >= total:
            line.finish()

    return show


def run_check(args: argparse.Namespace, ctx: CommandContext) -> int:
    if ctx.server_url is not None:
        raise TriageError(
            "'triage db check' checks a SQLite store file; a store on a PostgreSQL server is "
            "checked with the server's own tools (pg_amcheck, and pg_dump for a backup)"
        )
    line = ProgressLine()
    result = check_store(
        ctx.store_path,
        ctx.passphrase(),
        lambda stage, seconds: line.update(f"{stage}: still checking, {seconds:,.0f} s"),
    )
    line.finish()
    media = None
    if result.ok:
        media = check_media(ctx.store(quiet_key=True), _media_progress(args.progress))
    if args.json:
        ctx.print_json(
            {
                **result.to_json(),
                "media": None if media is None else media.as_dict(),
                "ok": result.ok and (media is None or media.ok),
            }
        )
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
        if media is not None:
            state = "ok" if media.ok else f"{len(media.problems):,} problems"
            ctx.print(
                f"media: {media.files:,} files checked ({media.bytes / 1e6:,.1f} MB), {state}"
            )
            for problem in media.problems:
                ctx.print(problem.line())
    if not result.ok:
        raise TriageError("The store failed its integrity check; restore it from a backup")
    if media is not None and not media.ok:
        posts = len({p.post_id for p in media.problems})
        raise TriageError(
            f"Evidence media of {posts:,} posts are missing or damaged; restore the evidence "
            "folder from a backup"
        )
    return 0


def run_encrypt(args: argparse.Namespace, ctx: CommandContext) -> int:
    if ctx.server_url is not None:
        raise TriageError(
            "A store on a PostgreSQL server has no store key to encrypt with: TLS protects it on "
            "the wire and the server's disk encryption at rest"
        )
    counts = encrypt_store(ctx.store_path, ctx.passphrase())
    ctx.print(
        f"Encrypted {ctx.store_path}: {sum(counts.values())} rows in {len(counts)} tables "
        f"copied and checked ({describe_key(ctx.store_path)})"
    )
    return 0


def run_rekey(args: argparse.Namespace, ctx: CommandContext) -> int:
    if ctx.server_url is not None:
        raise TriageError(
            "A store on a PostgreSQL server has no store key to change: the server's logins and "
            "TLS protect it"
        )
    new_passphrase = (
        _read_passphrase(args.new_passphrase_file) if args.new_passphrase_file else None
    )
    counts = rekey_store(ctx.store_path, ctx.passphrase(), new_passphrase)
    ctx.print(
        f"New key for {ctx.store_path}: {sum(counts.values())} rows copied and checked "
        f"({describe_key(ctx.store_path)})"
    )
    return 0
