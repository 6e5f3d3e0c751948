"""The window's newer pieces driven like a person: statistics computed on the worker, the blind
review tab, Record outcome…, the wellbeing setting, supervisor reviews and the audit-chain
check from the menu, and the M and P keys.

Actions are triggered through their QAction (as the key binding would); one test presses real
keys to show M reveals media from the queue but not while typing a search."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.ui.post_samples import import_samples
from triage_app.store import blind_review, open_store
from triage_app.store.decisions import apply_tags
from triage_app.store.four_eyes import set_self_approval
from triage_app.store.outcomes import outcome_history
from triage_app.store.queue import QueueQuery
from triage_app.store.users import add_user
from triage_app.ui.actions import ActionId
from triage_app.ui.audit_view import AuditView
from triage_app.ui.blind_review_view import BlindReviewView
from triage_app.ui.settings import WindowSettings
from triage_app.ui.stats_view import StatsView
from triage_app.ui.supervisor_view import SupervisorView
from triage_app.ui.tasks import TaskRunner

# The offscreen platform says this for every top-level window with a layout; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _tab_titles(w) -> list[str]:
    return [w.tabs.tabText(i) for i in range(w.tabs.count())]


# -- 1. statistics off the UI thread -----------------------------------------------------------
def test_statistics_are_computed_on_the_worker(demo_store, make_window, qtbot, monkeypatch):
    from triage_app.ui import stats_view

    threads: list[str] = []
    real = stats_view.compute_stats

    def spy(store, **kwargs):
        threads.append(threading.current_thread().name)
        return real(store, **kwargs)

    monkeypatch.setattr(stats_view, "compute_stats", spy)
    w = make_window(demo_store, runner=TaskRunner())
    w.actions_by_id[ActionId.STATS_VIEW].trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, StatsView) and view.runner is w.runner
    qtbot.waitUntil(lambda: bool(view.stats), timeout=60000)  # a loaded CI machine is slow
    assert threads == ["triage-worker"]  # never the UI thread
    assert threading.current_thread() is threading.main_thread()
    assert view.headline.text() and view.summary.text() != "Computing the figures…"
    assert view.panels  # the charts are on screen


# -- 2. blind review tab, open to everyone ----------------------------------------------------
@pytest.fixture
def sampled(demo_store):
    """ana tagged three posts; alice (supervisor) sampled them for bob's blind review."""
    add_user(demo_store, "ana", "analyst")
    add_user(demo_store, "bob", "analyst")
    ids = [int(r[0]) for r in demo_store.execute("SELECT id FROM posts ORDER BY id LIMIT 3")]
    ana = open_store(demo_store.path, user="ana")
    apply_tags(ana, ids, add=["money_transfer"])
    ana.close()
    blind_review.sample(demo_store, "ana", 3, reviewer="bob", seed=1)
    return demo_store, ids


def test_an_analyst_answers_a_blind_review_in_its_tab(sampled, make_window, qtbot):
    store, ids = sampled
    bob = open_store(store.path, user="bob")
    w = make_window(bob)
    action = w.actions_by_id[ActionId.BLIND_REVIEW]
    assert action.isVisible() and action.isEnabled()  # not a supervisor-only action
    action.trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, BlindReviewView)
    assert _tab_titles(w) == ["Queue", "Blind review"]
    assert view.sampler.isHidden() and view.report.isHidden()  # an analyst only answers
    assert view.pending_model.rowCount() == 3
    item = view.current()
    assert item is not None and item.post_id in ids
    assert "money_transfer" not in view.text.toPlainText()  # first tags stay hidden
    qtbot.mouseClick(view.tags.buttons["boat_crossing"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.answer_button, Qt.MouseButton.LeftButton)
    assert view.reveal.text() == (
        f"Post {item.post_id}: the analyst tagged Money transfer; you tagged Small-boat "
        "crossing. You differ."
    )
    assert view.pending_model.rowCount() == 2
    assert len(blind_review.pending_items(bob)) == 2
    action.trigger()  # brought forward, not opened twice
    assert _tab_titles(w) == ["Queue", "Blind review"]
    w.close()
    bob.close()


def test_a_supervisor_sees_sampling_and_agreement_in_the_blind_review_tab(sampled, make_window):
    store, _ = sampled
    w = make_window(store)
    w.actions_by_id[ActionId.BLIND_REVIEW].trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, BlindReviewView)
    assert not view.sampler.isHidden() and not view.report.isHidden()
    assert "0 answered, 3 pending." in view.agreement_label.text()


# -- 3. Record outcome… ------------------------------------------------------------------------
def _refer(store, post_id: int) -> int:
    account = store.scalar("SELECT account_id FROM posts WHERE id = ?", (post_id,))
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r1', 'x', '[]', ?, 'p.age', 'alice', "
            "'2025-03-05T00:00:00Z', 1)",
            ("0" * 64,),
        )
        conn.execute("INSERT INTO referral_items VALUES (?,?,?)", (cur.lastrowid, post_id, account))
    return int(account)


