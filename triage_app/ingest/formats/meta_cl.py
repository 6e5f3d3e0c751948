"""Meta Content Library exports: CSV with dotted column names, or JSON / JSON Lines.

Built from Meta's data dictionary for Facebook and Instagram posts, comments and reels (no
public sample exists). Both forms carry ``id``, ``creation_time``, ``text``, ``lang``,
``post_owner.{id,name,username,type}`` and ``statistics.*``; JSON objects are flattened to the
same dotted names so one normaliser reads both. Also taken: ``modified_time``,
``multimedia[]`` (``type``, ``url``, ``id``; a JSON list in a CSV cell too) as media,
``link_attachment.link`` as a link, ``surface.*``, ``is_branded_content``, ``match_type`` and
everything else into ``extra``. A comment (``post_id`` or ``parent_id`` naming another record,
or ``comment_owner.*``) is a post of kind "comment" answering that record; a reel (a
``/reel/`` address, a ``post_type``/``media_type`` of reel, or a video in ``multimedia``) is of
kind "video". The platform comes from a ``platform`` field when present, else from the post URL
or owner type (Instagram), else Facebook.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.records import AccountRecord, BadRecord, MediaRecord, PostRecord, ReadResult
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
            if re.search(r'"(post_owner|comment_owner)"', text) and '"creation_time"' in text:
                return Confidence.SURE
            return Confidence.NO
        columns = set(header_of(head))
        if "creation_time" in columns and any(
            c.startswith(("post_owner.", "comment_owner.")) for c in columns
        ):
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


_OWNERS = ("post_owner", "comment_owner", "owner")
_TAKEN = {"id", "creation_time", "text", "lang", "platform", "multimedia"}


def _owner(values: dict[str, Any], platform: str) -> AccountRecord | None:
    for prefix in _OWNERS:
        owner_id = id_text(values.get(f"{prefix}.id")) or None
        username = values.get(f"{prefix}.username") or None
        if owner_id or username:
            return AccountRecord(
                platform=platform,
                account_id=str(owner_id or username),
                handle=str(username) if username else None,
                display_name=values.get(f"{prefix}.name") or None,
            )
    return None


def _multimedia(value: Any) -> list[dict[str, Any]]:
    """``multimedia``: a list of {type, url, id ...}, or that list as JSON text in a CSV cell."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return []
    if isinstance(value, dict):
        value = [value]
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _media(values: dict[str, Any]) -> list[MediaRecord]:
    found: list[MediaRecord] = []
    items = _multimedia(values.get("multimedia"))
    if not items and values.get("multimedia.url"):  # a single item flattened by the CSV
        items = [{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("multimedia.")}]
    for item in items:
        kind = str(item.get("type") or "").lower()
        url = item.get("url")
        found.append(
            MediaRecord(
                kind="video" if kind in ("video", "reel") else "photo",
                url=str(url) if url else None,
                missing=True,
                name=str(item["id"]) if item.get("id") not in (None, "") else None,
            )
        )
    return found


def _kind(values: dict[str, Any], post_id: str, media: list[MediaRecord]) -> tuple[str, str | None]:
    """("comment", the record it answers) | ("video", None) for a reel | ("post", None)."""
    for key in ("parent_id", "parent_comment_id", "post_id"):
        parent = id_text(values.get(key)) if values.get(key) not in (None, "") else None
        if parent and parent != post_id:
            return "comment", parent
    if any(k.startswith("comment_owner.") for k in values):
        return "comment", None
    url = str(values.get("url") or values.get("post_url") or "")
    kinds = {str(values.get(k) or "").lower() for k in ("post_type", "media_type", "type")}
    if "/reel/" in url or "/reels/" in url or kinds & {"reel", "reels"}:
        return "video", None
    if media and all(m.kind == "video" for m in media):
        return "video", None
    return "post", None


def _to_post(values: dict[str, Any], raw: str, record_no: int, line_no: int | None) -> ReadResult:
    try:
        post_id = id_text(values.get("id"))
        created_at = _created(values.get("creation_time"))
    except (ValueError, ArithmeticError) as exc:
        return BadRecord(str(exc), raw.encode(), record_no, line_no)
    if not post_id or created_at is None:
        return BadRecord("record has no id or no creation_time", raw.encode(), record_no, line_no)
    platform = _platform(values)
    account = _owner(values, platform)
    media = _media(values)
    try:
        kind, parent = _kind(values, post_id, media)
    except ValueError as exc:
        return BadRecord(str(exc), raw.encode(), record_no, line_no)
    extra: dict[str, object] = {}
    for key, value in values.items():
        if key.startswith("statistics."):
            extra[key] = parse_count(value)
        elif key not in _TAKEN and not key.startswith("multimedia.") and value not in ("", None):
            extra[key] = value
    link = values.get("link_attachment.link")
    if isinstance(link, str) and link:
        extra["links"] = [link]
    url = values.get("url") or values.get("post_url") or None
    return PostRecord(
        platform=platform,
        post_id=post_id,
        text=str(values.get("text") or ""),
        created_at=created_at,
        account=account,
        url=str(url) if url else None,
        language=(values.get("lang") or None),
        kind=kind,
        parent_post_id=parent,
        media=media,
        raw=raw,
        extra=extra,
    )


IMPORTER = MetaContentLibraryImporter()
