"""Blind second review in the window: the reviewer's pending posts (text only — no first tags,
no status), tag buttons to give an independent answer, and for supervisors the sampling
controls, agreement per analyst and the disagreements to discuss."""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..store import blind_review
from ..store.blind_review import BlindItem, Disagreement
from ..store.connection import Store
from ..store.users import list_users
from .rows_model import RowsModel, report_problem
from .tag_bar import TagBar


def _kappa(value: object) -> str:
    return "n/a" if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]


class BlindReviewView(QWidget):
    """Answer blind reviews; supervisors also sample and read agreement."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blindReviewView")
        self.setAccessibleName("Blind second review")
        self.store = store
        self.last_reveal = ""
        layout = QVBoxLayout(self)

        self.sampler = QGroupBox("Sample an analyst's decisions", self)
        row = QHBoxLayout(self.sampler)
        self.analyst = QComboBox(self.sampler)
        self.analyst.setObjectName("blindAnalyst")
        self.reviewer = QComboBox(self.sampler)
        self.reviewer.setObjectName("blindReviewer")
        self.sample_size = QSpinBox(self.sampler)
        self.sample_size.setRange(1, blind_review.MAX_SAMPLE)
        self.sample_size.setValue(20)
        sample = QPushButton("Sample", self.sampler)
        sample.setObjectName("blindSample")
        sample.setToolTip("Pick posts this analyst tagged or dismissed for a blind review")
        sample.clicked.connect(self.sample)
        self.sample_button = sample
        self.analyst.activated.connect(lambda _i: self._keep_apart(self.analyst))
        self.reviewer.activated.connect(lambda _i: self._keep_apart(self.reviewer))
        for label, widget in (
            ("Analyst:", self.analyst),
            ("Reviewer:", self.reviewer),
            ("Posts:", self.sample_size),
        ):
            row.addWidget(QLabel(label, self.sampler))
            row.addWidget(widget)
        row.addWidget(sample)
        self.sampler_note = QLabel(self.sampler)
        self.sampler_note.setObjectName("blindSamplerNote")
        self.sampler_note.setWordWrap(True)
        row.addWidget(self.sampler_note, 1)
        layout.addWidget(self.sampler)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.pending_model = RowsModel(
            ("Post", "Platform", "Text"),
            lambda i: (i.post_id, i.platform, " ".join(i.text.split())[:80]),
            self,
        )
        self.pending = QTableView(splitter)
        self.pending.setObjectName("blindPending")
        self.pending.setAccessibleName("Posts waiting for your blind review")
        self.pending.setModel(self.pending_model)
        self.pending.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.pending.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.pending.verticalHeader().setVisible(False)
        self.pending.horizontalHeader().setStretchLastSection(True)
        self.pending.selectionModel().selectionChanged.connect(lambda *_: self._show())
        right = QWidget(splitter)
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        self.text = QTextBrowser(right)
        self.text.setObjectName("blindText")
        rlay.addWidget(self.text, 1)
        self.tags = TagBar(right)
        self.tags.set_taxonomy(store.taxonomy.values())
        self.tags.tagClicked.connect(self._toggle_choice)
        rlay.addWidget(self.tags)
        answer_row = QHBoxLayout()
        self.answer_button = QPushButton("Record my answer  (Enter)", right)
        self.answer_button.setObjectName("blindAnswer")
        self.answer_button.setToolTip(
            "Save your tags for this post (Enter); the analyst's tags are shown only after this"
        )
        self.answer_button.clicked.connect(self.answer)
        answer_row.addWidget(self.answer_button)
        self.reveal = QLabel(right)
        self.reveal.setObjectName("blindReveal")
        self.reveal.setWordWrap(True)
        answer_row.addWidget(self.reveal, 1)
        rlay.addLayout(answer_row)
        layout.addWidget(splitter, 2)

        self.report = QGroupBox("Agreement and disagreements", self)
        rep = QVBoxLayout(self.report)
        self.agreement_label = QLabel(self.report)
        self.agreement_label.setObjectName("blindAgreement")
        self.agreement_label.setTextFormat(Qt.TextFormat.RichText)
        rep.addWidget(self.agreement_label)
        self.disagreement_model = RowsModel(
            ("Post", "Analyst", "Analyst's tags", "Reviewer", "Reviewer's tags", "Text"),
            lambda d: (
                d.post_id,
                d.analyst,
                self._labels(d.first),
                d.reviewer,
                self._labels(d.second),
                " ".join(d.text.split())[:80],
            ),
            self,
        )
        table = QTableView(self.report)
        table.setObjectName("blindDisagreements")
        table.setModel(self.disagreement_model)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        # A short table (the disagreements of one sample): every column as wide as it needs,
        # so that no heading is cut; the text takes the rest.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        rep.addWidget(table)
        layout.addWidget(self.report, 1)
        self._build_keys()
        self.refresh()

    def _build_keys(self) -> None:
        """One key per tag as in the queue (1–9, 0, E toggle the answer's tags), Enter records
        the answer; bound to this tab only, so they never reach the queue."""
        self.key_actions: dict[str, QAction] = {}
        for tag in self.store.taxonomy.values():
            if not tag.number_key:
                continue
            action = QAction(f"Toggle {tag.label}", self)
            action.setShortcut(QKeySequence(tag.number_key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _c=False, k=tag.key: self._key_toggle(k))
            self.addAction(action)
            self.key_actions[tag.key] = action
        record = QAction("Record my answer", self)
        record.setShortcuts([QKeySequence("Return"), QKeySequence("Enter")])
        record.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        record.triggered.connect(self.answer)
        self.addAction(record)
        self.record_action = record

    def _key_toggle(self, key: str) -> None:
        if self.current() is not None and key in self.tags.buttons:
            self._toggle_choice(key)

    def set_store(self, store: Store) -> None:
        self.store = store
        self.refresh()

    @property
    def is_supervisor(self) -> bool:
        return self.store.role_of() == "supervisor"

    def refresh(self) -> None:
        supervisor = self.is_supervisor
        self.sampler.setVisible(supervisor)
        self.report.setVisible(supervisor)
        if supervisor:
            users = list_users(self.store)
            for combo, names in (
                (self.analyst, [n for n, r in users if r == "analyst"] or [n for n, _ in users]),
                (self.reviewer, [n for n, _ in users]),
            ):
                chosen = combo.currentText()
                combo.clear()
                combo.addItems(names)
                if chosen in names:
                    combo.setCurrentText(chosen)
            self._default_people(len(users))
            self._fill_report()
        items = blind_review.pending_items(self.store)
        self.pending_model.set_rows(items)
        if items:
            self.pending.selectRow(0)
        self._show()

    def _default_people(self, people: int) -> None:
        """Analyst and reviewer are two different people: by default an analyst other than
        the person sampling, and the person sampling as the reviewer."""
        if people < 2:
            self.sample_button.setEnabled(False)
            self.sampler_note.setText(
                "A blind review needs two people: the store has only one user. Add a second "
                "person (an analyst or a supervisor) before sampling."
            )
            return
        self.sample_button.setEnabled(True)
        self.sampler_note.clear()
        me = self.store.user
        if self.analyst.currentText() == me:
            others = [self.analyst.itemText(i) for i in range(self.analyst.count())]
            others = [n for n in others if n != me]
            if others:
                self.analyst.setCurrentText(others[0])
        reviewer = self.reviewer.currentText()
        if (
            self.reviewer.findText(me) >= 0
            and self.analyst.currentText() != me
            and (not reviewer or reviewer == self.analyst.currentText())
        ):
            self.reviewer.setCurrentText(me)
        self._keep_apart(self.analyst)

    def _keep_apart(self, changed: QComboBox) -> None:
        """When one choice makes analyst and reviewer the same person, move the other one."""
        if self.analyst.currentText() != self.reviewer.currentText():
            return
        other = self.reviewer if changed is self.analyst else self.analyst
        for combo, avoid in ((other, changed.currentText()), (changed, other.currentText())):
            for i in range(combo.count()):
                if combo.itemText(i) != avoid:
                    combo.setCurrentIndex(i)
                    return

    def current(self) -> BlindItem | None:
        rows = self.pending.selectionModel().selectedRows()
        return self.pending_model.rows[rows[0].row()] if rows else None

    def _show(self) -> None:
        item = self.current()
        self.tags.show_tags([], enabled=item is not None)
        self.answer_button.setEnabled(item is not None)
        if item is None:
            self.text.setPlainText("Nothing waiting for your blind review.")
            return
        self.text.setPlainText(
            f"Post {item.post_id} · {item.platform} · @{item.handle or '?'}\n\n{item.text}"
        )

    def _toggle_choice(self, key: str) -> None:
        button = self.tags.buttons[key]
        button.setChecked(not button.isChecked())

    def choose(self, tags: list[str]) -> None:
        """Set the answer's tags (tests; the buttons do the same one at a time)."""
        self.tags.show_tags(tags)

    def answer(self) -> None:
        item = self.current()
        if item is None:
            return
        try:
            first, second = blind_review.record_answer(
                self.store, item.post_id, self.tags.checked()
            )
        except Exception as exc:
            report_problem(self, exc, "Cannot record the answer")
            return
        verdict = "You agree." if first == second else "You differ."
        self.last_reveal = (
            f"Post {item.post_id}: the analyst tagged "
            f"{self._labels(first) or 'nothing'}; you tagged "
            f"{self._labels(second) or 'nothing'}. {verdict}"
        )
        self.refresh()
        self.reveal.setText(self.last_reveal)

    def _labels(self, keys: Iterable[str]) -> str:
        """Tags as the tag bar names them ("Money transfer"), not by their keys."""
        taxonomy = self.store.taxonomy
        return ", ".join(taxonomy[k].label if k in taxonomy else k for k in keys)

    def sample(self) -> None:
        try:
            chosen = blind_review.sample(
                self.store,
                self.analyst.currentText(),
                self.sample_size.value(),
                reviewer=self.reviewer.currentText() or None,
            )
        except Exception as exc:
            report_problem(self, exc, "Cannot sample")
            return
        self.refresh()
        self.reveal.setText(f"Sampled {len(chosen)} posts.")

    def _fill_report(self) -> None:
        report = blind_review.agreement_report(self.store)
        lines = [f"{report['answered']} answered, {report['pending']} pending."]
        for name, s in report["by_analyst"].items():
            lines.append(
                f"<b>{html.escape(name)}</b>: {s['n']} posts, identical tags on "
                f"{s['exact_agreements']}, relevance kappa "
                f"{_kappa(s['relevance']['kappa'])}"
            )
        self.agreement_label.setText("<br>".join(lines))
        rows: list[Disagreement] = blind_review.disagreements(self.store)
        self.disagreement_model.set_rows(rows)
