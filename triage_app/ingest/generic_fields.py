"""The generic import schema shared by the JSONL and CSV formats (documented in the README).

Fields: platform, post_id (required), created_at (required: ISO-8601 or unix seconds),
text, url, author_id, author_handle, author_name, author_followers, author_created_at,
language, kind, parent_post_id, media (list of paths relative to the file, or URLs).

Media paths are taken only from inside the export's root (ingest/media_confine.py); any other
is refused with its reason, recorded on the post. URLs stay URLs (never fetched)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core.records import AccountRecord, MediaRecord, PostRecord
from ..core.timeutil import parse_iso_to_unix
from .media_confine import MEDIA_SIZE_LIMIT, check_media

PLATFORMS = {
    "facebook",
    "instagram",
    "x",
    "twitter",
    "tiktok",
    "telegram",
    "youtube",
    "whatsapp",
    "snapchat",
    "other",
}
MEDIA_KINDS = {
    ".jpg": "photo",
    ".jpeg": "photo",
    ".png": "photo",
    ".gif": "photo",
    ".webp": "photo",
    ".mp4": "video",
    ".mov": "video",
    ".webm": "video",
    ".ogg": "audio",
    ".opus": "audio",
    ".mp3": "audio",
}


class RecordProblem(ValueError):
    """A record that cannot be used; the message is the quarantine reason."""


def _text(value: Any, field: str) -> str | None:
    if value.__class__ is str:  # the common case first: this runs ten times a record
        return value or None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordProblem(f"{field} must be text, got {type(value).__name__}")
    return str(value)


def parse_time(value: Any, field: str = "created_at") -> int:
    if value is None or value == "":
        raise RecordProblem(f"missing {field}")
    if isinstance(value, bool):
        raise RecordProblem(f"{field} is not a date: {value!r}")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        if len(value) == 20 and value[10] == "T" and value[19] == "Z":  # 2025-03-01T10:00:00Z
            try:
                return _utc_seconds(value)
            except ValueError:
                raise RecordProblem(f"{field} is not a date: {value[:40]!r}") from None
        if len(value) == 10 and value[4] == "-" and value[7] == "-":  # 2020-02-06 (accounts)
            try:
                return _utc_date_seconds(value)
            except ValueError:
                raise RecordProblem(f"{field} is not a date: {value[:40]!r}") from None
        stripped = value.strip()
        if stripped.isdigit():
            return int(stripped)
        try:
            return parse_iso_to_unix(stripped)
        except ValueError:
            raise RecordProblem(f"{field} is not a date: {value[:40]!r}") from None
    raise RecordProblem(f"{field} is not a date: {type(value).__name__}")


@lru_cache(maxsize=1 << 14)
def _utc_date_seconds(value: str) -> int:
    """'YYYY-MM-DD' to unix seconds at midnight UTC, as parse_iso_to_unix reads it (checked).

    Cached: an export has a few thousand distinct days (post days, account creation days) and
    every post names two of them; a ValueError is not cached and is raised again each time."""
    year, month, day = value[0:4], value[5:7], value[8:10]
    if not (year.isdigit() and month.isdigit() and day.isdigit() and value.isascii()):
        raise ValueError(value)
    return int(_dt.datetime(int(year), int(month), int(day), tzinfo=_dt.UTC).timestamp())


@lru_cache(maxsize=1 << 14)
def _utc_day_seconds(value: str) -> int:
    """The date part of 'YYYY-MM-DDTHH:MM:SSZ' (10 characters, separators checked by the
    caller) to unix seconds at midnight UTC, as datetime reads it (no 30 February)."""
    return int(
        _dt.datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]), tzinfo=_dt.UTC).timestamp()
    )


def _utc_seconds(value: str) -> int:
    """'YYYY-MM-DDTHH:MM:SSZ' to unix seconds, checked like datetime does (no 30 February, no
    hour 24, no second 60): the day from a cache, the time of day added (a post a second)."""
    if value[4] != "-" or value[7] != "-" or value[13] != ":" or value[16] != ":":
        raise ValueError(value)
    hour, minute, second = int(value[11:13]), int(value[14:16]), int(value[17:19])
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
        raise ValueError(value)
    return _utc_day_seconds(value[:10]) + hour * 3600 + minute * 60 + second


def record_from_fields(
    fields: Mapping[str, Any],
    base_dir: Path,
    raw: str,
    root: Path | None = None,
    media_limit: int = MEDIA_SIZE_LIMIT,
) -> PostRecord:
    """Normalise one generic record; raises RecordProblem with the reason when unusable.

    Media paths are relative to ``base_dir`` (the file's folder) and must lie inside ``root``
    (the export's root; ``base_dir`` when not given)."""
    # Text fields as _text reads them, the common case (a str) inline: this runs for every
    # record of an export, ten fields each; the order of the checks (and so the reason a bad
    # record gets) is the order of the fields below.
    get = fields.get
    value = get("platform")
    platform = (value or None) if value.__class__ is str else _text(value, "platform")
    if not platform:
        raise RecordProblem("missing platform")
    platform = platform.strip().lower()
    if platform == "twitter":
        platform = "x"
    value = get("post_id")
    post_id = (value or None) if value.__class__ is str else _text(value, "post_id")
    if not post_id or not post_id.strip():
        raise RecordProblem("missing post_id")
    created = parse_time(get("created_at"))
    value = get("text")
    text = value if value.__class__ is str else (_text(value, "text") or "")
    value = get("author_id")
    author_id = (value or None) if value.__class__ is str else _text(value, "author_id")
    value = get("author_handle")
    handle = (value or None) if value.__class__ is str else _text(value, "author_handle")
    account = None
    if author_id or handle:
        followers = get("author_followers")
        account_created = get("author_created_at")
        value = get("author_name")
        account = AccountRecord(
            platform=platform,
            account_id=author_id or f"@{handle}",
            handle=handle,
            display_name=(value or None) if value.__class__ is str else _text(value, "author_name"),
            followers=(
                followers
                if followers.__class__ is int and followers >= 0
                else int(followers)
                if isinstance(followers, int | str) and str(followers).strip().isdigit()
                else None
            ),
            created_at=parse_time(account_created, "author_created_at")
            if account_created
            else None,
        )
    media: list[MediaRecord] = []
    raw_media = get("media") or []
    if isinstance(raw_media, str):
        raw_media = [m for m in raw_media.replace(";", "|").split("|") if m.strip()]
    if not isinstance(raw_media, list):
        raise RecordProblem("media must be a list of paths")
    for item in raw_media:
        if not isinstance(item, str):
            raise RecordProblem("media must be a list of paths")
        media.append(_media(item.strip(), base_dir, root or base_dir, media_limit))
    url, language, kind, parent = (
        get("url"),
        get("language"),
        get("kind"),
        get("parent_post_id"),
    )
    return PostRecord(
        platform=platform,
        post_id=post_id.strip(),
        text=text,
        created_at=created,
        account=account,
        url=(url or None) if url.__class__ is str else _text(url, "url"),
        language=(language or None) if language.__class__ is str else _text(language, "language"),
        kind=(kind if kind.__class__ is str else _text(kind, "kind")) or "post",
        parent_post_id=(parent or None)
        if parent.__class__ is str
        else _text(parent, "parent_post_id"),
        media=media,
        raw=raw,
    )


def _media(item: str, base_dir: Path, root: Path, limit: int) -> MediaRecord:
    kind = MEDIA_KINDS.get(Path(item.split("?")[0]).suffix.lower(), "file")
    if "://" in item:
        return MediaRecord(kind=kind, url=item, missing=True, name=Path(item).name)
    check = check_media(item, base_dir, root, limit)
    if check.path is not None:
        return MediaRecord(kind=kind, path=str(check.path), name=Path(item).name)
    if check.refused:
        return MediaRecord(kind=kind, missing=True, name=item, refused=check.refused)
    return MediaRecord(kind=kind, missing=True, name=Path(item).name)
