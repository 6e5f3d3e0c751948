"""`triage keys export-personal`: your own public signing key, for a supervisor to register with
`triage users add NAME --role R --key FILE` (store/personal_keys.py)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..core.errors import TriageError
from .context import CommandContext


def add_personal_key_commands(keys_sub: Any) -> None:
    """Called by commands/packs.py, which owns the `keys` command."""
    export = keys_sub.add_parser(
        "export-personal",
        help="print (or write) your personal public signing key, for your supervisor",
    )
    export.add_argument("--out", help="file to write (default: print it)")
    export.set_defaults(handler=run_export_personal)


def run_export_personal(args: argparse.Namespace, ctx: CommandContext) -> int:
    from ..store.personal_keys import load_personal_key

    # On a team server the person is the server's login, which signs their decisions there
    # (store.user); it need not be the OS account's name (a SCRAM or certificate login).
    person = ctx.store().user if ctx.server_url else ctx.user
    key = load_personal_key(person, ctx.key_passphrase())
    text = key.public_text() + "\n"
    if not args.out:
        ctx.out.write(text)
        return 0
    out = Path(args.out)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise TriageError(f"Cannot write {out}: {exc.strerror or exc}") from exc
    ctx.print(f"Wrote the personal public key of {person} to {out}")
    return 0


def read_public_key_file(path: str) -> str:
    """The key text in a file written by `keys export-personal` (or the text itself)."""
    from ..store.personal_keys import PUBLIC_PREFIX, canonical_public_key

    if path.startswith(PUBLIC_PREFIX):
        return canonical_public_key(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TriageError(f"Cannot read key file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise TriageError(f"{path} is not a personal public key file") from exc
    return canonical_public_key(text)
