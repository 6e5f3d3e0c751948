"""The audit trail view: rows filtered by actor, action, post and day, and a "Verify chain"
button that walks the hash chain and names (and selects) the first bad row, then compares the
chain with its signed checkpoints and replays the decisions (naming the first problem)."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..store.audit import AuditCheck, verify_audit
from ..store.audit_query import AuditRow, distinct_values, list_audit, readable_detail
from ..store.checkpoints import check_anchor
from ..store.connection import Store
from ..store.replay import replay_all
from .rows_model import RowsModel, report_problem

HEADERS = ("Row", "Time (UTC)", "Actor", "Action", "Object", "Detail")
LIMIT = 5000
ANY = "__any__"


def _cells(row: AuditRow) -> tuple[object, ...]:
    obj = f"{row.object_type} {row.object_id}" if row.object_type else ""
    text = readable_detail(row.detail)
    return (row.id, row.at[:19].replace("T", " "), row.actor, row.action, obj, text)


class AuditView(QWidget):
    """Read-only list of the audit trail with filters and a chain check."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditView")
        self.setAccessibleName("Audit trail")
        self.store = store
        self.last_check: AuditCheck | None = None
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.actor = QComboBox(self)
        self.actor.setObjectName("auditActor")
        self.action = QComboBox(self)
        self.action.setObjectName("auditAction")
        for combo, label in ((self.actor, "Actor"), (self.action, "Action")):
            combo.setToolTip(f"Show only rows with this {label.lower()}")
            combo.setAccessibleName(f"Filter by {label.lower()}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.activated.connect(lambda _i=0: self.reload())
            filters.addWidget(QLabel(f"{label}:", self))
            filters.addWidget(combo)
        filters.addWidget(QLabel("Post:", self))
        self.post = QLineEdit(self)
        self.post.setObjectName("auditPost")
        self.post.setPlaceholderText("post id")
        self.post.setMaximumWidth(90)
        self.post.setToolTip("Show only rows about this post (its id)")
        self.post.returnPressed.connect(self.reload)
        filters.addWidget(self.post)
        self.use_since = QCheckBox("From", self)
        self.use_since.setToolTip("Show only rows from this day on (UTC)")
        self.since = QDateEdit(QDate.currentDate().addDays(-30), self)
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.use_since.toggled.connect(lambda _c: self.reload())
        self.since.dateChanged.connect(lambda _d: self.reload())
        filters.addWidget(self.use_since)
        filters.addWidget(self.since)
        filters.addStretch(1)
        self.verify_button = QPushButton("Verify chain", self)
        self.verify_button.setObjectName("verifyChain")
        self.verify_button.setToolTip(
            "Check every row's hash and link; name the first bad row (Ctrl+Shift+V)"
        )
        self.verify_button.clicked.connect(self.verify)
        filters.addWidget(self.verify_button)
        refresh = QPushButton("Refresh", self)
        refresh.setToolTip("Read the trail again (F5)")
        refresh.clicked.connect(self.refresh)
        filters.addWidget(refresh)
        layout.addLayout(filters)
        for text, keys, handler in (
            ("Verify chain", "Ctrl+Shift+V", self.verify),
            ("Refresh", "F5", self.refresh),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(handler)
            self.addAction(action)

        self.result = QLabel(self)
        self.result.setObjectName("verifyResult")
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        self.model = RowsModel(HEADERS, _cells, self)
        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName("Audit rows, newest first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in enumerate((60, 140, 90, 100, 160)):
            header.resizeSection(col, width)
        layout.addWidget(self.table, 1)
        self.count = QLabel(self)
        layout.addWidget(self.count)
        self.refresh()

    def set_store(self, store: Store) -> None:
        self.store = store
        self.refresh()

    def refresh(self) -> None:
        for combo, column in ((self.actor, "actor"), (self.action, "action")):
            chosen = combo.currentData()
            combo.clear()
            combo.addItem("All", ANY)
            for value in distinct_values(self.store, column):
                combo.addItem(value, value)
            combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen else 0)
        self.reload()

    def set_filters(
        self, *, actor: str | None = None, action: str | None = None, post: int | None = None
    ) -> None:
        """Set the filters in one go (the main window's "audit of this post", tests)."""
        self.actor.setCurrentIndex(max(self.actor.findData(actor or ANY), 0))
        self.action.setCurrentIndex(max(self.action.findData(action or ANY), 0))
        self.post.setText("" if post is None else str(post))
        self.reload()

    def reload(self) -> None:
        text = self.post.text().strip()
        if text and not text.isdigit():
            self.result.setText(f"Post must be a post id (a number), not {text!r}")
            return
        actor, action = self.actor.currentData(), self.action.currentData()
        since = self.since.date().toString("yyyy-MM-dd") if self.use_since.isChecked() else None
        try:
            rows = list_audit(
                self.store,
                actor=None if actor in (None, ANY) else actor,
                action=None if action in (None, ANY) else action,
                post=int(text) if text else None,
                since=since,
                limit=LIMIT,
            )
        except Exception as exc:
            report_problem(self, exc, "Cannot read the audit trail")
            return
        self.model.set_rows(rows)
        more = " (newest shown; narrow the filters to see older rows)" if len(rows) == LIMIT else ""
        self.count.setText(f"{len(rows):,} rows{more}")
        self._mark_bad()

    def verify(self) -> AuditCheck:
        check = verify_audit(self.store.conn)
        self.last_check = check
        problems = self._outside_changes() if check.ok else []
        if problems:
            # The chain holds, but not against its checkpoints, or posts' tags or statuses are
            # not what their decisions give (store/checkpoints.py, store/replay.py).
            more = f" ({len(problems) - 1:,} more; View ▸ Verify audit chain names each)"
            self.result.setText(
                f"The store was changed outside the program: {problems[0]}"
                + (more if len(problems) > 1 else "")
            )
            self.result.setStyleSheet("color: #b10026; font-weight: bold;")
            return dataclasses.replace(check, ok=False, reason=problems[0])
        if check.ok:
            self.result.setText(f"Audit chain intact: {check.rows:,} rows checked.")
            self.result.setStyleSheet("color: #1a7f37; font-weight: bold;")
        else:
            self.result.setText(
                f"Audit chain broken at row {check.first_bad_id}: "
                f"{check.reason}. Rows after it cannot be trusted either."
            )
            self.result.setStyleSheet("color: #b10026; font-weight: bold;")
            self._mark_bad()
        return check

    def _outside_changes(self) -> list[str]:
        """Forged or unsigned decisions, checkpoint problems and replay mismatches, as lines
        (empty when none)."""
        from ..store.personal_keys import existing_key_for, pinned_founder, registration_store_id
        from ..store.signature_audit import verify_signatures

        try:
            mine = existing_key_for(self.store)
            own = (self.store.user, mine.public_text()) if mine else None
            pinned = pinned_founder(registration_store_id(self.store.conn))
            check = verify_signatures(self.store.conn, own=own, pinned=pinned)
            signatures = [p.line for p in check.problems]
            anchor = check_anchor(self.store)
            replay = replay_all(self.store)
        except Exception as exc:  # e.g. a damaged checkpoint copy: say so, do not crash
            return [f"the checkpoints could not be checked ({exc})"]
        return signatures + anchor.problems + [m.line() for m in replay.mismatches]

    def _mark_bad(self) -> None:
        check = self.last_check
        if check is None or check.ok:
            return
        for i, row in enumerate(self.model.rows):
            if row.id == check.first_bad_id:
                self.table.selectRow(i)
                self.table.scrollTo(self.model.index(i, 0))
                return
