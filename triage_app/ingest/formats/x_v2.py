"""X API v2 pages as twarc2 writes them (a response per line) and plain API responses.

A page holds ``data`` (the tweets asked for) and ``includes`` (users, media and the tweets they
reference). Only ``data`` tweets become posts; ``includes`` supplies authors, media and the
full text of retweets, whose own ``text`` X cuts short.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.records import AccountRecord, BadRecord, MediaRecord, PostRecord, ReadResult, Skipped
from ..base import Confidence, ReadContext
from ..jsonstream import dump_raw, iter_lines, parse_line, sniff_text
from ..textfix import id_text, parse_count, parse_iso, unescape_entities
from ._x_common import best_video_variant, expanded_urls, language, media_kind, post_url

# A page holds up to 500 tweets with their expansions: its line may be several MB. Each post
# made from it is still held to the 1 MB record limit (ingest/record_check.py).
PAGE_LIMIT = 16 * 1024 * 1024
_PAGE = re.compile(r'^\s*\{\s*"(data|includes|meta|errors|__twarc)"\s*:')
_V2_KEYS = re.compile(r'"(edit_history_tweet_ids|author_id|conversation_id|referenced_tweets)"\s*:')
_RT_PREFIX = re.compile(r"^RT @(\w{1,15}): ")
# twarc2's flattened output (``twarc2 flatten``): one tweet per line, its author inline in
# "author", each referenced_tweets[] entry merged with the tweet it points to, and (since 2022)
# "edit_history_tweet_ids" and the "__twarc" metadata of the page it came from.
_FLAT_ID = re.compile(r'"id"\s*:\s*"\d+"')
_FLAT_AUTHOR = re.compile(r'"author_id"\s*:\s*"\d+"')
_FLAT_TELL = re.compile(r'"(edit_history_tweet_ids|__twarc|author|referenced_tweets)"\s*:')
_NOT_TWEET_KEYS = {"data", "includes", "id_str", "post_id"}


def _flattened_tweet(first_line: str) -> bool:
    """Whether a file's first line is one tweet as ``twarc2 flatten`` writes it (before and
    after twarc's 2022 change). A line cut by the 64 KB head is judged by its keys."""
    if not first_line.startswith("{"):
        return False
    try:
        value = json.loads(first_line)
    except (ValueError, RecursionError):  # cut by the head: look at the keys seen
        if re.match(r'^\{\s*"(data|includes|meta|errors)"\s*:', first_line):
            return False
        return bool(
            _FLAT_ID.search(first_line)
            and _FLAT_AUTHOR.search(first_line)
            and _FLAT_TELL.search(first_line)
            and '"text"' in first_line
            and '"id_str"' not in first_line
        )
    if not isinstance(value, dict) or _NOT_TWEET_KEYS & value.keys():
        return False
    return (
        isinstance(value.get("id"), str)
        and isinstance(value.get("text"), str)
        and ("author_id" in value or isinstance(value.get("author"), dict))
        and any(key in value for key in ("edit_history_tweet_ids", "__twarc", "author"))
    )


class XV2Importer:
    name = "x-v2"
    description = "X (Twitter) API v2 responses as written by twarc2, one page per line"

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head)
        if '"id_str"' in text:
            return Confidence.NO
        if _PAGE.match(text) and (_V2_KEYS.search(text) or '"__twarc"' in text):
            return Confidence.SURE
        if _flattened_tweet(text.lstrip().split("\n", 1)[0]):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        record_no = 0
        for line in iter_lines(path, ctx, PAGE_LIMIT):
            line_no = line.number
            parsed = parse_line(line)
            if isinstance(parsed, BadRecord):
                yield parsed
                continue
            page, _text = parsed
            tweets = page.get("data")
            if tweets is None and "id" in page and "text" in page:
                tweets = [page]  # a flattened tweet
            if isinstance(tweets, dict):
                tweets = [tweets]
            if tweets is None:
                if "errors" in page or "meta" in page:
                    yield Skipped("X page with no tweets (errors or empty result)")
                    continue
                yield BadRecord("line has no 'data' list of tweets", line.raw, line_no=line_no)
                continue
            if not isinstance(tweets, list):
                yield BadRecord("'data' is not a list of tweets", line.raw, line_no=line_no)
                continue
            if not tweets:
                yield Skipped("X page with no tweets (errors or empty result)")
                continue
            lookup = _Includes(page.get("includes"))
            for tweet in tweets:
                record_no += 1
                yield _to_post(tweet, lookup, line_no, record_no)


class _Includes:
    """The ``includes`` of one page, indexed by id."""

    def __init__(self, includes: Any) -> None:
        includes = includes if isinstance(includes, dict) else {}
        self.users = _index(includes.get("users"), "id")
        self.tweets = _index(includes.get("tweets"), "id")
        self.media = _index(includes.get("media"), "media_key")


