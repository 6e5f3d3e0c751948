"""WhatsApp "Export chat" text files (Android and iOS) and the .zip WhatsApp makes with media.

The file is read twice, streaming: once to infer the day/month order from every date in it,
once to read messages. A line that does not start with a date continues the message before it.
System lines (encryption notice, joins, deleted messages) are skipped and counted. Media named
in the chat (``<attached: …>`` on iOS, ``IMG-….jpg (file attached)`` on Android) is looked up
beside the chat file; "<Media omitted>" placeholders are recorded as missing media.

Both passes read with bounded memory (ingest/lines.py): a line over 1 MB is held only as its
first 64 KB, and a message stops growing at 1 MB (see ``_Message``): it goes to quarantine
whole as "message over 1 MB (N bytes); first 64 KB kept". A message with a NUL byte is
quarantined too.

WhatsApp writes no time zone: times are the phone's local time and are stored as if UTC (the
import notes say so). WhatsApp has no message ids; a message's id is a hash of the chat name,
time, sender, text and how many identical messages came before it, so re-importing the same
export adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import weakref
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import UnreadableFileError
from ...core.records import AccountRecord, BadRecord, MediaRecord, PostRecord, ReadResult, Skipped
from ..base import Confidence, ReadContext
from ..lines import KEEP_RAW_BYTES, MAX_RECORD_BYTES, iter_raw_lines, oversized_reason
from ..textfix import BIDI_MARKS, strip_bidi_marks, utc_naive_to_unix
from ._local_media import local_media
from .whatsapp_lines import DateOrder, Header, header_datetime, match_header

_PREFIXES = re.compile(r"^WhatsApp[ _]Chat(?: with| -| mit| con| avec)?[ _]*", re.I)
_ATTACHED_IOS = re.compile(r"[\u200e\u200f]?<attached: (?P<file>[^<>]+)>")
_ATTACHED_ANDROID = re.compile(
    r"^[\u200e\u200f]?(?P<file>[^\s/\\<>:]+\.[A-Za-z0-9]{2,5}) \([^()\n]{3,40}\)$"
)
_WA_FILE = re.compile(r"^(IMG|VID|PTT|AUD|STK|DOC)-\d{8}-WA\d+", re.I)
_OMITTED_IOS = re.compile(r"^\u200e?(image|video|audio|sticker|GIF|document|Contact card) omitted$")
_OMITTED_ANDROID = {
    "<Media omitted>",
    "<Medien ausgeschlossen>",
    "<Multimedia omitido>",
    "<Médias omis>",
    "<Media weggelaten>",
    "<Mídia oculta>",
    "<Media omessi>",
    "<Медиа отсутствуют>",
    "<Без медиафайлов>",
    "<Medya dahil edilmedi>",
    "<تم استبعاد الوسائط>",
    "<Media tidak disertakan>",
}
_KINDS = {
    "jpg": "photo",
    "jpeg": "photo",
    "png": "photo",
    "heic": "photo",
    "gif": "video",
    "webp": "sticker",
    "mp4": "video",
    "3gp": "video",
    "mov": "video",
    "opus": "audio",
    "ogg": "audio",
    "m4a": "audio",
    "mp3": "audio",
    "aac": "audio",
    "amr": "audio",
}
_HEAD_LINES = 30


class WhatsAppImporter:
    name = "whatsapp"
    description = "WhatsApp chat export (.txt, Android or iOS) or the .zip it makes with media"

    def detect(self, path: Path, head: bytes) -> Confidence:
        if head.startswith(b"PK\x03\x04"):
            return Confidence.SURE if chat_member(path) else Confidence.NO
        if path.suffix.lower() != ".txt":
            return Confidence.NO
        text = head.decode("utf-8-sig", errors="ignore")
        lines = text.splitlines()[:_HEAD_LINES]
        headers = sum(1 for line in lines if match_header(line))
        if headers >= 2 or (headers == 1 and len(lines) <= 2):
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        if zipfile.is_zipfile(path):
            yield from self._read_zip(path, ctx)
            return
        yield from read_chat(path, ctx, chat_name(path))

    def _read_zip(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        """Reading the .zip directly (walk.py normally unpacks it first): the media are unpacked
        to a temporary folder that lives as long as the read context, so the pipeline can still
        hash them after the last record."""
        from ...core.scratch import make_scratch
        from ..walk import default_work_root, extract_zip  # walk imports the registry (cycle)

        # Owner-only scratch in the data folder (never /tmp), removed at the next start if
        # this process is killed (core/scratch.py).
        folder = make_scratch(default_work_root(), "wa")
        weakref.finalize(ctx, shutil.rmtree, folder, True)
        root = folder / path.stem
        extract_zip(path, root)
        member = chat_member(path)
        assert member is not None
        chat = root / member
        inner = ReadContext(
            chat,
            chat.parent,
            ctx.report_bytes,
            ctx.cancelled,
            ctx.notes,
            root=root,
            media_limit=ctx.media_limit,
        )
        yield from read_chat(chat, inner, chat_name(chat))


def chat_member(path: Path) -> str | None:
    """The chat text file inside a WhatsApp export zip, or None if the zip is not one."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return None
    texts = [n for n in names if n.lower().endswith(".txt") and "/" not in n.strip("/")]
    for name in texts:
        if name == "_chat.txt" or name.lower().startswith("whatsapp chat"):
            return name
    return None


