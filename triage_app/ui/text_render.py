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
SEARCH_COLOUR = "#fff176"  # words the search found (however they are spelt in the post)
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
    # Spaces, runs of spaces and tabs stay as typed: paragraphs are white-space:pre-wrap.
    return html.escape(text, quote=False)


def render_html(
    text: str,
    marks: Sequence[Mark] = (),
    *,
    units: Iterable[tuple[int, int]] = (),
    font_pt: float | None = None,
    hits: Iterable[tuple[int, int]] = (),
) -> str:
    """The whole text as HTML: one ``<p>`` per line with its own direction, marks highlighted.

    ``hits`` are search hits: bold on yellow, inside any indicator mark they fall in.

    ``units`` are spans to keep whole and in typing order (phone numbers, links, prices): never
    broken across lines, and in right-to-left lines set off by left-to-right marks when they are
    left-to-right text themselves, whether or not they are highlighted."""
    if not text:
        return ""
    kept = _non_overlapping(marks, len(text))
    whole = _merged(units, len(text))
    found = _merged(hits, len(text))
    size = f"font-size:{font_pt}pt;" if font_pt else ""
    paragraphs = []
    offset = 0
    previous_dir = text_direction(text)
    for line in text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        direction = text_direction(line) if line.strip() else previous_dir
        previous_dir = direction
        body = _render_line(
            text, line_start, line_end, kept, whole, rtl=direction == "rtl", hits=found
        )
        align = "right" if direction == "rtl" else "left"
        # Qt drops an empty <p>; its own marker for an empty paragraph keeps blank lines.
        # (No wrapping <div>: Qt would add a paragraph of its own.)
        empty = "" if body else "-qt-paragraph-type:empty;"
        paragraphs.append(
            f'<p dir="{direction}" align="{align}" '
            f'style="{empty}{size}margin:0 0 4px 0;white-space:pre-wrap">'
            f"{body or '<br />'}</p>"
        )
    return "".join(paragraphs)


def _merged(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _render_line(
    text: str,
    start: int,
    end: int,
    marks: Sequence[Mark],
    units: Sequence[tuple[int, int]],
    *,
    rtl: bool,
    hits: Sequence[tuple[int, int]] = (),
) -> str:
    """Cut the line at every mark, unit and search-hit boundary and render each piece."""
    cuts = {start, end}
    for m in marks:
        cuts.update(p for p in (m.start, m.end) if start < p < end)
    for h_start, h_end in hits:
        cuts.update(p for p in (h_start, h_end) if start < p < end)
    isolated: list[tuple[int, int]] = []
    for u_start, u_end in units:
        u_start, u_end = max(u_start, start), min(u_end, end)
        if u_start >= u_end:
            continue
        cuts.update((u_start, u_end))
        # Only a left-to-right unit inside right-to-left text needs setting off.
        if rtl and text_direction(text[u_start:u_end]) == "ltr":
            isolated.append((u_start, u_end))
    points = sorted(cuts)
    parts: list[str] = []
    for a, b in zip(points, points[1:], strict=False):
        body = _escape(text[a:b])
        if any(u_s <= a and b <= u_e for u_s, u_e in units):
            # One thing (a number, a link): never broken across lines. Qt copies these as spaces.
            body = body.replace(" ", "&nbsp;")
        for u_s, u_e in isolated:
            if a == u_s:
                body = LRM + body  # keep '+44 7700 900123' in dialling order in Arabic text
            if b == u_e:
                body = body + LRM
        if any(h_s <= a and b <= h_e for h_s, h_e in hits):
            body = (
                f'<span style="background-color:{SEARCH_COLOUR};font-weight:600;" '
                f'title="search hit">{body}</span>'
            )
        mark = next((m for m in marks if m.start <= a and b <= m.end), None)
        parts.append(body if mark is None else _wrap(body, mark))
    return "".join(parts)


def _wrap(body: str, mark: Mark) -> str:
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


def indicator_units(indicators: Iterable[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """Spans of the indicators that are one thing to read whole (not lexicon words)."""
    return [(int(i["start"]), int(i["end"])) for i in indicators if i["kind"] != "lexicon"]


def render_post_html(
    text: str,
    indicators: Iterable[Mapping[str, Any]] = (),
    *,
    font_pt: float | None = None,
    search_spans: Iterable[tuple[int, int]] = (),
) -> str:
    """The preview's text: indicators highlighted, messaging links and URLs as links, and the
    words a search found (``search_spans``, positions in ``text``) set in bold on yellow."""
    found = list(indicators)
    return render_html(
        text,
        indicator_marks(found),
        units=indicator_units(found),
        font_pt=font_pt,
        hits=search_spans,
    )


def picture_text_html(
    pictures: Iterable[Mapping[str, Any]], search: str = "", *, font_pt: float | None = None
) -> str:
    """The text read in the post's pictures (OCR), after the post's own text: a grey title
    line per picture (its number and the reading's confidence), then the text with the
    search's hits highlighted like the post's."""
    from ..core.search_normal import match_spans

    parts = []
    for number, picture in enumerate(pictures, 1):
        text = str(picture.get("text") or "")
        if picture.get("status") != "read" or not text.strip():
            continue
        confidence = picture.get("confidence")
        sure = f", confidence {float(confidence):.0f}%" if confidence is not None else ""
        where = f"picture {number}"
        if "video key frames" in str(picture.get("detail") or ""):  # store/video.py
            where = f"the key frames of video {number}"
        parts.append(
            f'<p style="margin:10px 0 2px 0;color:#555555"><i>Text read in {where}{sure}</i></p>'
        )
        hits = match_spans(text, search) if search.strip() else []
        parts.append(render_html(text, (), hits=hits, font_pt=font_pt))
    return "".join(parts)


def render_diff_html(
    text: str,
    changed: Iterable[tuple[int, int]],
    indicators: Iterable[Mapping[str, Any]] = (),
    *,
    font_pt: float | None = None,
) -> str:
    """One side of a comparison: the words that differ from the other text highlighted (phone
    numbers and links still kept whole and in order)."""
    marks = [Mark(s, e, "changed") for s, e in changed]
    return render_html(text, marks, units=indicator_units(indicators), font_pt=font_pt)
