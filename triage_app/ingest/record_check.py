"""A last check of each normalised record before it is written: wrong types (a list where text
belongs, an integer SQLite cannot hold) become a quarantine reason instead of a failed file."""

from __future__ import annotations

from ..core.records import AccountRecord, PostRecord

INT64 = 2**63
_POST_TEXT = ("platform", "post_id", "text", "kind")
_POST_OPTIONAL_TEXT = ("url", "language", "parent_post_id", "raw")
_ACCOUNT_OPTIONAL_TEXT = ("handle", "display_name", "url")


def record_problem(post: PostRecord) -> str | None:
    """Why ``post`` cannot be stored, or None when every field has a storable value."""
    for name in _POST_TEXT:
        if not isinstance(getattr(post, name), str):
            return f"{name} must be text, got {type(getattr(post, name)).__name__}"
    if not post.post_id.strip():
        return "missing post_id"
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
