"""The status bar's "N of M posts" (issue 16). M is count(*) of posts, which reads every post
on a team server (98 ms at 100,000 posts, ~1 s at a million): on the UI thread it blocked the
window after opening and after each import. It is counted on the worker, on its own
connection, and shown when it arrives; until then the bar says "N posts", never a stale M."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.store.keys_helpers import write_posts
from triage_app.ingest.pipeline import import_paths
from triage_app.store.decisions import apply_tags
from triage_app.ui.tasks import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

TOTAL = "count(*) FROM posts"


class WindowStatements:
    """The statements the window's own connection sends (not the worker's)."""

    def __init__(self, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[str] = []
        if store.backend == "postgresql":
            raw = store.conn.raw
            execute = psycopg.Cursor.execute

            def counted(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
                if cursor.connection is raw:
                    self.seen.append(str(query))
                return execute(cursor, query, params, **kwargs)

            monkeypatch.setattr(psycopg.Cursor, "execute", counted)
        else:
            store.conn.set_trace_callback(self.seen.append)

    def totals(self) -> list[str]:
        return [s for s in self.seen if TOTAL in s and "WHERE" not in s]


def _label(w: Any) -> str:
    return str(w.count_label.text())


def test_the_total_is_right_after_opening_importing_and_tagging(
    make_store, make_window, qtbot, tmp_path, monkeypatch
) -> None:
    store = make_store()
    import_paths(store, [write_posts(tmp_path / "a.jsonl", 12)], enrich=False)
    statements = WindowStatements(store, monkeypatch)
    w = make_window(store)
    qtbot.waitUntil(lambda: _label(w) == "12 of 12 posts")

    import_paths(store, [write_posts(tmp_path / "b.jsonl", 5, start=100)], enrich=False)
    w.refresh()
    assert _label(w) == "17 posts"  # the new total is on its way; the old one is not shown
    qtbot.waitUntil(lambda: _label(w) == "17 of 17 posts")

    apply_tags(store, [w.model.post_id(0)], add=["boat_crossing"])
    w.refresh()
    qtbot.waitUntil(lambda: _label(w) == "16 of 17 posts")
    # Every total came from the worker's connection: the window's never read all the posts.
    assert statements.totals() == []


def test_the_total_is_counted_off_the_window_thread(
    make_store, make_window, qtbot, tmp_path
) -> None:
    store = make_store()
    import_paths(store, [write_posts(tmp_path / "a.jsonl", 7)], enrich=False)
    runner = TaskRunner()
    w = make_window(store, runner=runner)
    qtbot.waitUntil(lambda: _label(w) == "7 of 7 posts", timeout=5000)


def test_a_count_from_before_a_lock_is_not_shown_after_it(
    make_store, make_window, qtbot, tmp_path
) -> None:
    store = make_store()
    import_paths(store, [write_posts(tmp_path / "a.jsonl", 3)], enrich=False)
    w = make_window(store)
    qtbot.waitUntil(lambda: _label(w) == "3 of 3 posts")
    w._total_job += 1  # as a newer count asked for meanwhile: this answer is not its own
    w._total = None
    w._total_counted((w._total_job - 1, 999))
    w._update_count()
    assert _label(w) == "3 posts"
