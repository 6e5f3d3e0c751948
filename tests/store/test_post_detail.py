"""post_detail: everything the preview and `triage show` know about one post, in one dict."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.ui.post_samples import ARABIC_AD, import_samples
from triage_app.core.errors import TriageError
from triage_app.store.decisions import apply_tags, set_note
from triage_app.store.post_detail import post_detail, post_indicators


@pytest.fixture
def sample(make_store, tmp_path: Path):
    store = make_store()
    ids = import_samples(store, tmp_path / "export")
    return store, ids, tmp_path / "export"


def test_post_with_account_card_source_and_media(sample) -> None:
    store, ids, folder = sample
    apply_tags(store, [ids["fb-4"]], add=["boat_crossing"])
    d = post_detail(store, ids["fb-1"])
    assert d["id"] == ids["fb-1"]
    assert d["platform"] == "facebook" and d["platform_post_id"] == "fb-1"
    assert d["text"] == ARABIC_AD
    assert d["language"] == "ar"
    assert d["posted_utc"] == "2024-05-01T09:30:00Z"
    account = d["account"]
    assert account["handle"] == "trips_turkey"
    assert account["display_name"] == "رحلات آمنة"
    assert account["followers"] == 1520
    assert account["created_utc"] == "2023-11-02T00:00:00Z"
    assert account["age_days"] > 365
    # fb-1 and fb-4 are both by account 100; fb-4 has been tagged, none referred.
    assert (account["posts_in_store"], account["posts_tagged"], account["posts_referred"]) == (
        2,
        1,
        0,
    )
    source_file = folder / "posts.jsonl"
    assert d["source"]["path"].endswith("posts.jsonl")
    assert d["source"]["sha256"] == hashlib.sha256(source_file.read_bytes()).hexdigest()
    assert d["source"]["format"] == "jsonl"
    media = {m["name"]: m for m in d["media"]}
    assert set(media) == {"boat.jpg", "clip.mp4"}
    assert media["boat.jpg"]["kind"] == "photo" and media["clip.mp4"]["kind"] == "video"
    assert (
        media["boat.jpg"]["sha256"]
        == hashlib.sha256((folder / "boat.jpg").read_bytes()).hexdigest()
    )
    assert media["boat.jpg"]["missing"] is False
    assert d["priority_explanation"].startswith(f"Priority {d['priority']:.1f}")
    assert "phone number" in d["priority_explanation"]
    json.dumps(d)  # the CLI prints it as it is


def test_tags_note_decisions_and_outcomes(sample) -> None:
    store, ids, _ = sample
    post = ids["x-2"]
    apply_tags(store, [post], add=["boat_crossing"])
    set_note(store, post, "same advert as the facebook one")
    account_id = store.scalar("SELECT account_id FROM posts WHERE id = ?", (post,))
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at) "
            "VALUES ('o-1', ?, 'taken_down', '2024-06-01', 'alice', '2024-06-01T10:00Z')",
            (account_id,),
        )
    d = post_detail(store, post)
    assert d["status"] == "tagged"
    assert [t["key"] for t in d["tags"]] == ["boat_crossing"]
    assert d["tags"][0]["kind"] == "offence" and d["tags"][0]["actor"] == "alice"
    assert d["note"] == "same advert as the facebook one"
    assert [e["kind"] for e in d["decisions"]] == ["tag", "note"]
    assert d["outcomes"] == [
        {
            "outcome": "taken_down",
            "on_date": "2024-06-01",
            "actor": "alice",
            "at": "2024-06-01T10:00Z",
            "note": None,
        }
    ]
    assert d["account"]["posts_tagged"] == 1
    json.dumps(d)


def test_cluster_and_indicators(sample) -> None:
    store, ids, _ = sample
    original, repost, other = (
        post_detail(store, ids["fb-1"]),
        post_detail(store, ids["x-2"]),
        post_detail(store, ids["fb-5"]),
    )
    assert original["cluster"] is not None
    assert original["cluster"] == repost["cluster"]
    assert original["cluster"]["size"] == 2
    assert other["cluster"] is None
    phones = [i for i in original["indicators"] if i["kind"] == "phone"]
    assert [p["value"] for p in phones] == ["+905321112233"]
    start, end = phones[0]["start"], phones[0]["end"]
    assert ARABIC_AD[start:end] == phones[0]["raw"]
    assert [i["start"] for i in original["indicators"]] == sorted(
        i["start"] for i in original["indicators"]
    )


def test_indicators_of_a_post_never_enriched_are_extracted_on_the_spot(sample) -> None:
    store, ids, _ = sample
    with store.transaction() as conn:
        conn.execute("DELETE FROM indicators WHERE post_id = ?", (ids["tg-3"],))
        # enrichment has reached only the posts before it
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'enriched_upto'", (str(ids["tg-3"] - 1),)
        )
    values = [(i["kind"], i["value"]) for i in post_indicators(store, ids["tg-3"])]
    assert ("phone", "+905321112233") in values
    assert store.scalar("SELECT count(*) FROM indicators WHERE post_id = ?", (ids["tg-3"],)) == 0


def test_an_enriched_post_without_indicators_is_not_extracted_again(sample) -> None:
    """Enrichment found nothing in it (or its rows are gone): the preview shows none rather
    than running the extractor on every view."""
    store, ids, _ = sample
    assert int(store.meta("enriched_upto") or 0) >= ids["tg-3"]
    with store.transaction() as conn:
        conn.execute("DELETE FROM indicators WHERE post_id = ?", (ids["tg-3"],))
    assert post_indicators(store, ids["tg-3"]) == []


def test_unknown_post_is_one_clear_error(sample) -> None:
    store, _, _ = sample
    with pytest.raises(TriageError, match=r"^No post with id 999999 in this store$"):
        post_detail(store, 999999)


def test_post_without_account_or_media(make_store, tmp_path: Path) -> None:
    store = make_store()
    path = tmp_path / "one.jsonl"
    path.write_text(
        json.dumps({"platform": "x", "post_id": "9", "created_at": 1700000000, "text": "hello"})
        + "\n",
        encoding="utf-8",
    )
    from triage_app.ingest.pipeline import import_paths

    import_paths(store, [path])
    d = post_detail(store, store.scalar("SELECT id FROM posts"))
    assert d["account"] is None and d["media"] == [] and d["tags"] == []
    assert d["cluster"] is None and d["outcomes"] == [] and d["decisions"] == []
    assert d["posted_utc"] == "2023-11-14T22:13:20Z"


def test_the_cluster_size_is_read_not_counted(sample) -> None:
    """The preview's cluster size comes from ``clusters`` (kept by enrichment): counting the
    cluster's posts took 15 ms a preview at 10M posts, on the tag key's path."""
    store, ids, _ = sample
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        detail = post_detail(store, ids["fb-1"])
    finally:
        store.conn.set_trace_callback(None)
    assert detail["cluster"]["size"] == 2
    assert not [s for s in statements if "count(*)" in s and "cluster_id" in s]
