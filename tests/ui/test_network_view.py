"""The network view (issue 18): Ctrl+7 on a post opens its account's network; the accounts, what
links them, the contact points and the timeline agree with the store; Tab, arrows, Enter, Esc,
+/-/0 work with real key presses; platform and date filters narrow everything; Enter opens an
account's posts as a queue filter; PNG and SVG are written 0600 and are valid pictures; the list
of every network opens with no post; a 500-account network opens with a layout where no two
accounts overlap and no two labels drawn overlap."""

from __future__ import annotations

import itertools
import math
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage

from tests.cli.test_networks_cli import BOAT_SHOWN, FIRST, SECOND, _write
from tests.store.test_networks import cli, take_down
from tests.support.network_corpus import write_network_corpus
from triage_app.store.networks import account_network
from triage_app.ui.actions import ActionId, shortcut_rows
from triage_app.ui.network_layout import network_layout
from triage_app.ui.network_scene import NODE_SIZE
from triage_app.ui.network_view import NetworkView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def boats(make_store, capsys, tmp_path):
    """boatman1 (telegram, taken down 2026-03-01) and sea_travel (facebook) share a phone
    number; boatman2 (telegram) comes back with it on 2026-03-05 and is returning."""
    store = make_store(user="alice")
    cli(store, capsys, "import", str(_write(tmp_path / "a.jsonl", FIRST)), "--format", "jsonl")
    take_down(store, "boatman1", capsys)
    cli(store, capsys, "import", str(_write(tmp_path / "b.jsonl", SECOND)), "--format", "jsonl")
    return store


def account(store, handle: str) -> int:
    return int(store.scalar("SELECT id FROM accounts WHERE handle = ?", (handle,)))


