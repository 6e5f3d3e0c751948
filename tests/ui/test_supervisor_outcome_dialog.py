"""Recording an outcome from the window: history shown, supervisors only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate

from triage_app.store import open_store
from triage_app.store.demo_history import add_posts
from triage_app.store.outcomes import outcome_history, record_outcome
from triage_app.store.users import add_user
from triage_app.ui import errors
from triage_app.ui.outcome_dialog import OutcomeDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def referred(make_store):
    store = make_store(user="sue")
    add_user(store, "ana", "analyst")
    post = add_posts(store, 1)[0]
    account = store.scalar("SELECT account_id FROM posts WHERE id = ?", (post,))
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r', 'x', '[]', ?, 'p.age', 'sue', "
            "'2025-03-05T00:00:00Z', 1)",
            ("0" * 64,),
        )
        conn.execute("INSERT INTO referral_items VALUES (?,?,?)", (cur.lastrowid, post, account))
    return store, account


def test_records_an_outcome_and_shows_the_history(qtbot, referred):
    store, account = referred
    record_outcome(store, account, "still-live", "2025-03-06")
    dialog = OutcomeDialog(store, account)
    qtbot.addWidget(dialog)
    assert "first referred on 2025-03-05" in dialog.info.text()
    assert dialog.history.item(0).text() == "2025-03-06  still live  (sue)"
    dialog.date.setDate(QDate(2025, 4, 2))
    dialog.note.setText("ticket 4411")
    assert dialog.save()
    assert [(o.outcome, o.on_date, o.note) for o in outcome_history(store, account)] == [
        ("still_live", "2025-03-06", None),
        ("taken_down", "2025-04-02", "ticket 4411"),
    ]
    assert dialog.history.item(1).text() == "2025-04-02  taken down  (sue): ticket 4411"


def test_a_date_before_the_referral_is_refused_with_a_message(qtbot, referred, monkeypatch):
    store, account = referred
    shown: list[str] = []
    monkeypatch.setattr(errors, "show_problem", lambda p, t, text: shown.append(text))
    dialog = OutcomeDialog(store, account)
    qtbot.addWidget(dialog)
    dialog.date.setDate(QDate(2025, 3, 1))
    assert not dialog.save()
    assert shown and "first referred on 2025-03-05" in shown[0]
    assert outcome_history(store, account) == []


def test_an_analyst_cannot_save(qtbot, referred):
    store, account = referred
    dialog = OutcomeDialog(open_store(store.path, user="ana"), account)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QDialogButtonBox

    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    assert "needs the supervisor role; ana is analyst" in dialog.notice.text()