def test_record_outcome_for_the_current_posts_account(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    post = w.current_post_id()
    account = _refer(demo_store, post)
    qtbot.waitUntil(lambda: w.preview.post_id == post)
    assert w.preview.detail["outcomes"] == []
    action = w.actions_by_id[ActionId.RECORD_OUTCOME]
    assert action.isVisible() and action in w.menus["Edit"].actions()
    action.trigger()
    dialog = w.outcome_dialog
    assert dialog.isVisible()
    assert dialog.account.id == account
    assert "first referred on 2025-03-05" in dialog.info.text()
    assert dialog.history.item(0).text() == "No outcome recorded yet"
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("taken_down"))
    dialog.note.setText("ticket 77")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert [(o.outcome, o.note) for o in outcome_history(demo_store, account)] == [
        ("taken_down", "ticket 77")
    ]
    # The preview is read again after the dialog closes.
    qtbot.waitUntil(lambda: len(w.preview.detail["outcomes"]) == 1)


def test_outcome_of_an_unreferred_account_cannot_be_saved(demo_store, make_window):
    w = make_window(demo_store)
    w.actions_by_id[ActionId.RECORD_OUTCOME].trigger()
    dialog = w.outcome_dialog
    assert "not referred yet" in dialog.info.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    dialog.reject()
    assert demo_store.scalar("SELECT count(*) FROM outcomes") == 0


def test_analysts_do_not_see_record_outcome(demo_store, make_window, problems):
    add_user(demo_store, "carol", "analyst")
    carol = open_store(demo_store.path, user="carol")
    w = make_window(carol)
    action = w.actions_by_id[ActionId.RECORD_OUTCOME]
    assert not action.isVisible() and not action.isEnabled()
    assert w.record_outcome() is None  # even when called directly
    assert problems[-1] == ("Outcome", "Outcomes are recorded by supervisors")
    w.close()
    carol.close()


# -- 4. wellbeing -----------------------------------------------------------------------------
def _settings_with(data_dir: Path, value: object) -> None:
    settings = WindowSettings(data_dir)
    settings._q.setValue("wellbeing/break_after_minutes", value)
    settings.sync()


def test_break_after_minutes_comes_from_the_settings_file(
    demo_store, make_window, isolated_data_dir, qtbot
):
    _settings_with(isolated_data_dir, 2)
    set_self_approval(demo_store, True)  # one person tags and approves below
    w = make_window(demo_store)
    assert w.wellbeing.break_after_minutes == 2
    now = [1000.0]
    w.wellbeing._clock = lambda: now[0]
    w.wellbeing._last = None
    w.apply_query(QueueQuery())
    # A move, a tag, a note and a supervisor approval each count as active reviewing time.
    steps = [
        lambda: w.actions_by_id[ActionId.NEXT_POST].trigger(),
        lambda: w.tag_actions["escalate"].trigger(),
        lambda: w.save_note("seen before"),
    ]
    for step in steps:
        step()
        now[0] += 30
    assert w.wellbeing.session_seconds == 60
    assert w.break_reminder.box is None  # 1 minute of 2: no suggestion yet
    w.tag_actions["boat_crossing"].trigger()  # tags the post and moves on: 90 s
    tagged = demo_store.scalar("SELECT post_id FROM post_tags WHERE tag = 'boat_crossing'")
    view = w.open_view(ActionId.SUPERVISOR_VIEW)
    view.select_posts([tagged])
    now[0] += 30
    view.review_actions["approve"].trigger()
    assert demo_store.scalar("SELECT status FROM posts WHERE id = ?", (tagged,)) == "approved"
    assert w.wellbeing.session_seconds >= 120
    box = w.break_reminder.box
    assert box is not None and box.isVisible()
    assert "You have been reviewing for 2 minutes" in box.text()
    box.accept()
    assert w.wellbeing.since_break_seconds == 0


@pytest.mark.parametrize("value", ["-5", "0", "soon", "nan"])
def test_a_bad_break_setting_falls_back_to_fifty_minutes(
    demo_store, make_window, isolated_data_dir, value
):
    _settings_with(isolated_data_dir, value)
    w = make_window(demo_store)
    assert w.wellbeing.break_after_minutes == 50


def test_break_setting_defaults_to_fifty_minutes(demo_store, make_window):
    w = make_window(demo_store)
    assert w.wellbeing.break_after_minutes == 50


