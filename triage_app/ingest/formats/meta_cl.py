"""Meta Content Library exports: CSV with dotted column names, or JSON / JSON Lines.

Both forms carry ``id``, ``creation_time``, ``text``, ``lang``, ``post_owner.{id,name,username}``
and ``statistics.*``; JSON objects are flattened to the same dotted names so one normaliser
reads both. The platform comes from a ``platform`` field when present, else from the post URL
or owner type (Instagram), else Facebook.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.records import AccountRecord, BadRecord, PostRecord, ReadResult
from ..base import Confidence, ReadContext
from ..jsonstream import iter_records, open_stream, read_head_text, sniff_text
from ..textfix import id_text, parse_count, parse_iso, unix_seconds
from ._csvrows import header_of, iter_csv


class MetaContentLibraryImporter:
    name = "meta-cl"
    description = "Meta Content Library export, CSV (dotted columns) or JSON"

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head).lstrip()
        if text.startswith(("{", "[")):
            if '"post_owner"' in text and '"creation_time"' in text:
                return Confidence.SURE
            return Confidence.NO
        columns = set(header_of(head))
        if "creation_time" in columns and any(c.startswith("post_owner.") for c in columns):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        head = read_head_text(path, 4096)
        if head.startswith(("{", "[")):
            yield from _read_json(path, ctx, head)
            return
        for row in iter_csv(path, ctx):
            if isinstance(row, BadRecord):
                yield row
                continue
            if row.short:
                yield BadRecord(
                    "row has fewer columns than the header",
                    row.raw.encode(),
                    row.record_no,
                    row.line_no,
                )
                continue
            yield _to_post(row.values, row.raw, row.record_no, row.line_no)


def _read_json(path: Path, ctx: ReadContext, head: str) -> Iterator[ReadResult]:
    if head.startswith("["):
        prefix = "item"
    elif re.match(r'\{\s*"data"\s*:\s*\[', head):
        prefix = "data.item"
    else:
        prefix = ""
    with open_stream(path, ctx) as stream:
        for record_no, (item, raw) in enumerate(iter_records(stream, prefix, path), start=1):
            if not isinstance(item, dict):
                yield BadRecord("record is not a JSON object", raw.encode(), record_no=record_no)
                continue
            yield _to_post(flatten(item), raw, record_no, None)


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"post_owner": {"id": 1}} → {"post_owner.id": 1}; lists are kept whole."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            flat.update(flatten(item, name + "."))
        else:
            flat[name] = item
    return flat


def _created(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return unix_seconds(value)
    return parse_iso(str(value))


def _platform(values: dict[str, Any]) -> str:
    named = str(values.get("platform") or "").strip().lower()
    if named in ("facebook", "instagram"):
        return named
    hints = " ".join(
        str(values.get(k) or "") for k in ("url", "post_url", "link", "post_owner.type")
    )
    return "instagram" if "instagram" in hints.lower() else "facebook"


def _to_post(values: dict[str, Any], raw: str, record_no: int, line_no: int | None) -> ReadResult:
    try:
        post_id = id_text(values.get("id"))
        created_at = _created(values.get("creation_time"))
    except (ValueError, ArithmeticError) as exc:
        return BadRecord(str(exc), raw.encode(), record_no, line_no)
    if not post_id or created_at is None:
        return BadRecord("record has no id or no creation_time", raw.encode(), record_no, line_no)
    platform = _platform(values)
    owner_id = id_text(values.get("post_owner.id")) or None
    username = values.get("post_owner.username") or None
    account = None
    if owner_id or username:
        account = AccountRecord(
            platform=platform,
            account_id=str(owner_id or username),
            handle=str(username) if username else None,
            display_name=values.get("post_owner.name") or None,
        )
    extra: dict[str, object] = {}
    for key, value in values.items():
        if key.startswith("statistics."):
            extra[key] = parse_count(value)
        elif key not in ("id", "creation_time", "text", "lang", "platform") and value not in (
            "",
            None,
        ):
            extra[key] = value
    url = values.get("url") or values.get("post_url") or None
    return PostRecord(
        platform=platform,
        post_id=post_id,
        text=str(values.get("text") or ""),
        created_at=created_at,
        account=account,
        url=str(url) if url else None,
        language=(values.get("lang") or None),
        raw=raw,
        extra=extra,
    )


IMPORTER = MetaContentLibraryImporter()
