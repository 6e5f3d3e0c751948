"""Issue 15: a post's search row keeps the text read in its pictures and its voice-to-text
transcript when the post is rewritten (the index trigger rebuilds the row from posts.text
alone). The path that rewrites posts today is a sync pack merging a post it already has
(packs/sync_merge.py); the test runs that merge on a real store after real Tesseract read the
picture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.store.test_ocr_pictures import flyer_png

pytestmark = pytest.mark.usefixtures("tesseract_installed")


def _import(store, tmp_path: Path) -> dict[str, int]:
    from triage_app.ingest.pipeline import import_paths

    export = tmp_path / "export"
    export.mkdir()
    (export / "flyer.png").write_bytes(flyer_png(["LAMPEDUSA CROSSING"]))
    record = {
        "platform": "telegram",
        "post_id": "pic",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "details in the picture",
        "language": "en",
        "media": ["flyer.png"],
    }
    (export / "posts.jsonl").write_text(json.dumps(record) + "\n")
    video = {
        "id": 7300000000000000001,
        "username": "agent",
        "create_time": 1700000000,
        "video_description": "trip this week",
        "voice_to_text": "call us for the Zuwara boat",
    }
    (export / "tiktok.json").write_text(json.dumps({"data": {"videos": [video]}}))
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    import_paths(store, [export / "tiktok.json"], fmt="tiktok", enrich=False)
    rows = store.execute("SELECT platform, id FROM posts").fetchall()
    return dict(rows)


def _merge_again(store, post_id: int) -> None:
    """The post comes back in a sync pack with a longer address (merged, so rewritten)."""
    from triage_app.packs.sync_merge import MergeCounts, _merge_posts

    uuid, platform, natural, text, posted, url = store.execute(
        "SELECT uuid, platform, platform_post_id, text, posted_at, url FROM posts WHERE id = ?",
        (post_id,),
    ).fetchone()
    row = {
        "uuid": uuid,
        "platform": platform,
        "platform_post_id": natural,
        "text": text,
        "posted_at": posted,
        "url": (url or "https://example.invalid/post") + "?with=a-longer-address",
    }
    with store.transaction() as conn:
        _merge_posts(conn, [row], {}, 1, "2025-03-02T00:00:00Z", MergeCounts(), [])
    assert store.scalar("SELECT url FROM posts WHERE id = ?", (post_id,)) == row["url"]


def test_rewriting_a_post_keeps_picture_text_and_transcript_searchable(
    make_store, tmp_path, monkeypatch
):
    from triage_app.store.ocr import ocr_pending
    from triage_app.store.queue import search_hits

    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    store = make_store()
    ids = _import(store, tmp_path)
    assert ocr_pending(store).read == 1
    assert list(search_hits(store, "lampedusa")) == [ids["telegram"]]
    assert list(search_hits(store, "zuwara")) == [ids["tiktok"]]

    _merge_again(store, ids["telegram"])
    _merge_again(store, ids["tiktok"])

    assert list(search_hits(store, "lampedusa")) == [ids["telegram"]]  # picture text
    assert list(search_hits(store, "zuwara")) == [ids["tiktok"]]  # voice-to-text
    assert list(search_hits(store, "details")) == [ids["telegram"]]  # the post's own text
    assert list(search_hits(store, "trip")) == [ids["tiktok"]]
