"""Facebook "Download your information" JSON: your posts and Messenger conversations.

Facebook writes every UTF-8 byte of a string as its own ``\\u00XX`` escape, so text arrives as
mojibake ("Ã©" for "é"); each string is repaired (see ``textfix.fix_mojibake``). Posts carry
``timestamp`` in seconds, Messenger ``timestamp_ms`` in milliseconds; both are normalised to
seconds. The export has no post ids, so a post's id is a hash of where it sits and what it says
(stable across re-imports); photos and videos are found relative to the export's root folder,
searching up from the JSON file's folder but never above the export's root (the folder given or
the unpacked ZIP; see ingest/media_confine.py).

Attachments recorded besides photos, videos and links: stickers (a media file, kind
"sticker"), notes (title and text) and events (name, times, place, description), kept in
``extra`` and their words added to the post's text so they are searched. "Your posts" carry no
author: when the export holds the owner's profile file (``profile_information.json``, under
``profile_information/`` or ``personal_information/profile_information/``, found from the JSON
file's folder up to the export's root), its name and username become each post's account.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from ...core.records import AccountRecord, BadRecord, MediaRecord, PostRecord, ReadResult, Skipped
from ..base import Confidence, ReadContext
from ..jsonstream import BOM, damaged, iter_records, open_stream, read_head_text, sniff_text
from ..media_confine import MediaRefused, check_media, open_media
from ..textfix import fix_mojibake, fix_mojibake_deep, unix_seconds
from ._local_media import local_media

_POSTS_ARRAY = re.compile(r'^\[\s*\{\s*"timestamp"\s*:\s*\d{9,13}\s*,')
_POSTS_KEYED = re.compile(
    r'^\{\s*"(status_updates_v2|status_updates|group_posts_v2|your_posts_v2)"\s*:\s*\['
)
_MEDIA_KEYS = {
    "photos": "photo",
    "videos": "video",
    "gifs": "video",
    "audio_files": "audio",
    "files": "file",
}
_NOT_MESSAGES = {"Call", "Subscribe", "Unsubscribe"}
_PROFILE_FILES = (
    "profile_information/profile_information.json",
    "personal_information/profile_information/profile_information.json",
    "about_you/profile_information.json",
)
_PROFILE_LIMIT = 4 * 1024 * 1024
_SEARCH_UP = 5  # media uris are relative to the export root, a few folders above the JSON file
# (the search stops at the export's root: ctx.export_root)


class FacebookImporter:
    name = "facebook"
    description = 'Facebook "Download your information" JSON (posts, Messenger)'

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head).lstrip()
        if text.startswith("{") and '"sender_name"' in text and '"timestamp_ms"' in text:
            return Confidence.SURE
        if _POSTS_ARRAY.match(text) or _POSTS_KEYED.match(text):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        head = read_head_text(path)
        if head.startswith("{") and '"sender_name"' in head:
            yield from _read_messenger(path, ctx)
            return
        keyed = _POSTS_KEYED.match(head)
        prefix = f"{keyed.group(1)}.item" if keyed else "item"
        seen: dict[str, int] = {}
        owner = _owner(ctx)
        with open_stream(path, ctx) as stream:
            for record_no, (item, raw) in enumerate(iter_records(stream, prefix, path), 1):
                yield _post(item, raw, record_no, ctx, seen, owner)


def _owner(ctx: ReadContext) -> AccountRecord | None:
    """The export owner's account from the profile file beside the posts, if the export has
    one (read only from inside the export's root, bounded); None otherwise."""
    for folder in _search_folders(ctx):
        for relative in _PROFILE_FILES:
            check = check_media(relative, folder, ctx.export_root, _PROFILE_LIMIT)
            if check.path is None:
                continue
            try:
                with open_media(check.path, ctx.export_root, _PROFILE_LIMIT) as handle:
                    data = handle.read(_PROFILE_LIMIT)
                profile = json.loads(data.removeprefix(BOM).decode("utf-8"))
            except (MediaRefused, OSError, ValueError, RecursionError):
                ctx.notes.append(f"{relative}: the profile file could not be read; no author")
                return None
            account = _profile_account(fix_mojibake_deep(profile))
            if account is not None:
                who = account.display_name or account.handle
                ctx.notes.append(f"posts credited to the export's owner, {who} (from {relative})")
            return account
    return None


def _profile_account(profile: Any) -> AccountRecord | None:
    if not isinstance(profile, dict):
        return None
    body = profile.get("profile_v2") or profile.get("profile") or profile
    if not isinstance(body, dict):
        return None
    name = body.get("name")
    full_name = name.get("full_name") if isinstance(name, dict) else name
    full_name = full_name if isinstance(full_name, str) and full_name.strip() else None
    username = body.get("username")
    username = username if isinstance(username, str) and username.strip() else None
    uri = body.get("profile_uri")
    uri = uri if isinstance(uri, str) and uri.startswith("https://") else None
    account_id = username or (uri.rstrip("/").rsplit("/", 1)[-1] if uri else None) or full_name
    if not account_id:
        return None
    return AccountRecord(
        platform="facebook",
        account_id=account_id,
        handle=username,
        display_name=full_name,
        url=uri or (f"https://www.facebook.com/{username}" if username else None),
    )


def _stable_id(parts: list[object], seen: dict[str, int]) -> str:
    """A hash of what identifies a record, with a counter for exact duplicates in one file."""
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]
    count = seen.get(digest, 0)
    seen[digest] = count + 1
    return digest + (f"-{count}" if count else "")


