"""Issue 18, links through picture text: two accounts whose only shared number is printed in a
picture are linked, and the picture's post returns after the other account's takedown.

The pictures are read after the posts were linked (the import ran with OCR off, as
TRIAGE_NO_OCR=1 keeps it for the suite's speed; `triage enrich` reads them later with the real
Tesseract), the case that only the picture-text pass of update_networks catches: posts below
the network mark are not looked at again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.store.test_networks import cli, network, store, take_down  # noqa: F401  (fixture)
from tests.store.test_ocr_pictures import flyer_png
from tests.support.run_as import tag_as
from triage_app.store.networks import MEDIA_KEY, UPTO_KEY, update_networks

PHONE = "+44 7911 123456"
E164 = "+447911123456"


def _records(export: Path) -> Path:
    (export / "flyer.png").write_bytes(flyer_png(["BOAT TO ITALY", f"WhatsApp {PHONE}"]))
    rows = [
        ("telegram", "t1", "boatman1", "2026-01-10", f"Crossing to Italy, call {PHONE}", None),
        ("facebook", "f1", "sea_travel", "2026-03-05", "Trips again, details in the picture", 1),
    ]
    path = export / "posts.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for platform, pid, handle, day, text, media in rows:
            record = {
                "platform": platform,
                "post_id": pid,
                "author_id": f"id-{handle}",
                "author_handle": handle,
                "created_at": f"{day}T10:00:00Z",
                "language": "en",
                "text": text,
            }
            if media:
                record["media"] = ["flyer.png"]
            out.write(json.dumps(record) + "\n")
    return path


@pytest.mark.usefixtures("tesseract_installed")
@pytest.mark.parametrize("tagged_first", [False, True], ids=["waiting", "tagged-first"])
def test_number_only_in_a_picture_read_later_links_and_returns(
    store,  # noqa: F811
    capsys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tagged_first: bool,
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    cli(store, capsys, "import", str(_records(export)), "--format", "jsonl")  # OCR off
    assert {a["handle"] for a in network(store, capsys, "sea_travel")["accounts"]} == {"sea_travel"}
    mark = int(store.scalar("SELECT value FROM meta WHERE key = ?", (UPTO_KEY,)))
    picture_post = store.scalar(
        "SELECT p.id FROM posts p JOIN accounts a ON a.id = p.account_id "
        "WHERE a.handle = 'sea_travel'"
    )
    assert picture_post <= mark  # already looked at: only the picture pass can link it now
    take_down(store, "boatman1", capsys)  # referred, then taken down on 1 March (the CLI)
    assert store.scalar("SELECT count(*) FROM returning_posts") == 0
    if tagged_first:  # an analyst decided on it before its picture was read
        tag_as(store, "dana", [picture_post], ["boat_crossing"])

    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    out = json.loads(cli(store, capsys, "enrich", "--json"))
    assert out["pictures_read"] == 1 and out["picture_indicators"] >= 1
    assert (
        store.scalar(
            "SELECT count(*) FROM indicators WHERE post_id = ? AND media_id IS NOT NULL "
            "AND kind = 'phone' AND value = ?",
            (picture_post, E164),
        )
        == 1
    )
    net = network(store, capsys, "sea_travel")
    assert {a["handle"] for a in net["accounts"]} == {"boatman1", "sea_travel"}
    shared = {(s["kind"], s["value"]) for link in net["links"] for s in link["shared"]}
    assert ("phone", E164) in shared
    reason = store.scalar("SELECT reason FROM returning_posts WHERE post_id = ?", (picture_post,))
    if tagged_first:  # linked, but a post already decided on is left as it is
        assert reason is None
        return
    assert reason == ("shares +44 7911 123456 with @boatman1 on telegram, taken down 2026-03-01")
    top = store.scalar("SELECT id FROM posts ORDER BY priority DESC LIMIT 1")
    assert top == picture_post  # at the top of the queue
    # The mark moved past the picture's indicators: nothing is linked twice.
    assert int(store.scalar("SELECT value FROM meta WHERE key = ?", (MEDIA_KEY,))) >= int(
        store.scalar("SELECT max(id) FROM indicators")
    )
    assert update_networks(store).links == 0


def test_picture_values_of_new_posts_link_in_the_same_pass(
    store,  # noqa: F811
    capsys,
    tmp_path: Path,
) -> None:
    """A picture's value written before the network pass (OCR inside the same enrichment)
    links like the post's own text: the row is inserted here as store/ocr.py writes it."""
    export = tmp_path / "export"
    export.mkdir()
    cli(store, capsys, "import", str(_records(export)), "--format", "jsonl", "--no-enrich")
    cli(store, capsys, "enrich")
    picture_post, media = store.execute(
        "SELECT p.id, m.id FROM posts p JOIN media m ON m.post_id = p.id"
    ).fetchone()
    with store.transaction() as conn:  # as if OCR had read it before the first network pass
        conn.execute("DELETE FROM account_links")
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (UPTO_KEY, MEDIA_KEY))
        conn.execute(
            'INSERT INTO indicators(post_id, kind, value, raw, start, "end", media_id) '
            "VALUES (?, 'phone', ?, ?, 9, 24, ?)",
            (picture_post, E164, PHONE, media),
        )
    assert update_networks(store).links >= 1
    assert {a["handle"] for a in network(store, capsys, "boatman1")["accounts"]} == {
        "boatman1",
        "sea_travel",
    }
