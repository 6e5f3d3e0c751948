"""Telegram Desktop "Export chat history" JSON (``result.json``), single chats and full accounts.

The file is walked with ijson a message at a time (exports run to gigabytes), after the
invalid ``\\xNN`` escapes Telegram writes are rewritten on the fly. Both schemas are read: the
2020 one (numeric ``from_id``, only local ``date``) and the current one (``date_unixtime``,
``text_entities``, ``from_id`` like "user123"). Service messages (joins, pins, calls) are
skipped and counted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from ...core.records import AccountRecord, BadRecord, MediaRecord, PostRecord, ReadResult, Skipped
from ..base import Confidence, ReadContext
from ..jsonstream import damaged, iter_records, open_stream, plain_record, sniff_text
from ..textfix import id_text, parse_iso
from ._local_media import local_media

_CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
_MESSAGE_PREFIXES = {(p + "." if p else "") + "messages.item" for p in _CHAT_PREFIXES}
_CHAT_FIELDS = {
    (p + "." if p else "") + key: key for p in _CHAT_PREFIXES for key in ("name", "type", "id")
}
_ACCOUNT_EXPORT = re.compile(r'"(chats|left_chats)"\s*:\s*\{|"personal_information"\s*:')
_MESSAGES = re.compile(r'"messages"\s*:\s*\[')
_TG_MESSAGE = re.compile(r'"type"\s*:\s*"(message|service)"')
_FILE_PLACEHOLDER = re.compile(r"^\(File (not included|exceeds maximum size)")

_FILE_KINDS = {
    "sticker": "sticker",
    "voice_message": "audio",
    "audio_file": "audio",
    "video_file": "video",
    "video_message": "video",
    "animation": "video",
}


class TelegramImporter:
    name = "telegram"
    description = "Telegram Desktop chat export (result.json), single chat or whole account"

    def detect(self, path: Path, head: bytes) -> Confidence:
        text = sniff_text(head)
        if not text.lstrip().startswith("{"):
            return Confidence.NO
        if _ACCOUNT_EXPORT.search(text):
            return Confidence.SURE
        if _MESSAGES.search(text) and (_TG_MESSAGE.search(text) or '"date_unixtime"' in text):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        reader = _MessageReader(path, ctx)
        single_chat = _single_chat_meta(path, ctx)
        with open_stream(path, ctx, repair_escapes=True) as stream:
            if single_chat is not None:
                # One chat: ijson's C backend builds each message (several times faster).
                reader.chat = single_chat
                for message, raw in iter_records(stream, "messages.item", path):
                    reader.record_no += 1
                    yield reader.message(message, raw)
            else:
                try:
                    yield from reader.read(ijson.parse(stream, use_float=False))
                except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
                    raise damaged(path, exc) from exc
        if reader.naive_dates:
            ctx.notes.append(
                f"{path.name}: {reader.naive_dates} messages have only Telegram's local 'date' "
                "(no time zone); they were read as UTC"
            )


def _single_chat_meta(path: Path, ctx: ReadContext) -> dict[str, Any] | None:
    """The chat's name, type and id if the file is a single-chat export, else None.

    Reads only up to the start of the ``messages`` list (Telegram writes the chat's fields
    first); a whole-account export (``chats``, ``left_chats``) returns None."""
    meta: dict[str, Any] = {}
    with open_stream(path, ctx, repair_escapes=True) as stream:
        try:
            for prefix, event, value in ijson.parse(stream, use_float=False):
                if prefix in ("name", "type", "id") and event in ("string", "number"):
                    meta[prefix] = value
                elif prefix == "messages" and event == "start_array":
                    return meta
                elif prefix in ("chats", "left_chats") and event == "start_map":
                    return None
        except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
            raise damaged(path, exc) from exc
    return None


class _MessageReader:
    """Turns the event stream of a whole export into messages with the chat they belong to."""

    def __init__(self, path: Path, ctx: ReadContext) -> None:
        self.path = path
        self.ctx = ctx
        self.chat: dict[str, Any] = {}
        self.record_no = 0
        self.naive_dates = 0
        self.seen_hashes: dict[str, int] = {}

    def read(self, events: Iterator[tuple[str, str, Any]]) -> Iterator[ReadResult]:
        builder: ijson.ObjectBuilder | None = None
        depth = 0
        for prefix, event, value in events:
            if builder is not None:
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if depth == 0:
                    self.record_no += 1
                    yield self.message(*plain_record(builder.value))
                    builder = None
                continue
            if event == "start_map" and prefix in _MESSAGE_PREFIXES:
                builder, depth = ijson.ObjectBuilder(), 1
                builder.event(event, value)
            elif event == "start_map" and prefix in _CHAT_PREFIXES[1:]:
                self.chat = {}
            elif prefix in _CHAT_FIELDS and event in ("string", "number"):
                self.chat[_CHAT_FIELDS[prefix]] = value

    def _chat_key(self) -> str:
        chat_id = self.chat.get("id")
        if chat_id is not None:
            return str(chat_id)
        return str(self.chat.get("name") or "chat")

    def message(self, message: Any, raw: str) -> ReadResult:
        if not isinstance(message, dict):
            return BadRecord("message is not a JSON object", raw.encode(), self.record_no)
        kind = message.get("type", "message")
        if kind == "service":
            return Skipped("Telegram service message (join, pin, call …)")
        if kind != "message":
            return Skipped(f"Telegram entry of type {kind!r}")
        try:
            created_at = self._created_at(message)
        except ValueError as exc:
            return BadRecord(str(exc), raw.encode(), self.record_no)
        text, links = render_text(message.get("text", message.get("text_entities", "")))
        chat_key = self._chat_key()
        post_id = self._post_id(message, chat_key, created_at, text)
        extra: dict[str, object] = {
            "chat": self.chat.get("name"),
            "chat_type": self.chat.get("type"),
        }
        if links:
            extra["links"] = links
        for key in (
            "forwarded_from",
            "saved_from",
            "via_bot",
            "edited",
            "poll",
            "location_information",
            "contact_information",
        ):
            if message.get(key) not in (None, ""):
                extra[key] = message[key]
        reply_to = message.get("reply_to_message_id")
        return PostRecord(
            platform="telegram",
            post_id=post_id,
            text=text,
            created_at=created_at,
            account=self._account(message),
            kind="message",
            parent_post_id=f"{chat_key}:{reply_to}" if reply_to is not None else None,
            media=self._media(message),
            raw=raw,
            extra=extra,
        )

    def _created_at(self, message: dict[str, Any]) -> int:
        unix = message.get("date_unixtime")
        if unix not in (None, ""):
            try:
                return int(str(unix))
            except ValueError:
                raise ValueError(f"unreadable date_unixtime {unix!r}") from None
        date = message.get("date")
        if not isinstance(date, str) or not date:
            raise ValueError("message has no date")
        self.naive_dates += 1
        return parse_iso(date)

    def _post_id(self, message: dict[str, Any], chat_key: str, created: int, text: str) -> str:
        message_id = id_text(message.get("id"))
        if message_id is not None:
            return f"{chat_key}:{message_id}"
        # Some tools strip ids; a hash of what the message says is stable across re-imports.
        basis = json.dumps([chat_key, created, message.get("from"), text], ensure_ascii=False)
        digest = hashlib.sha256(basis.encode()).hexdigest()[:24]
        seen = self.seen_hashes.get(digest, 0)
        self.seen_hashes[digest] = seen + 1
        return f"{chat_key}:h{digest}" + (f"-{seen}" if seen else "")

    def _account(self, message: dict[str, Any]) -> AccountRecord | None:
        name = message.get("from")
        from_id = message.get("from_id")
        account_id = id_text(from_id) if from_id is not None else None
        if account_id is None and isinstance(name, str) and name:
            account_id = name
        if account_id is None:
            return None
        return AccountRecord(
            platform="telegram",
            account_id=account_id,
            display_name=name if isinstance(name, str) else None,
        )

    def _media(self, message: dict[str, Any]) -> list[MediaRecord]:
        found: list[MediaRecord] = []
        photo = message.get("photo")
        if isinstance(photo, str):
            found.append(self._one("photo", photo, "image/jpeg"))
        file = message.get("file")
        if isinstance(file, str):
            kind = _FILE_KINDS.get(str(message.get("media_type") or ""), "file")
            found.append(self._one(kind, file, message.get("mime_type")))
        return found

    def _one(self, kind: str, name: str, mime: object) -> MediaRecord:
        mime_text = mime if isinstance(mime, str) else None
        if _FILE_PLACEHOLDER.match(name):
            return MediaRecord(kind=kind, missing=True, mime=mime_text)
        return local_media(
            self.ctx.base_dir,
            name,
            kind,
            mime_text,
            root=self.ctx.export_root,
            limit=self.ctx.media_limit,
        )


def render_text(value: Any) -> tuple[str, list[str]]:
    """Telegram text (a string, or a list of strings and entity objects) as plain text, plus the
    addresses of hidden links (``text_link`` entities show other words than their href)."""
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        return "", []
    parts: list[str] = []
    links: list[str] = []
    for piece in value:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict):
            parts.append(str(piece.get("text") or ""))
            href = piece.get("href")
            if isinstance(href, str) and href and href not in links:
                links.append(href)
    return "".join(parts), links


IMPORTER = TelegramImporter()
