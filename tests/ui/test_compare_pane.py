"""The compare pane: pinning and comparing, word-by-word highlights, pivots, tagging a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QTextDocument
from PySide6.QtWidgets import QMessageBox

from tests.ui.post_samples import ARABIC_AD, ARABIC_REPOST, import_samples
from triage_app.store.decisions import batch_decisions, current_tags, undo_batch
from triage_app.ui.compare_pane import ComparePane
from triage_app.ui.text_render import CHANGED_COLOUR, LRM


@pytest.fixture
def sample(make_store, tmp_path: Path):
    store = make_store()
    ids = import_samples(store, tmp_path / "export")
    return store, ids


@pytest.fixture
def pane(qtbot, sample) -> ComparePane:
    store, _ = sample
    widget = ComparePane(store)
    qtbot.addWidget(widget)
    widget.resize(800, 800)
    return widget


def _highlighted(doc: QTextDocument) -> list[str]:
    """The runs of text drawn with the changed-word background, in order."""
    out: list[str] = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().background().color() == QColor(CHANGED_COLOUR):
                out.append(frag.text().replace(LRM, "").replace("\xa0", " "))
            it += 1
        block = block.next()
    return out


def _plain(doc: QTextDocument) -> str:
    return doc.toPlainText().replace(LRM, "")


def test_pinning_and_comparing_two_posts_shows_both_and_highlights_changes(pane, sample) -> None:
    _, ids = sample
    assert pane.objectName() == "comparePane" and pane.accessibleName()
    pane.set_current(ids["fb-1"])
    pane.pin()
    pane.set_current(ids["fb-5"])  # moving on: the pinned post stays on the left
    pane.set_current(ids["x-2"])
    assert (pane.left_id, pane.right_id) == (ids["fb-1"], ids["x-2"])
    assert pane.left_title.text().startswith(f"<b>Pinned</b> #{ids['fb-1']}")
    assert pane.right_title.text().startswith(f"<b>Current</b> #{ids['x-2']}")
    assert _plain(pane.left_text.document()) == ARABIC_AD
    assert _plain(pane.right_text.document()) == ARABIC_REPOST
    # Only the price and the end of the phone number changed.
    assert _highlighted(pane.left_text.document()) == ["2500", "111 22 33"]
    assert _highlighted(pane.right_text.document()) == ["1800", "999 88 77"]
    assert "2 changes highlighted" in pane.diff_summary.text()
    assert pane.pin_button.isChecked() and pane.pin_button.text() == "Unpin"


def test_following_shows_the_nearest_duplicate_and_p_toggles(pane, sample) -> None:
    _, ids = sample
    pane.set_current(ids["x-2"])
    assert (pane.left_id, pane.right_id) == (ids["x-2"], ids["fb-1"])
    assert "Nearest duplicate" in pane.right_title.text()
    pane.set_current(ids["fb-5"])  # an unrelated post has no duplicate
    assert pane.right_id is None and "No near-duplicate" in pane.right_title.text()
    assert _highlighted(pane.left_text.document()) == []
    pane.set_current(ids["fb-1"])
    pane.toggle_pin()
    assert pane.pinned == ids["fb-1"]
    pane.toggle_pin()  # P on the pinned post unpins it
    assert pane.pinned is None and not pane.pin_button.isChecked()


def test_each_pivot_lists_the_right_posts(pane, sample) -> None:
    _, ids = sample
    pane.set_current(ids["fb-1"])
    keys = pane.pivot_keys()
    assert keys[:2] == ["near", "account"]
    assert "indicator:phone:+905321112233" in keys
    pane.select_pivot("near")
    assert pane.listed_ids() == [ids["x-2"]]
    assert "% alike" in pane.pivot_list.item(0).text()
    pane.select_pivot("account")
    assert pane.listed_ids() == [ids["fb-4"]]
    pane.select_pivot("indicators")
    assert pane.listed_ids() == [ids["tg-3"]]
    assert "shares phone +905321112233" in pane.pivot_list.item(0).text()
    pane.select_pivot("indicator:phone:+905321112233")
    assert pane.listed_ids() == [ids["tg-3"]]  # the same number on Telegram, another account
    assert pane.pivot_list.item(0).text().startswith(f"#{ids['tg-3']} · telegram · @docs_fast")
    # The Kurdish advert's telegram link is in no other post.
    pane.set_current(ids["tt-6"])
    assert "indicator:messaging:telegram:@safe_trip_krd" in pane.pivot_keys()
    pane.select_pivot("indicator:messaging:telegram:@safe_trip_krd")
    assert pane.listed_ids() == []
    assert not pane.filter_button.isEnabled()


def test_pivot_opens_as_a_queue_filter(pane, sample, qtbot) -> None:
    _, ids = sample
    pane.set_current(ids["fb-1"])
    pane.select_pivot("indicator:phone:+905321112233")
    with qtbot.waitSignal(pane.openAsFilter) as signal:
        pane.filter_button.click()
    assert signal.args == [sorted([ids["fb-1"], ids["tg-3"]]), "Same phone number +905321112233"]
    pane.select_pivot("near")
    with qtbot.waitSignal(pane.openAsFilter) as signal:
        pane.filter_button.click()
    assert signal.args == [sorted([ids["fb-1"], ids["x-2"]]), f"Near-duplicates of #{ids['fb-1']}"]


def test_picking_a_row_compares_with_it(pane, sample) -> None:
    _, ids = sample
    pane.set_current(ids["fb-1"])
    pane.select_pivot("account")
    pane.pivot_list.setCurrentRow(0)
    assert (pane.left_id, pane.right_id) == (ids["fb-1"], ids["fb-4"])
    assert "Picked" in pane.right_title.text()
    pane.set_current(ids["fb-1"])  # moving (even to the same post) drops the pick
    assert pane.right_id == ids["x-2"]


def test_tagging_a_cluster_is_one_undoable_action(pane, sample, qtbot, monkeypatch) -> None:
    store, ids = sample
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    pane.set_current(ids["x-2"])
    assert pane.tag_button.isEnabled() and "2 posts" in pane.tag_button.text()
    action = next(
        a for a in pane.tag_menu.actions() if a.objectName() == "tagCluster_boat_crossing"
    )
    with qtbot.waitSignal(pane.clusterTagged) as signal:
        action.trigger()
    batch, tagged, tag = signal.args
    assert sorted(tagged) == sorted([ids["fb-1"], ids["x-2"]]) and tag == "boat_crossing"
    for pid in (ids["fb-1"], ids["x-2"]):
        assert current_tags(store, pid) == ["boat_crossing"]
    assert current_tags(store, ids["fb-5"]) == []
    events = batch_decisions(store, batch)
    assert sorted(e.post_id for e in events) == sorted(tagged)
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'tag'") == 1
    undo_batch(store, batch)
    for pid in (ids["fb-1"], ids["x-2"]):
        assert current_tags(store, pid) == []
        assert store.scalar("SELECT status FROM posts WHERE id = ?", (pid,)) == "new"


def test_declined_or_refused_cluster_tagging_changes_nothing(pane, sample, monkeypatch) -> None:
    store, ids = sample
    pane.set_current(ids["fb-1"])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert pane.confirm_tag_cluster("boat_crossing") is None
    assert current_tags(store, ids["fb-1"]) == []
    with store.transaction() as conn:
        conn.execute("UPDATE posts SET status = 'referred' WHERE id = ?", (ids["x-2"],))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert pane.confirm_tag_cluster("boat_crossing") is None
    assert pane.status.text() == "A referred post cannot be re-tagged"
    assert current_tags(store, ids["fb-1"]) == [] and current_tags(store, ids["x-2"]) == []


def test_a_post_in_no_cluster_cannot_tag_a_cluster_and_nothing_selected(pane, sample) -> None:
    _, ids = sample
    pane.set_current(ids["fb-5"])
    assert not pane.tag_button.isEnabled()
    assert pane.tag_cluster("boat_crossing") is None
    pane.set_current(None)
    assert pane.listed_ids() == [] and pane.left_id is None and pane.right_id is None
    assert not pane.filter_button.isEnabled() and not pane.pin_button.isEnabled()


def test_a_store_that_cannot_answer_a_pivot_is_said_in_one_line(pane, sample, monkeypatch) -> None:
    """A look-up the store cannot answer now (here the error a team server's lock timeout
    raises through the adapter: the SQLite driver's OperationalError) is said in the pane's
    status line; nothing escapes into the event loop and the pane keeps working."""
    from triage_app.store import pivots
    from triage_app.store.connection import sqlite

    _, ids = sample

    def locked(*_args: object, **_kwargs: object) -> object:
        raise sqlite.OperationalError("canceling statement due to lock timeout\nLINE 1: SELECT")

    monkeypatch.setattr(pivots, "near_duplicates", locked)
    pane.set_current(ids["fb-1"])
    pane.select_pivot("near")
    assert pane.listed_ids() == []
    assert pane.status.text() == (
        "The store could not answer this look-up: canceling statement due to lock timeout"
    )
    monkeypatch.undo()
    pane.set_current(ids["x-2"])
    pane.select_pivot("near")
    assert pane.listed_ids() == [ids["fb-1"]]
