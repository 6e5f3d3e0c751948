"""Issue 18: each account of a referral pack says which network it belongs to — how many
accounts on which platforms, how many already taken down, the contact points they share — as
text and as a picture (an SVG drawn without a window), so a platform can act on the whole
network at once; evidence links stay per post, and the pack still opens with every check.

The store is built here: posts imported through the CLI, the takedown recorded through the CLI
(tests/store/test_networks.py take_down), posts tagged by an analyst and approved."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from tests.packs.helpers import TAGGER, identity, signer_pub
from tests.store.test_networks import cli, take_down
from tests.support.run_as import tag_as
from triage_app.core.network_svg import Edge, Node, render_svg
from triage_app.packs.build import build_referral_pack
from triage_app.packs.crypto import load_identities
from triage_app.packs.open import open_pack
from triage_app.store.decisions import review

PHONE = "+218 91 234 5678"
SHOWN = "+218 91-2345678"
ODD = 'boat<&>"tt'  # a handle XML must escape


def _record(platform: str, post: str, handle: str, day: str, text: str) -> dict[str, str]:
    return {
        "platform": platform,
        "post_id": post,
        "url": f"https://{platform}.example/{post}",
        "created_at": f"{day}T10:00:00Z",
        "text": text,
        "author_id": f"id-{handle}",
        "author_handle": handle,
    }


POSTS = [
    _record("telegram", "t1", "boatman1", "2026-01-10", f"Crossing to Italy, call {PHONE}"),
    _record("facebook", "f1", "sea_travel", "2026-01-11", "Boat trips https://wa.me/218912345678"),
    _record("tiktok", "k1", ODD, "2026-01-12", f"Boats every week {PHONE}"),
    _record("telegram", "t2", "boatman2", "2026-03-05", f"New account! Same captain: {PHONE}"),
    _record("telegram", "t3", "boatman2", "2026-03-06", f"Seats left, WhatsApp {PHONE}"),
    _record("telegram", "t4", "loner", "2026-03-07", "Boats to Greece, call +44 7911 123456"),
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _built(make_store, capsys, tmp_path: Path):
    store = make_store(user="alice")
    export = tmp_path / "posts.jsonl"
    export.write_text("".join(json.dumps(p) + "\n" for p in POSTS), encoding="utf-8")
    cli(store, capsys, "import", str(export), "--format", "jsonl")
    take_down(store, "boatman1", capsys)  # referred, then taken down through the CLI
    chosen = [
        r[0]
        for r in store.execute(
            "SELECT p.id FROM posts p JOIN accounts a ON a.id = p.account_id "
            "WHERE a.handle IN ('boatman2', 'loner') ORDER BY p.id"
        )
    ]
    tag_as(store, TAGGER, chosen, ["boat_crossing"])
    review(store, chosen, "approve")
    ident, pub = identity(tmp_path)
    pack = tmp_path / "telegram.age"
    build_referral_pack(store, "telegram", pack, recipients=[pub])
    opened = open_pack(
        pack, signer_pub(store, tmp_path), tmp_path / "opened", identities=load_identities(ident)
    )
    return store, opened


def test_a_pack_carries_each_accounts_network(make_store, capsys, tmp_path) -> None:
    _store, opened = _built(make_store, capsys, tmp_path)  # every check of the opener passed
    folder = opened.folder
    manifest = opened.manifest
    by_handle = {a["handle"]: a for a in manifest["accounts"]}
    assert set(by_handle) == {"boatman2", "loner"}
    assert by_handle["loner"]["network"] is None  # linked to nobody
    (network,) = manifest["networks"]
    assert by_handle["boatman2"]["network"] == network["id"]
    assert network["accounts"] == 4
    assert network["platforms"] == {"telegram": 2, "facebook": 1, "tiktok": 1}
    assert network["taken_down"] == 1 and network["statuses"]["taken_down"] == 1
    # sea_travel's wa.me link carries the same number: all four share it.
    assert [(s["kind"], s["shown"], s["accounts"]) for s in network["shared"]] == [
        ("phone", SHOWN, 4)
    ]
    members = {m["handle"]: m for m in network["members"]}
    assert members["boatman1"]["status"] == "taken_down"
    assert members["boatman2"]["in_pack"] and not members["sea_travel"]["in_pack"]
    assert network["picture"] == f"networks/{network['id']}.svg"
    # The picture is a file of the pack, listed and hashed like every other.
    picture = folder / network["picture"]
    assert network["picture"] in {f["path"] for f in manifest["files"]}
    assert f"  {network['picture']}" in (folder / "SHA256SUMS").read_text()
    svg = ET.fromstring(picture.read_bytes())  # well-formed XML
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in svg.iter(f"{ns}text")]
    assert "telegram @boatman1" in texts and "tiktok @" + ODD in texts  # escaped, read back
    assert "phone" in texts  # edges labelled by what they share
    assert len(list(svg.iter(f"{ns}circle"))) >= 4
    raw = picture.read_text(encoding="utf-8")
    assert "&lt;&amp;&gt;&quot;" in raw and "<script" not in raw and "href" not in raw

    # accounts.csv: the network beside each account.
    rows = {
        r["handle"]: r
        for r in csv.DictReader(io.StringIO((folder / "accounts.csv").read_text("utf-8")))
    }
    assert rows["boatman2"]["network"] == network["id"]
    assert rows["boatman2"]["network_accounts"] == "4"
    assert rows["boatman2"]["network_taken_down"] == "1"
    assert "telegram 2" in rows["boatman2"]["network_platforms"]
    assert SHOWN in rows["boatman2"]["network_shared"]
    assert rows["loner"]["network"] == ""

    # referral.html: the sentence and the picture inline, once; evidence still per post.
    page = (folder / "referral.html").read_text(encoding="utf-8")
    sentence = (
        f"Network {network['id']}: 4 accounts (telegram 2, facebook 1, tiktok 1), "
        "1 already taken down; they share"
    )
    assert sentence in page
    assert page.count("<svg") == 1
    assert raw.split("\n", 1)[1] in page  # the same picture inline, without the declaration
    assert "shares no contact point" in page  # loner
    parsed = _Tags()
    parsed.feed(page)
    for tag, attrs in parsed.tags:  # still nothing that runs, loads or styles inline
        assert tag not in ("script", "iframe", "object", "embed", "img", "image", "use")
        assert "style" not in attrs and not any(k.startswith("on") for k in attrs)
    for post in ("t2", "t3", "t4"):
        assert f'href="evidence/{post}/raw.json"' in page or f"evidence/{post}/" in page


def test_the_svg_is_deterministic_and_escapes_everything() -> None:
    nodes = [
        Node(2, "telegram", "@a]]>&<b>", "taken_down"),
        Node(1, "x", "@\x01bad\ufffe", "new", True),
        Node(3, "facebook", "@" + "long" * 20, "referred"),
    ]
    edges = [Edge(1, 2, "phone, <text>"), Edge(2, 3, "picture", 0.7)]
    first = render_svg(nodes, edges, title='Network "N1" <x>')
    assert first == render_svg(
        list(reversed(nodes)), list(reversed(edges)), title='Network "N1" <x>'
    )
    root = ET.fromstring(first.encode("utf-8"))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "telegram @a]]>&<b>" in texts and "x @bad" in texts  # control characters dropped
    assert "phone, <text>" in texts
    assert any(t and t.endswith("…") for t in texts)  # a long handle is cut
    inline = render_svg(nodes, edges, title="N1", standalone=False)
    assert inline.startswith("<svg ") and "<?xml" not in inline
