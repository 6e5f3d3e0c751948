"""A last check of each normalised record before it is written: wrong types (a list where text
belongs, an integer SQLite cannot hold), NUL bytes and records over the 1 MB record limit
become a quarantine reason instead of a failed file or a stored post.

The readers hold records to the limit while they read (ingest/lines.py for line-based files,
the CSV source, the JSON string cut in jsonstream.py); this check is the same rule applied once
more to what every importer produced, whatever its format. ``quarantine_raw`` keeps only a
bounded prefix of the raw bytes of any quarantined record and says so in the reason."""

from __future__ import annotations

from ..core.records import AccountRecord, PostRecord
from .jsonstream import CUT_MARK, cut_string_size
from .lines import KEEP_RAW_BYTES, MAX_RECORD_BYTES, oversized_reason, size_text

INT64 = 2**63
_POST_TEXT = ("platform", "post_id", "text", "kind")
_POST_OPTIONAL_TEXT = ("url", "language", "parent_post_id", "raw")
_ACCOUNT_OPTIONAL_TEXT = ("handle", "display_name", "url")


def record_problem(post: PostRecord) -> str | None:
    """Why ``post`` cannot be stored, or None when every field has a storable value."""
    return None if _plainly_storable(post) else full_problem(post)


def full_problem(post: PostRecord) -> str | None:
    """record_problem without the glance at the common case: every field checked."""
    for name in _POST_TEXT:
        if not isinstance(getattr(post, name), str):
            return f"{name} must be text, got {type(getattr(post, name)).__name__}"
    if not post.post_id.strip():
        return "missing post_id"
    problem = _cut_problem(post)
    if problem:
        return problem
    size = max(_utf8_size(post.text), _utf8_size(post.raw))
    if size > MAX_RECORD_BYTES:
        return oversized_reason(size)
    if "\x00" in post.text:
        return "record contains NUL bytes"
    for name in _POST_OPTIONAL_TEXT:
        value = getattr(post, name)
        if value is not None and not isinstance(value, str):
            return f"{name} must be text, got {type(value).__name__}"
    problem = _int_problem("created_at", post.created_at)
    if problem:
        return problem
    if post.account is not None:
        problem = _account_problem(post.account)
        if problem:
            return problem
    if not isinstance(post.media, list):
        return "media must be a list"
    for item in post.media:
        for name in ("kind",):
            if not isinstance(getattr(item, name, None), str):
                return "a media item has no kind"
        for name in ("path", "url", "name", "mime"):
            value = getattr(item, name, None)
            if value is not None and not isinstance(value, str):
                return f"media {name} must be text, got {type(value).__name__}"
    if not isinstance(post.extra, dict):
        return "extra must be a mapping"
    return None


_STR, _INT, _NONE = str, int, type(None)
_SMALL = MAX_RECORD_BYTES // 4  # characters that cannot make more than the limit in UTF-8


def _plainly_storable(post: PostRecord) -> bool:
    """The common record at a glance (it runs once a post: the full check was a sixth of the
    reading process's time at 1M posts): exact types, no media, nothing near the size limit,
    no cut string, no NUL. True only where record_problem's full check finds nothing; anything
    else (subclasses, media, big records) goes through the full check for its reason."""
    text, raw = post.text, post.raw
    if not (
        post.platform.__class__ is _STR
        and post.post_id.__class__ is _STR
        and text.__class__ is _STR
        and post.kind.__class__ is _STR
        and raw.__class__ is _STR
        and post.url.__class__ in (_STR, _NONE)
        and post.language.__class__ in (_STR, _NONE)
        and post.parent_post_id.__class__ in (_STR, _NONE)
        and post.media.__class__ is list
        and not post.media
        and post.extra.__class__ is dict
        and len(text) <= _SMALL
        and len(raw) <= _SMALL
        and post.post_id.strip()
        and "\x00" not in text
        and CUT_MARK not in raw
        and CUT_MARK not in text
    ):
        return False
    created = post.created_at
    if created is not None and not (created.__class__ is _INT and -INT64 <= created < INT64):
        return False
    acc = post.account
    if acc is None:
        return True
    created, followers = acc.created_at, acc.followers
    return (
        acc.platform.__class__ is _STR
        and acc.account_id.__class__ is _STR
        and acc.handle.__class__ in (_STR, _NONE)
        and acc.display_name.__class__ in (_STR, _NONE)
        and acc.url.__class__ in (_STR, _NONE)
        and (created is None or (created.__class__ is _INT and -INT64 <= created < INT64))
        and (followers is None or (followers.__class__ is _INT and -INT64 <= followers < INT64))
    )


def _account_problem(account: AccountRecord) -> str | None:
    if not isinstance(account.platform, str) or not isinstance(account.account_id, str):
        return "the account id must be text"
    for name in _ACCOUNT_OPTIONAL_TEXT:
        value = getattr(account, name)
        if value is not None and not isinstance(value, str):
            return f"account {name} must be text, got {type(value).__name__}"
    for name in ("created_at", "followers"):
        problem = _int_problem(f"account {name}", getattr(account, name))
        if problem:
            return problem
    return None


def _int_problem(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{name} must be a whole number, got {type(value).__name__}"
    if not -INT64 <= value < INT64:
        return f"{name} is out of range ({str(value)[:30]})"
    return None


def _cut_problem(post: PostRecord) -> str | None:
    """The reason for a record whose JSON string the reader cut at the record limit."""
    for value in (post.raw, post.text):
        size = cut_string_size(value) if isinstance(value, str) else None
        if size is not None:
            what = f"a text value of {size:,} bytes" if size else "a text value over the limit"
            return (
                f"record over {size_text(MAX_RECORD_BYTES)} ({what}); "
                f"first {size_text(KEEP_RAW_BYTES)} kept"
            )
    return None


def _utf8_size(value: object) -> int:
    """Bytes of ``value`` as UTF-8 (exact only when it might be over the record limit)."""
    if not isinstance(value, str):
        return 0
    if len(value) * 4 <= MAX_RECORD_BYTES:
        return len(value)  # cannot be over the limit whatever its characters
    return len(value.encode("utf-8", "surrogatepass"))


def quarantine_raw(reason: str, raw: bytes) -> tuple[str, bytes]:
    """(reason, raw) as a quarantine row keeps them: at most KEEP_RAW_BYTES of the raw bytes,
    the reason saying so when it was cut."""
    if len(raw) <= KEEP_RAW_BYTES:
        return reason, raw
    if " kept" not in reason:
        reason = f"{reason} ({len(raw):,} bytes; first {size_text(KEEP_RAW_BYTES)} kept)"
    return reason, raw[:KEEP_RAW_BYTES]
