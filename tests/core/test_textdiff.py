"""Word-by-word differences for the compare pane."""

from __future__ import annotations

from triage_app.core.textdiff import Span, changed_spans, diff_words, similarity_ratio

A = "Crossing to UK by boat, price 3500 € call +44 7911 123456"
B = "Crossing to UK by boat, price 2800 € call +44 7700 900555 today"


def test_inline_diff_marks_changed_words() -> None:
    ops = diff_words(A, B)
    assert ("delete", "3500") in ops and ("insert", "2800") in ops
    assert ("insert", "today") in ops
    assert [w for op, w in ops if op == "equal"][:5] == ["Crossing", "to", "UK", "by", "boat,"]
    # Replaying the diff gives back both texts' words.
    assert [w for op, w in ops if op != "insert"] == A.split()
    assert [w for op, w in ops if op != "delete"] == B.split()


def test_changed_spans_point_at_the_changed_characters() -> None:
    in_a, in_b = changed_spans(A, B)
    assert [A[s.start : s.end] for s in in_a] == ["3500", "7911 123456"]
    assert [B[s.start : s.end] for s in in_b] == ["2800", "7700 900555 today"]


def test_right_to_left_text_offsets() -> None:
    a = "رحلة إلى إيطاليا السعر ٣٥٠٠ يورو"
    b = "رحلة إلى إيطاليا السعر ٢٨٠٠ يورو"
    in_a, in_b = changed_spans(a, b)
    assert in_a == [Span(a.index("٣٥٠٠"), a.index("٣٥٠٠") + 4)]
    assert b[in_b[0].start : in_b[0].end] == "٢٨٠٠"


def test_identical_and_empty_texts() -> None:
    assert changed_spans(A, A) == ([], [])
    assert diff_words("", "") == []
    assert similarity_ratio(A, A) == 1.0
    assert similarity_ratio("", "") == 1.0
    assert 0.5 < similarity_ratio(A, B) < 1.0
