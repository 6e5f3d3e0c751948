"""WhatsApp "Export chat" text files (Android and iOS) and the .zip WhatsApp makes with media.

The file is read twice, streaming: once to decide the day/month order from every date in it
(or take ``--date-order``; a file that cannot tell is refused, never guessed), once to read
messages. Every line is accounted for (ingest/lines.py: LineAccount): the first line of a
post, a continuation of the post before it, a system notice (kept in ``system_notices``), or
quarantined with a reason. A line that does not start with a date continues the message before
it, unless that message is a notice (then the line is quarantined: nothing is glued onto what
was not kept); a line that starts like a header but cannot be read is quarantined with the lines
that follow it. Placeholders, attachment markers and notices are recognised in every language
of whatsapp_words.py: a media placeholder gives a post whose media is recorded as missing, and a
file named in the chat (``<attached: …>`` on iOS, ``IMG-….jpg (file attached)`` on Android) is
taken from beside the chat file.

Both passes read with bounded memory (ingest/lines.py): a line over 1 MB is held only as its
first 64 KB, and a message stops growing at 1 MB (see ``_Message``): it goes to quarantine
whole as "message over 1 MB (N bytes); first 64 KB kept". A message with a NUL byte is
quarantined too.

WhatsApp writes no time zone: times are the phone's local time and are stored as if UTC (the
import notes say so). WhatsApp has no message ids; a message's id is a hash of the chat name,
time, sender, text and how many identical messages came before it, so re-importing the same
export adds nothing. A sender's id has its bidi marks removed and its no-break spaces made
spaces (the phone number "+49 151 2345678" is one account however the phone wrote it); the
header as written stays in the raw record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import weakref
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import UnreadableFileError
from ...core.records import AccountRecord, BadRecord, MediaRecord, Notice, PostRecord, ReadResult
from ..base import Confidence, ReadContext
from ..lines import KEEP_RAW_BYTES, MAX_RECORD_BYTES, LineAccount, iter_raw_lines, oversized_reason
from ..record_check import record_problem
from ..textfix import BIDI_MARKS, strip_bidi_marks, utc_naive_to_unix
from ._local_media import local_media
from .whatsapp_lines import (
    DateOrder,
    Header,
    YearError,
    header_datetime,
    looks_like_header,
    match_header,
)
from .whatsapp_words import (
    ATTACHED_WORDS,
    DELETED,
    MEDIA_PLACEHOLDERS,
    NOTICES,
    STRONG_NOTICE_KINDS,
)

_PREFIXES = re.compile(r"^WhatsApp[ _]Chat(?: with| -| mit| con| avec)?[ _]*", re.I)
# "<attached: 00000012-PHOTO-….jpg>" in any language ("<Anhang: …>", "<adjunto: …>" …)
_ATTACHED_IOS = re.compile(r"[\u200e\u200f]?<(?P<word>[^<>:\n]{1,30}?) ?: (?P<file>[^<>\n]+)>")
_IOS_FILE = re.compile(r"^\d{8}-[A-Z]+-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.\w{2,5}$")
_ATTACHED_ANDROID = re.compile(
    r"^[\u200e\u200f]?(?P<file>[^\s/\\<>:]+\.[A-Za-z0-9]{2,5}) \([^()\n]{3,40}\)$"
)
_WA_FILE = re.compile(r"^(IMG|VID|PTT|AUD|STK|DOC)-\d{8}-WA\d+", re.I)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"})


def fold(text: str) -> str:
    """The form placeholders and notices are compared in (see whatsapp_words.py)."""
    text = _SPACES.sub(" ", strip_bidi_marks(text).translate(_QUOTES)).strip()
    return text.rstrip(".").strip().casefold()


def _pattern(phrase: str) -> str:
    """A NOTICES phrase as a regex: "{}" a name (never across ": ", so "Omar: Sara added Ali"
    stays a message), a leading "…" any words before (likewise), a later "…" any rest."""
    name = r"(?:\"[^\"]*\"|[^:\"]|:(?! ))+?"
    folded = fold(phrase.replace("…", "\x00"))
    out = []
    for i, piece in enumerate(re.split(r"(\{\}|\x00)", folded)):
        if piece == "{}":
            out.append(name)
        elif piece == "\x00":
            out.append(r"(?:[^:]|:(?! ))*" if i == 1 and not out[0] else r".*")
        else:
            out.append(re.escape(piece))
    return "".join(out)


_MEDIA_PLACEHOLDERS = {fold(text): kind for _lang, text, kind in MEDIA_PLACEHOLDERS}
_DOC_OMITTED = tuple(
    " " + fold(text)
    for _lang, text, kind in MEDIA_PLACEHOLDERS
    if kind == "file" and "<" not in text
)
_ATTACHED_WORD_SET = {fold(word) for _lang, word in ATTACHED_WORDS}


class _Phrases:
    """A table of phrases matched quickly: each phrase is indexed by its longest word that
    stands alone (spaces or the ends on both sides), so a message is tried only against the
    phrases whose word it holds; phrases without such a word (Japanese, Thai: no spaces) are
    tried when their longest literal piece is in the text. The first row that matches wins."""

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        self.rows = [(lang, kind) for lang, kind, _text in rows]
        self.patterns = [re.compile(_pattern(text), re.S) for _l, _k, text in rows]
        self.index: dict[str, list[int]] = {}
        self.pieces: list[tuple[str, int]] = []
        for i, (_l, _k, text) in enumerate(rows):
            word = _key_word(text)
            if word:
                self.index.setdefault(word, []).append(i)
            else:
                self.pieces.append((_longest_piece(text), i))

    def match(self, text: str) -> tuple[str, str] | None:
        folded = fold(text)
        found: set[int] = set()
        for word in set(folded.split(" ")):
            found.update(self.index.get(word, ()))
        found.update(i for piece, i in self.pieces if piece in folded)
        for i in sorted(found):
            if self.patterns[i].fullmatch(folded):
                return self.rows[i]
        return None


def _literal_parts(phrase: str) -> list[str]:
    return re.split(r"(\{\}|\x00)", fold(phrase.replace("…", "\x00")))


def _key_word(phrase: str) -> str | None:
    """The phrase's longest word with a space or an end of the phrase on both sides."""
    parts = _literal_parts(phrase)
    words: list[str] = []
    for n, part in enumerate(parts):
        if part in ("{}", "\x00") or not part:
            continue
        tokens = part.split(" ")
        glued_before = not part.startswith(" ") and any(parts[:n])
        glued_after = not part.endswith(" ") and any(parts[n + 1 :])
        lo, hi = (1 if glued_before else 0), len(tokens) - (1 if glued_after else 0)
        words.extend(t for t in tokens[lo:hi] if t)
    return max(words, key=len) if words else None


