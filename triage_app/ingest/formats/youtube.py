"""YouTube Data API v3 responses: ``videos.list``, ``commentThreads.list``, ``comments.list``.

A file holds one response or several (one per line or back to back); each item is read with
ijson. Videos become posts (title and description as text); comments become posts of kind
"comment" whose ``parent_post_id`` is the video (top-level comments) or the comment they answer
(replies). ``search.list`` results are read as videos with their HTML entities decoded.
``textOriginal`` is preferred; ``textDisplay`` is HTML and is turned into text only
when the original is absent (API keys without owner rights get only ``textDisplay``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.records import AccountRecord, BadRecord, MediaRecord, PostRecord, ReadResult, Skipped
from ..base import Confidence, ReadContext
from ..jsonstream import dump_raw, iter_items, open_stream, sniff_text
from ..textfix import html_to_text, parse_count, parse_iso, unescape_entities

_KIND = re.compile(
    r'"kind"\s*:\s*"youtube#(videoListResponse|commentThreadListResponse|commentListResponse'
    r'|searchListResponse|video|commentThread|comment)"'
)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


class YouTubeImporter:
    name = "youtube"
    description = "YouTube Data API v3 videos.list / commentThreads.list / comments.list pages"

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head)
        if text.lstrip().startswith("{") and _KIND.search(text):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        with open_stream(path, ctx) as stream:
            for record_no, item in enumerate(iter_items(stream, "items.item", path), start=1):
                yield from _from_item(item, record_no)


def duration_seconds(text: object) -> int | None:
    """ISO-8601 durations as YouTube writes them ("PT21M7S", "P1DT2H") in seconds."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _bad(reason: str, item: object, record_no: int) -> BadRecord:
    return BadRecord(reason, dump_raw(item).encode(), record_no=record_no)


def _from_item(item: Any, record_no: int) -> Iterator[ReadResult]:
    if not isinstance(item, dict):
        yield _bad("item is not a JSON object", item, record_no)
        return
    kind = item.get("kind")
    if kind == "youtube#commentThread":
        snippet = item.get("snippet") or {}
        top = snippet.get("topLevelComment")
        if not isinstance(top, dict):
            yield _bad("comment thread has no topLevelComment", item, record_no)
            return
        video_id = snippet.get("videoId")
        yield _comment(top, video_id, record_no)
        for reply in (item.get("replies") or {}).get("comments") or []:
            yield _comment(reply, video_id, record_no)
    elif kind == "youtube#comment":
        yield _comment(item, (item.get("snippet") or {}).get("videoId"), record_no)
    elif kind == "youtube#searchResult" and (item.get("id") or {}).get("kind") != "youtube#video":
        yield Skipped("YouTube search result that is a channel or playlist, not a video")
    elif kind in ("youtube#video", "youtube#searchResult"):
        yield _video(item, record_no)
    else:
        yield Skipped(f"YouTube item of kind {kind!r} is not a video or comment")


def _video(item: dict[str, Any], record_no: int) -> ReadResult:
    video_id = item.get("id")
    if isinstance(video_id, dict):  # search results: {"kind": "youtube#video", "videoId": …}
        video_id = video_id.get("videoId")
    snippet = item.get("snippet")
    if not isinstance(video_id, str) or not isinstance(snippet, dict):
        return _bad("video has no id or no snippet", item, record_no)
    published = snippet.get("publishedAt")
    try:
        created_at = parse_iso(published) if isinstance(published, str) else None
    except ValueError:
        return _bad(f"unreadable publishedAt {published!r}", item, record_no)
    title = str(snippet.get("title") or "")
    description = str(snippet.get("description") or "")
    if item.get("kind") == "youtube#searchResult":
        # search.list HTML-escapes titles and descriptions ("&amp;", "&#39;"); videos.list
        # gives them as written, so only search results are unescaped (a literal "&amp;" in
        # a video's own title stays as the uploader wrote it)
        title, description = unescape_entities(title), unescape_entities(description)
    text = f"{title}\n\n{description}" if description else title
    channel_id = snippet.get("channelId")
    account = None
    if isinstance(channel_id, str) and channel_id:
        account = AccountRecord(
            platform="youtube",
            account_id=channel_id,
            display_name=snippet.get("channelTitle"),
            url=f"https://www.youtube.com/channel/{channel_id}",
        )
    extra: dict[str, object] = {"title": title}
    stats = item.get("statistics")
    if isinstance(stats, dict):
        extra["statistics"] = {k: parse_count(v) for k, v in stats.items()}
    details = item.get("contentDetails") or {}
    seconds = duration_seconds(details.get("duration"))
    if seconds is not None:
        extra["duration_seconds"] = seconds
    if snippet.get("tags"):
        extra["tags"] = snippet["tags"]
    media = []
    thumbs = snippet.get("thumbnails") or {}
    for size in ("maxres", "standard", "high", "medium", "default"):
        thumb = thumbs.get(size)
        if isinstance(thumb, dict) and thumb.get("url"):
            media.append(MediaRecord(kind="photo", url=thumb["url"], missing=True, name=size))
            break
    return PostRecord(
        platform="youtube",
        post_id=video_id,
        text=text,
        created_at=created_at,
        account=account,
        url=f"https://www.youtube.com/watch?v={video_id}",
        language=snippet.get("defaultLanguage") or snippet.get("defaultAudioLanguage"),
        kind="video",
        media=media,
        raw=dump_raw(item),
        extra=extra,
    )


def _comment(comment: Any, video_id: Any, record_no: int) -> ReadResult:
    snippet = comment.get("snippet") if isinstance(comment, dict) else None
    comment_id = comment.get("id") if isinstance(comment, dict) else None
    if not isinstance(snippet, dict) or not isinstance(comment_id, str):
        return _bad("comment has no id or no snippet", comment, record_no)
    published = snippet.get("publishedAt")
    try:
        created_at = parse_iso(published) if isinstance(published, str) else None
    except ValueError:
        return _bad(f"unreadable publishedAt {published!r}", comment, record_no)
    if isinstance(snippet.get("textOriginal"), str):
        text = snippet["textOriginal"]
    elif isinstance(snippet.get("textDisplay"), str):
        text = html_to_text(snippet["textDisplay"])
    else:
        return _bad("comment has neither textOriginal nor textDisplay", comment, record_no)
    author = (snippet.get("authorChannelId") or {}).get("value")
    name = snippet.get("authorDisplayName")
    account = None
    if isinstance(author, str) and author:
        handle = name[1:] if isinstance(name, str) and name.startswith("@") else None
        account = AccountRecord(
            platform="youtube",
            account_id=author,
            handle=handle,
            display_name=name,
            url=snippet.get("authorChannelUrl"),
        )
    video = video_id if isinstance(video_id, str) else snippet.get("videoId")
    parent = snippet.get("parentId") or video
    extra: dict[str, object] = {
        "video_id": video,
        "like_count": parse_count(snippet.get("likeCount")),
    }
    return PostRecord(
        platform="youtube",
        post_id=comment_id,
        text=text,
        created_at=created_at,
        account=account,
        url=f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None,
        kind="comment",
        parent_post_id=parent,
        raw=dump_raw(comment),
        extra=extra,
    )


IMPORTER = YouTubeImporter()
