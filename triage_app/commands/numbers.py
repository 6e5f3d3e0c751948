"""Numbers on the command line, parsed in one place: a post id, a limit, a count of days.

Every numeric argument of every command goes through :func:`parse_number` (directly, or as an
argparse ``type=`` made by :func:`number`), so negative, huge and non-numeric values all end in
one clear usage line (exit 2) instead of an OverflowError from SQLite or a C library. Only ASCII
digits are accepted ("٣" or "²" are digits to Python's ``int()`` but not to a person typing an
id)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from ..core.errors import UsageError

SQLITE_MAX = 2**63 - 1  # the largest id SQLite can store
_WHOLE = re.compile(r"[+-]?[0-9]{1,40}")


def parse_number(text: str, name: str, *, minimum: int = 0, maximum: int = SQLITE_MAX) -> int:
    """``text`` as a whole number within [minimum, maximum], or a UsageError naming ``name``."""
    value, problem = _checked(text, minimum, maximum)
    if problem:
        raise UsageError(f"{name} {problem}")
    return value


def _checked(text: str, minimum: int, maximum: int) -> tuple[int, str]:
    cleaned = text.strip()
    if not _WHOLE.fullmatch(cleaned):
        return 0, f"must be a whole number, not {_shown(text)}"
    value = int(cleaned)
    if not minimum <= value <= maximum:
        return 0, f"must be between {minimum:,} and {maximum:,}, not {_shown(text)}"
    return value, ""


def parse_post_id(text: str, name: str = "POST_ID") -> int:
    """A local post id: 1 up to the largest id SQLite can hold."""
    value, problem = _checked(text, 1, SQLITE_MAX)
    if problem:
        raise UsageError(f"{name} must be a post id (a whole number from 1), not {_shown(text)}")
    return value


def number(name: str, *, minimum: int = 0, maximum: int = SQLITE_MAX) -> Callable[[str], int]:
    """An argparse ``type=`` for a whole number within [minimum, maximum]."""

    def convert(text: str) -> int:
        value, problem = _checked(text, minimum, maximum)
        if problem:  # argparse puts "argument NAME:" in front
            raise argparse.ArgumentTypeError(problem)
        return value

    convert.__name__ = name  # argparse names the type in some messages
    return convert


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")