# -- 5. supervisor reviews and the audit chain ------------------------------------------------
def test_an_approval_in_the_supervisor_tab_shows_in_the_queue(demo_store, make_window):
    set_self_approval(demo_store, True)  # a one-person team: alice tags and approves
    w = make_window(demo_store)
    w.apply_query(QueueQuery())
    post = w.model.post_id(4)
    w.select_row(4)
    w.tag_actions["fake_documents"].trigger()
    w.actions_by_id[ActionId.SUPERVISOR_VIEW].trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, SupervisorView)
    view.select_posts([post])
    view.review_actions["approve"].trigger()
    assert w.model.data(w.model.index(4, 6)).startswith("approved")


def test_verify_audit_chain_from_the_menu(demo_store, make_window, problems):
    w = make_window(demo_store)
    w.tag_actions["escalate"].trigger()
    action = w.actions_by_id[ActionId.VERIFY_AUDIT]
    assert action in w.menus["View"].actions()
    action.trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, AuditView)
    rows = demo_store.scalar("SELECT count(*) FROM audit")
    assert view.result.text() == f"Audit chain intact: {rows:,} rows checked."
    assert w.statusBar().currentMessage() == f"Audit chain intact: {rows:,} rows checked"
    assert problems == []
    with demo_store.transaction() as conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 2")
    w.actions_by_id[ActionId.QUEUE_TAB].trigger()
    action.trigger()
    assert w.tabs.currentWidget() is view  # the same tab, brought forward
    assert _tab_titles(w).count("Audit trail") == 1
    assert view.result.text().startswith("Audit chain broken at row 2")
    assert problems == [("Audit chain", view.result.text())]


# -- 6. M reveals media, P pins and unpins ----------------------------------------------------
@pytest.fixture
def media_window(make_store, make_window, tmp_path):
    store = make_store()
    ids = import_samples(store, tmp_path / "export")
    w = make_window(store)
    w.apply_query(QueueQuery())
    w.select_row(w.model.row_of(ids["fb-1"]))
    return w, ids


def test_m_reveals_and_conceals_the_current_posts_media(media_window, qtbot):
    w, ids = media_window
    qtbot.waitUntil(lambda: w.preview.post_id == ids["fb-1"])
    tiles = w.preview.media.tiles
    assert len(tiles) == 2 and not any(t.revealed for t in tiles)
    w.actions_by_id[ActionId.REVEAL_MEDIA].trigger()
    assert all(t.revealed for t in w.preview.media.tiles)
    assert not any(t.concealed_image() for t in w.preview.media.tiles)
    w.actions_by_id[ActionId.REVEAL_MEDIA].trigger()
    assert not any(t.revealed for t in w.preview.media.tiles)


def test_real_m_key_reveals_from_the_queue_but_not_while_searching(media_window, qtbot):
    w, ids = media_window
    w.focus_queue()
    qtbot.keyClick(w.view, Qt.Key.Key_M)
    assert w.preview.post_id == ids["fb-1"]
    assert all(t.revealed for t in w.preview.media.tiles)
    qtbot.keyClick(w.view, Qt.Key.Key_M)
    assert not any(t.revealed for t in w.preview.media.tiles)
    box = w.filter_bar.search
    box.setFocus()
    qtbot.keyClicks(box, "m")
    assert box.text() == "m"
    assert not any(t.revealed for t in w.preview.media.tiles)


def test_p_pins_the_current_post_and_p_on_it_unpins(media_window, qtbot):
    w, ids = media_window
    pin = w.actions_by_id[ActionId.PIN_COMPARE]
    # Straight after a move (the panes have not rendered yet) P pins the post now selected.
    w.select_row(w.model.row_of(ids["x-2"]))
    pin.trigger()
    assert w.compare.pinned == ids["x-2"]
    assert w.compare.pin_button.isChecked()
    w.select_row(w.model.row_of(ids["fb-1"]))
    qtbot.waitUntil(lambda: w.compare.current == ids["fb-1"])
    assert w.compare.pinned == ids["x-2"]  # following another post keeps the pin
    pin.trigger()  # P on another post pins that one instead
    assert w.compare.pinned == ids["fb-1"]
    pin.trigger()  # P on the pinned post unpins it
    assert w.compare.pinned is None and not w.compare.pin_button.isChecked()


def test_f5_refreshes_the_tab_in_front(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    refresh = w.actions_by_id[ActionId.REFRESH]
    w.actions_by_id[ActionId.AUDIT_VIEW].trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, AuditView)
    assert not refresh.isEnabled()  # the audit tab's own F5 takes the key
    before = view.model.rowCount()
    w.tag_actions["escalate"].trigger()  # one more audit row, not yet shown
    view.table.setFocus()
    qtbot.waitUntil(view.table.hasFocus)
    qtbot.keyClick(view.table, Qt.Key.Key_F5)
    assert view.model.rowCount() == before + 1
    w.actions_by_id[ActionId.QUEUE_TAB].trigger()
    assert refresh.isEnabled()
    w.actions_by_id[ActionId.LOCK].trigger()
    assert not refresh.isEnabled()
