"""`triage show` for people: the post_detail dictionary written as readable lines.

Scripts read `triage show --json`; this text is for a person at a terminal: no Python reprs,
empty parts said in words, every value that came from elsewhere named by who and where."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..core.language_names import language_name
from ..core.video import format_time


def _size(n: Any) -> str:
    if not isinstance(n, int):
        return "size unknown"
    if n < 1000:
        return f"{n:,} bytes"
    value = float(n)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:,.1f} {unit}"


def _plain(value: Any) -> str:
    """One value as words: None as 'none', booleans as yes/no, a dict as `key value` pairs."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(
            f"{k.replace('_', ' ')} {_plain(v)}" for k, v in value.items() if v not in (None, "")
        )
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or "none"
    return str(value)


def _indented(text: str, prefix: str = "  ") -> Iterator[str]:
    for line in str(text).splitlines() or [""]:
        yield f"{prefix}{line}"


def _indicator(item: dict[str, Any], width: int, value_width: int) -> str:
    where = ""
    if item.get("start") is not None and item.get("end") is not None:
        where = f"at {item['start']}–{item['end']}"
    raw = item.get("raw")
    written = f'written "{raw}" {where}' if raw and raw != item.get("value") else where
    value = str(item.get("value", ""))
    return f"  {item.get('kind', ''):<{width}}  {value:<{value_width}}  {written}".rstrip()


def _account(acc: dict[str, Any]) -> Iterator[str]:
    handle = f"@{acc['handle']}" if acc.get("handle") else "(no handle)"
    name = f' "{acc["display_name"]}"' if acc.get("display_name") else ""
    yield f"account: {handle}{name} ({acc.get('platform')} {acc.get('platform_account_id')})"
    facts = []
    if acc.get("created_utc"):
        age = acc.get("age_days")
        facts.append(f"created {acc['created_utc'][:10]}" + (f" ({age:,} days ago)" if age else ""))
    if acc.get("followers") is not None:
        facts.append(f"{acc['followers']:,} followers")
    if facts:
        yield "  " + ", ".join(facts)
    yield (
        f"  in this store: {acc.get('posts_in_store', 0):,} posts, "
        f"{acc.get('posts_tagged', 0):,} tagged, {acc.get('posts_referred', 0):,} referred"
        + ("; the account has been referred" if acc.get("referred") else "")
    )
    if acc.get("url"):
        yield f"  url: {acc['url']}"


def _source(src: dict[str, Any]) -> Iterator[str]:
    yield f"source: {src.get('path')}"
    yield (
        f"  format {src.get('format')}, imported by {src.get('imported_by')} "
        f"at {src.get('imported_at')}"
    )
    if src.get("sha256"):
        yield f"  sha256 {src['sha256']}"


def _media(items: list[dict[str, Any]]) -> Iterator[str]:
    if not items:
        yield "media: none"
        return
    yield "media:"
    for m in items:
        name = m.get("name") or m.get("source_path") or m.get("url") or "(unnamed)"
        facts = [str(m[k]) for k in ("kind", "mime") if m.get(k)]
        if m.get("size") is not None:
            facts.append(_size(m["size"]))
        if m.get("missing"):
            facts.append("MISSING from the evidence store")
        line = f"  {name}" + (f" ({', '.join(facts)})" if facts else "")
        if m.get("url") and m.get("url") != name:
            line += f" {m['url']}"
        yield line
        if m.get("sha256"):
            yield f"    sha256 {m['sha256']}"


def _picture_text(items: list[dict[str, Any]]) -> Iterator[str]:
    yield "text in pictures:"
    for item in items:
        facts = [str(item.get("status") or "")]
        if item.get("languages"):
            facts.append(str(item["languages"]))
        if item.get("confidence") is not None:
            facts.append(f"confidence {item['confidence']}")
        yield f"  picture {item.get('media_id')} ({', '.join(f for f in facts if f)}):"
        if item.get("text"):
            yield from _indented(item["text"], "    ")
        elif not item.get("detail"):
            yield "    (no text found)"
        if item.get("detail"):
            yield f"    {item['detail']}"


def _videos(items: list[dict[str, Any]]) -> Iterator[str]:
    """What was read from each video (store/video.py)."""
    for item in items:
        if item.get("status") != "read":
            yield f"video {item.get('media_id')}: not read: {item.get('detail') or ''}"
            continue
        facts = [
            format_time(item.get("duration")),
            f"{item.get('width')}x{item.get('height')}",
            str(item.get("codec") or ""),
            f"{len(item.get('frames') or [])} key frames",
        ]
        yield f"video {item.get('media_id')} ({', '.join(f for f in facts if f)}):"
        for frame in item.get("frames") or []:
            text = " ".join(str(frame.get("text") or "").split())
            line = f"  at {frame['at']}  phash {frame['phash']}"
            yield line + (f"  text: {text[:80]}" if text else "")
        if item.get("transcript"):
            yield f"  transcript ({item.get('transcript_source')}):"
            yield from _indented(item["transcript"], "    ")