def _longest_piece(phrase: str) -> str:
    pieces = [p.strip() for p in _literal_parts(phrase) if p not in ("{}", "\x00")]
    return max(pieces, key=len)


_DELETED = _Phrases([(lang, "deleted", text) for lang, text in DELETED])
_NOTICES = _Phrases(NOTICES)
_STRONG_NOTICES = _Phrases(
    [row for row in NOTICES if row[1] in STRONG_NOTICE_KINDS or row[1] == "call"]
)
_MARKED = re.compile(f"^[{BIDI_MARKS}]")
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
            date_order=ctx.date_order,
        )
        inner.lines = ctx.lines = LineAccount()
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


_SENDERS_KEPT = 64  # enough to tell a group from a chat between two people


def _first_pass(
    path: Path, ctx: ReadContext, today: dt.date, chat: str
) -> tuple[bool, bool, str | None]:
    """(day_first, group, style): the date order; whether the chat is a group (two or more
    senders besides the chat's own name, which iOS credits notices to); and the line form
    most of its headers have (a line of another form is a date someone wrote in a message)."""
    orders: dict[str, DateOrder] = {}
    senders: set[str] = set()
    styles: Counter[str] = Counter()
    for line in _open_lines(path):
        header = match_header(line.text)
        if header is not None:
            styles[header.style] += 1
            orders.setdefault(header.style, DateOrder(today)).add(header)
            if len(senders) < _SENDERS_KEPT:
                sender, _body = _split_sender(header.rest)
                if sender is not None and account_id(sender) != chat:
                    senders.add(account_id(sender))
    style = styles.most_common(1)[0][0] if styles else None
    order = orders[style] if style is not None else DateOrder(today)
    return _decide_order(path, ctx, order), len(senders) >= 2, style


