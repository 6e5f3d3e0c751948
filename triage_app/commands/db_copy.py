"""`triage db copy --from SRC --to DST [slice]`: a store, or a field laptop's slice of it,
between SQLite files and PostgreSQL databases (store/copy.py does the work)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from ..core.errors import TriageError, UsageError
from ..store.copy import (
    CopyResult,
    copy_store,
    discard_new_store,
    open_destination,
    open_source,
    same_place,
)
from ..store.copy_plan import Slice
from .context import CommandContext, ProgressLine
from .numbers import number


def _day(name: str) -> Any:
    def parse(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(f"{name} must be a date, YYYY-MM-DD (not {text!r})") from None

    return parse


def register_copy(sub: Any) -> None:
    """Add `db copy` to the `db` subcommands."""
    p = sub.add_parser(
        "copy",
        help="copy the store, or a slice of it, between SQLite files and PostgreSQL databases",
        description="Copy a store into a new store (or one without posts): a SQLite file or a "
        "postgresql:// address on either side. Ids, people, signatures and the whole audit "
        "trail are kept; row counts are checked before anything is committed. A slice "
        "(--platform, --since/--until, --cluster) is a new store, a peer of the source whose "
        "work comes back by sync pack; the whole store copied is the same store, moved.",
    )
    p.add_argument("--from", dest="source", required=True, metavar="SRC", help="file or URL")
    p.add_argument("--to", dest="destination", required=True, metavar="DST", help="file or URL")
    p.add_argument("--platform", metavar="P", help="only the posts of this platform")
    p.add_argument(
        "--since", type=_day("--since"), metavar="DAY", help="only posts from this day (UTC)"
    )
    p.add_argument(
        "--until", type=_day("--until"), metavar="DAY", help="only posts up to this day (UTC)"
    )
    p.add_argument(
        "--cluster", type=number("--cluster", minimum=1), metavar="ID", help="only this cluster"
    )
    p.add_argument("--plain", action="store_true", help="a new SQLite destination is not encrypted")
    p.add_argument("--json", action="store_true", help="machine-readable counts")
    p.set_defaults(handler=run_copy)


def run_copy(args: argparse.Namespace, ctx: CommandContext) -> int:
    chosen = Slice(args.platform, args.since, args.until, args.cluster)
    if chosen.since and chosen.until and chosen.since > chosen.until:
        raise UsageError(f"--since {chosen.since} is after --until {chosen.until}")
    if same_place(args.source, args.destination):
        raise TriageError("The source and the destination are the same store")
    passphrase, key_passphrase = ctx.passphrase(), ctx.key_passphrase()
    src = open_source(
        args.source, data_dir=ctx.data_dir, passphrase=passphrase, key_passphrase=key_passphrase
    )
    try:
        dst, created = open_destination(
            args.destination,
            data_dir=ctx.data_dir,
            passphrase=passphrase,
            key_passphrase=key_passphrase,
            plain=args.plain,
        )
    except BaseException:
        src.close()
        raise
    line = ProgressLine()
    started = time.monotonic()

    def progress(what: str, done: int, total: int) -> None:
        line.update(f"copying {what}: {done:,}/{total:,}")

    try:
        result = copy_store(src, dst, chosen, progress, _keyring_signing_secret)
    except BaseException:
        line.finish()
        dst.close()
        if created:
            discard_new_store(dst)
        raise
    finally:
        src.close()
    line.finish()
    dst.close()
    _report(ctx, args, result, time.monotonic() - started)
    return 0


def _keyring_signing_secret(store_id: str, key_id: str) -> str | None:
    """The pack signing key this machine's keyring holds for the store, if it is the key the
    store records (packs/signing.py keeps it there by store id)."""
    import minisign

    from ..packs.signing import _keyring_read, _keyring_username, _NoKeyring, _public_fields

    try:
        stored = _keyring_read(_keyring_username(store_id))
    except _NoKeyring:
        return None
    if not stored:
        return None
    try:
        held = _public_fields(minisign.SecretKey.from_base64(stored))[0]
    except (minisign.Error, ValueError):
        return None
    return stored if held == key_id else None


def _report(ctx: CommandContext, args: argparse.Namespace, result: CopyResult, secs: float) -> None:
    if args.json:
        ctx.print_json(result.as_dict())
        return
    width = max(len(c.table) for c in result.counts)
    ctx.print(f"{'table':<{width}}  {'source':>10}  {'copied':>10}")
    for c in result.counts:
        ctx.print(f"{c.table:<{width}}  {c.source:>10,}  {c.destination:>10,}")
    ctx.print(f"{'media files':<{width}}  {'':>10}  {result.media_files:>10,}")
    for missing in result.media_missing:
        ctx.print(f"warning: media file {missing} is missing at the source (run 'db check')")
    for note in result.notes:
        ctx.print(f"note: {note}")
    ctx.print(
        f"Copied {result.chosen.describe()} ({result.count('posts'):,} posts) from "
        f"{_shown(args.source)} to {_shown(args.destination)} in {secs:,.1f}s; every table's "
        "count matches the source"
    )
    if result.slice_store_id is not None:
        ctx.print(
            f"The slice is a store of its own ({result.slice_store_id}), a known peer of the "
            "source: its work goes back by sync pack ('triage sync export --recipient "
            f"{result.source_recipient} --out FILE' there, 'triage sync import FILE --signer "
            "SLICE.pub' here, SLICE.pub from its 'triage keys export-public')"
        )


def _shown(spec: str) -> str:
    from ..store.pg.url import describe, is_postgres_url

    return f"the {describe(spec)}" if is_postgres_url(spec) else spec
