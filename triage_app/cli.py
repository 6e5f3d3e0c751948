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


def _add_global_options(parser: argparse.ArgumentParser, *, default: object = None) -> None:
    """The options every command takes, before or after the command's name."""
    group = parser.add_argument_group("global options (before or after the command)")
    options = [
        ("--db", "store file (default: TRIAGE_DB or the data folder)"),
        ("--data-dir", "folder for store, keys, settings, logs (TRIAGE_DATA_DIR)"),
        ("--passphrase-file", "passphrase that unlocks the store's key (TRIAGE_PASSPHRASE_FILE)"),
        (
            "--key-passphrase-file",
            "passphrase that protects your personal signing key where no OS keyring works "
            "(TRIAGE_KEY_PASSPHRASE_FILE; default: the --passphrase-file)",
        ),
    ]
    for flag, help_text in options:
        if flag in parser._option_string_actions:  # a command's own option of that name wins
            continue
        group.add_argument(flag, default=default, help=help_text)


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                found.append(child)
                found.extend(_subcommand_parsers(child))
    return found


#: Which module of ``triage_app.commands`` registers each command. A run imports only the
#: module of the command it was given (importing all of them costs about 0.9 s of a run that
#: otherwise starts in 0.2-0.3 s); ``triage --help`` and unknown names still import all.
#: tests/cli/test_cli_lazy_commands.py checks that this table matches what the modules register.
COMMAND_MODULES: dict[str, str] = {
    "audit": "audit",
    "queue": "browsing",
    "show": "browsing",
    "db": "db",
    "demo": "demo",
    "enrich": "enrich",
    "pivot": "enrich",
    "import": "importing",
    "network": "networks",
    "networks": "networks",
    "keys": "packs",
    "pack": "packs",
    "recipients": "packs",
    "blind": "review",
    "outcome": "review",
    "review": "review",
    "settings": "settings",
    "stats": "stats",
    "sync": "sync",
    "tag": "tagging",
    "users": "users",
}

#: Global options that take a value, so the command's name is found after them.
_VALUE_OPTIONS = frozenset({"--db", "--data-dir", "--passphrase-file", "--key-passphrase-file"})


def command_name(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (the first word that is neither an option nor the value
    of a global option), or None."""
    skip_next = False
    for word in argv:
        if skip_next:
            skip_next = False
            continue
        if word == "--":
            return None
        if word.startswith("-"):
            skip_next = word in _VALUE_OPTIONS
            continue
        return word
    return None


def _command_modules(argv: Sequence[str] | None) -> list[str]:
    """The command modules to import for this run: only the named command's, else all."""
    name = command_name(argv) if argv is not None else None
    if name in COMMAND_MODULES:
        return [COMMAND_MODULES[name]]
    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``'s command (only its module is imported), or for every command
    when ``argv`` is None or names no known command."""
    parser = _Parser(prog="triage", description="Triage workstation command line")
    _add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in _command_modules(argv):
        module = importlib.import_module(f"{commands.__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    # `triage demo --data-dir D` as well as `triage --data-dir D demo`: each command's parser
    # takes the global options too; SUPPRESS keeps a value given before the command when the
    # same option is not repeated after it (given after, it wins).
    for child in _subcommand_parsers(parser):
        _add_global_options(child, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this run creates is owner-only (files 0600, folders 0700) whatever the
    # caller's umask; the library also sets modes explicitly where it creates files.
    old_umask = os.umask(PRIVATE_UMASK)
    root = logging.getLogger()
    # Only where nothing else handles logging (a plain run; tests and embedders keep theirs).
    lines = _StderrLines() if not root.handlers else None
    if lines is not None:
        root.addHandler(lines)
    try:
        return _main(argv)
    finally:
        if lines is not None:
            root.removeHandler(lines)
        os.umask(old_umask)


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    try:
        args = parser.parse_args(args_list)
    except UsageError as exc:
        _print_error(exc)
        return 2
    ctx = CommandContext(
        db=args.db, data_dir_arg=args.data_dir, passphrase_file=args.passphrase_file
    )
    ctx.key_passphrase_file = args.key_passphrase_file
    try:
        return int(args.handler(args, ctx) or 0)
    except UsageError as exc:
        _print_error(exc)
        return 2
    except TriageError as exc:
        _print_error(exc)
        return 1
    except KeyboardInterrupt:
        _print_error("interrupted")
        return 1
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback in the log
        path = _log_crash(args.data_dir)
        _print_error(f"unexpected {type(exc).__name__}: {exc} (details in {path})")
        return 1
    finally:
        ctx.close()


def _print_error(message: object) -> None:
    """Every error the command line prints begins the same way, `error: `, as argparse's own."""
    print(f"error: {message}", file=sys.stderr)


class _StderrLines(logging.Handler):
    """Warnings the library logs while a command runs, one line each in the errors' style
    (`warning: ...`), instead of Python's bare last-resort output (and no traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in a log call: still say something
            message = str(record.msg)
        try:
            print(f"{record.levelname.lower()}: {message}", file=sys.stderr)
        except (OSError, ValueError):
            pass


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
