"""The supervisor's review pane: tagged posts awaiting review, filtered by analyst, tag, platform
and cluster (each filter lists its values with their counts, so it doubles as the grouping);
A approves, R rejects with a reason, the tag bar re-tags as in the analyst view, and a selection
or a whole cluster can be approved at once.

Every verdict goes through :mod:`triage_app.store.decisions` (role check, decision rows, audit
row); the pane only decides what to show. An analyst gets an explanation instead of the queue."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..store.connection import Store
from ..store.decisions import review, toggle_tag
from ..store.four_eyes import (
    self_approval_enabled,
    self_approved_count,
    set_self_approval,
    taggers,
)
from ..store.review_queue import (
    ReviewFilter,
    ReviewItem,
    approve_cluster,
    review_count,
    review_groups,
    review_items,
)
from .compare_pane import ComparePane
from .preview_pane import PreviewPane
from .rows_model import RowsModel, report_problem
from .tag_bar import TagBar

HEADERS = ("Post", "Platform", "Account", "Analyst", "Tags", "Cluster", "Tagged (UTC)", "Text")
ANY = "__any__"


def _cells(item: ReviewItem, labels: dict[str, str]) -> tuple[object, ...]:
    tagged = item.tagged_at[:16].replace("T", " ") if item.tagged_at else ""
    return (
        item.post_id,
        item.platform,
        f"@{item.handle}" if item.handle else "",
        item.analyst or "",
        ", ".join(labels.get(t, t) for t in item.tags),
        "" if item.cluster_id is None else item.cluster_id,
        tagged,
        " ".join(item.text.split())[:160],
    )


class SupervisorView(QWidget):
    """Review of tagged posts; ``reviewed(list_of_post_ids)`` after each verdict or re-tag,
    ``decided(batch, description, post_ids, verdict, reason)`` after each verdict (the window
    keeps it for undo) and ``message(text)`` with one line for the status bar."""

    reviewed = Signal(list)
    decided = Signal(str, str, list, str, object)
    retagged = Signal(str, str, list)  # batch, description, post ids (the window's undo)
    message = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("supervisorView")
        self.setAccessibleName("Supervisor review: tagged posts awaiting approval")
        self.store = store
        self.last_message = ""  # the last verdict, as the status bar said it
        # Tests replace this: the reason for rejecting ``count`` posts, or None when cancelled.
        self.ask_reason: Callable[[int], str | None] = self._ask_reason
        # Tests replace this: (title, question) -> yes?
        self.confirm: Callable[[str, str], bool] = self._confirm
        self._build()
        self.refresh()

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.notice = QLabel(self)
        self.notice.setObjectName("supervisorNotice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)

        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.filters: dict[str, QComboBox] = {}
        for key, label in (
            ("analyst", "Analyst"),
            ("tag", "Tag"),
            ("platform", "Platform"),
            ("cluster", "Cluster"),
        ):
            combo = QComboBox(self.body)
            combo.setObjectName(f"filter_{key}")
            combo.setAccessibleName(f"Show only posts with this {label.lower()}")
            combo.setToolTip(
                f"{label}: show only posts with this {label.lower()} "
                "(counts are posts awaiting review)"
            )
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.activated.connect(lambda _i=0: self.reload())
            filters.addWidget(QLabel(f"{label}:", self.body))
            filters.addWidget(combo)
            self.filters[key] = combo
        filters.addStretch(1)
        self.count_label = QLabel(self.body)
        self.count_label.setObjectName("reviewCount")
        filters.addWidget(self.count_label)
        body.addLayout(filters)

        splitter = QSplitter(Qt.Orientation.Vertical, self.body)
        labels = {k: t.label for k, t in self.store.taxonomy.items()}
        self.model = RowsModel(HEADERS, lambda item: _cells(item, labels), self)
        self.table = QTableView(splitter)
        self.table.setObjectName("reviewTable")
        self.table.setAccessibleName("Posts awaiting review")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setMinimumHeight(24 * 6 + 28)  # at least six posts beside the detail
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in enumerate((60, 80, 150, 80, 190, 60, 120)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_current())
        # The post as the analyst saw it: the same preview (highlights, indicators, media, the
        # analyst's note) and compare pane (nearest duplicate, shared contacts) as the queue.
        # The detail scrolls rather than push the window past a small screen (1280x720).
        detail_scroll = QScrollArea(splitter)
        detail_scroll.setObjectName("reviewDetail")
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel(detail)
        self.hint.setObjectName("reviewHint")
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Who tagged the selected post")
        detail_layout.addWidget(self.hint)
        panes = QSplitter(Qt.Orientation.Horizontal, detail)
        panes.setObjectName("reviewPanes")
        self.preview = PreviewPane(self.store, panes)
        self.compare = ComparePane(self.store, panes)
        self.compare.message.connect(self.message.emit)
        self.compare.clusterTagged.connect(self._cluster_tagged)
        panes.setStretchFactor(0, 3)
        panes.setStretchFactor(1, 2)
        detail_layout.addWidget(panes, 1)
        detail_scroll.setWidget(detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        body.addWidget(splitter, 1)

        self.tag_bar = TagBar(self.body)
        self.tag_bar.set_taxonomy(self.store.taxonomy.values())
        self.tag_bar.tagClicked.connect(self.toggle)
        body.addWidget(self.tag_bar)

        buttons = QHBoxLayout()
        self.review_actions: dict[str, QAction] = {}
        for key, text, shortcut, tip, handler in (
            ("approve", "Approve", "A", "Approve the selected posts (A)", self.approve_selected),
            (
                "reject",
                "Reject…",
                "R",
                "Reject the selected posts, with a reason (R)",
                self.reject_selected,
            ),
            (
                "approve_cluster",
                "Approve cluster",
                "Shift+A",
                "Approve every post of the selected post's cluster (Shift+A)",
                self.approve_cluster,
            ),
            ("refresh", "Refresh", "F5", "Reload the queue (F5)", self.refresh),
        ):
            action = QAction(text, self)
            action.setObjectName(f"action_{key}")
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(tip)
            action.triggered.connect(handler)
            self.addAction(action)
            self.review_actions[key] = action
            button = QPushButton(f"{text}  ({shortcut})", self.body)
            button.setObjectName(f"button_{key}")
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.clicked.connect(action.trigger)
            buttons.addWidget(button)
        buttons.addStretch(1)
        # Four eyes (store/four_eyes.py): a one-person team may allow self-approval; audited.
        self.self_approval_action = QAction("Allow self-approval (one-person team)", self)
        self.self_approval_action.setObjectName("action_self_approval")
        self.self_approval_action.setCheckable(True)
        self.self_approval_action.setToolTip(
            "Let a supervisor approve posts they tagged themselves; every such post is marked "
            "self-approved (in this view, the preview, 'triage show' and referral packs)"
        )
        self.self_approval_action.toggled.connect(self.set_self_approval)
        self.addAction(self.self_approval_action)
        self.self_approval_button = QToolButton(self.body)
        self.self_approval_button.setObjectName("button_self_approval")
        self.self_approval_button.setDefaultAction(self.self_approval_action)
        self.self_approval_button.setAccessibleName("Allow self-approval (one-person team)")
        buttons.addWidget(self.self_approval_button)
        body.addLayout(buttons)
        layout.addWidget(self.body, 1)

    # -- data ---------------------------------------------------------------------------------
    def set_store(self, store: Store) -> None:
        """Point the pane at a (re)opened store."""
        self.store = store
        self.preview.store = store
        self.compare.store = store
        self.refresh()

    @property
    def allowed(self) -> bool:
        return self.store.role_of() == "supervisor"

    def refresh(self) -> None:
        """Re-read the filter values and the queue (keeps the chosen filters where possible)."""
        role = self.store.role_of()
        if role != "supervisor":
            self.notice.setText(
                f"Supervisor review needs the supervisor role; {self.store.user} is "
                f"{role or 'not a user of this store'}. Ask a supervisor to review your tags."
            )
            self.notice.show()
            self.body.hide()
            for action in self.review_actions.values():
                action.setEnabled(False)
            self.self_approval_action.setEnabled(False)
            self.model.set_rows([])
            return
        self.self_approval_action.setEnabled(True)
        self.notice.hide()
        self.body.show()
        for action in self.review_actions.values():
            action.setEnabled(True)
        self.self_approval_action.blockSignals(True)
        self.self_approval_action.setChecked(self_approval_enabled(self.store))
        self.self_approval_action.blockSignals(False)
        labels = {k: t.label for k, t in self.store.taxonomy.items()}
        for key, combo in self.filters.items():
            chosen = combo.currentData()
            combo.clear()
            combo.addItem("All", ANY)
            for value, count in review_groups(self.store, key):
                if value is None:
                    continue
                shown = labels.get(value, value) if key == "tag" else value
                combo.addItem(f"{shown} ({count})", value)
            index = combo.findData(chosen) if chosen is not None else 0
            combo.setCurrentIndex(max(index, 0))
        self.reload()

    def current_filter(self) -> ReviewFilter:
        def value(key: str) -> str | None:
            data = self.filters[key].currentData()
            return None if data in (None, ANY) else str(data)

        cluster = value("cluster")
        return ReviewFilter(
            analyst=value("analyst"),
            tag=value("tag"),
            platform=value("platform"),
            cluster=int(cluster) if cluster is not None else None,
        )

    def set_filter(self, key: str, value: str | None) -> None:
        """Choose a filter value programmatically (tests, the main window's menus)."""
        combo = self.filters[key]
        index = combo.findData(ANY if value is None else value)
        combo.setCurrentIndex(max(index, 0))
        self.reload()

    def reload(self) -> None:
        if not self.allowed:
            return
        flt = self.current_filter()
        selected = set(self.selected_ids())
        items = review_items(self.store, flt)
        self.model.set_rows(items)
        total = review_count(self.store, flt)
        shown = f"{len(items):,} of {total:,}" if total > len(items) else f"{total:,}"
        text = f"{shown} awaiting review"
        if self_approval_enabled(self.store):  # a one-person team: say what it has approved so
            text += f" · {self_approved_count(self.store):,} self-approved (four eyes off)"
        self.count_label.setText(text)
        self._select([i for i, item in enumerate(items) if item.post_id in selected] or [0])

    def _select(self, rows: list[int]) -> None:
        sel = self.table.selectionModel()
        sel.clearSelection()
        for row in rows:
            if 0 <= row < self.model.rowCount():
                sel.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        if rows and 0 <= rows[0] < self.model.rowCount():
            sel.setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.table.scrollTo(self.model.index(rows[0], 0))
        self._show_current()

    @property
    def _taggers(self) -> dict[int, list[str]]:
        return taggers(self.store.conn, [i.post_id for i in self.selected_items()])

    def set_self_approval(self, enabled: bool) -> None:
        """Switch self-approval for the store (asks first when switching on; audited)."""
        if enabled and not self.confirm(
            "Allow self-approval",
            "Let supervisors approve posts they tagged themselves? Only for a one-person team: "
            "every such post is marked self-approved, and the change is kept in the audit.",
        ):
            enabled = False
        else:
            try:
                set_self_approval(self.store, enabled)
            except Exception as exc:
                report_problem(self, exc, "Cannot change self-approval")
        self.self_approval_action.blockSignals(True)
        self.self_approval_action.setChecked(self_approval_enabled(self.store))
        self.self_approval_action.blockSignals(False)
        self._show_current()

    def selected_items(self) -> list[ReviewItem]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r] for r in rows]

    def selected_ids(self) -> list[int]:
        return [item.post_id for item in self.selected_items()]

    def select_posts(self, post_ids: list[int]) -> None:
        wanted = set(post_ids)
        self._select([i for i, item in enumerate(self.model.rows) if item.post_id in wanted])

    def _show_current(self) -> None:
        items = self.selected_items()
        if not items:
            self.hint.setText("Nothing selected")
            self.preview.show_post(None)
            self.compare.set_current(None)
            self.tag_bar.show_tags([], enabled=False)
            return
        item = items[0]
        head = f"Post {item.post_id} · tagged by {item.analyst or '?'}"
        note = self.store.scalar("SELECT note FROM posts WHERE id = ?", (item.post_id,))
        if note:
            head += f" · note: {note}"
        if len(items) > 1:
            head += f"  ({len(items)} posts selected)"
        own = [i.post_id for i in items if self.store.user in self._taggers.get(i.post_id, [])]
        if own:  # four eyes: say before approving that this supervisor tagged it
            which = "this post" if len(items) == 1 else f"{len(own)} of these posts"
            if self_approval_enabled(self.store):
                head += (
                    f"\nYou tagged {which}: approving marks it self-approved "
                    "(self-approval is on for this store)"
                )
            else:
                head += f"\nYou tagged {which}: another supervisor must approve it (four eyes)"
        self.hint.setText(head)
        if self.preview.post_id != item.post_id:
            self.preview.show_post(item.post_id)
            self.compare.set_current(item.post_id)
        tags = {
            r[0]
            for r in self.store.execute(
                "SELECT tag FROM post_tags WHERE post_id = ?", (item.post_id,)
            )
        }
        self.tag_bar.show_tags(tags)

    # -- actions ------------------------------------------------------------------------------
    def _after(self, ids: list[int]) -> None:
        next_row = min((self.model.rows.index(i) for i in self.selected_items()), default=0)
        self.refresh()
        self._select([min(next_row, self.model.rowCount() - 1)])
        self.reviewed.emit(ids)

    def _describe(self, ids: list[int], verdict: str, reason: str | None = None) -> str:
        """'Approved post 12 (@handle)' / 'Rejected 3 posts: reason' for the status bar."""
        done = "Approved" if verdict == "approve" else "Rejected"
        if len(ids) == 1:
            handle = self.store.scalar(
                "SELECT a.handle FROM posts p LEFT JOIN accounts a ON a.id = p.account_id "
                "WHERE p.id = ?",
                (ids[0],),
            )
            what = f"{done} post {ids[0]}" + (f" (@{handle})" if handle else "")
        else:
            what = f"{done} {len(ids)} posts"
        if reason:
            what += f": {reason}"
        return what

    def _decided(self, batch: str, ids: list[int], verdict: str, reason: str | None) -> None:
        text = self._describe(ids, verdict, reason)
        self.last_message = f"{text}. Ctrl+Z undoes it until it is in a referral pack."
        self.message.emit(self.last_message)
        short = (
            text.split(":", 1)[0]
            .replace("Approved", "approval of")
            .replace("Rejected", "rejection of")
        )
        self.decided.emit(batch, short, ids, verdict, reason)

    def approve_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if len(ids) > 1 and not self.confirm(
            "Approve posts", f"Approve the {len(ids)} selected posts?"
        ):
            return
        try:
            batch = review(self.store, ids, "approve")
        except Exception as exc:
            report_problem(self, exc, "Cannot approve")
            return
        self._after(ids)
        self._decided(batch, ids, "approve", None)

    def reject_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        reason = self.ask_reason(len(ids))
        if reason is None:
            return
        if not reason.strip():
            report_problem(
                self,
                TriageError(
                    "A rejection needs a reason: type why in the Reject box "
                    "(the analyst sees it beside the post)"
                ),
                "Cannot reject",
            )
            return
        reason = reason.strip()
        try:
            batch = review(self.store, ids, "reject", reason)
        except Exception as exc:
            report_problem(self, exc, "Cannot reject")
            return
        self._after(ids)
        self._decided(batch, ids, "reject", reason)

    def approve_cluster(self) -> None:
        items = self.selected_items()
        if not items:
            return
        cluster = items[0].cluster_id
        if cluster is None:
            report_problem(self, _no_cluster(items[0].post_id), "No cluster")
            return
        ids = [
            r[0]
            for r in self.store.execute(
                "SELECT id FROM posts WHERE cluster_id = ? AND status = 'tagged'", (cluster,)
            )
        ]
        if len(ids) > 1 and not self.confirm(
            "Approve cluster",
            f"Approve all {len(ids)} tagged posts of cluster {cluster}, including those not "
            "shown under the current filters?",
        ):
            return
        try:
            batch = approve_cluster(self.store, cluster)
        except Exception as exc:
            report_problem(self, exc, "Cannot approve the cluster")
            return
        self._after(ids)
        self._decided(batch, ids, "approve", None)

    def _cluster_tagged(self, _batch: str, post_ids: list[int], _tag: str) -> None:
        self.refresh()
        self.reviewed.emit(post_ids)

    def toggle(self, tag: str) -> None:
        """Re-tag the selection as in the analyst view (one key, toggling)."""
        ids = self.selected_ids()
        if not ids:
            return
        try:
            batch = toggle_tag(self.store, ids, tag)
        except Exception as exc:
            report_problem(self, exc, "Cannot re-tag")
            return
        label = self.store.taxonomy[tag].label if tag in self.store.taxonomy else tag
        what = f"{label} on post {ids[0]}" if len(ids) == 1 else f"{label} on {len(ids)} posts"
        self.retagged.emit(batch, what, ids)
        self.message.emit(f"Re-tagged: {what}")
        selected = ids
        self.refresh()
        self.select_posts(selected)
        self.reviewed.emit(ids)

    def _confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_reason(self, count: int) -> str | None:
        text, ok = QInputDialog.getText(
            self,
            "Reject",
            f"Why {'are these ' + str(count) + ' posts' if count > 1 else 'is this post'} "
            "rejected? (The analyst sees this reason.)",
        )
        return text if ok else None


def _no_cluster(post_id: int) -> Exception:
    return TriageError(f"Post {post_id} is not in a cluster of similar posts")