def _decide_order(path: Path, ctx: ReadContext, order: DateOrder) -> bool:
    try:
        day_first, note = order.decide(ctx.date_order)
    except ValueError as exc:
        raise UnreadableFileError(f"{path.name}: {exc}") from exc
    if note:
        ctx.notes.append(f"{path.name}: {note}")
    return day_first


class _Message:
    """A message being gathered from its dated line and continuation lines.

    It stops growing at the record limit: past MAX_RECORD_BYTES (one huge line or many
    continuation lines) only its first KEEP_RAW_BYTES are kept and its size is counted on,
    and the whole message goes to quarantine as "message over 1 MB (N bytes); first 64 KB
    kept" (it is never cut and stored: a cut message would be evidence that was not said).
    ``unreadable`` is set for a line that starts like a header but cannot be read: it and the
    lines after it are quarantined together."""

    def __init__(self, header: Header | None, first: _ChatLine, unreadable: str = "") -> None:
        self.header = header
        self.unreadable = unreadable
        self.line_no = first.number
        self.count = 1  # lines taken, the dated one included
        self.lines = [first.text]
        self.body_lines: list[str] = [header.rest if header else first.text]
        self.size = first.size
        self.has_nul = first.has_nul
        self.head = b""  # the first KEEP_RAW_BYTES once the message is over the limit
        self.oversized = False
        if first.oversized:
            self._overflow()

    def add(self, line: _ChatLine) -> None:
        self.count += 1
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

    def trailing_blanks(self) -> int:
        """How many blank lines end the message (counted, not kept in its text)."""
        n = 0
        for text in reversed(self.lines[1:]):
            if text.strip(BIDI_MARKS + " \u00a0\t"):
                break
            n += 1
        return n


def read_chat(path: Path, ctx: ReadContext, chat: str) -> Iterator[ReadResult]:
    """Messages of one chat text file, media resolved against ``ctx.base_dir``; where every
    line went is counted in ``ctx.lines``."""
    today = dt.date.today()
    day_first, group, style = _first_pass(path, ctx, today, chat)
    ctx.notes.append(f"{path.name}: WhatsApp times carry no time zone; they were stored as UTC")
    account = ctx.lines if ctx.lines is not None else LineAccount()
    ctx.lines = account
    seen: dict[str, int] = {}
    current: _Message | None = None
    record_no = 0
    reader = _Reader(day_first, today, chat, ctx, seen, account)
    reader.group = group
    for line in _open_lines(path):
        ctx.report_bytes(line.end_offset)
        account.total += 1
        header = match_header(line.text)
        if header is not None and header.style != style:
            header = None  # a date written inside a message, in another form than the file's
            if current is not None:
                current.add(line)
                continue
        elif header is None and looks_like_header(line.text):
            if current is not None:
                yield from reader.finish(current, record_no := record_no + 1)
            current = _Message(
                None, line, "line starts like a message header but its date or time cannot be read"
            )
            continue
        if header is None:
            if current is None:
                if line.text.strip(BIDI_MARKS + " \u00a0\t"):
                    record_no += 1
                    account.quarantined += 1
                    yield BadRecord(
                        oversized_reason(line.size)
                        if line.oversized
                        else "text before the first dated line",
                        line.raw,
                        record_no,
                        line.number,
                    )
                else:
                    account.continuation += 1  # a blank line before the first message
                continue
            current.add(line)
            continue
        if current is not None:
            yield from reader.finish(current, record_no := record_no + 1)
        current = _Message(header, line)
    if current is not None:
        yield from reader.finish(current, record_no + 1)


def _split_sender(rest: str) -> tuple[str | None, str]:
    """("Name" as written, "text") or (None, rest) for a system line."""
    sender, sep, body = rest.partition(": ")
    if not sep or not sender.strip(BIDI_MARKS + " \u00a0"):
        return None, rest
    return sender, body


def account_id(sender: str) -> str:
    """A sender as an account id: bidi marks removed, no-break spaces made spaces, spaces
    collapsed ("\u202a+49\u00a0151\u00a02345678\u202c" -> "+49 151 2345678")."""
    return _SPACES.sub(" ", strip_bidi_marks(sender)).strip()


