"""The blind review view hides the first tags until the answer is in; wellbeing reminders."""

from __future__ import annotations

import pytest

from triage_app.store import open_store
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.users import add_user
from triage_app.ui.blind_review_view import BlindReviewView
from triage_app.ui.wellbeing import BreakReminder, WellbeingMonitor

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")
    add_user(s, "ana", "analyst")
    add_user(s, "bob", "analyst")
    ids = add_posts(s, 3)
    ana = open_store(s.path, user="ana")
    apply_tags(ana, ids[:2], add=["money_transfer"])
    apply_tags(ana, [ids[2]], add=["not_relevant"])
    return s


def test_sample_answer_and_reveal(qtbot, store):
    view = BlindReviewView(store)
    qtbot.addWidget(view)
    assert not view.sampler.isHidden()
    view.analyst.setCurrentText("ana")
    view.reviewer.setCurrentText("sue")
    view.sample_size.setValue(3)
    view.sample()
    assert view.pending_model.rowCount() == 3
    item = view.current()
    shown = view.text.toPlainText()
    assert "money_transfer" not in shown and "not_relevant" not in shown
    assert view.tags.checked() == []  # nothing pre-ticked from the first analyst
    view.tags.buttons["money_transfer"].click()
    assert view.tags.checked() == ["money_transfer"]
    view.answer()
    assert "the analyst tagged Money transfer; you tagged Money transfer. You agree." in (
        view.reveal.text()
    )
    assert view.pending_model.rowCount() == 2
    assert item.post_id not in [i.post_id for i in view.pending_model.rows]
    view.choose(["boat_crossing"])
    view.answer()
    view.choose(["not_relevant"])
    view.answer()
    assert view.pending_model.rowCount() == 0
    assert "ana</b>: 3 posts, identical tags on 2" in view.agreement_label.text()
    assert view.disagreement_model.rowCount() == 1
    row = [view.disagreement_model.index(0, c).data() for c in range(5)]
    assert row[2] == "Money transfer" and row[4] == "Small-boat crossing"


def test_an_analyst_sees_only_their_own_pending_answers(qtbot, store):
    from triage_app.store import blind_review

    blind_review.sample(store, "ana", 2, reviewer="bob", seed=1)
    view = BlindReviewView(open_store(store.path, user="bob"))
    qtbot.addWidget(view)
    assert view.sampler.isHidden() and view.report.isHidden()
    assert view.pending_model.rowCount() == 2


def test_wellbeing_counts_active_time_and_suggests_a_break_once():
    now = [0.0]
    monitor = WellbeingMonitor(1, break_minutes=5, idle_gap_seconds=30, clock=lambda: now[0])
    suggested: list[float] = []
    monitor.breakSuggested.connect(suggested.append)
    for _ in range(7):  # 7 actions 10 s apart: 60 s active
        monitor.activity()
        now[0] += 10
    assert monitor.session_seconds == 60 and suggested == [1.0]
    now[0] += 100  # away for 100 s: not counted, not a break
    monitor.activity()
    assert monitor.session_seconds == 60 and len(suggested) == 1
    now[0] += 400  # away for more than the break length: counts as a break
    monitor.activity()
    assert monitor.since_break_seconds == 0
    for _ in range(7):
        now[0] += 10
        monitor.activity()
    assert len(suggested) == 2
    assert monitor.summary() == "Reviewing 2 min this session"


def test_break_reminder_shows_a_message_and_ok_starts_a_new_stretch(qtbot):
    from PySide6.QtWidgets import QWidget

    host = QWidget()
    qtbot.addWidget(host)
    now = [0.0]
    monitor = WellbeingMonitor(2, clock=lambda: now[0])
    reminder = BreakReminder(monitor, host)
    for _ in range(12):
        monitor.activity()
        now[0] += 10
    assert reminder.box is None  # 110 s: not yet
    monitor.activity()
    assert reminder.box is not None and reminder.box.isVisible()
    assert reminder.box.text().startswith(
        "You have been reviewing for 2 minutes. Step away from the screen for 10 minutes"
    )
    reminder.box.accept()
    assert monitor.since_break_seconds == 0
