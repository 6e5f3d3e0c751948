"""Four eyes in the window: the supervisor view says when you tagged the selected post, refuses
approving it with one line, has a checkable self-approval switch (asks first, audited), and the
preview marks a self-approved post."""

from __future__ import annotations

import pytest

from tests.support.run_as import tag_as
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.four_eyes import self_approval_enabled
from triage_app.ui import errors
from triage_app.ui.preview_pane import PreviewPane
from triage_app.ui.supervisor_view import SupervisorView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def problems(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(errors, "show_problem", lambda parent, title, text: shown.append(text))
    return shown


@pytest.fixture
def store(make_store):
    s = make_store(user="sue")  # the supervisor
    ids = add_posts(s, 3, platform="x")
    tag_as(s, "ana", ids[:1], ["boat_crossing"])  # ana's post
    apply_tags(s, ids[1:], add=["boat_crossing"])  # sue's own
    return s


def status(store, post_id):
    return store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,))


def make_view(qtbot, store):
    view = SupervisorView(store)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    return view


def test_own_posts_are_flagged_and_refused_then_self_approval_marks_them(qtbot, store, problems):
    view = make_view(qtbot, store)
    view.select_posts([2])
    assert "You tagged this post: another supervisor must approve it" in (
        view.hint.text()
    )
    view.approve_selected()
    assert len(problems) == 1 and problems[0].startswith("Four eyes: post 2 was tagged by sue")
    assert status(store, 2) == "tagged"

    action = view.self_approval_action
    assert action.isCheckable() and action.isEnabled() and not action.isChecked()
    view.confirm = lambda title, question: False  # asked first: "no" changes nothing
    action.trigger()
    assert not action.isChecked() and not self_approval_enabled(store)
    view.confirm = lambda title, question: True
    action.trigger()
    assert action.isChecked() and self_approval_enabled(store)
    assert store.scalar("SELECT actor FROM audit WHERE action = 'self_approval'") == "sue"
    view.select_posts([2])
    assert "approving marks it self-approved" in view.hint.text()
    view.approve_selected()
    assert status(store, 2) == "approved" and len(problems) == 1
    assert "1 self-approved" in view.count_label.text()

    preview = PreviewPane(store)
    qtbot.addWidget(preview)
    preview.show_post(2)
    assert "self-approved: sue tagged and approved it" in preview.header.text()
    preview.show_post(1)
    assert "self-approved" not in preview.header.text()


def test_an_analyst_cannot_use_the_switch(qtbot, make_store):
    s = make_store(user="sue")
    add_posts(s, 1)
    from tests.support.run_as import colleague

    with colleague(s, "ana") as ana:
        view = make_view(qtbot, ana)
        assert not view.self_approval_action.isEnabled()
