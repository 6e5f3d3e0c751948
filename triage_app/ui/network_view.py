"""The network view (View ▸ Network, Ctrl+7): the accounts behind a post and what links them.

With a post selected in the queue, Ctrl+7 opens the network of that post's account: the picture
(network_graph.py), beside it the list of the network's accounts (sortable) and the contact
points they share, under it the timeline of their posts with the takedowns marked. Filters by
platform and by date range narrow all four. Enter on an account (in the picture or the list)
shows its posts in the queue; Esc closes the view. With no post selected, the list of every
network comes first, to pick one from.

Everything is read from the store on the UI thread: a 500-account network is read, laid out and
drawn in well under a second (tests/perf/bench_networks.py measures it)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..store.connection import Store
from ..store.network_posts import NetworkPost, network_posts, network_takedowns
from .network_export import save_png, save_svg
from .network_graph import NetworkGraphView
from .network_layout import network_layout
from .network_lists import (
    ACCOUNT_HEADERS,
    ID_ROLE,
    NETWORK_HEADERS,
    SHARED_HEADERS,
    fill_accounts,
    fill_networks,
    fill_shared,
    legend_html,
    make_table,
    row_ids,
    select_id,
)
from .network_scene import account_name, relabel
from .network_timeline import NetworkTimeline
from .rows_model import report_problem

ALL_PLATFORMS = "All platforms"


def _day(posted_at: int) -> dt.date:
    return dt.datetime.fromtimestamp(posted_at, dt.UTC).date()


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(date: QDate) -> dt.date:
    return dt.date(date.year(), date.month(), date.day())


class NetworkView(QWidget):
    """The networks list and one network's picture, accounts, contact points and timeline.

    ``openInQueue(post_ids, label)`` asks the window to show those posts in the queue;
    ``closeRequested`` asks it to close this view (Esc)."""

    openInQueue = Signal(list, str)
    closeRequested = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setAccessibleName("Networks of accounts")
        self.store = store
        self.network: dict[str, Any] | None = None
        self.posts: list[NetworkPost] = []
        self._degree: dict[int, int] = {}
        self._takedowns: list[tuple[dt.date, str]] = []
        self._syncing = False
        self._listed = False
        self._split_done = False
        self.ask_path = self._ask_path  # tests answer the save question themselves

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(self._build_top())
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_overview())
        self.pages.addWidget(self._build_network_page())
        layout.addWidget(self.pages, 1)
        for keys, handler in (
            (("Backspace",), self.show_overview),
            (("F5",), self.refresh),
            (("Ctrl+Shift+P",), lambda: self.export("png")),
            (("Ctrl+Shift+G",), lambda: self.export("svg")),
        ):
            action = QAction(self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(handler)
            self.addAction(action)

    # -- building -----------------------------------------------------------------------------
    def _build_top(self) -> QHBoxLayout:
        top = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("networkTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.back_button = QPushButton("All networks  (Backspace)", self)
        self.back_button.setToolTip("The list of every network, to pick one")
        self.back_button.clicked.connect(self.show_overview)
        top.addWidget(self.back_button)
        self.platform_box = QComboBox(self)
        self.platform_box.setObjectName("networkPlatform")
        self.platform_box.setAccessibleName("Show the accounts of one platform")
        self.platform_box.setToolTip("Show only the accounts of one platform")
        self.platform_box.currentIndexChanged.connect(lambda _i: self.apply_filters())
        top.addWidget(self.platform_box)
        self.date_from = QDateEdit(self)
        self.date_to = QDateEdit(self)
        self._date_labels: list[QLabel] = []
        for edit, words in ((self.date_from, "From"), (self.date_to, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(f"{words} date of the posts shown")
            edit.setToolTip(f"{words}: only accounts with posts in the date range are shown")
            edit.dateChanged.connect(lambda _d: self.apply_filters())
            label = QLabel(words, self)
            label.setBuddy(edit)
            self._date_labels.append(label)
            top.addWidget(label)
            top.addWidget(edit)
        self.whole_button = QPushButton("Whole time", self)
        self.whole_button.setToolTip("Show the network's posts of every date")
        self.whole_button.clicked.connect(self.whole_time)
        top.addWidget(self.whole_button)
        self.png_button = QPushButton("PNG…", self)
        self.png_button.setToolTip("Save the network picture as PNG (Ctrl+Shift+P)")
        self.png_button.clicked.connect(lambda: self.export("png"))
        self.svg_button = QPushButton("SVG…", self)
        self.svg_button.setToolTip("Save the network picture as SVG (Ctrl+Shift+G)")
        self.svg_button.clicked.connect(lambda: self.export("svg"))
        top.addWidget(self.png_button)
        top.addWidget(self.svg_button)
        self._network_controls = (
            self.back_button,
            self.platform_box,
            self.date_from,
            self.date_to,
            *self._date_labels,
            self.whole_button,
            self.png_button,
            self.svg_button,
        )
        return top

    def _build_overview(self) -> QWidget:
        self.networks_table = make_table(
            "networksTable",
            "Every network: Enter opens the one selected",
            NETWORK_HEADERS,
            (1, Qt.SortOrder.DescendingOrder),  # largest first
        )
        for col, width in enumerate((70, 76, 56, 300, 260, 80)):
            self.networks_table.setColumnWidth(col, width)
        self.networks_table.doubleClicked.connect(lambda _i: self.open_selected_network())
        self.networks_table.installEventFilter(self)
        return self.networks_table

    def _build_network_page(self) -> QWidget:
        self.graph = NetworkGraphView(self)
        self.graph.currentChanged.connect(self._graph_current)
        self.graph.openRequested.connect(self.open_account)
        self.graph.closeRequested.connect(self.closeRequested.emit)
        self.legend = QLabel(legend_html(), self)
        self.legend.setObjectName("networkLegend")
        self.legend.setWordWrap(True)
        self.timeline = NetworkTimeline(self)

        picture = QWidget(self)
        picture_layout = QVBoxLayout(picture)
        picture_layout.setContentsMargins(0, 0, 0, 0)
        picture_layout.setSpacing(2)
        picture_layout.addWidget(self.graph, 1)
        picture_layout.addWidget(self.legend)
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(picture)
        left.addWidget(self.timeline)
        left.setStretchFactor(0, 4)
        left.setStretchFactor(1, 1)
        left.setChildrenCollapsible(False)

        self.accounts_table = make_table(
            "networkAccounts",
            "The network's accounts: Enter opens the selected account's posts in the queue",
            ACCOUNT_HEADERS,
            (0, Qt.SortOrder.AscendingOrder),
        )
        for col, width in enumerate((140, 70, 166, 46, 78, 46)):
            self.accounts_table.setColumnWidth(col, width)
        # The handle takes the width the numbers leave: every column stays in view.
        header = self.accounts_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.accounts_table.itemSelectionChanged.connect(self._table_current)
        self.accounts_table.doubleClicked.connect(lambda _i: self.open_account(self.current()))
        self.accounts_table.installEventFilter(self)
        self.shared_table = make_table(
            "networkShared",
            "Contact points the network's accounts share; selecting one marks its accounts",
            SHARED_HEADERS,
            (2, Qt.SortOrder.DescendingOrder),  # the most shared first
        )
        for col, width in enumerate((80, 190, 70)):
            self.shared_table.setColumnWidth(col, width)
        header = self.shared_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.shared_table.itemSelectionChanged.connect(self._shared_chosen)
        self.open_button = QPushButton("Open the account's posts in the queue  (Enter)", self)
        self.open_button.setObjectName("networkOpen")
        self.open_button.clicked.connect(lambda: self.open_account(self.current()))
        right = QSplitter(Qt.Orientation.Vertical, self)
        accounts_box = QWidget(self)
        accounts_layout = QVBoxLayout(accounts_box)
        accounts_layout.setContentsMargins(0, 0, 0, 0)
        accounts_layout.addWidget(self.accounts_table, 1)
        accounts_layout.addWidget(self.open_button)
        right.addWidget(accounts_box)
        right.addWidget(self.shared_table)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        return self.splitter

    def _size_splitter(self) -> None:
        """First showing: the lists get the room their columns need, the picture the rest."""
        if self._split_done or self.width() < 200:
            return
        self._split_done = True
        right = min(620, max(480, int(self.width() * 0.42)))
        self.splitter.setSizes([max(300, self.width() - right), right])

    # -- what is shown ------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        self._size_splitter()
        # Opened with nothing chosen (e.g. again after unlocking): the list of networks.
        if self.network is None and self.pages.currentIndex() == 0 and not self._listed:
            self.show_overview()
        super().showEvent(event)

    def set_store(self, store: Store) -> None:
        self.store = store
        self.refresh()

    def refresh(self) -> None:
        """Read again what is shown (F5)."""
        if self.network is not None and self.pages.currentIndex() == 1:
            self.show_account(int(self.network["account"]), keep_filters=True)
        else:
            self.show_overview()

    def show_overview(self) -> None:
        """Every network, largest first; Enter opens the selected one."""
        from ..store.networks import list_networks

        networks = list_networks(self.store)
        self._listed = True
        table = self.networks_table
        fill_networks(table, networks)
        if networks:
            table.selectRow(0)
        self.title.setText(
            f"{len(networks):,} network{'s' if len(networks) != 1 else ''} of linked accounts. "
            "Enter opens the one selected; a post's network opens from the queue with Ctrl+7."
            if networks
            else "No networks yet: no two accounts share a phone number, a messaging link, "
            "a payment or e-mail handle, a picture or a text."
        )
        for widget in self._network_controls:
            widget.setVisible(False)
        self.pages.setCurrentIndex(0)
        table.setFocus(Qt.FocusReason.OtherFocusReason)

    def shown_account(self) -> int | None:
        """The account whose network is shown (None on the list of networks)."""
        if self.network is None or self.pages.currentIndex() != 1:
            return None
        return int(self.network["account"])

    def open_selected_network(self) -> None:
        rows = self.networks_table.selectionModel().selectedRows()
        if rows:
            item = self.networks_table.item(rows[0].row(), 0)
            if item is not None:
                self.show_account(int(item.data(ID_ROLE)))

    def show_post(self, post_id: int | None) -> bool:
        """The network of ``post_id``'s account (the overview when there is no post or the post
        has no known account). True when a network is shown."""
        account = None
        if post_id is not None:
            account = self.store.scalar("SELECT account_id FROM posts WHERE id = ?", (post_id,))
        if account is None:
            self.show_overview()
            return False
        self.show_account(int(account))
        return True

    def show_account(self, account_id: int, *, keep_filters: bool = False) -> None:
        """Read, lay out and draw the network of ``account_id``, with that account selected."""
        from ..store.networks import account_network

        network = account_network(self.store, account_id)
        self.network = network
        ids = [int(a["id"]) for a in network["accounts"]]
        self.posts = network_posts(self.store, ids)
        names = {int(a["id"]): account_name(a) for a in network["accounts"]}
        self._takedowns = [
            (dt.date.fromisoformat(t.on_date), names.get(t.account_id, ""))
            for t in network_takedowns(self.store, ids)
        ]
        self._degree = defaultdict(int)
        for link in network["links"]:
            self._degree[int(link["a"])] += 1
            self._degree[int(link["b"])] += 1
        positions = network_layout(
            ids,
            [(int(k["a"]), int(k["b"]), float(k["weight"])) for k in network["links"]],
            {int(a["id"]): int(a["community"]) for a in network["accounts"]},
        )
        self.graph.show_network(network["accounts"], network["links"], positions)
        self._fill_filters(keep_filters)
        for widget in self._network_controls:
            widget.setVisible(True)
        self.pages.setCurrentIndex(1)
        self._size_splitter()
        self.apply_filters()
        self.graph.select_account(account_id)
        self.graph.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_filters(self, keep: bool) -> None:
        assert self.network is not None
        platform = self.platform_box.currentText() if keep else ALL_PLATFORMS
        dated = [p.posted_at for p in self.posts if p.posted_at is not None]
        days = [_day(t) for t in dated] + [d for d, _ in self._takedowns]
        first = min(days) if days else dt.date.today()
        last = max(days) if days else first
        old = (self.date_from.date(), self.date_to.date())
        self._syncing = True
        try:
            self.platform_box.clear()
            platforms = sorted({str(a["platform"]) for a in self.network["accounts"]})
            self.platform_box.addItems([ALL_PLATFORMS, *platforms])
            self.platform_box.setCurrentText(platform if platform in platforms else ALL_PLATFORMS)
            for edit in (self.date_from, self.date_to):
                edit.setDateRange(_qdate(first), _qdate(last))
            self._bounds = (first, last)
            if keep:
                self.date_from.setDate(max(old[0], _qdate(first)))
                self.date_to.setDate(min(old[1], _qdate(last)))
            else:
                self.date_from.setDate(_qdate(first))
                self.date_to.setDate(_qdate(last))
        finally:
            self._syncing = False

    def whole_time(self) -> None:
        first, last = getattr(self, "_bounds", (None, None))
        if first is None or last is None:
            return
        self._syncing = True
        self.date_from.setDate(_qdate(first))
        self.date_to.setDate(_qdate(last))
        self._syncing = False
        self.apply_filters()

    # -- filters ------------------------------------------------------------------------------
    def date_range(self) -> tuple[dt.date, dt.date] | None:
        """The dates chosen, or None when they cover the whole time (undated posts shown)."""
        first, last = getattr(self, "_bounds", (None, None))
        lo, hi = _pydate(self.date_from.date()), _pydate(self.date_to.date())
        if hi < lo:
            lo, hi = hi, lo
        if first is not None and lo <= first and last is not None and hi >= last:
            return None
        return lo, hi

    def posts_shown(self, account_id: int | None = None) -> list[NetworkPost]:
        """The network's posts (or one account's) inside the date range."""
        span = self.date_range()
        out = []
        for post in self.posts:
            if account_id is not None and post.account_id != account_id:
                continue
            if span is not None and (
                post.posted_at is None or not span[0] <= _day(post.posted_at) <= span[1]
            ):
                continue
            out.append(post)
        return out

    def apply_filters(self) -> None:
        """Show only the accounts of the chosen platform with posts in the date range, in the
        picture, the lists and the timeline."""
        if self._syncing or self.network is None:
            return
        platform = self.platform_box.currentText()
        posts = self.posts_shown()
        with_posts = {p.account_id for p in posts}
        span = self.date_range()
        shown = {
            int(a["id"])
            for a in self.network["accounts"]
            if (platform in ("", ALL_PLATFORMS) or a["platform"] == platform)
            and (span is None or int(a["id"]) in with_posts)
        }
        drawing = self.graph.drawing
        for account_id, node in drawing.nodes.items():
            node.setVisible(account_id in shown)
        for edge in drawing.edges:
            edge.setVisible(edge.a.account_id in shown and edge.b.account_id in shown)
        self.graph.relabel()
        current = self.graph.current
        self._fill_accounts(shown)
        self._fill_shared(shown)
        self._fill_timeline(shown, posts)
        self._say_title(shown)
        self.graph.order = self.account_order()
        if current is not None and current not in shown:
            self.graph.select_account(None)
        else:
            self._sync_table(current)

    def _fill_accounts(self, shown: set[int]) -> None:
        assert self.network is not None
        self._syncing = True
        accounts = [a for a in self.network["accounts"] if int(a["id"]) in shown]
        fill_accounts(self.accounts_table, accounts, self._degree)
        self._syncing = False

    def _fill_shared(self, shown: set[int]) -> None:
        assert self.network is not None
        self._syncing = True
        self._holders = fill_shared(self.shared_table, self.network["links"], shown)
        self._syncing = False
        self._shared_chosen()

    def _fill_timeline(self, shown: set[int], posts: list[NetworkPost]) -> None:
        days = [
            (_day(p.posted_at), p.returning)
            for p in posts
            if p.account_id in shown and p.posted_at is not None
        ]
        undated = sum(1 for p in posts if p.account_id in shown and p.posted_at is None)
        span = self.date_range()
        names = {
            account_name(a)
            for a in (self.network or {}).get("accounts", [])
            if int(a["id"]) in shown
        }
        takedowns = [(d, who) for d, who in self._takedowns if who in names]
        first, last = span if span is not None else getattr(self, "_bounds", (None, None))
        self.timeline.set_data(days, takedowns, first, last, undated)

    def _say_title(self, shown: set[int]) -> None:
        assert self.network is not None
        accounts = self.network["accounts"]
        platforms: dict[str, int] = defaultdict(int)
        for a in accounts:
            platforms[str(a["platform"])] += 1
        down = sum(1 for a in accounts if a["status"] == "taken_down")
        back = sum(int(a["returning_posts"]) for a in accounts)
        text = (
            f"Network {self.network['id']}: {len(accounts):,} accounts ("
            + ", ".join(f"{p} {n}" for p, n in sorted(platforms.items(), key=lambda x: -x[1]))
            + f"), {len(self.network['links']):,} links; {down} taken down"
            + (f"; {back:,} returning posts" if back else "")
        )
        if len(accounts) == 1:
            text = (
                f"{account_name(accounts[0])} on {accounts[0]['platform']} shares no phone "
                "number, messaging link, handle, picture or text with any other account: "
                "it is in no network."
            )
        elif len(shown) != len(accounts):
            text += f". Showing {len(shown):,} (filtered)"
        self.title.setText(text)

    # -- the selected account -----------------------------------------------------------------
    def account_order(self) -> list[int]:
        """The accounts in the list's current (sorted) order: Tab's order in the picture."""
        return row_ids(self.accounts_table)

    def current(self) -> int | None:
        return self.graph.current

    def select_account(self, account_id: int | None) -> None:
        self.graph.select_account(account_id)

    def _graph_current(self, account_id: object) -> None:
        self._sync_table(account_id if isinstance(account_id, int) else None)
        self.open_button.setEnabled(account_id is not None)

    def _sync_table(self, account_id: int | None) -> None:
        self._syncing = True
        try:
            select_id(self.accounts_table, account_id)
        finally:
            self._syncing = False

    def _table_current(self) -> None:
        if self._syncing:
            return
        rows = self.accounts_table.selectionModel().selectedRows()
        if rows:
            item = self.accounts_table.item(rows[0].row(), 0)
            if item is not None:
                self.graph.select_account(int(item.data(ID_ROLE)))

    def _shared_chosen(self) -> None:
        if self._syncing:
            return
        rows = self.shared_table.selectionModel().selectedRows()
        chosen: set[int] = set()
        if rows:
            item = self.shared_table.item(rows[0].row(), 0)
            if item is not None:
                chosen = getattr(self, "_holders", {}).get(str(item.data(ID_ROLE)), set())
        for account_id, node in self.graph.drawing.nodes.items():
            if node.highlighted != (account_id in chosen):
                node.highlighted = account_id in chosen
                node.set_label_shown(node.show_label)  # a marked account shows its name
                node.update()

    def open_account(self, account_id: int | None) -> bool:
        """Ask the window to show this account's posts (in the date range) in the queue."""
        if account_id is None or self.network is None:
            return False
        account = next((a for a in self.network["accounts"] if int(a["id"]) == account_id), None)
        if account is None:
            return False
        ids = [p.post_id for p in self.posts_shown(account_id)]
        if not ids:
            self.title.setText(f"{account_name(account)} has no posts in this date range.")
            return False
        span = self.date_range()
        label = f"posts of {account_name(account)} on {account['platform']}" + (
            f", {span[0]} to {span[1]}" if span is not None else ""
        )
        self.openInQueue.emit(ids, label + f" (network {self.network['id']})")
        return True

    # -- keys in the lists --------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            event.accept()  # ours here, not the window's "back to the queue"
            return True
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if watched is self.networks_table:
                    self.open_selected_network()
                else:
                    self.open_account(self.current())
                return True
            if key == Qt.Key.Key_Escape:
                self.closeRequested.emit()
                return True
        return super().eventFilter(watched, event)

    # -- export -------------------------------------------------------------------------------
    def _ask_path(self, suggested: str, filters: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the network picture", suggested, filters)
        return path or None

    def export(self, kind: str) -> Path | None:
        """Ask where, then save the picture as PNG or SVG (0600). Returns the file written."""
        if self.network is None or self.pages.currentIndex() != 1:
            return None
        suggested = f"network-{self.network['id']}.{kind}"
        filters = "PNG pictures (*.png)" if kind == "png" else "SVG pictures (*.svg)"
        answer = self.ask_path(suggested, filters)
        if not answer:
            return None
        path = Path(answer if answer.lower().endswith(f".{kind}") else f"{answer}.{kind}")
        relabel(self.graph.drawing, 1.0)  # the labels that fit at the picture's own scale
        try:
            if kind == "png":
                save_png(self.graph.scene(), path)
            else:
                save_svg(self.graph.scene(), path, f"Network {self.network['id']}")
        except TriageError as exc:
            report_problem(self, exc, "Cannot save")
            return None
        finally:
            self.graph.relabel()
        self.title.setText(f"Saved the picture of network {self.network['id']} to {path}")
        return path
