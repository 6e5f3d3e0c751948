"""X API v1.1 / Gnip "original format" tweets, one JSON object per line.

Ids come from ``id_str`` (the numeric ``id`` exceeds 2**53 and is only trusted when it was
parsed as an exact integer). The full text is in ``extended_tweet.full_text`` (streaming API),
``full_text`` (REST with tweet_mode=extended) or ``text``; a retweet takes the full text of the
retweeted status because its own text is cut at 140 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.records import AccountRecord, BadRecord, MediaRecord, PostRecord, ReadResult, Skipped
from ..base import Confidence, ReadContext
from ..jsonstream import iter_lines, parse_line, sniff_text
from ..textfix import id_text, parse_count, parse_twitter_date, unescape_entities
from ._x_common import best_video_variant, expanded_urls, language, media_kind, post_url

_TWITTER_DATE = re.compile(
    r'"created_at"\s*:\s*"\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}"'
)


class XV1Importer:
    name = "x-v1"
    description = "X (Twitter) API v1.1 / Gnip original-format tweets, one per line"

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head).lstrip()
        if not text.startswith("{"):
            return Confidence.NO
        if '"id_str"' in text and '"screen_name"' in text and _TWITTER_DATE.search(text):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        record_no = 0
        for line in iter_lines(path, ctx):
            record_no += 1
            parsed = parse_line(line)
            if isinstance(parsed, BadRecord):
                parsed.record_no = record_no
                yield parsed
                continue
            tweet, text = parsed
            if "delete" in tweet or "limit" in tweet or "status_withheld" in tweet:
                yield Skipped("X stream notice (delete, limit or withheld), not a tweet")
                continue
            yield _to_post(tweet, text, line.raw, line.number, record_no)


def _status_id(status: dict[str, Any]) -> str | None:
    if status.get("id_str"):
        return str(status["id_str"])
    value = status.get("id")
    return id_text(value) if isinstance(value, int) else None


def _full_text(status: dict[str, Any]) -> str:
    extended = status.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(extended.get("full_text"), str):
        return extended["full_text"]
    if isinstance(status.get("full_text"), str):
        return status["full_text"]
    return str(status.get("text") or "")


def _account(user: Any) -> AccountRecord | None:
    if not isinstance(user, dict):
        return None
    account_id = _status_id(user)
    if not account_id:
        return None
    handle = user.get("screen_name")
    created = user.get("created_at")
    return AccountRecord(
        platform="x",
        account_id=account_id,
        handle=handle,
        display_name=user.get("name"),
        created_at=parse_twitter_date(created) if isinstance(created, str) else None,
        followers=parse_count(user.get("followers_count")),
        url=f"https://x.com/{handle}" if handle else None,
    )


def _media(status: dict[str, Any]) -> list[MediaRecord]:
    extended = (
        status.get("extended_tweet") if isinstance(status.get("extended_tweet"), dict) else {}
    )
    holder = (
        (extended or {}).get("extended_entities")
        or status.get("extended_entities")
        or (extended or {}).get("entities")
        or status.get("entities")
        or {}
    )
    found: list[MediaRecord] = []
    for item in holder.get("media") or []:
        if not isinstance(item, dict):
            continue
        kind = media_kind(item.get("type"))
        url, mime = item.get("media_url_https") or item.get("media_url"), None
        if kind == "video":
            video_url, mime = best_video_variant((item.get("video_info") or {}).get("variants"))
            url = video_url or url
        found.append(
            MediaRecord(kind=kind, url=url, missing=True, mime=mime, name=item.get("id_str"))
        )
    return found


def _to_post(
    tweet: dict[str, Any], raw: str, line: bytes, line_no: int, record_no: int
) -> ReadResult:
    post_id = _status_id(tweet)
    created = tweet.get("created_at")
    if not post_id or not isinstance(created, str):
        return BadRecord("tweet has no id_str or no created_at", line, record_no, line_no)
    try:
        created_at = parse_twitter_date(created)
    except ValueError:
        return BadRecord(f"unreadable created_at {created[:40]!r}", line, record_no, line_no)

    text = _full_text(tweet)
    kind, parent, source = "post", None, tweet
    extra: dict[str, object] = {}
    original = tweet.get("retweeted_status")
    if isinstance(original, dict):
        kind, parent, source = "repost", _status_id(original), original
        original_user = (original.get("user") or {}).get("screen_name")
        text = f"RT @{original_user}: {_full_text(original)}" if original_user else text
    elif tweet.get("in_reply_to_status_id_str"):
        kind, parent = "comment", str(tweet["in_reply_to_status_id_str"])
    quoted = tweet.get("quoted_status")
    if isinstance(quoted, dict):
        extra["quoted_post_id"] = _status_id(quoted)
        extra["quoted_text"] = unescape_entities(_full_text(quoted))
    extended = (
        source.get("extended_tweet") if isinstance(source.get("extended_tweet"), dict) else {}
    )
    urls = expanded_urls((extended or {}).get("entities") or source.get("entities"))
    if urls:
        extra["urls"] = urls
    for key in ("retweet_count", "favorite_count", "reply_count", "quote_count", "source", "lang"):
        if key in tweet:
            extra[key] = tweet[key]
    for key in ("coordinates", "place"):
        if tweet.get(key):
            extra[key] = tweet[key]
    account = _account(tweet.get("user"))
    return PostRecord(
        platform="x",
        post_id=post_id,
        text=unescape_entities(text),
        created_at=created_at,
        account=account,
        url=post_url(account.handle if account else None, post_id),
        language=language(tweet.get("lang")),
        kind=kind,
        parent_post_id=parent,
        media=_media(source),
        raw=raw,
        extra=extra,
    )


IMPORTER = XV1Importer()
