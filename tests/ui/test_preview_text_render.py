"""Post text to rich text: direction per line, escaping, highlights that never overlap."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QTextDocument

from triage_app.ui.text_render import (
    LRM,
    Mark,
    render_diff_html,
    render_html,
    render_post_html,
    text_direction,
)


def _doc(html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc


def test_direction_comes_from_the_first_strong_letter() -> None:
    assert text_direction("مرحبا hello") == "rtl"
    assert text_direction("hello مرحبا") == "ltr"
    assert text_direction("+44 7700 — بەلەم") == "rtl"  # digits and signs are not strong
    assert text_direction("שלום") == "rtl"
    assert text_direction("12345 !!") == "ltr"


def test_markup_in_a_post_is_shown_as_text_never_interpreted(qtbot) -> None:
    text = '<b>free</b> <img src="file:///etc/passwd"> <a href="http://x">x</a> & more'
    doc = _doc(render_post_html(text))
    assert doc.toPlainText() == text
    assert "<img" not in render_post_html(text).replace("&lt;img", "")


def test_each_line_has_its_own_direction_and_blank_lines_stay(qtbot) -> None:
    text = "English first\nثم العربية\n\nback to English"
    html = render_html(text)
    assert html.count('<p dir="ltr"') == 2 and html.count('<p dir="rtl"') == 2
    assert _doc(html).toPlainText() == text


def test_overlapping_marks_keep_the_link(qtbot) -> None:
    text = "write wa.me/447700900123 now"
    start, end = 6, 24
    marks = [
        Mark(start, end, "phone", None, "+447700900123"),
        Mark(start, end, "messaging", "indicator:1", "whatsapp:+447700900123"),
        Mark(6, 11, "lexicon"),
    ]
    html = render_html(text, marks)
    assert html.count("<span") == 1 and 'href="indicator:1"' in html
    assert _doc(html).toPlainText().replace(LRM, "") == text


def test_diff_marks_wrap_exactly_the_changed_words(qtbot) -> None:
    text = "price 2500 euro"
    html = render_diff_html(text, [(6, 10)])
    assert ">2500</span>" in html
    assert _doc(html).toPlainText() == text


_ALPHABET = "ab Zم ر ب\n12٣+<>&\"'./@-" + "\u200f"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(alphabet=_ALPHABET, max_size=60),
    spans=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=6),
    kinds=st.lists(
        st.sampled_from(["phone", "url", "lexicon", "changed", "price"]), min_size=6, max_size=6
    ),
)
def test_any_text_with_any_marks_reads_back_unchanged(qtbot, text, spans, kinds) -> None:
    marks = [
        Mark(min(a, b), max(a, b), k, "indicator:0" if k == "url" else None)
        for (a, b), k in zip(spans, kinds, strict=False)
    ]
    units = [(m.start, m.end) for m in marks if m.kind in ("phone", "url")]
    html = render_html(text, marks, units=units)
    shown = _doc(html).toPlainText().replace(LRM, "").replace("\xa0", " ")
    assert shown == text
