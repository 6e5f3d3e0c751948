"""The queue's priority score and its tooltip."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage_app.core.errors import TriageError
from triage_app.core.priority import (
    COUNTED,
    PostFeatures,
    explain_priority,
    load_weights,
    priority_total,
    score_post,
)

NOW = 1_750_000_000.0
DAY = 86400


def test_indicators_cluster_referral_and_recency_raise_the_score() -> None:
    bare = score_post(PostFeatures(), NOW)
    assert bare.total == 0 and bare.parts == ()
    phone = score_post(PostFeatures({"phone": 1}), NOW)
    more = score_post(PostFeatures({"phone": 1, "messaging": 1, "lexicon": 3}), NOW)
    clustered = score_post(PostFeatures({"phone": 1}, cluster_size=8), NOW)
    referred = score_post(PostFeatures({"phone": 1}, account_referred=True), NOW)
    fresh = score_post(PostFeatures({"phone": 1}, posted_at=int(NOW) - DAY), NOW)
    old = score_post(PostFeatures({"phone": 1}, posted_at=int(NOW) - 90 * DAY), NOW)
    assert phone.total > 0
    for higher in (more, clustered, referred, fresh):
        assert higher.total > phone.total
    assert fresh.total > old.total >= phone.total


def test_counts_are_capped() -> None:
    weights = load_weights()
    cap = weights.caps["phone"]
    many = score_post(PostFeatures({"phone": cap + 10}), NOW)
    capped = score_post(PostFeatures({"phone": cap}), NOW)
    assert many.total == capped.total
    assert "(counted" in explain_priority(many)


def test_explanation_lists_each_part() -> None:
    text = explain_priority(
        score_post(PostFeatures({"phone": 2, "lexicon": 1}, 4, True, int(NOW) - 2 * DAY), NOW)
    )
    assert text.startswith("Priority ")
    for words in (
        "2 phone numbers",
        "1 lexicon concept",
        "cluster of 4 near-duplicates",
        "account already referred",
        "posted 2 days ago",
    ):
        assert words in text
    assert explain_priority(score_post(PostFeatures(), NOW)).startswith("Priority 0")


def test_weights_come_from_the_resource_file(tmp_path: Path) -> None:
    path = tmp_path / "priority.toml"
    path.write_text("[weights]\nphone = 10\n[caps]\nphone = 1\n", encoding="utf-8")
    weights = load_weights(path)
    assert score_post(PostFeatures({"phone": 3, "price": 2}), NOW, weights).total == 10


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[weights\n", "not valid TOML"),
        ("[weights]\nphonee = 1\n", "unknown weight 'phonee'"),
        ("[weights]\nphone = -1\n", "weights.phone must be a number of 0 or more"),
        ("[weights]\nphone = 'a lot'\n", "weights.phone must be a number"),
        ("[recency]\nhalf_life_days = 0\n", "half_life_days must be more than 0"),
    ],
)
def test_a_bad_weights_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "priority.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TriageError, match=message):
        load_weights(path)


def test_a_missing_weights_file(tmp_path: Path) -> None:
    with pytest.raises(TriageError, match="not found"):
        load_weights(tmp_path / "nope.toml")


@settings(max_examples=200, deadline=None)
@given(
    counts=st.dictionaries(st.sampled_from([k for k, _, _ in COUNTED]), st.integers(0, 12)),
    size=st.integers(1, 300),
    referred=st.booleans(),
    age=st.one_of(st.none(), st.integers(-DAY, 400 * DAY)),
)
def test_the_fast_total_equals_the_explained_total(
    counts: dict[str, int], size: int, referred: bool, age: int | None
) -> None:
    features = PostFeatures(counts, size, referred, None if age is None else int(NOW) - age)
    weights = load_weights()
    assert priority_total(features, NOW, weights) == score_post(features, NOW, weights).total
