"""The main window: filter bar over the queue, the queue on the left, the preview and compare
panes side by side on the right with the tag bar and note field under them, and the status bar.

Menus and keys come from the action table (actions.py). Tag and note actions commit at once on
the UI thread (one short transaction each); imports run on the single worker (tasks.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..core.memory import give_big_blocks_back
from ..store.connection import DatabaseError, Store
from ..store.decisions import TagOutcome, current_tags, set_note, toggle_tag_outcome
from ..store.queue import QueueQuery, distinct_values
from . import errors
from .actions import MENU_ORDER, ActionId, make_action, tag_specs
from .audit_view import AuditView
from .blind_review_view import BlindReviewView
from .claims import ClaimKeeper
from .compare_pane import ComparePane
from .filter_bar import FilterBar, focus_search
from .fonts import install_emoji_fallback
from .layout_fence import LayoutFence, settle_layouts
from .live_updates import LiveUpdates
from .lock import IdleWatcher, LockScreen
from .network_view import NetworkView
from .note_field import NoteField
from .others_watch import OthersWatch
from .pane_area import PaneArea
from .pane_schedule import PaneSchedule
from .preview_ahead import PreviewAhead
from .preview_pane import PreviewPane
from .queue_model import COLUMNS, RTL_ROLE, TEXT_COLUMN, QueueModel
from .quiet_scrollbar import quiet_scrollbars
from .returned_view import ReturnedView
from .returning_label import ReturningLabel
from .screen_fit import fit_to_screen, keep_on_screen
from .settings import WindowSettings
from .stats_view import StatsView
from .supervisor_view import SupervisorView
from .tag_bar import TagBar
from .tasks import TaskContext, TaskRunner, on_own_connection, when_done
from .undo import UndoHistory
from .wal_checkpoint import WalCheckpointer
from .wal_sync import WalSyncer
from .wellbeing import BreakReminder, WellbeingMonitor
from .wording import window_wording

ROW_HEIGHT = 24
DEFAULT_WIDTHS = (58, 74, 104, 108, 236, 118, 80)
# On a small screen (1280x720, or 150 % of 1920x1080): the text column takes what is left, so
# that Tags and Status stay in view.
COMPACT_WIDTHS = (60, 70, 96, 104, 160, 90, 72)
PREFERRED_SIZE = (1600, 960)  # or the screen's available area, when that is smaller
PRESET_VIEWS: tuple[tuple[str, QueueQuery], ...] = (
    ("New posts", QueueQuery(status="new")),
    ("Tagged, awaiting review", QueueQuery(status="tagged")),
    ("Approved", QueueQuery(status="approved")),
    ("All posts", QueueQuery()),
    ("Only mine", QueueQuery(only_mine=True)),
)
# The views opened as tabs: (store, the window's worker) -> widget, tab title, supervisors only
VIEWS: dict[ActionId, tuple[Callable[[Store, TaskRunner], QWidget], str, bool]] = {
    ActionId.SUPERVISOR_VIEW: (lambda store, _r: SupervisorView(store), "Supervisor review", True),
    # Statistics read the whole store: computed on the worker so the window stays responsive.
    ActionId.STATS_VIEW: (lambda store, r: StatsView(store, runner=r), "Statistics", False),
    ActionId.AUDIT_VIEW: (lambda store, _r: AuditView(store), "Audit trail", False),
    ActionId.BLIND_REVIEW: (lambda store, _r: BlindReviewView(store), "Blind review", False),
    ActionId.RETURNED_VIEW: (lambda store, _r: ReturnedView(store), "Returned to me", False),
    ActionId.NETWORK_VIEW: (lambda store, _r: NetworkView(store), "Network", False),
}


class DirectionDelegate(QStyledItemDelegate):
    """Lays out a cell right to left when its text starts right to left (Arabic, Kurdish…)."""

    def initStyleOption(  # noqa: N802 (Qt name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.data(RTL_ROLE):
            option.direction = Qt.LayoutDirection.RightToLeft  # type: ignore[attr-defined]
            option.displayAlignment = (  # type: ignore[attr-defined]
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            )


def _show_in_pane(pane: QWidget, method: str, post_id: int | None) -> None:
    """Show ``post_id`` in ``pane`` (a placeholder while locked has no such method) and lay the
    pane out completely now, so that it is painted once, at its final size."""
    show = getattr(pane, method, None)
    if show is None:
        return
    show(post_id)
    settle_layouts()
    finish = getattr(pane, "finish_layout", None)
    if finish is not None:
        finish()


class MainWindow(QMainWindow):
    """The review window over one open store."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        runner: TaskRunner | None = None,
        settings: WindowSettings | None = None,
        opener: Callable[[str | None], Store] | None = None,
    ) -> None:
        super().__init__()
        give_big_blocks_back()  # ten-million-id arrays freed back to the system (core/memory.py)
        install_emoji_fallback()  # flags and boats in colour, not boxes (fonts.py)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Triage workstation")
        self.setAcceptDrops(True)
        self.store: Store | None = store
        self.store_path = Path(store.path)
        self.data_dir = data_dir
        self.runner = runner or TaskRunner()
        # Reads that must not wait behind an import on the runner's one worker (the rest of the
        # queue after its first rows): a second worker of the same kind (inline in tests).
        self.read_runner = type(self.runner)()
        self.checkpointer = WalCheckpointer(self.read_runner, self)  # off the tag key's path
        self.wal_sync = WalSyncer(self)  # the commit's fsync off the tag key's path too
        self.wal_sync.failed.connect(self._sync_failed)
        self.settings = settings or WindowSettings(data_dir)
        # How to re-open the store on unlock: passphrase ("" = none) -> Store
        self.opener = opener
        self.history = UndoHistory()
        self.claims = ClaimKeeper(self)
        # On a team server: colleagues' tags, verdicts and claims appear as they commit.
        self.live = LiveUpdates(self)
        self.live.changed.connect(self.others_changed)
        self.live.connection.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.locked = False
        # Tests replace this to answer "someone else holds this post — tag anyway?"
        self.confirm: Callable[[str, str], bool] = self._ask
        self._clipboard_text: str | None = None
        self._views: dict[ActionId, QWidget] = {}
        self._locked_network: int | None = None  # the network view's account, while locked
        self._return_after_load: int | None = None  # a post to go to once the list is read
        self.import_dialog: Any = None
        self.outcome_dialog: Any = None

        # The total count reads the whole posts table: done just after the window paints.
        self._total_timer = QTimer(self)
        self._total_timer.setSingleShot(True)
        self._total_timer.setInterval(0)
        self._total_timer.timeout.connect(self._update_total)
        self._total: int | None = None
        self._total_job = 0  # the latest count asked of the worker; older answers are dropped
        self._total_task: Any = None
        self._suggest_job = 0  # the latest suggestions asked of the worker (_suggest_later)
        self._suggest_task: Any = None
        self.pane_schedule = PaneSchedule(self, self._show_preview, self._show_compare)
        self.ahead: PreviewAhead | None = None  # made with the panes
        self._shown_ahead: int | None = None  # the post it showed, for the pane schedule
        # a pane made ahead and shown since: its explanation and counts are read again once idle
        self._explained_early: PreviewPane | None = None
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(0)
        self._prepare_timer.timeout.connect(self._prepare_next)
        self.pane_schedule.compareShown.connect(self._prepare_timer.start)
        self._build_widgets()
        self.actions_by_id: dict[ActionId, QAction] = {}
        self.tag_actions: dict[str, QAction] = {}
        self._build_actions()
        self.tabs.currentChanged.connect(self._tab_changed)
        self._build_status_bar()
        # Active reviewing time, and a gentle break suggestion after a long stretch.
        self.wellbeing = WellbeingMonitor(self.settings.break_after_minutes, parent=self)
        self.break_reminder = BreakReminder(self.wellbeing, self)
        self.idle = IdleWatcher(self.settings.idle_lock_minutes, self)
        self.idle.idle.connect(self.lock)
        self._restore_settings()
        self._attach_store(store, self.settings.last_view(store.user) or PRESET_VIEWS[0][1])
        self.idle.start()

    # -- building ---------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.model = QueueModel(None, self)
        self.model.set_runner(self.read_runner)  # the window answers keys while it is read
        # Another program's commits to a local store: said, and the queue's copy read again.
        self.others_watch = OthersWatch(self.model, self)
        self.others_watch.changed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.view = QTableView()
        self.view.setObjectName("queueView")
        self.view.setAccessibleName("Review queue")
        self.view.setModel(self.model)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        quiet_scrollbars(self.view)  # a tag key moves the queue one row: no repaint for that
        # the rows just past the screen are read again for where the person scrolled to (not
        # start(value): that would make the scroll position the timer's interval)
        self.view.verticalScrollBar().valueChanged.connect(lambda _: self._prepare_timer.start())
        vh = self.view.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # rows are never measured
        vh.setDefaultSectionSize(ROW_HEIGHT)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        hh.setHighlightSections(False)
        # The header shares the view's selection model by default and repaints itself (0.3 ms)
        # on every move of the current row, a tag key's too, though it highlights nothing: it
        # gets one of its own (clicking a header sorts; it never selected anything here).
        hh.setSelectionModel(QItemSelectionModel(self.model, hh))
        self._delegate = DirectionDelegate(self.view)
        self.view.setItemDelegateForColumn(TEXT_COLUMN, self._delegate)
        self.view.setSortingEnabled(False)
        hh.setSortIndicatorShown(True)
        hh.sortIndicatorChanged.connect(self._sort_changed)

        self.filter_bar = FilterBar()
        self.filter_bar.changed.connect(self.apply_query)
        self.model.completed.connect(self._update_count)
        self.model.completed.connect(self._select_after_load)
        self.model.readFailed.connect(lambda text: self.statusBar().showMessage(text, 8000))

        self.tag_bar = TagBar()
        self.tag_bar.tagClicked.connect(self.tag_current_and_advance)
        self.note = NoteField()
        self.note.saved.connect(self.save_note)
        self.note.left.connect(self.focus_queue)
        self.claim_banner = QLabel()
        self.claim_banner.setObjectName("claimBanner")
        self.claim_banner.setWordWrap(True)
        self.claim_banner.hide()
        self.claims.holderChanged.connect(self._show_holder)

        self.preview: QWidget = QWidget()  # replaced by the panes once a store is attached
        self.compare: QWidget = QWidget()
        # Each pane sits in a fence so that a new post's layout stays inside its pane; the two
        # are side by side on a wide window, tabs on a narrow one (pane_area.py).
        self._pane_fences = (LayoutFence(self.preview), LayoutFence(self.compare))
        self.panes = PaneArea(*self._pane_fences)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(4)
        right_layout.addWidget(self.claim_banner)
        right_layout.addWidget(self.panes, 1)
        right_layout.addWidget(self.tag_bar)
        right_layout.addWidget(self.note)

        # The review area holds the queue and the panes but not the search box: number and
        # letter keys are bound here (WidgetWithChildrenShortcut), so typing a search never tags.
        self.review = QSplitter(Qt.Orientation.Horizontal)
        self.review.setObjectName("reviewArea")
        self.review.addWidget(self.view)
        self.review.addWidget(right)
        self.review.setStretchFactor(0, 1)
        self.review.setStretchFactor(1, 1)
        self.review.setChildrenCollapsible(False)

        queue_page = QWidget()
        queue_page.setObjectName("queuePage")
        page_layout = QVBoxLayout(queue_page)
        page_layout.setContentsMargins(2, 2, 2, 2)
        page_layout.addWidget(self.filter_bar)
        page_layout.addWidget(self.review, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("viewTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)  # the queue alone needs no tab: its height goes to posts
        self.tabs.addTab(queue_page, "Queue")
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)

        self.lock_screen = LockScreen()
        self.lock_screen.unlockRequested.connect(self.unlock)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)

    def _handlers(self) -> dict[ActionId, Callable[[], object]]:
        return {
            ActionId.IMPORT: self.choose_import,
            ActionId.EXPORT_PACK: self.export_pack,
            ActionId.SYNC: self.open_sync,
            ActionId.ADDRESS_BOOK: self.open_address_book,
            ActionId.COPY_TEXT: self.copy_post_text,
            ActionId.LOCK: self.lock,
            ActionId.QUIT: self.close,
            ActionId.UNDO: self.undo,
            ActionId.REDO: self.redo,
            ActionId.FOCUS_SEARCH: lambda: focus_search(self.filter_bar),
            ActionId.FOCUS_NOTE: self.focus_note,
            ActionId.FOCUS_QUEUE: self.focus_queue,
            ActionId.NEXT_POST: lambda: self.move_by(1),
            ActionId.PREVIOUS_POST: lambda: self.move_by(-1),
            ActionId.PIN_COMPARE: self.toggle_pin,
            ActionId.REVEAL_MEDIA: self.toggle_media,
            ActionId.OPEN_PICTURE: self.open_picture,
            ActionId.RECORD_OUTCOME: self.record_outcome,
            ActionId.ADVANCE_AFTER_TAG: self._advance_toggled,
            ActionId.REFRESH: self.refresh,
            ActionId.CLEAR_FILTERS: lambda: self.apply_query(
                QueueQuery(sort=self.model.query.sort, descending=self.model.query.descending)
            ),
            ActionId.SAVE_VIEW: self.save_view,
            ActionId.SUPERVISOR_VIEW: lambda: self.open_view(ActionId.SUPERVISOR_VIEW),
            ActionId.STATS_VIEW: lambda: self.open_view(ActionId.STATS_VIEW),
            ActionId.AUDIT_VIEW: lambda: self.open_view(ActionId.AUDIT_VIEW),
            ActionId.BLIND_REVIEW: lambda: self.open_view(ActionId.BLIND_REVIEW),
            ActionId.RETURNED_VIEW: lambda: self.open_view(ActionId.RETURNED_VIEW),
            ActionId.NETWORK_VIEW: self.open_network,
            ActionId.VERIFY_AUDIT: self.verify_audit,
            ActionId.QUEUE_TAB: lambda: self.tabs.setCurrentIndex(0),
            ActionId.SHORTCUTS: self.show_shortcuts,
            ActionId.ABOUT: self.show_about,
        }

    def _build_actions(self) -> None:
        bar = self.menuBar()
        self.menus: dict[str, QMenu] = {}
        for name in MENU_ORDER:
            menu = bar.addMenu(f"&{name}")
            menu.setToolTipsVisible(True)
            self.menus[name] = menu
        handlers = self._handlers()
        for member in ActionId:
            spec = member.spec
            action = make_action(spec, self, handlers[member], self.review)
            action.setObjectName(f"action_{member.name.lower()}")
            self.actions_by_id[member] = action
            self.menus[spec.menu].addAction(action)
            if member is ActionId.ADVANCE_AFTER_TAG:
                action.blockSignals(True)
                action.setChecked(self.settings.advance_after_tag)
                action.blockSignals(False)
                self.menus["Tag"].addSeparator()
            if member is ActionId.SAVE_VIEW:
                self.views_menu = self.menus["View"].addMenu("Queue &views")
                self.saved_menu = self.menus["View"].addMenu("Sa&ved views")
                self.menus["View"].addSeparator()
        for title, query in PRESET_VIEWS:
            act = self.views_menu.addAction(title)
            act.setToolTip(f"Show {query.describe()}")
            act.triggered.connect(
                lambda _c=False, q=query: self.apply_query(
                    replace(q, sort=self.model.query.sort, descending=self.model.query.descending)
                )
            )
        self._fill_saved_menu()

    def _build_tag_actions(self, store: Store) -> None:
        for action in self.tag_actions.values():
            self.menus["Tag"].removeAction(action)
            self.review.removeAction(action)
            action.deleteLater()
        self.tag_actions.clear()
        for tag, spec in tag_specs(store.taxonomy.values()):
            action = make_action(spec, self, self._tagger(tag.key), self.review)
            action.setObjectName(f"tag_action_{tag.key}")
            self.menus["Tag"].addAction(action)
            self.tag_actions[tag.key] = action
        self.tag_bar.set_taxonomy(store.taxonomy.values())

    def _tagger(self, key: str) -> Callable[[], object]:
        return lambda: self.tag_current_and_advance(key)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        self.path_label = QLabel()
        self.path_label.setObjectName("storeLabel")
        self.lock_label = QLabel()
        self.lock_label.setObjectName("lockLabel")
        self.returning_label = ReturningLabel()  # posts of taken-down networks coming back
        self.returning_label.openWaiting.connect(
            lambda ids: self.open_pivot(ids, "returning posts waiting")
        )
        status.addPermanentWidget(self.returning_label)
        for w in (self.count_label, self.user_label, self.path_label, self.lock_label):
            status.addPermanentWidget(w)

    # -- the store ----------------------------------------------------------------------------
    def _attach_store(
        self, store: Store, query: QueueQuery, current_post: int | None = None
    ) -> None:
        self.store = store
        self._total = None  # another store's total, or this one's before a lock: counted anew
        self.claims.set_store(store)
        self.live.set_store(store)
        self.model.set_store(store)
        self.others_watch.set_store(store)
        self.checkpointer.attach(store)
        self.wal_sync.attach(store)
        self._build_tag_actions(store)
        self.filter_bar.set_sources(store.taxonomy, lambda col: self._distinct(col))
        self._replace_panes(store)
        role = store.role_of() or "not a user of this store"
        supervisor = role == "supervisor"
        for member, action in self.actions_by_id.items():
            if member.spec.supervisor_only:
                action.setVisible(supervisor)
                action.setEnabled(supervisor)
        self.user_label.setText(f"{store.user} ({role})")
        where = str(store.path)
        if store.backend == "postgresql":  # the team's server, never its password
            from ..store.pg.url import describe

            where = describe(str(getattr(store, "url", "")))
        self.path_label.setText(where)
        self.path_label.setToolTip(f"Store: {where}")
        self.lock_label.setText("unlocked")
        self.lock_label.setToolTip("Ctrl+L locks the window and closes the store")
        try:
            self.apply_query(query, quiet=True)
        except TriageError:
            self.apply_query(PRESET_VIEWS[0][1])
        if current_post is not None:
            row = self.model.row_of(current_post)
            if row >= 0:
                self.select_row(row)
            elif self.model.loading:  # further down than the first page: once it is read
                self._return_after_load = current_post
        self._update_undo_actions()
        self._total_timer.start()
        self._say_returned(store)

    def _select_after_load(self) -> None:
        """The whole list is read (after unlocking, or a search's first rows): go back to the
        post the person was on, if it is further down."""
        post = self._return_after_load
        self._return_after_load = None
        row = self.model.row_of(post) if post is not None else -1
        if row >= 0:
            self.select_row(row)

    def _say_returned(self, store: Store) -> None:
        """Tell the analyst when a supervisor returned some of their posts (with a reason)."""
        from ..store.review_queue import returned_items

        try:
            count = len(returned_items(store, limit=1000))
        except TriageError:
            return
        if count:
            self.statusBar().showMessage(
                f"{count:,} of your tagged posts {'was' if count == 1 else 'were'} returned by a "
                "supervisor, with a reason: View ▸ Returned to me (Ctrl+6)",
                15000,
            )

    def _replace_panes(self, store: Store) -> None:
        old = (self.preview, self.compare)
        self._drop_preview_ahead()
        self.preview = self._new_preview(store)
        self.compare = ComparePane(store)
        self._show_in_fences(old)
        self.ahead = PreviewAhead(store, self._pane_fences[0], lambda: self._new_preview(store))
        self.compare.openAsFilter.connect(self.open_pivot)
        self.compare.clusterTagged.connect(self._cluster_tagged)
        self.compare.message.connect(
            lambda text: self.statusBar().showMessage(window_wording(text), 6000)
        )

    def _new_preview(self, store: Store) -> PreviewPane:
        pane = PreviewPane(store)
        pane.copied.connect(self.clipboard_was_set)
        return pane

    def _drop_preview_ahead(self) -> None:
        self._prepare_timer.stop()
        self._shown_ahead = None
        if self.ahead is not None:
            self.ahead.drop()
            self.ahead = None

    def _prepare_next(self) -> None:
        """While the analyst reads: the queue's rows just past the screen read, and the post
        of the next row into the hidden preview pane (preview_ahead.py), so that a tag key or
        J only has to paint."""
        if self.locked or self.pane_schedule.pending:
            return
        early, self._explained_early = self._explained_early, None
        if early is not None and early is self.preview:
            early.explain_now()  # as a pane filled the usual way is, a turn after its paint
        self._read_queue_ahead()
        if self.ahead is None or not isinstance(self.preview, PreviewPane):
            return
        row = self.current_row()
        if row < 0 or row + 1 >= self.model.rowCount() or len(self.selected_post_ids()) > 1:
            return
        following = row + 1
        if self.actions_by_id[ActionId.ADVANCE_AFTER_TAG].isChecked():
            # On a team server the tag key's next post, claimed now (claims.py): it may be
            # further down than the next row, past posts colleagues hold.
            following = self.claims.claim_ahead(self.model, row) or following
        try:
            self.ahead.prepare(self.preview, self.model.post_id(following))
        except (TriageError, DatabaseError):
            self.ahead.forget()  # the key will fill the preview the normal way, and say why

    def _read_queue_ahead(self) -> None:
        """The page of the row below the screen and of the row above it read now, if not yet:
        a key that moves the queue one row scrolls one of them into view, and would read its
        page on the key's path (at 10M posts one key in 200 took 6.4 ms longer)."""
        viewport = self.view.viewport()
        top, bottom = self.view.rowAt(0), self.view.rowAt(viewport.height() - 1)
        if top < 0:
            return
        if bottom < 0:  # the list ends on the screen
            bottom = self.model.rowCount() - 1
        try:
            self.model.read_ahead(bottom + 1)
            self.model.read_ahead(top - 1)
        except (TriageError, DatabaseError):
            pass  # the paint that needs the row reads it again, and says what went wrong

    def _cluster_tagged(self, batch: str, post_ids: list[int], tag_key: str) -> None:
        """The compare pane tagged a whole cluster: it joins the undo history like a bulk tag."""
        label = self.store.taxonomy[tag_key].label if self.store is not None else tag_key
        self.history.record(batch, f"{label} on {len(post_ids)} similar posts")
        self._update_undo_actions()
        self.model.refresh_posts(post_ids)
        self.returning_label.update_from(self.store)
        self._refresh_current()

    def _distinct(self, column: str) -> list[str]:
        return distinct_values(self.store, column) if self.store is not None else []

    def _update_total(self) -> None:
        """Count the store's posts for the status bar on the worker, on its own connection.

        count(*) reads every post on a team server (~1 s at a million posts): on the UI thread
        it blocked the window after opening and after each import. Until the count arrives
        the bar says "N posts" without a total (never a stale one)."""
        if self.store is None:
            return
        self.returning_label.update_from(self.store)
        self._total = None
        self._update_count()
        store = self.store
        self._total_job += 1
        job_number = self._total_job

        def count(other: Store, _ctx: TaskContext) -> tuple[int, int]:
            return job_number, int(other.scalar("SELECT count(*) FROM posts"))

        task = self.read_runner.submit(on_own_connection(store, count), "post count")
        # Held until the next count: the runner lets go of a task as it finishes.
        self._total_task = when_done(task, self._total_counted, self._total_failed)

    def _total_counted(self, result: tuple[int, int]) -> None:
        job_number, total = result
        if job_number != self._total_job or self.store is None:
            return  # the store was locked or counted again since: this count is not its own
        self._total = total
        self._update_count()

    def _total_failed(self, _exc: BaseException) -> None:
        """The count is a courtesy (e.g. the store was locked while it ran): without it the
        bar shows "N posts", which is true."""

    def _update_count(self) -> None:
        total = self._total
        shown = self.model.rowCount()
        # While the rest of a list is read (a search shows its first rows first) the count is
        # a lower bound, and says so.
        more = "+" if self.model.loading else ""
        text = f"{shown:,}{more} posts" if total is None else f"{shown:,}{more} of {total:,} posts"
        self.count_label.setText(text)
        self.count_label.setToolTip(self.model.query.describe())

    # -- queue ----------------------------------------------------------------------------------
    def apply_query(self, query: QueueQuery, quiet: bool = False) -> bool:
        """Run a new queue query; a bad search shows under the search box. True when shown.

        ``quiet`` is the window opening: errors are raised to the caller, and the first page
        shows before the rest of the list is read."""
        current = self.current_post_id()
        self._return_after_load = None  # a wish of the list this one replaces
        try:
            self.model.set_query(query, first_page_first=quiet)
        except TriageError as exc:
            if query.search:
                self.filter_bar.show_search_error(str(exc))
                return False
            if quiet:
                raise
            errors.show_problem(self, "Queue", str(exc))
            return False
        self.filter_bar.show_search_error(None)
        self.filter_bar.set_query(query)
        self._show_sort(query)
        self.settings.set_last_view(query, self.store.user if self.store is not None else None)
        self._update_count()
        if isinstance(self.preview, PreviewPane):
            self.preview.search = query.search  # hits highlighted on the original characters
        if query.search.strip() and self.model.rowCount() == 0 and self.store is not None:
            self.filter_bar.show_no_hits(query.search, [])  # at once; the suggestions follow
            self._suggest_later(self.store, query)
        row = self.model.row_of(current) if current is not None else -1
        self.select_row(row if row >= 0 else 0)
        if row < 0 and current is not None and self.model.loading:
            self._return_after_load = current  # it may be further down than the first rows
        return True

    def _suggest_later(self, store: Store, query: QueueQuery) -> None:
        """Searches near one that found nothing (store/search_suggest.py), counted on the read
        worker on its own connection: at ten million posts each candidate's count took ~0.3 s
        and the window waited ~1 s for them after every search without hits. They are shown
        when they arrive, if the window still shows that search and it still finds nothing."""
        from ..store.search_suggest import suggest

        self._suggest_job += 1
        job = self._suggest_job

        def near(other: Store, _ctx: TaskContext) -> tuple[int, list[Any]]:
            return job, suggest(other, query)

        def arrived(result: tuple[int, list[Any]]) -> None:
            number, found = result
            still = self.store is store and self.model.query == query
            if number == self._suggest_job and still and self.model.rowCount() == 0 and found:
                self.filter_bar.show_no_hits(query.search, found)

        task = self.read_runner.submit(on_own_connection(store, near), "search suggestions")
        # Held until the next; a failure is a courtesy lost: the message without them stands.
        self._suggest_task = when_done(task, arrived)

    def _show_sort(self, query: QueueQuery) -> None:
        keys = [c[0] for c in COLUMNS]
        hh = self.view.horizontalHeader()
        hh.blockSignals(True)
        if query.sort in keys:
            order = (
                Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder
            )
            hh.setSortIndicator(keys.index(query.sort), order)
        hh.blockSignals(False)
        hh.viewport().update()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        key = COLUMNS[column][0]
        self.apply_query(
            replace(self.model.query, sort=key, descending=order == Qt.SortOrder.DescendingOrder)
        )

    def refresh(self) -> None:
        """Run the queue query again, reading everything afresh (after an import, F5)."""
        self.model.forget_base()
        self._total = None  # an import may have added posts: "N posts" until counted again
        self.apply_query(self.model.query)
        self._total_timer.start()

    def open_pivot(self, post_ids: list[int], label: str) -> None:
        """The compare pane's "open as filter": the queue shows just these posts."""
        self.apply_query(
            QueueQuery(
                pivot=tuple(int(i) for i in post_ids),
                pivot_label=label,
                sort=self.model.query.sort,
                descending=self.model.query.descending,
            )
        )

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def current_post_id(self) -> int | None:
        row = self.current_row()
        return self.model.post_id(row) if row >= 0 else None

    def selected_post_ids(self) -> list[int]:
        """The selected posts in queue order; the current post when nothing is selected."""
        sm = self.view.selectionModel()
        rows = sorted({i.row() for i in sm.selectedRows()}) if sm is not None else []
        ids = [pid for r in rows if (pid := self.model.post_id(r)) is not None]
        if not ids:
            current = self.current_post_id()
            return [] if current is None else [current]
        return ids

    def select_row(self, row: int) -> None:
        """Make ``row`` current and the only selection, and show its post."""
        sm = self.view.selectionModel()
        if row < 0 or row >= self.model.rowCount():
            if sm is not None:
                sm.clear()
            self._current_changed(None)
            return
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        sm.setCurrentIndex(index, flags)
        self.view.scrollTo(index)

    def move_by(self, step: int) -> None:
        row = self.current_row()
        target = min(max(0, row + step), self.model.rowCount() - 1)
        if target != row:
            self.select_row(target)

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._current_changed(self.model.post_id(current.row()) if current.isValid() else None)

    def _current_changed(self, post_id: int | None) -> None:
        self.wellbeing.activity()
        # A preview made ahead for this post (preview_ahead.py) is shown now, so that the
        # queue's move and the new post are painted together, in one pass; the tag bar and the
        # note take the post's tags and note from the read that checked it.
        ready = None
        if self.ahead is not None and isinstance(self.preview, PreviewPane):
            ready = self.ahead.take(self.preview, post_id)
            if ready is not None:
                self.preview = ready
                self._shown_ahead = post_id
                self._explained_early = ready
                settle_layouts()
        self._show_post_state(post_id, ready.detail if ready is not None else None)
        self.claims.follow(post_id)
        # Otherwise the panes render on the next turns of the event loop (pane_schedule.py): a
        # key held down (J) or a tag that advances stays responsive, and only the post the
        # person stops on is rendered.
        self.pane_schedule.show(post_id)

    def _show_preview(self, post_id: int | None) -> None:
        shown_ahead, self._shown_ahead = self._shown_ahead, None
        if shown_ahead is not None and shown_ahead == post_id:
            return  # the preview made ahead, shown when the queue moved to it
        _show_in_pane(self.preview, "show_post", post_id)

    def _show_compare(self, post_id: int | None) -> None:
        _show_in_pane(self.compare, "set_current", post_id)

    def _show_post_state(self, post_id: int | None, detail: dict[str, Any] | None = None) -> None:
        """The tag bar and the note field for ``post_id``: from ``detail`` (the post as the
        preview just read it) when given, else read (two statements, round trips on a server)."""
        if post_id is None or self.store is None:
            self.tag_bar.show_tags([], enabled=False)
            self.note.show_note("")
            self.note.setEnabled(False)
            return
        if detail is not None and detail.get("id") == post_id:
            tags = sorted(t["key"] for t in detail["tags"])
            note = detail["note"]
        else:
            tags = current_tags(self.store, post_id)
            note = self.store.scalar("SELECT note FROM posts WHERE id = ?", (post_id,))
        self.tag_bar.show_tags(tags)
        self.note.setEnabled(True)
        self.note.show_note(note)

    def _sync_failed(self, text: str) -> None:
        """The disk refused the store's last changes (ui/wal_sync.py): a disk problem the
        person must hear of at once, not only in the status bar the next key overwrites."""
        self.statusBar().showMessage(text)
        errors.show_problem(self, "Writing to disk", text)

    def _show_holder(self, post_id: int, holder: str) -> None:
        if holder and post_id == self.current_post_id():
            self.claim_banner.setText(
                f"{holder} is working on this post (claimed); tagging it will ask first."
            )
            self.claim_banner.show()
            self.statusBar().showMessage(f"Post {post_id} is held by {holder}", 5000)
        else:
            self.claim_banner.hide()

    # -- tagging, notes, undo -------------------------------------------------------------------
    def tag_current_and_advance(self, tag_key: str) -> bool:
        """Toggle ``tag_key`` on the selected posts, commit, and (single post) move on."""
        if self.store is None or self.locked:
            return False
        ids = self.selected_post_ids()
        if not ids:
            return False
        held = self.claims.held_by_others(ids)
        if held:
            who = ", ".join(sorted(set(held.values())))
            question = (
                f"{who} is working on this post. Tag it anyway?"
                if len(ids) == 1
                else f"{len(held)} of the {len(ids)} selected posts are held by {who}. "
                "Tag them all anyway?"
            )
            if not self.confirm("Post held by someone else", question):
                return False
        # A key that moves on: the tag's commit also reads the post the preview was made ahead
        # for (the next one), to check it before it is shown: no round trip of its own on a
        # team server.
        moves_on = len(ids) == 1 and self.actions_by_id[ActionId.ADVANCE_AFTER_TAG].isChecked()
        check = self.ahead.check_with_commit() if self.ahead is not None and moves_on else None
        try:
            try:
                outcome = toggle_tag_outcome(self.store, ids, tag_key, then_read=check)
            except TriageError as exc:
                errors.show_problem(self, "Tag", str(exc))
                return False
            self._show_tagged(ids, tag_key, outcome)
        finally:
            if check is not None and self.ahead is not None:
                self.ahead.end_check()  # used by the move to the next post, or by nothing
        return True

    def _show_tagged(self, ids: list[int], tag_key: str, outcome: TagOutcome) -> None:
        """After a tag key: the undo history, the tagged rows, and (one post, advancing on)
        the next post, or the same post again."""
        assert self.store is not None
        self.wellbeing.activity()
        label = self.store.taxonomy[tag_key].label
        what = f"{label} on post {ids[0]}" if len(ids) == 1 else f"{label} on {len(ids)} posts"
        self.history.record(outcome.batch, what)
        self._update_undo_actions()
        self.model.refresh_posts(ids, outcome.after)  # the rows from the tag, not read again
        self.returning_label.update_soon(self.store)  # counted after the next post is painted
        if (
            len(ids) == 1
            and self.actions_by_id[ActionId.ADVANCE_AFTER_TAG].isChecked()
            and self.current_row() < self.model.rowCount() - 1
        ):
            # The next row, or on a team server the next one nobody else holds (claims.py).
            self.select_row(self.claims.row_after(self.model, self.current_row()))
        else:
            self._refresh_current()
        self.statusBar().showMessage(f"Tagged: {what}", 4000)

    def others_changed(self, decided: list[int] | None, claimed: list[int] | None) -> None:
        """Work committed by someone else on the team server (live_updates.py): their rows
        repaint in place; the current row, the selection and the scroll position stay. None:
        read every row already shown again (after a reconnect)."""
        if self.store is None or self.locked:
            return
        current = self.current_post_id()
        if decided is None:
            pages = getattr(self.model, "_pages", {})  # the rows read so far, and only those
            decided = [line[0].id for page in pages.values() for line in page if line]
        try:
            if decided:
                self.model.refresh_posts(decided)
                if current is not None and current in decided:
                    self._show_post_state(current)  # its tags and note; the preview stays
                review = self._views.get(ActionId.SUPERVISOR_VIEW)
                if isinstance(review, SupervisorView):
                    review.reload()  # keeps its selection by post
            if claimed is None or (current is not None and current in claimed):
                self.claims.recheck()
        except (TriageError, DatabaseError) as exc:
            self.statusBar().showMessage(window_wording(str(exc)), 8000)

    def _refresh_current(self) -> None:
        """Show the current post again after a decision (tags, status, note)."""
        post_id = self.current_post_id()
        self._show_post_state(post_id)
        self.pane_schedule.show(post_id)

    def save_note(self, text: str) -> bool:
        post_id = self.current_post_id()
        if self.store is None or post_id is None:
            return False
        try:
            batch = set_note(self.store, post_id, text)
        except TriageError as exc:
            errors.show_problem(self, "Note", str(exc))
            return False
        self.wellbeing.activity()
        self.history.record(batch, f"note on post {post_id}")
        self._update_undo_actions()
        self.model.refresh_posts([post_id])
        self._refresh_current()
        self.statusBar().showMessage(f"Note saved on post {post_id}", 4000)
        self.focus_queue()
        return True

    def undo(self) -> None:
        self._undo_redo(self.history.undo, "Undone")

    def redo(self) -> None:
        self._undo_redo(self.history.redo, "Redone")

    def _undo_redo(self, step: Callable[[Store], Any], verb: str) -> None:
        if self.store is None:
            return
        can = self.history.can_undo() if verb == "Undone" else self.history.can_redo()
        if not can:
            self.statusBar().showMessage(f"Nothing to {verb[:-2].lower()}", 3000)
            return
        try:
            done, posts = step(self.store)
        except TriageError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            errors.show_problem(self, verb[:-2], str(exc))
            return
        self.model.refresh_posts(posts)
        self.returning_label.update_soon(self.store)
        self._update_undo_actions()
        self._return_to(done.where, posts)
        self.statusBar().showMessage(f"{verb}: {done.description}", 4000)

    def _return_to(self, where: str, posts: list[int]) -> None:
        """After an undo or redo, show the post it was about, where it was decided (as Anki
        and Prodigy do): the supervisor tab for a verdict, the queue otherwise."""
        view = self._views.get(ActionId.SUPERVISOR_VIEW)
        if isinstance(view, SupervisorView):
            view.refresh()
        if where == "supervisor" and isinstance(view, SupervisorView):
            self.tabs.setCurrentWidget(view)
            if any(item.post_id in posts for item in view.model.rows):
                view.select_posts(posts)
            self._refresh_current()
            return
        row = self.model.row_of(posts[0]) if posts else -1
        if row >= 0 and row != self.current_row():
            self.select_row(row)
        else:
            self._refresh_current()

    def _update_undo_actions(self) -> None:
        undo = self.actions_by_id[ActionId.UNDO]
        redo = self.actions_by_id[ActionId.REDO]
        undo.setEnabled(self.history.can_undo())
        redo.setEnabled(self.history.can_redo())
        undo.setText(
            f"&Undo {self.history.undo_steps[-1].description}"
            if self.history.can_undo()
            else "&Undo"
        )
        redo.setText(
            f"&Redo {self.history.redo_steps[-1].description}"
            if self.history.can_redo()
            else "&Redo"
        )

    def _advance_toggled(self) -> None:
        self.settings.advance_after_tag = self.actions_by_id[ActionId.ADVANCE_AFTER_TAG].isChecked()

    def focus_note(self) -> None:
        if self.note.isEnabled():
            self.note.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.note.selectAll()

    def focus_queue(self) -> None:
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _panes_up_to_date(self) -> None:
        """Render the panes now if a move is still waiting for the next event-loop turn, so a
        key pressed right after J acts on the post the person sees selected."""
        self.pane_schedule.finish()

    def toggle_pin(self) -> None:
        """P: pin the current post in the compare pane; on the pinned post, unpin it."""
        if not isinstance(self.compare, ComparePane) or self.current_post_id() is None:
            return
        self._panes_up_to_date()
        self.compare.toggle_pin()

    def toggle_media(self) -> None:
        """M: reveal the current post's blurred media, or blur it again."""
        if not isinstance(self.preview, PreviewPane) or self.current_post_id() is None:
            return
        self._panes_up_to_date()
        self.preview.toggle_media()

    def open_picture(self) -> QWidget | None:
        """Shift+M: the current post's first picture in the image viewer (image_viewer.py),
        concealed as its thumbnail is."""
        if not isinstance(self.preview, PreviewPane) or self.current_post_id() is None:
            return None
        self._panes_up_to_date()
        for tile in self.preview.media.tiles:
            if tile.item.still is not None:
                return tile.open_viewer()
        self.statusBar().showMessage("This post has no picture to open", 4000)
        return None

    # -- clipboard ----------------------------------------------------------------------------
    def copy_post_text(self) -> None:
        post_id = self.current_post_id()
        if self.store is None or post_id is None:
            return
        text = str(self.store.scalar("SELECT text FROM posts WHERE id = ?", (post_id,)) or "")
        QGuiApplication.clipboard().setText(text)
        self.clipboard_was_set(text)

    def clipboard_was_set(self, text: str) -> None:
        """We put ``text`` on the clipboard: clear it later, unless someone replaced it."""
        self._clipboard_text = text
        seconds = self.settings.clipboard_clear_seconds
        QTimer.singleShot(int(seconds * 1000), lambda t=text: self._clear_clipboard(t))
        self.statusBar().showMessage(f"Copied; the clipboard is cleared in {seconds:.0f} s", 4000)

    def _clear_clipboard(self, text: str) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard.text() == text and self._clipboard_text == text:
            clipboard.clear()
        if self._clipboard_text == text:
            self._clipboard_text = None

    # -- views and dialogs ----------------------------------------------------------------------
    def _fill_saved_menu(self) -> None:
        self.saved_menu.clear()
        views = self.settings.saved_views()
        if not views:
            empty = self.saved_menu.addAction("(none yet: View ▸ Save view…)")
            empty.setEnabled(False)
        for name, query in sorted(views.items()):
            act = self.saved_menu.addAction(name)
            act.setToolTip(f"Show {query.describe()}")
            act.triggered.connect(lambda _c=False, q=query: self.apply_query(q))

    def save_view(self, name: str | None = None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self, "Save view", "Name for the current view:")
            if not ok:
                return
        name = name.strip()
        if not name:
            return
        self.settings.save_view(name, self.model.query)
        self._fill_saved_menu()
        self.statusBar().showMessage(f"View “{name}” saved", 3000)

    def open_view(self, which: ActionId) -> QWidget | None:
        """Open (or bring forward) the supervisor, statistics, audit or blind review tab."""
        if self.store is None:
            return None
        make, title, supervisors = VIEWS[which]
        if supervisors and self.store.role_of() != "supervisor":
            errors.show_problem(self, title, f"The {title.lower()} is for supervisors")
            return None
        widget = self._views.get(which)
        if widget is None:
            widget = make(self.store, self.runner)
            if isinstance(widget, SupervisorView):  # reviews change statuses in the queue
                widget.reviewed.connect(self._reviewed)
                widget.decided.connect(self._review_decided)
                widget.message.connect(
                    lambda text: self.statusBar().showMessage(window_wording(text), 8000)
                )
                widget.retagged.connect(
                    lambda batch, what, _ids: self._record_step(batch, what, "supervisor")
                )
            if isinstance(widget, ReturnedView):
                widget.openInQueue.connect(self._open_returned)
            if isinstance(widget, NetworkView):
                widget.openInQueue.connect(self._open_network_posts)
                widget.closeRequested.connect(lambda w=widget: self._close_view(w))
            self._views[which] = widget
            self.tabs.addTab(widget, title)
        self.tabs.setCurrentWidget(widget)
        return widget

    def _tab_changed(self, _index: int) -> None:
        """The audit and supervisor tabs bind F5 to their own refresh; while one of them is in
        front the window's "Refresh queue" steps aside, or Qt would see two F5 bindings and
        fire neither."""
        refresh = self.actions_by_id[ActionId.REFRESH]
        widget = self.tabs.currentWidget()
        keys = set(refresh.shortcuts())
        clash = (
            widget is not None
            and self.tabs.currentIndex() != 0
            and any(set(a.shortcuts()) & keys for a in widget.actions())
        )
        refresh.setEnabled(not self.locked and not clash)

    def _record_step(self, batch: str, description: str, where: str) -> None:
        self.history.record(batch, description, where=where)
        self._update_undo_actions()

    def _review_decided(
        self, batch: str, description: str, _post_ids: list[int], verdict: str, reason: object
    ) -> None:
        """A verdict in the supervisor tab joins the undo history (Ctrl+Z there undoes it)."""
        self.history.record(
            batch,
            description,
            verdict=verdict,
            reason=None if reason is None else str(reason),
            where="supervisor",
        )
        self._update_undo_actions()

    def open_network(self) -> QWidget | None:
        """View ▸ Network of this account (Ctrl+7): the network of the current post's account,
        or the list of every network when no post is selected."""
        if self.store is None:
            return None
        post_id = self.current_post_id() if self.tabs.currentIndex() == 0 else None
        view = self.open_view(ActionId.NETWORK_VIEW)
        if not isinstance(view, NetworkView):
            return None
        try:
            if post_id is not None or view.network is None:
                view.show_post(post_id)
        except TriageError as exc:
            errors.show_problem(self, "Network", str(exc))
        return view

    def _open_network_posts(self, post_ids: list[int], label: str) -> None:
        """Network ▸ Enter on an account: the queue shows that account's posts."""
        self.tabs.setCurrentIndex(0)
        self.open_pivot(post_ids, label)
        self.focus_queue()

    def _close_view(self, widget: QWidget) -> None:
        """A view asked to close (Esc in the network view): back to the queue."""
        self._close_tab(self.tabs.indexOf(widget))
        self.tabs.setCurrentIndex(0)
        self.focus_queue()

    def _open_returned(self, post_ids: list[int]) -> None:
        """Returned to me ▸ Open in queue: the queue shows those posts, to re-tag them."""
        self.tabs.setCurrentIndex(0)
        self.open_pivot(post_ids, "Returned to me")
        self.focus_queue()

    def _reviewed(self, post_ids: list[int]) -> None:
        """A supervisor approved, rejected or re-tagged posts: the queue rows follow."""
        self.wellbeing.activity()
        self.model.refresh_posts(post_ids)
        self._refresh_current()

    def verify_audit(self) -> Any:
        """View ▸ Verify audit chain: open the audit tab, check the chain, say the result."""
        view = self.open_view(ActionId.AUDIT_VIEW)
        if not isinstance(view, AuditView):
            return None
        check = view.verify()
        if check.ok:
            self.statusBar().showMessage(f"Audit chain intact: {check.rows:,} rows checked", 8000)
        else:
            errors.show_problem(self, "Audit chain", view.result.text())
        return check

    def record_outcome(self) -> QWidget | None:
        """Edit ▸ Record outcome… (supervisors): the outcome dialog for the current post's
        account; the preview is read again when the dialog closes."""
        if self.store is None:
            return None
        if self.store.role_of() != "supervisor":
            errors.show_problem(self, "Outcome", "Outcomes are recorded by supervisors")
            return None
        post_id = self.current_post_id()
        if post_id is None:
            errors.show_problem(self, "Outcome", "Select a post first")
            return None
        account_id = self.store.scalar("SELECT account_id FROM posts WHERE id = ?", (post_id,))
        if account_id is None:
            errors.show_problem(self, "Outcome", f"Post {post_id} has no known account")
            return None
        from .outcome_dialog import OutcomeDialog

        try:
            dialog = OutcomeDialog(self.store, int(account_id), self)
        except TriageError as exc:
            errors.show_problem(self, "Outcome", str(exc))
            return None
        dialog.finished.connect(lambda _result: self._refresh_current())
        # A takedown can make posts of linked accounts returning (store/networks.py).
        dialog.finished.connect(lambda _result: self.returning_label.update_from(self.store))
        self.outcome_dialog = dialog
        dialog.open()
        return dialog

    def _close_tab(self, index: int) -> None:
        if index == 0:
            return
        widget = self.tabs.widget(index)
        if widget is None:
            return
        self.tabs.removeTab(index)
        for key, w in list(self._views.items()):
            if w is widget:
                del self._views[key]
        widget.deleteLater()

    def open_sync(self) -> QWidget | None:
        """File ▸ Sync with a field laptop… (supervisors): the sync dialog, over the window."""
        if self.store is None:
            return None
        if self.store.role_of() != "supervisor":
            errors.show_problem(self, "Sync", "Sync packs are exchanged by supervisors")
            return None
        from .sync_dialog import SyncDialog  # pulls in the crypto: only when asked for

        dialog = SyncDialog(self.store, self, runner=self.runner)
        dialog.merged.connect(lambda _result: self.refresh())
        self.sync_dialog = dialog
        dialog.open()
        return dialog

    def open_address_book(self) -> QWidget | None:
        """File ▸ Liaison address book… (supervisors): add, list and remove liaisons' keys."""
        if self.store is None:
            return None
        if self.store.role_of() != "supervisor":
            errors.show_problem(self, "Address book", "The address book is kept by supervisors")
            return None
        from .address_book import AddressBookDialog

        dialog = AddressBookDialog(self.store, self)
        self.address_book = dialog
        dialog.open()
        return dialog

    def export_pack(self) -> QWidget | None:
        """File ▸ Export referral pack… (supervisors): the pack dialog, over the window."""
        if self.store is None:
            return None
        if self.store.role_of() != "supervisor":
            errors.show_problem(self, "Export", "Referral packs are built by supervisors")
            return None
        from .pack_dialog import PackExportDialog  # pulls in the crypto: only when asked for

        dialog = PackExportDialog(self.store, self, runner=self.runner)
        dialog.built.connect(lambda _result: self._pack_built())
        self.pack_dialog = dialog
        dialog.open()
        return dialog

    def _pack_built(self) -> None:
        """A pack was built: its posts are referred now; the queue, the supervisor tab and
        the statistics say so at once."""
        self.refresh()
        for view in self._views.values():
            refresh = getattr(view, "refresh", None)
            if refresh is not None:
                refresh()

    def show_shortcuts(self) -> None:
        from .shortcut_sheet import ShortcutSheet

        taxonomy = self.store.taxonomy.values() if self.store is not None else []
        self.shortcut_sheet = ShortcutSheet(taxonomy, self)
        self.shortcut_sheet.show()

    def show_about(self) -> None:
        from .. import __version__

        QMessageBox.about(
            self,
            "About the triage workstation",
            self.about_text(__version__),
        )

    def about_text(self, version: str) -> str:
        return (
            f"Triage workstation {version}: review, tag and refer adverts for people "
            "smuggling.\nEverything stays on this computer; nothing uses the network."
        )

    def _ask(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    # -- import -----------------------------------------------------------------------------------
    def choose_import(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import export files")
        if files:
            self.start_import([Path(f) for f in files])

    def start_import(self, paths: list[Path]) -> Any:
        """Import ``paths`` on the worker with a progress dialog; the queue refreshes after."""
        if self.store is None:
            return None
        from .import_dialog import ImportDialog

        dialog = ImportDialog(self.store, paths, self.runner, self)
        dialog.imported.connect(self._after_import)
        dialog.crashed.connect(lambda exc: errors.report(self, exc, self.data_dir))
        self.claims.pause(True)
        dialog.task.finished.connect(lambda _r: self.claims.pause(False))
        dialog.task.failed.connect(lambda _e: self.claims.pause(False))
        self.import_dialog = dialog
        dialog.show()
        return dialog

    def _after_import(self, inserted: int) -> None:
        """Refresh the queue; when a pivot filter (a fixed list of posts) hides the posts just
        imported, say so and offer to clear it."""
        self.refresh()
        query = self.model.query
        if not inserted or query.pivot is None:
            return
        what = query.pivot_label or "a list of posts"
        message = (
            f"{inserted:,} new post{'s were' if inserted != 1 else ' was'} imported, but the "
            f"queue shows only “{what}”, which hides {'them' if inserted != 1 else 'it'}."
        )
        self.statusBar().showMessage(message, 15000)
        if self.confirm("New posts are hidden", f"{message} Clear the filter to see them?"):
            self.apply_query(
                QueueQuery(sort=self.model.query.sort, descending=self.model.query.descending)
            )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt name)
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt name)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.start_import(paths)

    # -- lock -------------------------------------------------------------------------------------
    def lock(self) -> None:
        """Hide everything, close the store and drop its key."""
        if self.locked:
            return
        if self.outcome_dialog is not None:  # it holds the store about to close
            self.outcome_dialog.reject()
            self.outcome_dialog = None
        stopped = self._close_dialogs()
        self._locked_query = self.model.query
        self._locked_post = self.current_post_id()
        # The tabs open and the one in front come back on unlock (the same view and post).
        self._locked_views = list(self._views)
        network = self._views.get(ActionId.NETWORK_VIEW)
        self._locked_network = network.shown_account() if isinstance(network, NetworkView) else None
        self._locked_tab = next(
            (k for k, w in self._views.items() if w is self.tabs.currentWidget()), None
        )
        self.locked = True
        self.idle.stop()
        for action in self.actions_by_id.values():
            action.setEnabled(False)
        for action in self.tag_actions.values():
            action.setEnabled(False)
        for action in (self.actions_by_id[ActionId.QUIT], self.actions_by_id[ActionId.ABOUT]):
            action.setEnabled(True)
        for which in list(self._views):
            self._close_tab(self.tabs.indexOf(self._views[which]))
        self.claims.set_store(None)
        self.live.set_store(None)
        self.others_watch.stop()
        self._total_timer.stop()
        self._current_changed(None)
        self.pane_schedule.stop()
        self.model.set_store(None)
        self.checkpointer.detach()
        self.wal_sync.detach()
        self._replace_panes_empty()
        self.history.clear()
        store, self.store = self.store, None
        if store is not None:
            store.close()  # also forgets store.key
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.reset()
        self.lock_label.setText("locked")
        self.count_label.clear()
        self.returning_label.update_from(None)
        self.setWindowTitle("Triage workstation — locked")
        if stopped:
            self.statusBar().showMessage(
                f"Locking stopped: {', '.join(stopped)}. Nothing half-done was kept; "
                "start it again after unlocking."
            )

    def _close_dialogs(self) -> list[str]:
        """Before locking: stop the jobs that use the store (imports, packs, sync) and hide
        every dialog over the window, since they show posts, files, peers and counts. Each job
        stops at a point where nothing half-done is kept. Returns the titles of those stopped."""
        stopped: list[str] = []
        for dialog in self.findChildren(QDialog):
            if not dialog.isVisible():
                continue
            task = getattr(dialog, "task", None)
            if task is not None and not task.done:
                task.cancel()
                stopped.append(dialog.windowTitle() or "a job")
            QDialog.done(dialog, QDialog.DialogCode.Rejected)  # not the dialog's own reject,
            # which only asks a running job to cancel and stays open
        return stopped

    def _replace_panes_empty(self) -> None:
        old = (self.preview, self.compare)
        self._drop_preview_ahead()  # the hidden pane holds a post too
        self.preview, self.compare = QWidget(), QWidget()
        self.preview.setObjectName("previewPane")
        self.compare.setObjectName("comparePane")
        self._show_in_fences(old)

    def _show_in_fences(self, old: tuple[QWidget, QWidget]) -> None:
        """Put the current preview and compare panes in place of ``old`` (then deleted)."""
        self._pane_fences[0].set_widget(self.preview)
        self._pane_fences[1].set_widget(self.compare)
        for w in old:
            w.deleteLater()

    def unlock(self, passphrase: str = "") -> bool:
        """Re-open the store (keyring, or the passphrase typed on the lock screen)."""
        if not self.locked:
            return True
        from ..store.keys import PassphraseNeeded

        try:
            store = self._open(passphrase or None)
        except PassphraseNeeded as exc:
            self.lock_screen.ask_passphrase(window_wording(str(exc)))
            return False
        except TriageError as exc:
            self.lock_screen.error.setText(window_wording(str(exc)))
            return False
        self.locked = False
        for action in self.actions_by_id.values():
            action.setEnabled(True)
        self.stack.setCurrentWidget(self.tabs)
        self.setWindowTitle("Triage workstation")
        self._attach_store(store, self._locked_query, self._locked_post)
        for which in getattr(self, "_locked_views", []):
            if which in VIEWS:
                self.open_view(which)
        network, shown = self._views.get(ActionId.NETWORK_VIEW), self._locked_network
        if isinstance(network, NetworkView) and shown is not None:
            try:
                network.show_account(shown)  # the same network as before locking
            except TriageError:
                network.show_overview()
        front = getattr(self, "_locked_tab", None)
        if front is not None and front in self._views:
            self.tabs.setCurrentWidget(self._views[front])
        else:
            self.tabs.setCurrentIndex(0)
        self.idle.start()
        self.focus_queue()
        return True

    def _open(self, passphrase: str | None) -> Store:
        if self.opener is not None:
            return self.opener(passphrase)
        from ..store.opening import open_for_user
        from ..store.paths import current_user

        return open_for_user(
            self.store_path, user=current_user(), data_dir=self.data_dir, passphrase=passphrase
        )

    # -- settings ---------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
            keep_on_screen(self)  # saved on a larger screen, or at a smaller scale
        else:
            fit_to_screen(self, PREFERRED_SIZE)
        state = self.settings.state()
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.splitter()
        self._sized = splitter is not None and self.review.restoreState(splitter)
        widths = self.settings.column_widths() or list(DEFAULT_WIDTHS)
        for col, width in enumerate(widths[: len(COLUMNS)]):
            self.view.setColumnWidth(col, max(30, width))

    def save_settings(self) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.review.saveState())
        self.settings.set_column_widths([self.view.columnWidth(c) for c in range(len(COLUMNS))])
        if not self.locked:
            self.settings.set_last_view(
                self.model.query, self.store.user if self.store is not None else None
            )
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        self.save_settings()
        self.claims.set_store(None)  # no claim timer may fire on a store about to close
        self.live.stop()
        self.others_watch.stop()
        self.filter_bar.cancel_pending_search()  # nor a search typed just before closing
        self.returning_label.cancel_pending()  # nor the count after the last tag key
        self._total_timer.stop()
        self.pane_schedule.stop()
        self._prepare_timer.stop()  # nor the next post's preview made on a closing store
        self.idle.stop()
        self.idle.detach()
        self.model.set_store(None)  # a read of the queue under way is dropped, not shown
        self.checkpointer.detach()
        self.wal_sync.detach()
        self.read_runner.shutdown()
        self.runner.shutdown()
        if self.store is not None:
            try:
                from ..store.decisions import release_claims

                release_claims(self.store)
            except TriageError:
                pass
        super().closeEvent(event)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if not self._sized:  # first run: room for every queue column, the panes get the rest
            self._sized = True
            queue = sum(DEFAULT_WIDTHS) + 24
            if self.width() - queue < 2 * 400:  # a small screen: the post gets half the width
                queue = self.width() // 2
                if not self.settings.column_widths():
                    others = sum(COMPACT_WIDTHS) - COMPACT_WIDTHS[TEXT_COLUMN]
                    for col, width in enumerate(COMPACT_WIDTHS):
                        if col == TEXT_COLUMN:  # the text takes what the others leave
                            width = max(80, queue - others - 24)
                        self.view.setColumnWidth(col, width)
            self.review.setSizes([queue, max(400, self.width() - queue)])
