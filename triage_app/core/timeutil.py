"""Time helpers: the store keeps UTC; people see local time with UTC on hover."""

from __future__ import annotations

import datetime as dt


def utc_now_iso() -> str:
    """Now as ISO-8601 UTC with microseconds, the form decisions and audit rows use."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_utc_iso(ts: int | None) -> str | None:
    """Unix seconds to 'YYYY-MM-DDTHH:MM:SSZ'."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_local_text(ts: int | None) -> str:
    """Unix seconds to local 'YYYY-MM-DD HH:MM' for display."""
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def parse_iso_to_unix(text: str) -> int:
    """Parse an ISO-8601 date or datetime (naive means UTC) to unix seconds.

    Raises ValueError for anything that is not a real date ("2023-02-30" included)."""
    s = text.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    value = dt.datetime.fromisoformat(s)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp())