def _find_media(ctx: ReadContext, uri: str, kind: str) -> MediaRecord:
    if uri.startswith(("http://", "https://")):
        return MediaRecord(kind=kind, url=uri, missing=True)
    for folder in _search_folders(ctx):
        record = local_media(folder, uri, kind, root=ctx.export_root, limit=ctx.media_limit)
        if not record.missing or record.refused:
            return record
    return local_media(ctx.base_dir, uri, kind, root=ctx.export_root, limit=ctx.media_limit)


def _search_folders(ctx: ReadContext) -> list[Path]:
    """The JSON file's folder and its parents up to the export's root (at most _SEARCH_UP up),
    never above it: a ZIP's temporary folder is not a way to reach ``/``."""
    root = Path(os.path.abspath(ctx.export_root))
    folder = Path(os.path.abspath(ctx.base_dir))
    folders = [folder]
    while len(folders) <= _SEARCH_UP and root in folder.parents:
        folder = folder.parent
        folders.append(folder)
    return folders


def _post_media(
    item: dict[str, Any], ctx: ReadContext, extra: dict[str, object]
) -> tuple[list[MediaRecord], list[str], list[str]]:
    """(media, links, words to add to the text) of a post's attachments; notes and events go
    into ``extra["notes"]`` / ``extra["events"]``."""
    media: list[MediaRecord] = []
    links: list[str] = []
    words: list[str] = []
    notes: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for attachment in item.get("attachments") or []:
        for data in (attachment or {}).get("data") or []:
            if not isinstance(data, dict):
                continue
            found = data.get("media")
            if isinstance(found, dict) and isinstance(found.get("uri"), str):
                uri = found["uri"]
                kind = "video" if uri.lower().endswith((".mp4", ".mov")) else "photo"
                media.append(_find_media(ctx, uri, kind))
            media.extend(_stickers(data.get("sticker"), ctx))
            context = data.get("external_context")
            if isinstance(context, dict) and isinstance(context.get("url"), str):
                links.append(context["url"])
            note = data.get("note")
            if isinstance(note, dict):
                kept = _texts(note, ("title", "text"))
                notes.append({**kept, **_stamps(note, ("created_timestamp", "updated_timestamp"))})
                words.extend(kept.values())
            event = data.get("event")
            if isinstance(event, dict):
                kept = _texts(event, ("name", "description"))
                record: dict[str, object] = {
                    **kept,
                    **_stamps(event, ("start_timestamp", "end_timestamp", "create_timestamp")),
                }
                place = event.get("place")
                if isinstance(place, dict) and isinstance(place.get("name"), str):
                    record["place"] = place["name"]
                events.append(record)
                words.extend(kept.values())
    if notes:
        extra["notes"] = notes
    if events:
        extra["events"] = events
    return media, links, words


def _stickers(value: Any, ctx: ReadContext) -> list[MediaRecord]:
    """A sticker (``{"uri": ...}``, Messenger and posts) or a list of them, as media."""
    found: list[MediaRecord] = []
    for sticker in value if isinstance(value, list) else [value]:
        if isinstance(sticker, dict) and isinstance(sticker.get("uri"), str):
            found.append(_find_media(ctx, sticker["uri"], "sticker"))
    return found


