"""The smaller points of the supervisor's loop (issue 14): undo returns to the post it undid,
the status bar names tags by their labels, an import hidden by a pivot filter is said and the
filter offered to clear, the statistics follow a pack just built, the last view is each
person's own, and About shows the version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyrage import x25519

from triage_app import __version__
from triage_app.store import open_store
from triage_app.store.decisions import apply_tags, review
from triage_app.store.demo_history import add_posts
from triage_app.store.queue import QueueQuery
from triage_app.store.referrals import add_recipient
from triage_app.store.users import add_user
from triage_app.ui.actions import ActionId
from triage_app.ui.settings import WindowSettings
from triage_app.ui.stats_view import StatsView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_undo_returns_to_the_post_it_undid(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.apply_query(QueueQuery(status="new"))
    w.select_row(3)
    tagged = w.current_post_id()
    w.tag_actions["boat_crossing"].trigger()  # tags and moves on
    assert w.current_post_id() != tagged
    w.move_by(5)
    w.actions_by_id[ActionId.UNDO].trigger()
    assert w.current_post_id() == tagged
    assert demo_store.scalar("SELECT count(*) FROM post_tags WHERE post_id = ?", (tagged,)) == 0
    assert w.statusBar().currentMessage() == f"Undone: Small-boat crossing on post {tagged}"


def test_the_cluster_tag_message_uses_the_label(demo_store, make_window):
    w = make_window(demo_store)
    cluster = demo_store.scalar(
        "SELECT cluster_id FROM posts WHERE cluster_id IS NOT NULL GROUP BY cluster_id "
        "HAVING count(*) > 1 LIMIT 1"
    )
    post = demo_store.scalar("SELECT min(id) FROM posts WHERE cluster_id = ?", (cluster,))
    w.apply_query(QueueQuery())
    w.select_row(w.model.row_of(post))
    w.pane_schedule.finish()
    said: list[str] = []
    w.compare.message.connect(said.append)
    w.compare.tag_cluster("transport_offer")
    assert said and "“Transport offer”" in said[-1] and "transport_offer" not in said[-1]


def test_an_import_hidden_by_a_pivot_is_said_and_the_filter_offered_to_clear(
    demo_store, make_window, qtbot, tmp_path: Path
):
    w = make_window(demo_store)
    w.open_pivot([1, 2, 3], "Same phone +39 333 1234567")
    assert w.model.rowCount() == 3
    asked: list[str] = []
    w.confirm = lambda title, question: asked.append(question) is None
    record = {
        "platform": "x",
        "post_id": "990001",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "New crossing Friday",
    }
    data = tmp_path / "new.jsonl"
    data.write_text(json.dumps(record) + "\n")
    dialog = w.start_import([data])
    qtbot.waitUntil(lambda: dialog.is_finished and bool(asked), timeout=10000)
    assert asked and "1 new post was imported" in asked[0]
    assert "Same phone +39 333 1234567" in asked[0] and "Clear the filter" in asked[0]
    assert w.model.query.pivot is None  # cleared: the new post is in the queue
    new = demo_store.scalar("SELECT id FROM posts WHERE platform_post_id = '990001'")
    assert w.model.row_of(new) >= 0


def test_statistics_follow_a_pack_just_built(make_store, make_window, qtbot, tmp_path: Path):
    sue = make_store(user="sue")
    add_user(sue, "ana", "analyst")
    ana = open_store(sue.path, user="ana")
    ids = add_posts(sue, 3, platform="facebook")
    apply_tags(ana, ids, add=["boat_crossing"])
    ana.close()
    review(sue, ids, "approve")
    add_recipient(sue, "meta", str(x25519.Identity.generate().to_public()), "facebook")
    w = make_window(sue)
    stats = w.open_view(ActionId.STATS_VIEW)
    assert isinstance(stats, StatsView)
    qtbot.waitUntil(lambda: stats.headline.text() != "", timeout=5000)
    assert stats.headline.text() == "No referrals recorded yet"
    dialog = w.export_pack()
    dialog.platform_combo.setCurrentIndex(dialog.platform_combo.findData("facebook"))
    dialog.out_path.setText(str(tmp_path / "sent.age"))
    dialog.start()
    qtbot.waitUntil(lambda: getattr(dialog, "pack_result", None) is not None, timeout=20000)
    qtbot.waitUntil(lambda: stats.stats["referrals"]["accounts_referred"] >= 1, timeout=5000)
    assert stats.headline.text() != "No referrals recorded yet"


def test_the_last_view_is_each_persons_own(demo_store, make_window, isolated_data_dir):
    w = make_window(demo_store)  # alice
    w.apply_query(QueueQuery(status="approved"))
    w.close()
    settings = WindowSettings(isolated_data_dir)
    assert settings.last_view("alice") == QueueQuery(status="approved")
    assert settings.last_view("bob") is None
    add_user(demo_store, "bob", "analyst")
    bob = make_window(open_store(demo_store.path, user="bob"))
    assert bob.model.query.status == "new"  # bob's own first view, not alice's


def test_about_shows_the_version(demo_store, make_window):
    w = make_window(demo_store)
    assert w.about_text(__version__).startswith(f"Triage workstation {__version__}:")
