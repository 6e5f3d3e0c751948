"""Whose decision: a decision that reached this store through a real sync pack is shown with its
author and where it came from — `by bob (from store …, imported DATE)` — in `triage show`
(human and --json) and the window's preview; decisions made here show just their author."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.packs.sync_helpers import Field
from tests.support.run_as import as_person
from triage_app.cli import main
from triage_app.core.timeutil import utc_now_iso
from triage_app.store.decisions import apply_tags
from triage_app.store.post_detail import post_detail
from triage_app.ui.preview_pane import PreviewPane

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def office(tmp_path: Path):
    laptop = Field(tmp_path, "laptop", "bob")  # bob's field laptop: his own store
    office = Field(tmp_path, "office", "sam")
    office.register(laptop, role="analyst")
    laptop.import_posts(range(1, 4))
    apply_tags(laptop.store, [laptop.post_id("p1")], add=["boat_crossing"])
    office.receive(laptop.export_to(office), laptop)
    apply_tags(office.store, [office.post_id("p2")], add=["fake_documents"])  # sam, here
    yield office, laptop
    for f in (laptop, office):
        f.store.close()


def test_show_names_the_author_and_origin_of_synced_decisions(office, capsys):
    office, laptop = office
    today = utc_now_iso()[:10]
    origin = f"from store {laptop.store.store_id[:8]}, imported {today}"
    synced = post_detail(office.store, office.post_id("p1"))
    assert [t["by"] for t in synced["tags"]] == [f"bob ({origin})"]
    assert synced["tags"][0]["origin"]["store_id"] == laptop.store.store_id
    assert [d["by"] for d in synced["decisions"]] == [f"bob ({origin})"]
    local = post_detail(office.store, office.post_id("p2"))
    assert [t["by"] for t in local["tags"]] == ["sam"] and local["tags"][0]["origin"] is None

    db = str(office.store.path)
    with as_person("sam"):
        assert main(["--db", db, "show", str(office.post_id("p1"))]) == 0
        human = capsys.readouterr().out
        assert f"boat_crossing  by bob ({origin})" in human
        assert f"tag boat_crossing  by bob ({origin})" in human
        assert main(["--db", db, "show", str(office.post_id("p1")), "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["decisions"][0]["by"] == f"bob ({origin})"


def test_the_preview_names_the_author_of_synced_decisions(office, qtbot):
    office, laptop = office
    pane = PreviewPane(office.store)
    qtbot.addWidget(pane)
    pane.show_post(office.post_id("p1"))
    assert "tag boat_crossing by bob (from store" in pane.source.text()
    pane.show_post(office.post_id("p2"))
    assert "from store" not in pane.source.text()  # local work needs no origin line
