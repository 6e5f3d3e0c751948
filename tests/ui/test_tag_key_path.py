"""What a tag key sets off after the decision is committed (the path the benchmark times):
the queue shows the move first, the preview paints the next post, then the compare pane; a
new post's layout stays inside its pane; the account card's counts follow new imports."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from triage_app.store.post_detail import post_brief, post_detail
from triage_app.ui.compare_pane import LIST_LIMIT
from triage_app.ui.layout_fence import LayoutFence, settle_layouts

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


class LayoutRequests(QObject):
    """Counts the layout requests that reach one widget."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def _window_with_label(qtbot, fenced: bool) -> tuple[QWidget, QLabel]:
    top = QWidget()
    qtbot.addWidget(top)
    splitter = QSplitter(top)
    pane = QWidget()
    label = QLabel("short", pane)
    label.setWordWrap(True)
    QVBoxLayout(pane).addWidget(label)
    splitter.addWidget(LayoutFence(pane) if fenced else pane)
    splitter.addWidget(QWidget())
    QVBoxLayout(top).addWidget(splitter)
    top.resize(500, 300)
    top.show()
    qtbot.waitExposed(top)
    return top, label


@pytest.mark.parametrize("fenced", [True, False])
def test_a_fence_keeps_a_pane_s_new_layout_from_the_window(qtbot, fenced) -> None:
    """Without the fence (the control) a label wrapping onto more lines relayouts the window."""
    top, label = _window_with_label(qtbot, fenced)
    qtbot.wait(20)  # the window's own first layout
    requests = LayoutRequests(top)
    for text in ("a much longer text " * 20, "short again", "three\nlines\nnow"):
        label.setText(text)
        settle_layouts()
        qtbot.wait(5)
    assert (requests.count == 0) is fenced
    assert label.isVisible() and label.width() > 0


def test_a_fence_fills_itself_with_its_widget_and_swaps_it(qtbot) -> None:
    first, second = QWidget(), QWidget()
    fence = LayoutFence(first)
    qtbot.addWidget(fence)
    fence.resize(300, 200)
    fence.show()
    assert first.geometry() == fence.rect()
    assert fence.set_widget(second) is first and fence.widget() is second
    assert second.geometry() == fence.rect() and not first.isVisible()
    fence.resize(320, 240)
    assert second.size().toTuple() == (320, 240)


def test_a_tag_key_paints_the_queue_then_the_preview_then_the_compare_pane(
    demo_store, make_window, qtbot
) -> None:
    w = make_window(demo_store)
    w.select_row(0)
    w.view.setFocus()
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    following = w.model.post_id(1)
    seen: list[tuple[str, int | None, int | None]] = []
    w.pane_schedule.previewShown.connect(
        lambda: seen.append(("preview", w.preview.post_id, w.compare.current))
    )
    w.pane_schedule.compareShown.connect(
        lambda: seen.append(("compare", w.preview.post_id, w.compare.current))
    )
    qtbot.keyClick(w.view, Qt.Key.Key_1)
    # The decision is in the store and the queue has moved before any pane has rendered.
    assert demo_store.scalar("SELECT status FROM posts WHERE id = ?", (w.model.post_id(0),)) == (
        "tagged"
    )
    assert w.current_post_id() == following and seen == []
    qtbot.waitUntil(lambda: len(seen) == 2)
    first_post = w.model.post_id(0)
    # The preview shows the next post while the compare pane still shows the one before.
    assert seen == [("preview", following, first_post), ("compare", following, following)]


def test_a_key_that_acts_on_the_panes_finishes_them_first(demo_store, make_window, qtbot):
    w = make_window(demo_store)
    w.select_row(0)
    qtbot.waitUntil(lambda: not w.pane_schedule.pending)
    w.select_row(5)
    assert w.pane_schedule.pending
    w.toggle_pin()  # P, pressed before the event loop had a turn
    assert not w.pane_schedule.pending
    assert w.preview.post_id == w.model.post_id(5) and w.compare.pinned == w.model.post_id(5)


