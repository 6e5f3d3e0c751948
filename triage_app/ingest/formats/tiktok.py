"""TikTok Research API video query responses (``data.videos[]``).

Video ids are JSON numbers above 2**53; ijson parses them as exact integers and they are kept
as strings. Older examples and some client libraries name the id ``video_id``. ``voice_to_text``
(the automatic transcript) is kept in ``extra["voice_to_text"]``: the post text stays what the
poster wrote (``video_description``). A file may hold one response, several (one per line), or
a plain list of video objects. Control characters (NUL …) are stripped from the id and the
username (so from the account and the post's address); the raw record keeps them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.records import AccountRecord, BadRecord, PostRecord, ReadResult
from ..base import Confidence, ReadContext
from ..jsonstream import iter_records, open_stream, read_head_text, sniff_text
from ..textfix import id_text, parse_count, unix_seconds

_VIDEO_KEYS = re.compile(r'"(video_description|voice_to_text|hashtag_names|region_code)"\s*:')
_COUNTS = ("view_count", "like_count", "comment_count", "share_count", "favourites_count")


class TikTokImporter:
    name = "tiktok"
    description = "TikTok Research API video query responses (data.videos)"

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head).lstrip()
        if not text.startswith(("{", "[")):
            return Confidence.NO
        if '"create_time"' in text and _VIDEO_KEYS.search(text):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        head = read_head_text(path)
        if re.search(r'"videos"\s*:\s*\[', head):
            prefix = "data.videos.item"
        elif head.startswith("["):
            prefix = "item"
        else:
            prefix = ""
        with open_stream(path, ctx) as stream:
            for record_no, (video, raw) in enumerate(iter_records(stream, prefix, path), 1):
                yield _to_post(video, raw, record_no)


def clean_identifier(value: str | None) -> str | None:
    """An id or handle without the control and format characters the API sometimes leaves in
    it (NUL bytes, zero-width marks): they are never part of a TikTok name and would make the
    same account two accounts. The raw record keeps them as they were."""
    if value is None:
        return None
    cleaned = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    return cleaned or None


def _to_post(video: Any, raw: str, record_no: int) -> ReadResult:
    if not isinstance(video, dict):
        return BadRecord("video is not a JSON object", raw.encode(), record_no=record_no)
    try:
        post_id = id_text(video.get("id", video.get("video_id")))
        created_at = unix_seconds(video.get("create_time"))
    except (ValueError, ArithmeticError) as exc:
        return BadRecord(str(exc), raw.encode(), record_no=record_no)
    post_id = clean_identifier(post_id)
    if not post_id or created_at is None:
        return BadRecord("video has no id or no create_time", raw.encode(), record_no=record_no)
    username = video.get("username")
    username = clean_identifier(username) if isinstance(username, str) else None
    account = None
    if isinstance(username, str) and username:
        account = AccountRecord(
            platform="tiktok",
            account_id=username,
            handle=username,
            url=f"https://www.tiktok.com/@{username}",
        )
    extra: dict[str, object] = {k: parse_count(video.get(k)) for k in _COUNTS if k in video}
    for key in (
        "voice_to_text",
        "region_code",
        "hashtag_names",
        "music_id",
        "playlist_id",
        "effect_ids",
        "video_duration",
        "video_mention_list",
        "is_stem_verified",
    ):
        if video.get(key) not in (None, "", []):
            extra[key] = video[key]
    return PostRecord(
        platform="tiktok",
        post_id=post_id,
        text=str(video.get("video_description") or ""),
        created_at=created_at,
        account=account,
        url=f"https://www.tiktok.com/@{username}/video/{post_id}" if account else None,
        kind="video",
        raw=raw,
        extra=extra,
    )


IMPORTER = TikTokImporter()