def _match_notice(text: str, strong_only: bool = False) -> tuple[str, str] | None:
    """(language, kind) of a system notice ``text`` is, or None."""
    return (_STRONG_NOTICES if strong_only else _NOTICES).match(text)


def _deleted(text: str) -> str | None:
    found = _DELETED.match(text)
    return found[0] if found else None


def _notice(
    header: Header, sender: str | None, body: str, chat: str, group: bool = False
) -> tuple[str | None, str] | None:
    """(language, kind) when the message is a system notice, else None.

    Android writes notices without a sender; iOS credits them to the chat's name and starts
    them with a left-to-right mark. A body that merely starts with a mark is not a notice
    (iOS marks many messages): only what whatsapp_words.py lists is, and, in a group on iOS, a
    body credited to the group's own name that starts with U+200E and is no media or link (no
    member bears the group's name): an "unrecognised" notice, kept, never an account."""
    if not header.ios:
        found = _match_notice(header.rest)
        if found:
            return found
    if sender is None:
        return _match_notice(header.rest) or (None, "unrecognised")
    lang = _deleted(body)
    if lang:
        return lang, "deleted"
    from_chat = account_id(sender) == chat
    marked = bool(_MARKED.match(body)) or from_chat
    found = _match_notice(body, strong_only=not (header.ios and marked))
    unknown_notice = (
        found is None
        and header.ios
        and group
        and from_chat
        and body.startswith("\u200e")
        and "://" not in body
        and _placeholder(body) is None
        and not _ATTACHED_IOS.search(body)
    )
    return (None, "unrecognised") if unknown_notice else found


def _media_kind(name: str) -> str:
    return _KINDS.get(name.rsplit(".", 1)[-1].lower(), "file") if "." in name else "file"


def _local(ctx: ReadContext, name: str) -> MediaRecord:
    """A file attached beside the chat, taken only from inside the export (media_confine)."""
    return local_media(
        ctx.base_dir, name, _media_kind(name), root=ctx.export_root, limit=ctx.media_limit
    )


def _attached(match: re.Match[str], ctx: ReadContext) -> bool:
    """Whether "<word: file>" is WhatsApp's attachment marker (in any language)."""
    name = match.group("file").strip()
    return (
        fold(match.group("word")) in _ATTACHED_WORD_SET
        or _IOS_FILE.match(name) is not None
        or (ctx.base_dir / name).is_file()
    )


def _placeholder(line: str) -> MediaRecord | None:
    """A media placeholder line ("image omitted", "<Media omitted>", "Bild weggelassen" …) as
    a missing media record, or None."""
    folded = fold(line)
    kind = _MEDIA_PLACEHOLDERS.get(folded)
    if kind is not None:
        return MediaRecord(kind=kind, missing=True, name=strip_bidi_marks(line).strip())
    for ending in _DOC_OMITTED:  # iOS: "report.pdf • 3 pages ‎document omitted"
        if folded.endswith(ending):
            named = strip_bidi_marks(line)[: len(line) - len(ending)].split("•")[0].strip()
            return MediaRecord(kind="file", missing=True, name=named or None)
    return None


def _take_media(text: str, ctx: ReadContext) -> tuple[str, list[MediaRecord]]:
    media: list[MediaRecord] = []
    taken = [m for m in _ATTACHED_IOS.finditer(text) if _attached(m, ctx)]
    for match in taken:
        media.append(_local(ctx, match.group("file").strip()))
    for match in reversed(taken):
        text = text[: match.start()] + text[match.end() :]
    lines = text.split("\n")
    if media and len(lines) > 1 and not lines[0].strip(BIDI_MARKS + " "):
        lines = lines[1:]  # the attachment stood alone on the first line; a caption follows
    first = lines[0]
    android = _ATTACHED_ANDROID.match(first)
    placeholder = None if android else _placeholder(first)
    if android:
        name = android.group("file")
        if _WA_FILE.match(name) or (ctx.base_dir / name).is_file():
            media.append(_local(ctx, name))
            lines = lines[1:]
    elif placeholder is not None:
        media.append(placeholder)
        lines = lines[1:]
    text = "\n".join(lines)
    if media and not text.strip(BIDI_MARKS + " \n"):
        text = ""
    return text, media