def _texts(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    return {k: item[k] for k in keys if isinstance(item.get(k), str) and item[k].strip()}


def _stamps(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key in keys:
        try:
            value = unix_seconds(item.get(key))
        except ArithmeticError:
            value = None
        if value:
            found[key] = value
    return found


def _post(
    original: Any,
    raw: str,
    record_no: int,
    ctx: ReadContext,
    seen: dict[str, int],
    owner: AccountRecord | None = None,
) -> ReadResult:
    if not isinstance(original, dict):
        return BadRecord("post is not a JSON object", raw.encode(), record_no=record_no)
    item = fix_mojibake_deep(original)
    assert isinstance(item, dict)
    try:
        created_at = unix_seconds(item.get("timestamp"))
    except ArithmeticError:
        created_at = None
    if created_at is None:
        return BadRecord("post has no timestamp", raw.encode(), record_no=record_no)
    texts = [
        d["post"]
        for d in item.get("data") or []
        if isinstance(d, dict) and isinstance(d.get("post"), str)
    ]
    text = "\n".join(texts)
    title = item.get("title") if isinstance(item.get("title"), str) else None
    extra: dict[str, object] = {}
    media, links, words = _post_media(item, ctx, extra)
    if title:
        extra["title"] = title
    if links:
        extra["links"] = links
    # the id hashes what earlier versions read (stickers aside), so re-imports keep it
    named = [m.name for m in media if m.kind != "sticker"]
    post_id = "dyi-" + _stable_id([created_at, text, title, named], seen)
    added = [w for w in words if w not in text]
    return PostRecord(
        platform="facebook",
        post_id=post_id,
        text="\n".join([text, *added]) if text else "\n".join(added),
        created_at=created_at,
        account=owner,
        media=media,
        raw=raw,
        extra=extra,
    )


def _thread_info(path: Path, ctx: ReadContext) -> dict[str, Any]:
    """The conversation's title and thread_path, which come after the messages in the file."""
    info: dict[str, Any] = {}
    with open_stream(path, ctx) as stream:
        try:
            for prefix, event, value in ijson.parse(stream, use_float=False):
                if prefix in ("title", "thread_path") and event == "string":
                    info[prefix] = fix_mojibake(value)
        except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
            raise damaged(path, exc) from exc
    return info


def _read_messenger(path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
    info = _thread_info(path, ctx)
    thread = info.get("thread_path") or info.get("title") or path.parent.name
    seen: dict[str, int] = {}
    with open_stream(path, ctx) as stream:
        records = iter_records(stream, "messages.item", path)
        for record_no, (original, raw) in enumerate(records, start=1):
            yield _message(original, raw, record_no, ctx, str(thread), info, seen)


def _message(
    original: Any,
    raw: str,
    record_no: int,
    ctx: ReadContext,
    thread: str,
    info: dict[str, Any],
    seen: dict[str, int],
) -> ReadResult:
    if not isinstance(original, dict):
        return BadRecord("message is not a JSON object", raw.encode(), record_no=record_no)
    item = fix_mojibake_deep(original)
    assert isinstance(item, dict)
    try:
        created_at = unix_seconds(item.get("timestamp_ms", item.get("timestamp")))
    except ArithmeticError:
        created_at = None
    if item.get("type") in _NOT_MESSAGES:
        return Skipped(f"Messenger {item['type']} entry (calls, joins), not a message")
    sender = item.get("sender_name")
    if created_at is None or not isinstance(sender, str):
        return BadRecord(
            "message has no timestamp_ms or no sender_name", raw.encode(), record_no=record_no
        )
    content = item.get("content")
    text = content if isinstance(content, str) else ""
    media: list[MediaRecord] = []
    for key, kind in _MEDIA_KEYS.items():
        for entry in item.get(key) or []:
            if isinstance(entry, dict) and isinstance(entry.get("uri"), str):
                media.append(_find_media(ctx, entry["uri"], kind))
    media.extend(_stickers(item.get("sticker"), ctx))
    extra: dict[str, object] = {"thread": info.get("title"), "thread_path": info.get("thread_path")}
    share = item.get("share")
    if isinstance(share, dict) and share.get("link"):
        extra["links"] = [share["link"]]
    if item.get("is_unsent"):
        extra["is_unsent"] = True
    stamp = item.get("timestamp_ms", item.get("timestamp"))
    return PostRecord(
        platform="facebook",
        post_id="msg-" + _stable_id([thread, stamp, sender, text], seen),
        text=text,
        created_at=created_at,
        account=AccountRecord(platform="facebook", account_id=sender, display_name=sender),
        kind="message",
        media=media,
        raw=raw,
        extra=extra,
    )


IMPORTER = FacebookImporter()