def table_column(table, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def open_from_queue(window, store, qtbot, handle: str) -> NetworkView:
    post = int(
        store.scalar(
            "SELECT p.id FROM posts p JOIN accounts a ON a.id = p.account_id WHERE a.handle = ?",
            (handle,),
        )
    )
    window.select_row(window.model.row_of(post))
    window.actions_by_id[ActionId.NETWORK_VIEW].trigger()
    view = window.tabs.currentWidget()
    assert isinstance(view, NetworkView)
    qtbot.waitUntil(lambda: view.graph.isVisible())
    return view


def test_ctrl7_opens_the_network_of_the_posts_account(boats, make_window, qtbot):
    w = make_window(boats)
    # The returning post is at the top of the queue; its network is one key away.
    top = w.model.post_id(0)
    assert boats.scalar("SELECT count(*) FROM returning_posts WHERE post_id = ?", (top,)) == 1
    w.select_row(0)
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    view = w.tabs.currentWidget()
    assert isinstance(view, NetworkView)
    assert view.current() == account(boats, "boatman2")
    assert sorted(table_column(view.accounts_table, 0)) == ["@boatman1", "@boatman2", "@sea_travel"]
    statuses = dict(
        zip(table_column(view.accounts_table, 0), table_column(view.accounts_table, 2), strict=True)
    )
    assert statuses["@boatman1"] == "■ taken down 2026-03-01"
    assert statuses["@sea_travel"].startswith("● new")
    # Status by shape as well as colour; platform written inside each node.
    nodes = view.graph.drawing.nodes
    assert nodes[account(boats, "boatman1")].shape_path().elementCount() == 5  # square
    assert nodes[account(boats, "boatman2")].account["returning_posts"] == 1
    # Links say what they share and how strongly.
    texts = {e.text for e in view.graph.drawing.edges}
    assert f"phone {BOAT_SHOWN} · 1.00" in texts
    assert table_column(view.shared_table, 1)[0] == BOAT_SHOWN
    assert "Network N" in view.title.text() and "1 taken down" in view.title.text()
    # The timeline: the three posts, the returning one, and the takedown marked.
    assert sum(b.posts for b in view.timeline.buckets) == 3
    assert sum(b.returning for b in view.timeline.buckets) == 1
    assert [d.isoformat() for d, _who in view.timeline.takedowns] == ["2026-03-01"]
    # The key is in the window's key help.
    assert ("View", "Network of this account", "Ctrl+7") in [r[:3] for r in shortcut_rows([])]


def test_keys_move_between_accounts_open_their_posts_and_close(boats, make_window, qtbot):
    w = make_window(boats)
    view = open_from_queue(w, boats, qtbot, "boatman1")
    graph = view.graph
    graph.setFocus()
    order = view.account_order()
    assert view.current() == account(boats, "boatman1")
    start = order.index(view.current())
    qtbot.keyClick(graph, Qt.Key.Key_Tab)
    assert view.current() == order[(start + 1) % 3]
    qtbot.keyClick(graph, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert view.current() == order[start]
    # The list follows the picture.
    row = view.accounts_table.selectionModel().selectedRows()[0].row()
    assert view.accounts_table.item(row, 0).text() == "@boatman1"
    # An arrow goes to an account in that direction, when there is one.
    here = graph.centre_of(view.current())
    for key, sign in ((Qt.Key.Key_Right, 1), (Qt.Key.Key_Left, -1)):
        graph.select_account(account(boats, "boatman1"))
        others = [graph.centre_of(a).x() - here.x() for a in order if a != view.current()]
        qtbot.keyClick(graph, key)
        if any(sign * dx > 0 for dx in others):
            assert sign * (graph.centre_of(view.current()).x() - here.x()) > 0
    # Zoom in and out, then fit.
    graph.select_account(account(boats, "sea_travel"))
    scale = graph.transform().m11()
    qtbot.keyClick(graph, Qt.Key.Key_Plus)
    assert graph.transform().m11() == pytest.approx(scale * 1.25)
    qtbot.keyClick(graph, Qt.Key.Key_Minus)
    qtbot.keyClick(graph, Qt.Key.Key_Minus)
    assert graph.transform().m11() == pytest.approx(scale / 1.25)
    qtbot.keyClick(graph, Qt.Key.Key_0)
    assert graph.transform().m11() == pytest.approx(scale)
    # Enter: the queue shows that account's posts.
    qtbot.keyClick(graph, Qt.Key.Key_Return)
    assert w.tabs.currentIndex() == 0
    query = w.model.query
    sea = account(boats, "sea_travel")
    expected = [r[0] for r in boats.execute("SELECT id FROM posts WHERE account_id = ?", (sea,))]
    assert sorted(query.pivot) == sorted(expected)
    assert "posts of @sea_travel on facebook" in query.pivot_label
    assert [w.model.post_id(r) for r in range(w.model.rowCount())] == expected
    # Back to the network; Esc closes it and returns to the queue.
    w.tabs.setCurrentWidget(view)
    graph.setFocus()
    qtbot.keyClick(graph, Qt.Key.Key_Escape)
    assert w.tabs.currentIndex() == 0
    assert w.tabs.indexOf(view) == -1


def test_enter_in_the_accounts_list_opens_posts_too(boats, make_window, qtbot):
    w = make_window(boats)
    view = open_from_queue(w, boats, qtbot, "sea_travel")
    table = view.accounts_table
    row = table_column(table, 0).index("@boatman2")
    table.setFocus()
    table.selectRow(row)
    assert view.current() == account(boats, "boatman2")
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert w.tabs.currentIndex() == 0
    assert "@boatman2" in w.model.query.pivot_label


def test_sorting_the_list_sets_the_tab_order(boats, qtbot):
    view = NetworkView(boats)
    qtbot.addWidget(view)
    view.show_account(account(boats, "boatman1"))
    view.accounts_table.sortItems(0, Qt.SortOrder.DescendingOrder)
    view.apply_filters()
    names = table_column(view.accounts_table, 0)
    assert names == sorted(names, reverse=True)
    handles = {account(boats, h[1:]): h for h in names}
    assert [handles[a] for a in view.account_order()] == names


def test_platform_and_date_filters_narrow_everything(boats, qtbot):
    view = NetworkView(boats)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.show_account(account(boats, "boatman1"))
    nodes = view.graph.drawing.nodes
    view.platform_box.setCurrentText("facebook")
    assert table_column(view.accounts_table, 0) == ["@sea_travel"]
    assert [a for a, n in nodes.items() if n.isVisible()] == [account(boats, "sea_travel")]
    assert not any(e.isVisible() for e in view.graph.drawing.edges)
    assert view.shared_table.rowCount() == 0  # no link between the accounts shown
    assert sum(b.posts for b in view.timeline.buckets) == 1
    assert "Showing 1 (filtered)" in view.title.text()
    view.platform_box.setCurrentText("All platforms")
    assert view.accounts_table.rowCount() == 3
    # From March on: only the returning account posted.
    view.date_from.setDate(QDate(2026, 3, 1))
    assert table_column(view.accounts_table, 0) == ["@boatman2"]
    assert sum(b.posts for b in view.timeline.buckets) == 1
    assert view.timeline.unit == "day"
    # Tab moves only among the accounts shown.
    view.graph.select_account(account(boats, "boatman2"))
    view.graph.step(1)
    assert view.current() == account(boats, "boatman2")
    view.whole_time()
    assert view.accounts_table.rowCount() == 3 and view.date_range() is None


def test_choosing_a_contact_point_marks_its_accounts(boats, qtbot):
    view = NetworkView(boats)
    qtbot.addWidget(view)
    view.show_account(account(boats, "boatman1"))
    view.shared_table.selectRow(0)
    marked = {a for a, n in view.graph.drawing.nodes.items() if n.highlighted}
    assert marked == {account(boats, h) for h in ("boatman1", "sea_travel", "boatman2")}
    view.shared_table.clearSelection()
    assert not any(n.highlighted for n in view.graph.drawing.nodes.values())


def test_export_png_and_svg_are_private_and_valid(boats, qtbot, tmp_path: Path):
    view = NetworkView(boats)
    qtbot.addWidget(view)
    view.show_account(account(boats, "boatman1"))
    answers = iter([str(tmp_path / "net"), str(tmp_path / "net.svg")])
    view.ask_path = lambda _suggested, _filters: next(answers)
    png = view.export("png")
    svg = view.export("svg")
    assert png == tmp_path / "net.png" and svg == tmp_path / "net.svg"
    for path in (png, svg):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100 and image.height() > 50
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text(encoding="utf-8")
    assert "@boatman1" in text and "@sea_travel" in text and "Network N" in text
    assert not list(tmp_path.glob(".*partial*"))
    # An existing file of someone's wider mode is replaced by a 0600 one.
    png.chmod(0o644)
    view.ask_path = lambda _s, _f: str(png)
    assert view.export("png") == png
    assert stat.S_IMODE(png.stat().st_mode) == 0o600


def test_export_to_a_missing_folder_is_one_clear_problem(boats, qtbot, tmp_path, problems):
    view = NetworkView(boats)
    qtbot.addWidget(view)
    view.show_account(account(boats, "boatman1"))
    view.ask_path = lambda _s, _f: str(tmp_path / "nowhere" / "net.svg")
    assert view.export("svg") is None
    assert len(problems) == 1 and problems[0][1].startswith("Cannot write")


def test_with_no_post_the_list_of_networks_opens(boats, make_window, qtbot):
    w = make_window(boats)
    w.select_row(-1)
    w.actions_by_id[ActionId.NETWORK_VIEW].trigger()
    view = w.tabs.currentWidget()
    assert isinstance(view, NetworkView)
    assert view.pages.currentIndex() == 0
    sizes = table_column(view.networks_table, 1)
    assert sizes[0] == "3"  # the boat network first (largest)
    assert "networks of linked accounts" in view.title.text()
    view.networks_table.selectRow(0)
    view.networks_table.setFocus()
    qtbot.keyClick(view.networks_table, Qt.Key.Key_Return)
    assert view.pages.currentIndex() == 1
    assert view.accounts_table.rowCount() == 3
    qtbot.keyClick(view.graph, Qt.Key.Key_Backspace)
    assert view.pages.currentIndex() == 0


def test_layout_is_stable_and_groups_do_not_overlap() -> None:
    nodes = list(range(40))
    edges = [(i, i + 1, 1.0) for i in range(39) if i % 10 != 9] + [(9, 10, 0.6), (29, 30, 0.6)]
    groups = {n: n // 10 for n in nodes}
    first = network_layout(nodes, edges, groups)
    assert first == network_layout(nodes, edges, groups)
    assert set(first) == set(nodes)
    for a, b in itertools.combinations(nodes, 2):
        assert math.dist(first[a], first[b]) > NODE_SIZE / 2


def test_a_500_account_network_opens_readably(make_store, capsys, tmp_path, qtbot):
    store = make_store(user="alice")
    corpus = write_network_corpus(tmp_path / "net.jsonl", 500)
    cli(store, capsys, "import", str(corpus), "--format", "jsonl")
    first = account(store, "acct0000")
    assert len(account_network(store, first)["accounts"]) == 500
    view = NetworkView(store)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    view.show_account(first)
    nodes = view.graph.drawing.nodes
    assert len(nodes) == 500 and view.accounts_table.rowCount() == 500
    points = [(n.pos().x(), n.pos().y()) for n in nodes.values()]
    closest = min(math.dist(p, q) for p, q in itertools.combinations(points, 2))
    assert closest > NODE_SIZE  # no account drawn over another
    # Labels are written where they fit: never over one another, more when zoomed in.
    scale = view.graph.transform().m11()
    labelled = [n.tag.scene_rect(scale) for n in nodes.values() if n.tag.isVisible()]
    assert labelled and len(labelled) < 500
    assert not any(a.intersects(b) for a, b in itertools.combinations(labelled, 2))
    for _ in range(4):
        qtbot.keyClick(view.graph, Qt.Key.Key_Plus)
    assert sum(n.tag.isVisible() for n in nodes.values()) > len(labelled)
    assert sum(b.posts for b in view.timeline.buckets) == 500
    assert view.timeline.unit == "week"


def test_ctrl_wheel_zooms_and_esc_in_the_list_closes(boats, make_window, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    w = make_window(boats)
    view = open_from_queue(w, boats, qtbot, "boatman1")
    graph = view.graph
    scale = graph.transform().m11()
    centre = QPointF(graph.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(graph.viewport().mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(graph.viewport(), wheel)
    assert graph.transform().m11() == pytest.approx(scale * 1.25)
    view.accounts_table.setFocus()
    qtbot.keyClick(view.accounts_table, Qt.Key.Key_Escape)
    assert w.tabs.indexOf(view) == -1 and w.tabs.currentIndex() == 0


def test_the_same_network_comes_back_after_locking(boats, make_window, qtbot):
    from triage_app.store import open_store

    w = make_window(boats, opener=lambda _typed: open_store(boats.path, user="alice"))
    open_from_queue(w, boats, qtbot, "sea_travel")
    w.actions_by_id[ActionId.LOCK].trigger()
    assert w.locked and ActionId.NETWORK_VIEW not in w._views
    w.lock_screen.button.click()
    assert not w.locked
    view = w._views[ActionId.NETWORK_VIEW]
    assert isinstance(view, NetworkView) and w.tabs.currentWidget() is view
    assert view.shown_account() == account(w.store, "sea_travel")
    assert view.accounts_table.rowCount() == 3


def test_a_click_on_an_account_selects_it_in_the_list(boats, qtbot):
    view = NetworkView(boats)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    view.show_account(account(boats, "boatman1"))
    qtbot.wait(10)  # the fit that follows the first layout of the view
    target = account(boats, "sea_travel")
    where = view.graph.mapFromScene(view.graph.centre_of(target))
    qtbot.mouseClick(view.graph.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert view.current() == target
    row = view.accounts_table.selectionModel().selectedRows()[0].row()
    assert view.accounts_table.item(row, 0).text() == "@sea_travel"


def test_an_account_in_no_network_says_so(boats, qtbot):
    view = NetworkView(boats)
    qtbot.addWidget(view)
    view.show_account(account(boats, "weather1"))
    assert "@weather1 on telegram shares no phone number" in view.title.text()
    assert view.accounts_table.rowCount() == 1 and view.shared_table.rowCount() == 0
    assert len(view.graph.drawing.nodes) == 1 and not view.graph.drawing.edges
