"""Pivots: near-duplicates, same account, same phone/link/handle across platforms, clusters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.enrich_support import NOW, add_account, add_posts
from triage_app.core.errors import TriageError, UsageError
from triage_app.store import enrich, pivots

ADVERT = (
    "Crossing to UK by boat this week, safe and guaranteed. Price {price} € per person, "
    "children half price. Departure from Calais or Dunkirk every night. Contact {contact}"
)


@pytest.fixture
def network(make_store: Any) -> dict[str, Any]:
    """Two accounts on two platforms sharing a WhatsApp number, reposts, and bystanders."""
    store = make_store()
    seller = add_account(store, "seller", "facebook")
    other = add_account(store, "other_seller", "telegram")
    bystander = add_account(store, "bystander", "x")
    original, repost = add_posts(
        store,
        [
            ADVERT.format(price=3500, contact="wa.me/447911123456"),
            ADVERT.format(price=2800, contact="+44 7700 900 555"),
        ],
        account_id=seller,
        platform="facebook",
    )
    (cross,) = add_posts(
        store,
        ["New trips to Italy every week, message me on WhatsApp +44 7911 123456 @boatman"],
        account_id=other,
        platform="telegram",
    )
    (handle_only,) = add_posts(
        store,
        ["Ask @BoatMan about the trip, he knows everything about it and more"],
        account_id=bystander,
        platform="x",
    )
    (unrelated,) = add_posts(
        store,
        ["Selling my old bike in good condition, call 07911 654321 after six"],
        account_id=bystander,
        platform="x",
    )
    (own_later,) = add_posts(
        store,
        ["Good morning friends, a quiet day today at the seaside with family"],
        account_id=seller,
        platform="facebook",
    )
    enrich.enrich_pending(store, now=NOW)
    return {
        "store": store,
        "original": original,
        "repost": repost,
        "cross": cross,
        "handle_only": handle_only,
        "unrelated": unrelated,
        "own_later": own_later,
    }


def test_near_duplicates_list_the_repost_only(network: dict[str, Any]) -> None:
    store = network["store"]
    hits = pivots.near_duplicates(store, network["original"])
    assert [h.post_id for h in hits] == [network["repost"]]
    assert hits[0].similarity is not None and hits[0].similarity >= 0.7
    assert hits[0].platform == "facebook"
    assert pivots.near_duplicates(store, network["unrelated"]) == []


def test_same_account_lists_the_accounts_other_posts_newest_first(network: dict[str, Any]) -> None:
    store = network["store"]
    hits = pivots.same_account(store, network["original"])
    assert [h.post_id for h in hits] == [network["own_later"], network["repost"]]
    assert [h.post_id for h in pivots.same_account(store, network["original"], limit=1)] == [
        network["own_later"]
    ]


def test_same_indicator_crosses_platforms_and_names_the_shared_value(
    network: dict[str, Any],
) -> None:
    store = network["store"]
    hits = pivots.same_indicator(store, network["original"])
    assert [h.post_id for h in hits] == [network["cross"]]
    assert hits[0].platform == "telegram"
    assert ("phone", "+447911123456") in hits[0].matched
    assert "phone +447911123456" in hits[0].reason
    # From the telegram post: the facebook advert (phone) and the x post (handle).
    from_cross = {h.post_id: h.matched for h in pivots.same_indicator(store, network["cross"])}
    assert set(from_cross) == {network["original"], network["handle_only"]}
    assert from_cross[network["handle_only"]] == (("handle", "@boatman"),)
    assert pivots.same_indicator(store, network["unrelated"]) == []


def test_cluster_members_and_queue_filters(network: dict[str, Any]) -> None:
    store = network["store"]
    original, repost = network["original"], network["repost"]
    cluster_id = store.scalar("SELECT cluster_id FROM posts WHERE id = ?", (original,))
    assert cluster_id == original
    assert pivots.cluster_members(store, cluster_id) == [original, repost]
    assert pivots.cluster_size(store, cluster_id) == 2
    assert pivots.cluster_size(store, None) == 1
    ids = pivots.post_ids_for_pivot
    assert ids(store, "near_duplicates", repost) == [original, repost]
    assert ids(store, "cluster", cluster_id=cluster_id) == [original, repost]
    assert ids(store, "near_duplicates", network["unrelated"]) == [network["unrelated"]]
    assert ids(store, "same_account", original) == [original, repost, network["own_later"]]
    assert ids(store, "same_indicator", network["cross"]) == sorted(
        [original, network["cross"], network["handle_only"]]
    )
    assert ids(store, "same_indicator", indicator=("handle", "@boatman")) == sorted(
        [network["cross"], network["handle_only"]]
    )


def test_bad_pivot_requests_are_clear_errors(network: dict[str, Any]) -> None:
    store = network["store"]
    with pytest.raises(TriageError, match="No post with id 9999 in this store"):
        pivots.same_account(store, 9999)
    with pytest.raises(TriageError, match="No post with id 9999 in this store"):
        pivots.near_duplicates(store, 9999)
    with pytest.raises(UsageError, match="Unknown pivot 'friends'"):
        pivots.post_ids_for_pivot(store, "friends", network["original"])  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="needs a post id"):
        pivots.post_ids_for_pivot(store, "same_account")


def test_pivot_and_enrich_commands(network: dict[str, Any], capsys: Any) -> None:
    import json

    from triage_app.cli import main

    store = network["store"]
    db = str(store.path)
    assert main(["--db", db, "pivot", str(network["original"]), "same-indicator", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in out["posts"]] == [network["cross"]]
    assert {"kind": "phone", "value": "+447911123456"} in out["posts"][0]["matched"]
    assert main(["--db", db, "pivot", str(network["original"]), "near-duplicates"]) == 0
    assert capsys.readouterr().out.startswith(f"{network['repost']}\tfacebook\tsimilarity ")
    assert main(["--db", db, "pivot", "9999", "same-account"]) == 1
    assert "No post with id 9999" in capsys.readouterr().err
    assert main(["--db", db, "pivot", "1", "same-account", "--limit", "0"]) == 2
    assert main(["--db", db, "enrich", "--rescore", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["posts"] == 0 and summary["rescored"] == 6
