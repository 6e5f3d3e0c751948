"""Blind review in the window is one key like the queue (issue 14): 1–9, 0 and E toggle the
answer's tags, Enter records it; the default analyst and reviewer are two different people,
and a store with only one person says why sampling cannot start."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.users import add_user
from triage_app.ui.actions import ActionId
from triage_app.ui.blind_review_view import BlindReviewView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def blind_tab(window) -> BlindReviewView:
    window.actions_by_id[ActionId.BLIND_REVIEW].trigger()
    view = window.tabs.currentWidget()
    assert isinstance(view, BlindReviewView)
    return view


def test_defaults_are_two_people_and_keys_answer(make_store, make_window, qtbot, problems):
    from triage_app.store import open_store

    sue = make_store(user="sue")
    add_user(sue, "ana", "analyst")
    ana = open_store(sue.path, user="ana")
    ids = add_posts(sue, 3, platform="x")
    apply_tags(ana, ids, add=["boat_crossing"])
    ana.close()
    w = make_window(sue)
    view = blind_tab(w)
    assert (view.analyst.currentText(), view.reviewer.currentText()) == ("ana", "sue")
    view.reviewer.setCurrentText("ana")  # choosing the analyst as reviewer moves the analyst
    view._keep_apart(view.reviewer)
    assert view.analyst.currentText() != view.reviewer.currentText()
    view.analyst.setCurrentText("ana")
    view._keep_apart(view.analyst)
    assert view.reviewer.currentText() == "sue"
    view.sample_size.setValue(2)
    view.sample_button.click()
    assert problems == []
    assert view.pending_model.rowCount() == 2
    view.pending.setFocus()
    qtbot.keyClick(view.pending, Qt.Key.Key_1)
    qtbot.keyClick(view.pending, Qt.Key.Key_E)
    assert set(view.tags.checked()) == {"boat_crossing", "escalate"}
    qtbot.keyClick(view.pending, Qt.Key.Key_E)
    assert view.tags.checked() == ["boat_crossing"]
    qtbot.keyClick(view.pending, Qt.Key.Key_Return)
    assert view.pending_model.rowCount() == 1
    assert "You agree." in view.reveal.text()
    # The queue's tags did not change: the keys belonged to the blind review tab.
    assert sue.scalar("SELECT count(*) FROM post_tags WHERE tag = 'escalate'") == 0
    w.grab().save("/tmp/sup/blind.png")


def test_a_one_person_store_says_a_blind_review_needs_two(make_store, make_window):
    solo = make_store(user="sue")
    w = make_window(solo)
    view = blind_tab(w)
    assert not view.sample_button.isEnabled()
    assert "needs two people" in view.sampler_note.text()