def _index(items: Any, key: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get(key) is not None:
                found[str(item[key])] = item
    return found


def _inline(ref: dict[str, Any]) -> dict[str, Any] | None:
    """A referenced tweet that a flattened file carries inside ``referenced_tweets``: twarc
    merges the whole tweet into the entry (``{"type", "id", "text", "author", ...}``); some
    tools nest it under ``tweet``. An entry with only type and id was not found by X."""
    tweet = ref.get("tweet")
    if isinstance(tweet, dict):
        return tweet
    if "text" in ref or "note_tweet" in ref:
        return ref
    return None


def _full_text(tweet: dict[str, Any]) -> str:
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        return note["text"]
    return str(tweet.get("text") or "")


def _account(user_id: str | None, lookup: _Includes, tweet: dict[str, Any]) -> AccountRecord | None:
    user = lookup.users.get(user_id or "") or tweet.get("author")
    if not isinstance(user, dict):
        return AccountRecord(platform="x", account_id=user_id) if user_id else None
    account_id = id_text(user.get("id")) or user_id
    if not account_id:
        return None
    metrics = user.get("public_metrics") or {}
    handle = user.get("username")
    created = user.get("created_at")
    return AccountRecord(
        platform="x",
        account_id=account_id,
        handle=handle,
        display_name=user.get("name"),
        created_at=parse_iso(created) if isinstance(created, str) else None,
        followers=parse_count(metrics.get("followers_count")),
        url=f"https://x.com/{handle}" if handle else None,
    )


def _media(tweet: dict[str, Any], lookup: _Includes) -> list[MediaRecord]:
    found: list[MediaRecord] = []
    attachments = tweet.get("attachments")
    attachments = attachments if isinstance(attachments, dict) else {}
    inline = _index(attachments.get("media") or tweet.get("media"), "media_key")  # flattened
    for key in attachments.get("media_keys") or []:
        item = lookup.media.get(str(key)) or inline.get(str(key))
        if item is None:
            found.append(MediaRecord(kind="file", missing=True, name=str(key)))
            continue
        kind = media_kind(item.get("type"))
        url, mime = (item.get("url"), None)
        if kind == "video":
            url, mime = best_video_variant(item.get("variants"))
            url = url or item.get("preview_image_url")
        found.append(MediaRecord(kind=kind, url=url, missing=True, mime=mime, name=str(key)))
    return found


def _quoted(tweet: dict[str, Any], lookup: _Includes, extra: dict[str, object]) -> None:
    """The id and full text of the tweet ``tweet`` quotes, into ``extra``."""
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") == "quoted":
            ref_id = id_text(ref.get("id"))
            extra["quoted_post_id"] = ref_id
            quoted = lookup.tweets.get(ref_id or "") or _inline(ref)
            if quoted is not None:
                extra["quoted_text"] = unescape_entities(_full_text(quoted))
            return


def _to_post(tweet: Any, lookup: _Includes, line_no: int, record_no: int) -> ReadResult:
    raw = dump_raw(tweet)
    if not isinstance(tweet, dict):
        return BadRecord("tweet is not a JSON object", raw.encode(), record_no, line_no)
    try:
        post_id = id_text(tweet.get("id"))
        created = tweet.get("created_at")
        if not post_id or "text" not in tweet:
            raise ValueError("tweet has no id or no text")
        created_at = parse_iso(created) if isinstance(created, str) else None
    except ValueError as exc:
        return BadRecord(str(exc), raw.encode(), record_no, line_no)

    text = _full_text(tweet)
    kind, parent = "post", None
    extra: dict[str, object] = {}
    media = _media(tweet, lookup)
    for ref in tweet.get("referenced_tweets") or []:
        if not isinstance(ref, dict):
            continue
        ref_id = id_text(ref.get("id"))
        ref_type = ref.get("type")
        if ref_type == "retweeted":
            kind, parent = "repost", ref_id
            original = lookup.tweets.get(ref_id or "") or _inline(ref)
            prefix = _RT_PREFIX.match(text)
            if original is not None:
                if prefix:
                    text = prefix.group(0) + _full_text(original)
                media = media or _media(original, lookup)  # a retweet shows the original's
                _quoted(original, lookup, extra)  # and what the original quotes
        elif ref_type == "replied_to":
            parent = parent or ref_id
            kind = "comment" if kind == "post" else kind
        elif ref_type == "quoted":
            _quoted(tweet, lookup, extra)

    author_id = id_text(tweet.get("author_id"))
    account = _account(author_id, lookup, tweet)
    urls = expanded_urls(tweet.get("entities"))
    if urls:
        extra["urls"] = urls
    for key in ("conversation_id", "public_metrics", "source", "possibly_sensitive", "lang"):
        if key in tweet:
            extra[key] = tweet[key]
    if tweet.get("edit_history_tweet_ids"):
        extra["edit_history_tweet_ids"] = tweet["edit_history_tweet_ids"]
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
        media=media,
        raw=raw,
        extra=extra,
    )


IMPORTER = XV2Importer()