def chat_name(path: Path) -> str:
    """The chat's name: from "WhatsApp Chat with X.txt", or the folder a "_chat.txt" is in."""
    stem = path.stem if path.name != "_chat.txt" else path.parent.name
    return _PREFIXES.sub("", stem).strip() or stem


@dataclass(slots=True)
class _ChatLine:
    """One line of the chat file, read with bounded memory (ingest/lines.py)."""

    number: int
    text: str  # the line (only its first KEEP_RAW_BYTES when oversized)
    raw: bytes  # its bytes (likewise)
    size: int  # its full size in bytes, without the line ending
    oversized: bool
    has_nul: bool
    end_offset: int


def _open_lines(path: Path) -> Iterator[_ChatLine]:
    """The chat's lines: a line over the record limit comes as its head only (the rest is
    skipped without being held), so memory stays bounded whatever the file holds."""
    try:
        with open(path, "rb") as handle:
            extra = 0  # lines split at a lone CR (as the text-mode reader did)
            for line in iter_raw_lines(handle):
                if line.oversized:
                    text = line.data.decode("utf-8", "ignore")  # the head may cut a character
                else:
                    text = line.data.decode("utf-8")
                if line.number == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                if "\r" in text and not line.oversized:
                    pieces = text.split("\r")
                    for i, piece in enumerate(pieces):
                        data = piece.encode("utf-8")
                        number = line.number + extra + i
                        yield _ChatLine(
                            number, piece, data, len(data), False, line.has_nul, line.end_offset
                        )
                    extra += len(pieces) - 1
                    continue
                yield _ChatLine(
                    line.number + extra,
                    text,
                    line.data,
                    line.size,
                    line.oversized,
                    line.has_nul,
                    line.end_offset,
                )
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{path.name}: not UTF-8 text; WhatsApp exports are UTF-8"
        ) from exc
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


def _infer_order(path: Path, ctx: ReadContext, today: dt.date) -> bool:
    order = DateOrder(today)
    for line in _open_lines(path):
        header = match_header(line.text)
        if header is not None:
            order.add(header)
    try:
        day_first, certain = order.day_first()
    except ValueError as exc:
        raise UnreadableFileError(f"{path.name}: {exc}") from exc
    if not certain:
        ctx.notes.append(
            f"{path.name}: no date shows whether the day or the month comes first; "
            f"read as {'day' if day_first else 'month'} first"
        )
    return day_first


class _Message:
    """A message being gathered from its dated line and continuation lines.

    It stops growing at the record limit: past MAX_RECORD_BYTES (one huge line or many
    continuation lines) only its first KEEP_RAW_BYTES are kept and its size is counted on,
    and the whole message goes to quarantine as "message over 1 MB (N bytes); first 64 KB
    kept" (it is never cut and stored: a cut message would be evidence that was not said)."""

    def __init__(self, header: Header, first: _ChatLine) -> None:
        self.header = header
        self.line_no = first.number
        self.lines = [first.text]
        self.body_lines: list[str] = [header.rest]
        self.size = first.size
        self.has_nul = first.has_nul
        self.head = b""  # the first KEEP_RAW_BYTES once the message is over the limit
        self.oversized = False
        if first.oversized:
            self._overflow()

    def add(self, line: _ChatLine) -> None:
        self.size += 1 + line.size  # the newline before it, then the line
        self.has_nul = self.has_nul or line.has_nul
        if self.oversized:
            return
        self.lines.append(line.text)
        self.body_lines.append(line.text)
        if line.oversized or self.size > MAX_RECORD_BYTES:
            self._overflow()

    def _overflow(self) -> None:
        self.oversized = True
        self.head = "\n".join(self.lines).encode("utf-8")[:KEEP_RAW_BYTES]
        self.lines, self.body_lines = [], []


