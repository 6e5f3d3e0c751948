"""Cohen's kappa against hand-computed examples."""

from __future__ import annotations

import pytest

from triage_app.core.agreement import ReviewPair, by_analyst, cohens_kappa, summarise


def test_kappa_matches_the_hand_computed_two_by_two_example():
    # 50 posts: both yes 20, first yes/second no 5, first no/second yes 10, both no 15.
    # observed = 35/50 = 0.70; first says yes 25/50, second 30/50;
    # expected = 0.5*0.6 + 0.5*0.4 = 0.50; kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    k = cohens_kappa(pairs)
    assert k.n == 50 and k.agreements == 35
    assert k.observed == pytest.approx(0.70)
    assert k.expected == pytest.approx(0.50)
    assert k.kappa == pytest.approx(0.40)


def test_kappa_with_three_categories():
    # 10 items; a: x x x y y y z z z z ; b: x x y y y z z z z x
    # agreements: x,x,y,y,z,z,z = 7 -> po = .7
    # a: x3 y3 z4; b: x3 y3 z4 -> pe = (9+9+16)/100 = .34 ; kappa = .36/.66
    a = list("xxxyyyzzzz")
    b = list("xxyyyzzzzx")
    k = cohens_kappa(zip(a, b, strict=True))
    assert k.agreements == 7
    assert k.kappa == pytest.approx(0.36 / 0.66)


def test_perfect_agreement_is_one_and_a_single_category_is_undefined():
    assert cohens_kappa([("a", "a"), ("b", "b")]).kappa == pytest.approx(1.0)
    same = cohens_kappa([("a", "a")] * 4)
    assert same.kappa is None and same.observed == 1.0 and same.n == 4
    empty = cohens_kappa([])
    assert empty.n == 0 and empty.kappa is None


def test_summary_per_tag_relevance_and_exact_counts():
    offences = ["boat", "docs"]
    pairs = [
        ReviewPair(1, "bob", "sue", frozenset({"boat"}), frozenset({"boat"})),
        ReviewPair(2, "bob", "sue", frozenset({"boat", "docs"}), frozenset({"boat"})),
        ReviewPair(3, "bob", "sue", frozenset({"not_relevant"}), frozenset({"docs"})),
        ReviewPair(4, "bob", "sue", frozenset({"not_relevant"}), frozenset({"not_relevant"})),
    ]
    s = summarise(pairs, offences)
    assert s.n == 4 and s.exact == 2
    # relevance: (T,T) (T,T) (F,T) (F,F): po = 3/4; first T 2/4, second T 3/4
    # pe = .5*.75 + .5*.25 = .5 ; kappa = .25/.5 = .5
    assert s.relevance.kappa == pytest.approx(0.5)
    # docs: (F,F) (T,F) (F,T) (F,F): po = .5; first .25, second .25 -> pe = .0625+.5625 = .625
    assert s.tags["docs"].agreements == 2
    assert s.tags["docs"].kappa == pytest.approx((0.5 - 0.625) / 0.375)
    assert set(s.tags) == {"boat", "docs", "not_relevant"}


def test_by_analyst_groups_pairs():
    pairs = [
        ReviewPair(1, "bob", "sue", frozenset({"a"}), frozenset({"a"})),
        ReviewPair(2, "cat", "sue", frozenset({"a"}), frozenset({"b"})),
    ]
    groups = by_analyst(pairs, ["a", "b"])
    assert list(groups) == ["bob", "cat"]
    assert groups["bob"].exact == 1 and groups["cat"].exact == 0
    assert groups["cat"].as_dict()["exact_share"] == 0.0
