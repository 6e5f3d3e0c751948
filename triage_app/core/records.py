"""Normalised records that every importer produces and the store accepts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class AccountRecord:
    """An account on a platform; its natural key is (platform, account_id)."""

    platform: str
    account_id: str
    handle: str | None = None
    display_name: str | None = None
    created_at: int | None = None  # unix seconds, UTC
    followers: int | None = None
    url: str | None = None


@dataclass(slots=True)
class MediaRecord:
    """A media file referenced by a post, as the export names it.

    ``path`` is absolute when the file was found beside the export; ``missing`` is true when the
    export only names it (skipped downloads, URLs) or the file is refused (``refused`` says why:
    outside the export folder, not a regular file, too large; ``name`` is the reference as
    written)."""

    kind: str  # photo | video | file | audio | sticker
    path: str | None = None
    url: str | None = None
    missing: bool = False
    mime: str | None = None
    name: str | None = None
    refused: str | None = None  # why the file named is not taken (ingest/media_confine.py)


@dataclass(slots=True)
class PostRecord:
    """One post, comment or message, normalised. Natural key: (platform, post_id)."""

    platform: str
    post_id: str
    text: str
    created_at: int | None  # unix seconds, UTC
    account: AccountRecord | None = None
    url: str | None = None
    language: str | None = None
    kind: str = "post"  # post | comment | message | repost | video
    parent_post_id: str | None = None
    media: list[MediaRecord] = field(default_factory=list)
    raw: str = ""  # the record exactly as received (decoded text)
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class BadRecord:
    """A record that could not be read; it goes to quarantine with its reason."""

    reason: str
    raw: bytes
    record_no: int | None = None
    line_no: int | None = None


@dataclass(slots=True)
class Skipped:
    """A record deliberately not imported (e.g. a Telegram service message); counted, not stored."""

    reason: str


@dataclass(slots=True)
class Notice(Skipped):
    """A system notice of a chat export (encryption notice, joins, a deleted message …): not a
    post and not an account, but counted and kept in the store (``system_notices``) so every
    line of the export can be accounted for."""

    kind: str = "other"  # encryption | group | member | deleted | call | … | unrecognised
    raw: str = ""  # the notice's lines exactly as written
    line_no: int | None = None
    language: str | None = None  # the phone language the notice was recognised in
    sender: str | None = None  # whom the export credits it to (a deleted message's sender)
    created_at: int | None = None  # unix seconds, as the chat's other times


ReadResult = PostRecord | BadRecord | Skipped
