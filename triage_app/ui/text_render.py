"""Post text as Qt rich-text HTML: links, indicator highlights, word differences, and the
direction of each paragraph taken from its own first strong letter, so that an Arabic or Kurdish
paragraph reads right to left beside an English one.

Qt's rich text knows ``dir="rtl"`` but not ``dir="auto"``, so the direction is worked out here
per paragraph the way a browser does for ``dir="auto"`` (the first strong character decides).
Phone numbers and links inside right-to-left text are wrapped in Unicode isolates so that their
digits stay in dialling order instead of being reordered group by group by the bidi algorithm.
The module holds no Qt objects so that it can be tested (and reused) without a window."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Background colours per indicator kind (light, so black text stays readable); anything unknown
# gets the default. Lexicon words are underlined as well: they are words, not contact details.
KIND_COLOURS: dict[str, str] = {
    "phone": "#ffe08a",
    "messaging": "#b9efb9",
    "url": "#cfe3ff",
    "handle": "#e5d4ff",
    "price": "#ffd2b0",
    "lexicon": "#ffd0dc",
    "email": "#c9f0ef",
}
DEFAULT_COLOUR = "#e0e0e0"
CHANGED_COLOUR = "#ffb347"  # words that differ between two compared posts
LINK_KINDS = ("url", "messaging")

LRM = "\u200e"  # left-to-right mark: a strong L that takes no space


@dataclass(frozen=True, slots=True)
class Mark:
    """A span of the text to set apart: an indicator, or a changed word in a comparison."""

    start: int
    end: int
    kind: str
    href: str | None = None
    title: str | None = None


def colour_for(kind: str) -> str:
    if kind == "changed":
        return CHANGED_COLOUR
    for prefix, colour in KIND_COLOURS.items():
        if kind == prefix or kind.startswith(prefix + "_") or kind.startswith(prefix + ":"):
            return colour
    return DEFAULT_COLOUR


def is_link_kind(kind: str) -> bool:
    return any(kind == k or kind.startswith(k + "_") for k in LINK_KINDS)


def text_direction(text: str) -> str:
    """'rtl' or 'ltr' from the first strong character (the rule of HTML's dir="auto")."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "ltr"


def indicator_marks(indicators: Iterable[Mapping[str, Any]]) -> list[Mark]:
    """Marks for the post's indicators; links get an ``indicator:N`` href (N = list index)."""
    marks = []
    for index, ind in enumerate(indicators):
        kind = str(ind["kind"])
        href = f"indicator:{index}" if is_link_kind(kind) else None
        marks.append(Mark(int(ind["start"]), int(ind["end"]), kind, href, str(ind["value"])))
    return marks


def _rank(mark: Mark) -> int:
    # Where two indicators cover the same characters (a wa.me link is a messaging link and a
    # phone number), show the one that is a link so that it can be copied with a click.
    if mark.href:
        return 0
    return 1 if mark.kind in ("phone", "email") else 2


def _non_overlapping(marks: Sequence[Mark], length: int) -> list[Mark]:
    """Keep the outermost marks: earlier first, longer first at the same start."""
    kept: list[Mark] = []
    last_end = 0
    for m in sorted(marks, key=lambda m: (m.start, -m.end, _rank(m))):
        start, end = max(0, m.start), min(length, m.end)
        if start >= end or start < last_end:
            continue
        kept.append(Mark(start, end, m.kind, m.href, m.title))
        last_end = end
    return kept


def _escape(text: str) -> str:
    # Runs of spaces and tabs are kept as typed (adverts use them for layout).
    out = html.escape(text, quote=False).replace("\t", "    ")
    return out.replace("  ", " &nbsp;")


def render_html(text: str, marks: Sequence[Mark] = (), *, font_pt: float | None = None) -> str:
    """The whole text as HTML: one ``<p>`` per line with its own direction, marks highlighted."""
    kept = _non_overlapping(marks, len(text))
    paragraphs = []
    offset = 0
    previous_dir = text_direction(text)
    for line in text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        direction = text_direction(line) if line.strip() else previous_dir
        previous_dir = direction
        body = _render_line(text, line_start, line_end, kept, rtl=direction == "rtl")
        align = "right" if direction == "rtl" else "left"
        # Qt drops an empty <p>; its own marker for an empty paragraph keeps blank lines.
        empty = "" if body else "-qt-paragraph-type:empty;"
        paragraphs.append(
            f'<p dir="{direction}" align="{align}" style="{empty}margin:0 0 4px 0">'
            f"{body or '<br />'}</p>"
        )
    size = f"font-size:{font_pt}pt;" if font_pt else ""
    return f'<div style="{size}">' + "".join(paragraphs) + "</div>"


def _render_line(text: str, start: int, end: int, marks: Sequence[Mark], *, rtl: bool) -> str:
    parts: list[str] = []
    pos = start
    for m in marks:
        if m.end <= start or m.start >= end:
            continue
        m_start, m_end = max(m.start, start), min(m.end, end)
        parts.append(_escape(text[pos:m_start]))
        parts.append(_render_mark(text[m_start:m_end], m, rtl=rtl))
        pos = m_end
    parts.append(_escape(text[pos:end]))
    return "".join(parts)


def _render_mark(fragment: str, mark: Mark, *, rtl: bool) -> str:
    body = _escape(fragment)
    if mark.kind not in ("lexicon", "changed"):
        # A phone number or price is one thing: never break it across two lines (in right-to-left
        # text its halves would land at opposite ends of two lines). Qt copies these as spaces.
        body = body.replace(" ", "&nbsp;")
    if rtl and text_direction(fragment) == "ltr" and mark.kind != "changed":
        body = LRM + body + LRM  # keep '+44 7700 900123' in order inside Arabic text
    style = f"background-color:{colour_for(mark.kind)};"
    if mark.kind == "lexicon":
        style += "text-decoration:underline;"
    if mark.kind == "changed":
        style += "font-weight:600;"
    title = f' title="{html.escape(mark.title)}"' if mark.title else ""
    span = f'<span style="{style}"{title}>{body}</span>'
    if mark.href:
        return f'<a href="{html.escape(mark.href)}" style="color:#0645ad">{span}</a>'
    return span


def render_post_html(
    text: str, indicators: Iterable[Mapping[str, Any]] = (), *, font_pt: float | None = None
) -> str:
    """The preview's text: indicators highlighted, messaging links and URLs as links."""
    return render_html(text, indicator_marks(indicators), font_pt=font_pt)


def render_diff_html(
    text: str, changed: Iterable[tuple[int, int]], *, font_pt: float | None = None
) -> str:
    """One side of a comparison: the words that differ from the other text highlighted."""
    marks = [Mark(s, e, "changed") for s, e in changed]
    return render_html(text, marks, font_pt=font_pt)
