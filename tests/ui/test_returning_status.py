"""Issue 18: the status bar counts returning posts (posts sharing a contact point with an account
already taken down), kept up to date after an import in the window, a tag and its undo; a click
shows the waiting ones as the queue. The store is built here: posts imported and the takedown
recorded through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_networks_cli import FIRST, SECOND, _write
from tests.store.test_networks import cli, take_down

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_status_bar_counts_returning_posts(make_store, make_window, qtbot, capsys, tmp_path):
    store = make_store(user="alice")
    cli(store, capsys, "import", str(_write(tmp_path / "first.jsonl", FIRST)), "--format", "jsonl")
    take_down(store, "boatman1", capsys)  # referred, then taken down on 1 March
    w = make_window(store)
    label = w.returning_label
    qtbot.waitUntil(lambda: "of 8 posts" in w.count_label.text())
    assert label.isHidden() and label.counts["posts"] == 0  # nothing came back yet

    second = _write(tmp_path / "second.jsonl", SECOND)  # boatman2: the same number, 5 March
    w.start_import([Path(second)])
    qtbot.waitUntil(lambda: label.isVisible(), timeout=20000)
    assert label.counts == {"posts": 1, "accounts": 1, "waiting": 1}
    assert "1 returning post (1 waiting)" in label.text()
    assert "1 account" in label.toolTip()
    returning = store.scalar("SELECT post_id FROM returning_posts")

    # Clicking shows the waiting returning posts as the queue.
    label.linkActivated.emit("waiting")
    assert [w.model.post_id(r) for r in range(w.model.rowCount())] == [returning]
    w.select_row(0)
    # The reason it came back is written above the post, not only in the priority tooltip.
    qtbot.waitUntil(lambda: "returning: shares" in w.preview.header.text())
    assert "with @boatman1 on telegram, taken down 2026-03-01" in w.preview.header.text()
    tag = next(iter(store.taxonomy))
    assert w.tag_current_and_advance(tag)
    # Counted a moment after the key (returning_label.py), not on the key's path.
    assert label.counts["waiting"] == 1
    qtbot.waitUntil(lambda: label.counts["waiting"] == 0)
    assert "(0 waiting)" in label.text()
    assert "<a" not in label.text()  # nothing left to click through to
    w.undo()
    qtbot.waitUntil(lambda: label.counts["waiting"] == 1)

    w.lock()
    assert label.isHidden() and label.text() == ""


def test_closing_right_after_a_tag_key_counts_nothing_on_the_closed_store(
    make_store, make_window, qtbot, capsys, tmp_path
):
    """The count after a tag key waits a moment (update_soon): a window closed within that
    moment must not count on the store it has just closed (an error in the event loop)."""
    store = make_store(user="alice")
    cli(store, capsys, "import", str(_write(tmp_path / "first.jsonl", FIRST)), "--format", "jsonl")
    w = make_window(store)
    qtbot.waitUntil(lambda: "of 8 posts" in w.count_label.text())
    w.select_row(0)
    label = w.returning_label
    counted: list[object] = []
    original = label.update_from
    label.update_from = lambda s: (counted.append(s), original(s))  # type: ignore[method-assign]
    assert w.tag_current_and_advance(next(iter(store.taxonomy)))
    w.close()
    qtbot.wait(label.SOON_MS + 150)
    assert counted == []  # no count was made after the window closed