def read_chat(path: Path, ctx: ReadContext, chat: str) -> Iterator[ReadResult]:
    """Messages of one chat text file, media resolved against ``ctx.base_dir``."""
    today = dt.date.today()
    day_first = _infer_order(path, ctx, today)
    ctx.notes.append(f"{path.name}: WhatsApp times carry no time zone; they were stored as UTC")
    seen: dict[str, int] = {}
    current: _Message | None = None
    record_no = 0
    for line in _open_lines(path):
        ctx.report_bytes(line.end_offset)
        header = match_header(line.text)
        if header is None:
            if current is None:
                if line.text.strip():
                    record_no += 1
                    yield BadRecord(
                        oversized_reason(line.size)
                        if line.oversized
                        else "text before the first dated line",
                        line.raw,
                        record_no,
                        line.number,
                    )
                continue
            current.add(line)
            continue
        if current is not None:
            record_no += 1
            yield _finish(current, record_no, day_first, today, chat, ctx, seen)
        current = _Message(header, line)
    if current is not None:
        record_no += 1
        yield _finish(current, record_no, day_first, today, chat, ctx, seen)


def _split_sender(rest: str, ios: bool) -> tuple[str | None, str]:
    """("Name", "text") or (None, rest) for a system line."""
    sender, sep, body = rest.partition(": ")
    if not sep or not sender.strip(BIDI_MARKS + " "):
        return None, rest
    return strip_bidi_marks(sender).strip(), body


def _is_system(body: str, ios: bool) -> bool:
    if not ios:
        return False
    # iOS attributes system notices to the chat and starts them with a left-to-right mark;
    # attachments and shared locations start with one too but are real messages.
    return (
        body.startswith("\u200e")
        and not _ATTACHED_IOS.search(body)
        and not _OMITTED_IOS.match(body)
        and "://" not in body
    )


def _media_kind(name: str) -> str:
    return _KINDS.get(name.rsplit(".", 1)[-1].lower(), "file") if "." in name else "file"


def _local(ctx: ReadContext, name: str) -> MediaRecord:
    """A file attached beside the chat, taken only from inside the export (media_confine)."""
    return local_media(
        ctx.base_dir, name, _media_kind(name), root=ctx.export_root, limit=ctx.media_limit
    )


def _take_media(text: str, ctx: ReadContext) -> tuple[str, list[MediaRecord]]:
    media: list[MediaRecord] = []
    for match in _ATTACHED_IOS.finditer(text):
        name = match.group("file").strip()
        media.append(_local(ctx, name))
    text = _ATTACHED_IOS.sub("", text)
    lines = text.split("\n")
    if media and len(lines) > 1 and not lines[0].strip(BIDI_MARKS + " "):
        lines = lines[1:]  # the attachment stood alone on the first line; a caption follows
    first = lines[0]
    android = _ATTACHED_ANDROID.match(first)
    if android:
        name = android.group("file")
        if _WA_FILE.match(name) or (ctx.base_dir / name).is_file():
            media.append(_local(ctx, name))
            lines = lines[1:]
    elif strip_bidi_marks(first).strip() in _OMITTED_ANDROID or _OMITTED_IOS.match(first):
        media.append(MediaRecord(kind="file", missing=True, name=strip_bidi_marks(first).strip()))
        lines = lines[1:]
    text = "\n".join(lines)
    if media and not text.strip(BIDI_MARKS + " \n"):
        text = ""
    return text, media


def _finish(
    message: _Message,
    record_no: int,
    day_first: bool,
    today: dt.date,
    chat: str,
    ctx: ReadContext,
    seen: dict[str, int],
) -> ReadResult:
    if message.oversized:
        return BadRecord(
            oversized_reason(message.size, "message"), message.head, record_no, message.line_no
        )
    raw_text = "\n".join(message.lines)
    if message.has_nul:
        return BadRecord(
            "message contains NUL bytes", raw_text.encode(), record_no, message.line_no
        )
    header = message.header
    try:
        when = header_datetime(header, day_first, today)
    except ValueError:
        return BadRecord(
            "impossible date for this file's day/month order",
            raw_text.encode(),
            record_no,
            message.line_no,
        )
    sender, first_body = _split_sender(header.rest, header.ios)
    if sender is None or _is_system(first_body, header.ios):
        return Skipped("WhatsApp system line (encryption notice, joins, deleted messages …)")
    body = "\n".join([first_body, *message.body_lines[1:]])
    if body.strip(BIDI_MARKS + " ").rstrip(".") in (
        "This message was deleted",
        "You deleted this message",
    ):
        return Skipped("WhatsApp system line (encryption notice, joins, deleted messages …)")
    text, media = _take_media(body, ctx)
    created_at = utc_naive_to_unix(when)
    basis = json.dumps(
        [chat, created_at, sender, text, [m.name for m in media]], ensure_ascii=False
    )
    digest = hashlib.sha256(basis.encode()).hexdigest()[:32]
    count = seen.get(digest, 0)
    seen[digest] = count + 1
    return PostRecord(
        platform="whatsapp",
        post_id=digest + (f"-{count}" if count else ""),
        text=text,
        created_at=created_at,
        account=AccountRecord(platform="whatsapp", account_id=sender, display_name=sender),
        kind="message",
        media=media,
        raw=raw_text,
        extra={"chat": chat},
    )


IMPORTER = WhatsAppImporter()
