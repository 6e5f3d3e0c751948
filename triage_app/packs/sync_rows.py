"""The shape of each row of a sync pack's sections, checked before any row reaches the merge.

A sync pack is signed by a peer we trust, but a buggy or compromised peer can still send a row
whose fields have the wrong type (a list where text belongs, a number beyond SQLite's 64 bits).
SQLite would refuse such a value halfway through the merge with an error no one can act on;
checking every row first turns it into one line that names the section, line and field."""

from __future__ import annotations

import re
from typing import Any

from ..core.errors import TriageError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")

# Kinds of field: "id" is non-empty text; "text" is text that may be empty; "text?" is text or
# null (or absent); "int?" a whole number within SQLite's 64 bits or null; "bool?" true, false or
# null; "flag?" true, false, a whole number or null. Fields not listed are ignored.
SCHEMA: dict[str, dict[str, str]] = {
    "accounts": {
        "uuid": "id",
        "platform": "id",
        "platform_account_id": "id",
        "handle": "text?",
        "display_name": "text?",
        "url": "text?",
        "created_at": "int?",
        "followers": "int?",
    },
    "posts": {
        "uuid": "id",
        "platform": "id",
        "platform_post_id": "id",
        "account": "text?",
        "kind": "text?",
        "parent_post_id": "text?",
        "url": "text?",
        "posted_at": "int?",
        "text": "text",
        "language": "text?",
        "referred": "bool?",
        "raw": "text?",
    },
    "media": {
        "uuid": "id",
        "post": "id",
        "kind": "id",
        "name": "text?",
        "url": "text?",
        "sha256": "text?",
        "size": "int?",
        "mime": "text?",
        "missing": "flag?",
        "file": "text?",
    },
    "decisions": {
        "uuid": "id",
        "post": "id",
        "kind": "id",
        "tag": "text?",
        "note": "text?",
        "actor": "id",
        "at": "id",
        "workstation": "text?",
        "batch": "text?",
        "undoes": "text?",
        "origin": "id",
        "signature": "text?",  # the author's personal signature (checked by sync_trust)
    },
    "outcomes": {
        "uuid": "id",
        "account": "id",
        "outcome": "id",
        "on_date": "id",
        "actor": "id",
        "at": "id",
        "note": "text?",
    },
    "audit": {
        "uuid": "id",
        "origin": "id",
        "seq": "int?",
        "at": "text",
        "actor": "text",
        "action": "text",
        "object_type": "text?",
        "object_id": "text?",
        "detail": "text",
        "prev_hash": "text",
        "hash": "text",
    },
}

_WANTED = {
    "id": "non-empty text",
    "text": "text",
    "text?": "text or null",
    "int?": "a whole number within SQLite's 64-bit range, or null",
    "bool?": "true, false or null",
    "flag?": "true, false, a whole number or null",
}


class SyncRowError(TriageError):
    """A row of a sync pack has a field of the wrong type."""


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "a number too large" if not INT64_MIN <= value <= INT64_MAX else "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "empty text" if not value else "text"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _fits(kind: str, value: Any) -> bool:
    if isinstance(value, str):
        # Lone surrogates (from "\ud800" escapes) cannot be stored as UTF-8.
        return kind in ("text", "text?") or (kind == "id" and bool(value))
    if value is None:
        return kind.endswith("?")
    if isinstance(value, bool):
        return kind in ("bool?", "flag?")
    if isinstance(value, int):
        return kind in ("int?", "flag?") and INT64_MIN <= value <= INT64_MAX
    return False


def check_row(section: str, number: int, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` unchanged if every field it should have has the right type; else SyncRowError
    naming the section, the line and the field."""
    for key, kind in SCHEMA[section].items():
        value = row.get(key)
        if not _fits(kind, value):
            raise SyncRowError(
                f"{section}.jsonl line {number} in the sync pack: {key!r} must be "
                f"{_WANTED[kind]} (it is {_describe(value)}); the pack is refused"
            )
        if isinstance(value, str) and _SURROGATE.search(value):
            raise SyncRowError(
                f"{section}.jsonl line {number} in the sync pack: {key!r} holds text that is "
                "not valid Unicode; the pack is refused"
            )
    return row
