"""Every order of the same overlapping sync packs gives the same store."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from tests.packs.sync_helpers import Field, snapshot
from triage_app.packs.sync import import_sync_pack
from triage_app.store.decisions import apply_tags, review
from triage_app.store.opening import open_for_user


def test_all_six_orders_of_three_overlapping_packs_agree(tmp_path: Path) -> None:
    a, b, c = (Field(tmp_path, n, u) for n, u in (("a", "anna"), ("b", "ben"), ("c", "cara")))
    a.register(b, c)
    b.register(a, c)
    a.import_posts(range(1, 7))
    b.import_posts(range(4, 10))
    c.import_posts(range(6, 12))
    apply_tags(a.store, [a.post_id("p5")], add=["boat_crossing"])
    apply_tags(b.store, [b.post_id("p5")], add=["fake_documents"])
    # B has already seen A's work: its pack to D relays A's decision too (overlap).
    b.receive(a.export_to(b), a)
    apply_tags(b.store, [b.post_id("p6")], add=["transport_offer"])
    review(b.store, [b.post_id("p6")], "approve")
    apply_tags(c.store, [c.post_id("p6")], add=["money_transfer"])  # after B's review: conflict
    apply_tags(c.store, [c.post_id("p8")], add=["recruitment"])

    d = Field(tmp_path, "d", "dana")
    d.register(a, b, c)
    d.store.close()
    packs = [(a.export_to(d), a), (b.export_to(d), b), (c.export_to(d), c)]
    results = []
    for number, order in enumerate(itertools.permutations(packs)):
        folder = tmp_path / f"d{number}"
        shutil.copytree(d.folder, folder)
        store = open_for_user(folder / "store.db", user="dana")
        try:
            for pack, sender in order:
                import_sync_pack(store, pack, sender.signer)
            results.append(snapshot(store))
        finally:
            store.close()
    assert all(r == results[0] for r in results[1:])
    statuses = {p[1]: p[6] for p in results[0]["posts"]}
    assert statuses["p5"] == "conflict"
    assert statuses["p6"] == "conflict"
    assert statuses["p8"] == "tagged"
    for f in (a, b, c):
        f.store.close()
