"""The words of issue 13's accounting for a person (the CLI summary and the import window).

A line-based file (WhatsApp, JSONL, X JSONL, CSV) says where each of its lines went: posts,
continuation, notices, quarantined, adding up to the file's lines. Every file also says what
its importer read, record by record: records seen = posts + skipped (with their reasons) +
quarantined. Nothing is dropped without being counted in one of them."""

from __future__ import annotations

from typing import Any

CSV_FORMATS = frozenset({"csv", "crowdtangle", "meta-cl"})


def notice_word(fmt: str | None) -> str:
    if fmt == "whatsapp":
        return "system notices"
    if fmt in CSV_FORMATS:
        return "header"
    return "notices"


def lines_text(lines: dict[str, int], fmt: str | None = None) -> str:
    """Where every line of a line-based file went; the four add up to the file's lines.

    For a CSV file the notices are its header row's lines; continuation lines are the further
    lines of quoted fields that run over several lines, and blank lines."""
    text = (
        f"lines {lines['total']:,}: {lines['posts']:,} posts, {lines['continuation']:,} "
        f"continuation, {lines['notices']:,} {notice_word(fmt)}, {lines['quarantined']:,} "
        "quarantined"
    )
    if fmt == "whatsapp":
        text += " (blank lines count with the message they sit in)"
    elif fmt in CSV_FORMATS:
        text += " (a quoted field's further lines and blank lines are continuation)"
    else:
        text += " (blank lines are continuation)"
    return text


def items_text(items: dict[str, int], reasons: dict[str, int] | None = None) -> str:
    """What the importer read, record by record: seen = posts + skipped + quarantined."""
    text = (
        f"records {items['seen']:,} read: {items['posts']:,} posts, "
        f"{items['skipped']:,} skipped, {items['quarantined']:,} quarantined"
    )
    if reasons:
        parts = [f"{count:,} {reason}" for reason, count in sorted(reasons.items())]
        text += " (skipped: " + "; ".join(parts) + ")"
    return text


def lines_worth_showing(s: Any) -> bool:
    """Whether the line accounting says more than the counts of the summary's first line: a
    file whose every line is one record (JSONL without blank lines, a CSV of one-line rows
    besides its header) is already accounted for by them; a chat, with continuation lines,
    notices or quarantined messages of many lines, is shown line by line."""
    lines = s.lines or {}
    header = 1 if s.format in CSV_FORMATS else 0
    return (
        lines.get("continuation", 0) > 0
        or lines.get("notices", 0) != header
        or lines.get("quarantined", 0) != s.quarantined
        or lines.get("posts", 0) != s.inserted + s.present
    )


def summary_lines(s: Any, always: bool = False) -> list[str]:
    """The accounting lines of one FileSummary (ingest/pipeline.py), for a person. Without
    ``always`` (the CLI), only what the summary's first line does not already say: the lines
    when they say more than the record counts, the records when some were skipped (why)."""
    out: list[str] = []
    if s.lines is not None and (always or lines_worth_showing(s)):
        out.append(lines_text(s.lines, s.format))
    if s.items is not None and s.format != "whatsapp" and (always or s.skipped):
        out.append(items_text(s.items, s.skipped_reasons))
    return out
