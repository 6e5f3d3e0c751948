"""Search normalisation tables (issue 15): each fold, the offsets back to the original text,
and the query rewriting (folded words, ة/ه in both forms, FTS5 syntax kept)."""

from __future__ import annotations

import sqlite3

import pytest

from triage_app.core.search_normal import (
    fold,
    fold_with_offsets,
    match_spans,
    query_terms,
    search_query,
)


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("إيطاليا", "ايطاليا"),  # alef with hamza below
        ("أحمد", "احمد"),
        ("آمن", "امن"),
        ("ٱلله", "الله"),  # wasla
        ("قایق", "قايق"),  # Persian yeh
        ("على", "علي"),  # alef maqsura
        ("کردستان", "كردستان"),  # keheh (Persian, Kurdish)
        ("خانۀ", "خانه"),  # heh with yeh above
        ("ہے", "هي"),  # Urdu heh goal and yeh barree
        ("رئيس", "رييس"),  # hamza carrier
        ("مـــدرسة", "مدرسة"),  # tatweel; taa marbuta kept in the index
        ("مَدْرَسَةٌ", "مدرسة"),  # harakat
        ("می\u200cروم", "میروم".replace("ی", "ي")),  # ZWNJ
        ("\u200fسلام\u200e", "سلام"),  # RLM / LRM
        ("\u2067abc\u2069", "abc"),  # isolates
        ("\ufeffboat", "boat"),
        ("٢٨٠٠", "2800"),  # Arabic-Indic digits
        ("۳۵۰۰", "3500"),  # Persian digits
        ("१२३", "123"),  # Devanagari
        ("১২৩", "123"),  # Bengali
        ("１２３", "123"),  # fullwidth
        ("ﻻ", "لا"),  # presentation form ligature
        ("ሐመረ", "ሀመረ"),  # Ethiopic ḥa → ha
        ("ኀይል", "ሀይል"),
        ("ሠላም", "ሰላም"),
        ("ዓመት", "ኣመት"),  # pharyngeal → glottal, same order
        ("ፀሐይ", "ጸሀይ"),
        ("cafe\u0301", "cafe"),  # a combining accent
    ],
)
def test_each_variant_folds_to_one_form(variant, plain):
    assert fold(variant) == plain


def test_text_that_needs_nothing_is_unchanged():
    for text in ("Boat to Italy, call +44 7700 900123", "ጀልባ", "Crossing £2,500", ""):
        assert fold(text) == text
    assert fold(None) is None


def test_offsets_point_back_to_the_original_characters():
    text = "\u200fإيطاليا مَدْرَسَةٌ ٢٨٠٠"
    folded, origin = fold_with_offsets(text)
    assert folded == "ايطاليا مدرسة 2800"
    assert len(origin) == len(folded) + 1 and origin[-1] == len(text)
    assert text[origin[0]] == "إ"
    assert text[origin[folded.index("2")]] == "٢"


def test_match_spans_highlight_the_words_as_written():
    text = "Boat: إيطاليا by مَدْرَسَةٌ, price ٢٨٠٠ — Café"
    spans = match_spans(text, "ايطاليا مدرسه 2800 cafe")
    assert [text[s:e] for s, e in spans] == ["إيطاليا", "مَدْرَسَةٌ", "٢٨٠٠", "Café"]
    # NOT terms and column names are not highlighted; prefixes are
    assert [text[s:e] for s, e in match_spans(text, "text: boa* NOT cafe")] == ["Boat"]


def test_query_terms_fold_like_the_index():
    keys = [t.key for t in query_terms('"إيطاليا" قایق ۳۵۰۰')]
    assert keys == ["ايطاليا", "قايق", "3500"]


@pytest.fixture
def fts():
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(text, handle, tokenize='unicode61 remove_diacritics 2')"
    )
    rows = [
        "Boat to إيطاليا tomorrow",  # 1
        "قارب الى ايطاليا",  # 2
        "قایق به ترکیه ۳۵۰۰ یورو",  # 3
        "السعر ٢٨٠٠ دولار مدرسة",  # 4
        "خانه کوچک",  # 5
        "near words here and there",  # 6
    ]
    for n, text in enumerate(rows, 1):
        conn.execute("INSERT INTO t(rowid, text, handle) VALUES (?, ?, 'h')", (n, fold(text)))
    return conn


def _hits(conn, query):
    return sorted(
        r[0] for r in conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (search_query(query),))
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ايطاليا", [1, 2]),
        ("إيطاليا", [1, 2]),
        ("قايق", [3]),
        ("قایق", [3]),
        ("3500", [3]),
        ("۳۵۰۰", [3]),
        ("2800", [4]),
        ("مدرسه", [4]),  # heh finds taa marbuta
        ("مدرسة", [4]),
        ("خانة", [5]),  # and the reverse
        ("كوچك", [5]),  # Arabic kaf finds keheh
        ("مدرسه 2800", [4]),  # implicit AND written out beside the variant group
        ("مدرسه OR خانه", [4, 5]),
        ("text: مدرسه", [4]),
        ('"السعر ٢٨٠٠"', [4]),
        ("مدرس*", [4]),
        ("مدرسه* AND دولار", [4]),
        ("NEAR(near there, 3)", [6]),
        ("NEAR(boat to, 3) إيطاليا", [1]),  # words after a NEAR distance are folded too
        ("مدرسة NEAR(السعر دولار, 5)", [4]),  # no AND written inside NEAR's parentheses
        ("{text handle}: مدرسة", [4]),
        ("(ايطاليا OR خانه) NOT boat", [2, 5]),
    ],
)
def test_queries_find_every_spelling(fts, query, expected):
    assert _hits(fts, query) == expected


@pytest.mark.parametrize("bad", ['"unclosed', "AND", "a OR", "text:("])
def test_malformed_queries_still_fail_in_sqlite(fts, bad):
    with pytest.raises(sqlite3.OperationalError):
        _hits(fts, bad)


def test_a_query_of_marks_only_is_empty():
    assert search_query("ـ \u064e") == ""


@pytest.mark.parametrize(
    "query", ["e-mail", "wa.me/447911", "+44 7911 123456", "£2,500", "don't", "100%", "x OR +44"]
)
def test_punctuation_inside_words_searches_the_words_in_order(query):
    """Before: each of these was "Search not understood" (FTS5 syntax); now a phrase."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 remove_diacritics 2')"
    )
    text = "e-mail wa.me/447911 call +44 7911 123456, £2,500 don't 100% sure"
    conn.execute("INSERT INTO t(rowid, text) VALUES (1, ?)", (fold(text),))
    assert _hits(conn, query) == [1]
