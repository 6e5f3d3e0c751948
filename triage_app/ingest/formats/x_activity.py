"""X (Twitter) tweets in Gnip's Activity Streams format (PowerTrack, Historical PowerTrack,
30-day/Full-Archive search with ``"publisher": "twitter"``), one activity per line.

An activity carries the tweet as ``verb`` ("post" or "share" for a retweet), ``actor`` (the
author), ``object`` (for a post a "note"; for a retweet the whole retweeted activity), ``body``
(the text; a retweet's is cut, a long tweet's full text is in ``long_object.body``),
``postedTime``, ``twitter_entities`` / ``twitter_extended_entities`` (the v1.1 entities),
``inReplyTo``, ``twitter_quoted_status`` and ``gnip`` (matching rules, expanded URLs, language).
Each activity is turned into the v1.1 tweet it stands for and read by the v1.1 importer, so the
same tweets in either format give the same posts; the raw record is the activity as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.records import BadRecord, ReadResult, Skipped
from ..base import Confidence, ReadContext
from ..jsonstream import iter_lines, parse_line, sniff_text
from ..textfix import parse_iso
from .x_v1 import _to_post as v1_post

_ACTIVITY = re.compile(r'"objectType"\s*:\s*"activity"')
_VERB = re.compile(r'"verb"\s*:\s*"(post|share)"')
_TWITTER_DATE = "%a %b %d %H:%M:%S +0000 %Y"


class XActivityImporter:
    name = "x-activity"
    description = "X (Twitter) tweets in Gnip Activity Streams format, one per line"

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head).lstrip()
        if not text.startswith("{"):
            return Confidence.NO
        first = text.split("\n", 1)[0]
        if _ACTIVITY.search(first) and _VERB.search(first) and '"actor"' in first:
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
            activity, text = parsed
            if "info" in activity and "objectType" not in activity:
                yield Skipped("Gnip file footer (activity count), not a tweet")
                continue
            if activity.get("verb") == "delete" or "error" in activity:
                yield Skipped("Gnip compliance or error notice, not a tweet")
                continue
            try:
                status = as_v1(activity)
            except ValueError as exc:
                yield BadRecord(str(exc), line.raw, record_no, line.number)
                continue
            yield v1_post(status, text, line.raw, line.number, record_no)


def _tail_id(value: Any) -> str | None:
    """ "tag:search.twitter.com,2005:1234" / "id:twitter.com:99" / a status link → the id."""
    if not isinstance(value, str) or not value:
        return None
    tail = re.split(r"[:/]", value.rstrip("/"))[-1]
    return tail if tail.isdigit() else None


def _twitter_date(value: Any, what: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"unreadable {what} {value!r}")
    stamp = parse_iso(value)
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime(_TWITTER_DATE)


def _user(actor: Any) -> dict[str, Any] | None:
    if not isinstance(actor, dict):
        return None
    user: dict[str, Any] = {
        "id_str": _tail_id(actor.get("id")),
        "screen_name": actor.get("preferredUsername"),
        "name": actor.get("displayName"),
        "followers_count": actor.get("followersCount"),
    }
    created = _twitter_date(actor.get("postedTime"), "actor postedTime")
    if created:
        user["created_at"] = created
    return user


def as_v1(activity: dict[str, Any]) -> dict[str, Any]:
    """The v1.1 tweet an activity stands for (the fields the v1.1 importer reads)."""
    post_id = _tail_id(activity.get("id"))
    created = _twitter_date(activity.get("postedTime"), "postedTime")
    if not post_id or not created:
        raise ValueError("activity has no tweet id or no postedTime")
    status: dict[str, Any] = {
        "id_str": post_id,
        "created_at": created,
        "text": activity.get("body") or "",
        "user": _user(activity.get("actor")),
    }
    entities = activity.get("twitter_entities")
    if isinstance(entities, dict):
        status["entities"] = entities
    extended = activity.get("twitter_extended_entities")
    if isinstance(extended, dict):
        status["extended_entities"] = extended
    long_object = activity.get("long_object")
    if isinstance(long_object, dict) and isinstance(long_object.get("body"), str):
        full: dict[str, Any] = {"full_text": long_object["body"]}
        for source, target in (
            ("twitter_entities", "entities"),
            ("twitter_extended_entities", "extended_entities"),
        ):
            if isinstance(long_object.get(source), dict):
                full[target] = long_object[source]
        status["extended_tweet"] = full
    original = activity.get("object")
    if activity.get("verb") == "share" and isinstance(original, dict):
        status["retweeted_status"] = as_v1(original)
    reply = activity.get("inReplyTo")
    if isinstance(reply, dict) and _tail_id(reply.get("link")):
        status["in_reply_to_status_id_str"] = _tail_id(reply.get("link"))
    quoted = activity.get("twitter_quoted_status")
    if isinstance(quoted, dict):
        status["quoted_status"] = as_v1(quoted)
    for source, target in (
        ("retweetCount", "retweet_count"),
        ("favoritesCount", "favorite_count"),
        ("twitter_lang", "lang"),
    ):
        if source in activity:
            status[target] = activity[source]
    generator = activity.get("generator")
    if isinstance(generator, dict) and generator.get("displayName"):
        status["source"] = generator["displayName"]
    if isinstance(activity.get("geo"), dict) and activity["geo"].get("coordinates"):
        status["coordinates"] = activity["geo"]
    if activity.get("location"):
        status["place"] = activity["location"]
    return status


IMPORTER = XActivityImporter()