def test_the_pivot_list_shows_its_first_rows_and_says_there_are_more(
    demo_store, make_window, qtbot
) -> None:
    w = make_window(demo_store)
    account, posts = demo_store.execute(
        "SELECT account_id, count(*) FROM posts GROUP BY account_id ORDER BY 2 DESC LIMIT 1"
    ).fetchone()
    assert posts > LIST_LIMIT + 1
    post = demo_store.scalar("SELECT min(id) FROM posts WHERE account_id = ?", (account,))
    w.compare.set_current(post)
    w.compare.select_pivot("account")
    assert len(w.compare.listed_ids()) == LIST_LIMIT
    last = w.compare.pivot_list.item(w.compare.pivot_list.count() - 1)
    assert last.text().startswith(f"Only the first {LIST_LIMIT} are listed")
    assert not last.flags() & Qt.ItemFlag.ItemIsSelectable


def test_the_compare_pane_s_brief_agrees_with_the_full_detail(demo_store) -> None:
    for post in (1, 2, 777):
        brief, full = post_brief(demo_store, post), post_detail(demo_store, post)
        for key in ("id", "platform", "posted_at", "status", "text", "indicators"):
            assert brief[key] == full[key], key
        assert brief["account"]["handle"] == full["account"]["handle"]


def test_the_account_card_counts_follow_tags_and_new_posts(demo_store) -> None:
    from triage_app.store.decisions import toggle_tag

    post = demo_store.scalar("SELECT min(id) FROM posts WHERE status = 'new'")
    account = demo_store.scalar("SELECT account_id FROM posts WHERE id = ?", (post,))
    before = post_detail(demo_store, post)["account"]
    toggle_tag(demo_store, [post], "boat_crossing")
    after_tag = post_detail(demo_store, post)["account"]
    assert after_tag["posts_tagged"] == before["posts_tagged"] + 1
    with demo_store.transaction() as conn:  # a post of the same account arrives
        cur = conn.execute("SELECT * FROM posts WHERE id = ?", (post,))
        row = cur.fetchone()
        names = [d[0] for d in cur.description]
        values = dict(zip(names, row, strict=True))
        values.update(uuid="new-post-uuid", platform_post_id="new-one", status="new")
        # a new id, from the store (and a server store's rowid, generated from it)
        names = [n for n in names if n not in ("id", "rowid")]
        marks = ",".join("?" * len(names))
        conn.execute(
            f"INSERT INTO posts({', '.join(names)}) VALUES ({marks})", [values[n] for n in names]
        )
    assert post_detail(demo_store, post)["account"]["posts_in_store"] == (
        before["posts_in_store"] + 1
    )
    assert demo_store.scalar("SELECT count(*) FROM posts WHERE account_id = ?", (account,)) == (
        before["posts_in_store"] + 1
    )


def _plan(store, sql: str) -> str:
    return " ".join(str(r[3]) for r in store.execute("EXPLAIN QUERY PLAN " + sql))


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
def test_the_account_counts_and_the_account_pivot_read_indexes_only(demo_store) -> None:
    """The decided-posts index serves the card's counts; the account index still gives the
    same-account pivot its newest posts without sorting them (the pivot stays ~1 ms)."""
    from triage_app.store import post_detail as detail

    counts = _plan(
        demo_store,
        "SELECT count(*) FROM posts WHERE account_id = 1 AND status <> 'new' "
        f"AND status IN {detail._TAGGED_STATUSES}",
    )
    assert "COVERING INDEX posts_account_decided" in counts
    newest = _plan(
        demo_store, "SELECT id FROM posts WHERE account_id = 1 AND id != 5 ORDER BY id DESC"
    )
    assert "posts_account " in newest + " " and "TEMP B-TREE" not in newest