def _other(key: str, value: Any) -> Iterator[str]:
    """Any part not known above, still without reprs."""
    label = key.replace("_", " ")
    if isinstance(value, list):
        if not value:
            yield f"{label}: none"
            return
        yield f"{label}:"
        for item in value:
            yield f"  {_plain(item)}"
    elif isinstance(value, dict):
        yield f"{label}:"
        for k, v in value.items():
            yield f"  {k.replace('_', ' ')}: {_plain(v)}"
    elif isinstance(value, str) and "\n" in value:
        yield f"{label}:"
        yield from _indented(value)
    else:
        yield f"{label}: {_plain(value)}"


# The parts of post_detail written in the header or not at all (the --json output has them).
_HEADER = {
    "id",
    "uuid",
    "platform",
    "platform_post_id",
    "kind",
    "status",
    "priority",
    "posted_at",
    "posted_utc",
    "imported_at",
    "language",
    "url",
    "parent_post_id",
}


def show_lines(detail: dict[str, Any]) -> Iterator[str]:
    """The lines of `triage show POST_ID`."""
    d = detail
    yield (
        f"post {d.get('id')}: {d.get('platform')} {d.get('kind') or 'post'} "
        f"{d.get('platform_post_id')}, status {d.get('status')}, priority {d.get('priority')}"
    )
    if d.get("parent_post_id"):
        yield f"in reply to: post {d['parent_post_id']}"
    yield f"posted: {d.get('posted_utc') or 'unknown'}"
    if d.get("language"):
        yield f"language: {language_name(d['language'])} ({d['language']})"
    if d.get("url"):
        yield f"url: {d['url']}"
    yield f"uuid: {d.get('uuid')}"
    for key, value in d.items():
        if key in _HEADER:
            continue
        if key == "text":
            yield "text:"
            yield from _indented(value or "(no text)")
        elif key == "note":
            if value:
                yield "note:"
                yield from _indented(value)
        elif key == "priority_explanation":
            if value:  # "Priority 11.0:" and one line per reason
                lines = str(value).splitlines()
                if lines[0].startswith("Priority "):
                    lines[0] = "priority " + lines[0][len("Priority ") :]
                yield from lines
        elif key == "account":
            yield from _account(value) if value else iter(["account: unknown"])
        elif key == "source":
            yield from _source(value) if value else iter(["source: unknown"])
        elif key == "media":
            yield from _media(value or [])
        elif key == "media_refused":
            for refused in value or []:
                yield f"media refused: {refused['reason']}: {refused['reference']!r}"
        elif key in ("tags", "decisions"):  # each with its author, and origin when synced
            if not value:
                yield f"{key}: none"
                continue
            yield f"{key}:"
            for item in value:
                if key == "tags":
                    what = item["key"]
                else:
                    what = " ".join(str(x) for x in (item["kind"], item["tag"] or "") if x)
                line = f"  {item['at']}  {what}  by {item['by']}"
                if key == "decisions" and item.get("note"):
                    line += f": {item['note']}"
                yield line
        elif key == "self_approved":  # four eyes: said plainly
            yield f"self_approved: {value['text'] if value else 'no'}"
        elif key == "cluster":
            if value:
                others = max(0, int(value.get("size", 1)) - 1)
                yield (
                    f"cluster: {value.get('id')} (this post and {others:,} near-duplicate"
                    f"{'' if others == 1 else 's'})"
                )
            else:
                yield "cluster: none (no near-duplicates)"
        elif key in ("indicators", "picture_indicators"):
            label = "indicators" if key == "indicators" else "indicators in pictures"
            if not value:
                if key == "indicators":
                    yield "indicators: none"
                continue
            yield f"{label}:"
            width = max(len(str(i.get("kind", ""))) for i in value)
            value_width = min(40, max(len(str(i.get("value", ""))) for i in value))
            for item in value:
                line = _indicator(item, width, value_width)
                if item.get("media_time") is not None:  # read in a video's key frame
                    line += f" (in video at {format_time(item['media_time'])})"
                elif item.get("media_id") is not None:
                    line += f" (picture {item['media_id']})"
                yield line
        elif key == "videos":
            yield from _videos(value or [])
        elif key == "picture_text":
            if value:
                yield from _picture_text(value)
        elif key == "outcomes":
            if not value:
                yield "outcomes: none"
                continue
            yield "outcomes:"
            for o in value:
                note = f": {o['note']}" if o.get("note") else ""
                yield f"  {o.get('on_date')}  {o.get('outcome')}  by {o.get('actor')}{note}"
        elif key == "referrals":
            if not value:
                yield "referrals: none"
                continue
            yield "referrals:"
            for r in value:
                yield (
                    f"  {r.get('created_at')}  pack {r.get('pack_name')} for "
                    f"{r.get('platform')}  by {r.get('created_by')}"
                )
        else:
            yield from _other(key, value)
