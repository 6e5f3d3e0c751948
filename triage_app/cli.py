"""The `triage` command: the GUI's twin for scripts and tests (see DESIGN.md, CLI contract).

Exit status: 0 success, 1 a runtime error (one clear line on stderr), 2 a usage error."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence

from . import commands
from .commands.context import CommandContext
from .core.errors import TriageError, UsageError
from .core.fileio import PRIVATE_UMASK

log = logging.getLogger("triage")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors share one path (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="triage", description="Triage workstation command line")
    parser.add_argument("--db", help="store file (default: TRIAGE_DB or the data folder)")
    parser.add_argument(
        "--data-dir", help="folder for store, keys, settings, logs (TRIAGE_DATA_DIR)"
    )
    parser.add_argument("--passphrase-file", help="passphrase that unlocks the store's key")
    parser.add_argument(
        "--key-passphrase-file",
        help="passphrase that protects your personal signing key where no OS keyring works "
        "(TRIAGE_KEY_PASSPHRASE_FILE; default: the --passphrase-file)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this run creates is owner-only (files 0600, folders 0700) whatever the
    # caller's umask; the library also sets modes explicitly where it creates files.
    old_umask = os.umask(PRIVATE_UMASK)
    try:
        return _main(argv)
    finally:
        os.umask(old_umask)


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ctx = CommandContext(
        db=args.db, data_dir_arg=args.data_dir, passphrase_file=args.passphrase_file
    )
    ctx.key_passphrase_file = args.key_passphrase_file
    try:
        return int(args.handler(args, ctx) or 0)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TriageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback in the log
        path = _log_crash(args.data_dir)
        print(f"error: unexpected {type(exc).__name__}: {exc} (details in {path})", file=sys.stderr)
        return 1
    finally:
        ctx.close()


def _log_crash(data_dir_arg: str | None = None) -> str:
    """Write the current traceback to the crash log of the data folder in use (``--data-dir``,
    TRIAGE_DATA_DIR or the default), owner-only, and return its path."""
    import traceback

    from .core.fileio import open_private
    from .store.paths import data_dir

    try:
        path = data_dir(data_dir_arg) / "crash.log"
        with open_private(path, append=True) as handle:
            handle.write(traceback.format_exc() + "\n")
        return str(path)
    except (OSError, TriageError):
        return "stderr"


if __name__ == "__main__":
    sys.exit(main())
