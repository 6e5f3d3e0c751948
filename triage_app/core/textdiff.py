"""Word-by-word differences between two texts, for the compare pane.

Two forms of the same diff, for the two ways a pane can show it:

- ``diff_words(a, b)``: one sequence of ``(op, word)`` with op ``equal``, ``delete`` (only in
  ``a``) or ``insert`` (only in ``b``): an inline view of the changes.
- ``changed_spans(a, b)``: the character ranges of ``a`` and of ``b`` that differ, to highlight
  each text in its own pane (works for right-to-left scripts too: ranges are string offsets).

Words are runs of non-space characters and compare exactly, so a changed price or phone number
shows up. difflib's SequenceMatcher does the matching (pure Python, no junk heuristic, so long
adverts that repeat words still align).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Op = Literal["equal", "delete", "insert"]
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``start``..``end`` (Python string offsets) of a text."""

    start: int
    end: int


def _words(text: str) -> tuple[list[str], list[Span]]:
    words: list[str] = []
    spans: list[Span] = []
    for m in _WORD.finditer(text):
        words.append(m.group(0))
        spans.append(Span(m.start(), m.end()))
    return words, spans


def _opcodes(a_words: list[str], b_words: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    return SequenceMatcher(None, a_words, b_words, autojunk=False).get_opcodes()


def diff_words(a: str, b: str) -> list[tuple[Op, str]]:
    """The inline diff of ``a`` into ``b``, word by word (a replaced word is a delete then an
    insert)."""
    a_words, _ = _words(a)
    b_words, _ = _words(b)
    out: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(a_words, b_words):
        if tag == "equal":
            out.extend(("equal", w) for w in a_words[i1:i2])
            continue
        out.extend(("delete", w) for w in a_words[i1:i2])
        out.extend(("insert", w) for w in b_words[j1:j2])
    return out


def changed_spans(a: str, b: str) -> tuple[list[Span], list[Span]]:
    """Ranges of ``a`` not in ``b`` and ranges of ``b`` not in ``a``; neighbouring changed words
    are merged into one range (with the spaces between them)."""
    a_words, a_spans = _words(a)
    b_words, b_spans = _words(b)
    a_out: list[Span] = []
    b_out: list[Span] = []
    for tag, i1, i2, j1, j2 in _opcodes(a_words, b_words):
        if tag == "equal":
            continue
        if i2 > i1:
            a_out.append(Span(a_spans[i1].start, a_spans[i2 - 1].end))
        if j2 > j1:
            b_out.append(Span(b_spans[j1].start, b_spans[j2 - 1].end))
    return a_out, b_out


def similarity_ratio(a: str, b: str) -> float:
    """Share of words the two texts have in common, in order (1.0 = same words)."""
    a_words, _ = _words(a)
    b_words, _ = _words(b)
    if not a_words and not b_words:
        return 1.0
    return SequenceMatcher(None, a_words, b_words, autojunk=False).ratio()