class _Reader:
    """Turns gathered messages into records and counts their lines (LineAccount)."""

    def __init__(
        self,
        day_first: bool,
        today: dt.date,
        chat: str,
        ctx: ReadContext,
        seen: dict[str, int],
        account: LineAccount,
    ) -> None:
        self.day_first = day_first
        self.today = today
        self.chat = chat
        self.group = False  # two or more senders besides the chat's name (_first_pass)
        self.ctx = ctx
        self.seen = seen
        self.account = account

    def _bad(self, reason: str, raw: bytes, record_no: int, message: _Message) -> BadRecord:
        self.account.quarantined += message.count
        return BadRecord(reason, raw, record_no, message.line_no)

    def finish(self, message: _Message, record_no: int) -> Iterator[ReadResult]:
        if message.oversized:
            yield self._bad(
                oversized_reason(message.size, "message"), message.head, record_no, message
            )
            return
        blanks = message.trailing_blanks()
        kept = message.lines[: len(message.lines) - blanks]
        raw_text = "\n".join(kept)
        header = message.header
        if header is None or message.unreadable:
            yield self._bad(
                message.unreadable, "\n".join(message.lines).encode(), record_no, message
            )
            return
        if message.has_nul:
            yield self._bad("message contains NUL bytes", raw_text.encode(), record_no, message)
            return
        try:
            when = header_datetime(header, self.day_first, self.today)
        except YearError as exc:
            yield self._bad(str(exc), raw_text.encode(), record_no, message)
            return
        except ValueError:
            yield self._bad(
                "impossible date for this file's day/month order",
                raw_text.encode(),
                record_no,
                message,
            )
            return
        created_at = utc_naive_to_unix(when)
        sender_raw, first_body = _split_sender(header.rest)
        found = _notice(header, sender_raw, first_body, self.chat, self.group)
        if found is not None:
            yield from self._notice(message, found, sender_raw, created_at, record_no)
            return
        assert sender_raw is not None
        sender = account_id(sender_raw)
        body = "\n".join([first_body, *message.body_lines[1 : len(kept)]])
        text, media = _take_media(body, self.ctx)
        basis = json.dumps(
            [self.chat, created_at, sender, text, [m.name for m in media]], ensure_ascii=False
        )
        digest = hashlib.sha256(basis.encode()).hexdigest()[:32]
        count = self.seen.get(digest, 0)
        self.seen[digest] = count + 1
        extra: dict[str, object] = {"chat": self.chat}
        if sender != sender_raw:
            extra["sender_as_written"] = sender_raw
        post = PostRecord(
            platform="whatsapp",
            post_id=digest + (f"-{count}" if count else ""),
            text=text,
            created_at=created_at,
            account=AccountRecord(platform="whatsapp", account_id=sender, display_name=sender),
            kind="message",
            media=media,
            raw=raw_text,
            extra=extra,
        )
        problem = record_problem(post)
        if problem is not None:
            yield self._bad(problem, raw_text.encode(), record_no, message)
            return
        self.account.posts += 1
        self.account.continuation += message.count - 1
        yield post

    def _notice(
        self,
        message: _Message,
        found: tuple[str | None, str],
        sender_raw: str | None,
        created_at: int,
        record_no: int,
    ) -> Iterator[ReadResult]:
        """The notice itself, and any text after it quarantined: never glued onto a notice."""
        lang, kind = found
        lines = message.lines
        blanks = message.trailing_blanks()
        after = lines[1 : len(lines) - blanks]
        kept = len(lines) - len(after)  # the notice line and trailing blank lines
        self.account.notices += kept if not after else 1
        yield Notice(
            f"WhatsApp system notice ({kind})",
            kind=kind,
            raw=lines[0],
            line_no=message.line_no,
            language=lang,
            sender=account_id(sender_raw) if sender_raw and kind == "deleted" else None,
            created_at=created_at,
        )
        if after:
            self.account.quarantined += len(after) + blanks
            yield BadRecord(
                f"text after a WhatsApp system notice ({kind}) on line {message.line_no}; "
                "not part of any message",
                "\n".join(after).encode(),
                record_no,
                message.line_no + 1,
            )


IMPORTER = WhatsAppImporter()
