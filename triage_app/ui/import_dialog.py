"""Import from the window: the import pipeline runs on the worker while this dialog shows the
file, the record count and the rate, and can cancel; at the end it shows the summary per file
(inserted, already present, quarantined, refused with the reason).

Cancel stops the file in hand, which the pipeline rolls back whole: nothing half-imported."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..ingest.accounting_text import notice_word, summary_lines
from ..ingest.pipeline import FileSummary, ImportProgress, import_paths
from ..ingest.registry import importers
from ..store.connection import Store
from .screen_fit import fit_to_screen
from .tasks import Task, TaskContext, TaskRunner
from .wording import window_wording

SUMMARY_COLUMNS = (
    "File",
    "Format",
    "Inserted",
    "Already present",
    "Quarantined",
    "Skipped",
    "Media refused",
    "Lines / records",  # issue 13's accounting: where every line (or record) went
    "Result",
)


def accounting_cell(s: FileSummary) -> str:
    """Where a file's lines went (line-based formats: the four add up to its lines), else what
    its importer read (records = posts + skipped + quarantined); the tooltip says more."""
    if s.error:
        return ""
    if s.lines is not None:
        n = s.lines
        return (
            f"{n['total']:,} lines: {n['posts']:,} posts, {n['continuation']:,} continuation, "
            f"{n['notices']:,} {notice_word(s.format)}, {n['quarantined']:,} quarantined"
        )
    if s.items is not None:
        n = s.items
        return (
            f"{n['seen']:,} records: {n['posts']:,} posts, {n['skipped']:,} skipped, "
            f"{n['quarantined']:,} quarantined"
        )
    return ""


def import_job(
    store: Store, paths: Sequence[Path], fmt: str = "auto", date_order: str | None = None
) -> Callable[[TaskContext], list[FileSummary]]:
    """The worker's job: its own connection (SQLite connections belong to one thread)."""

    def job(ctx: TaskContext) -> list[FileSummary]:
        own = store.reopen()
        try:

            def progress(p: ImportProgress) -> None:
                ctx.progress(
                    Path(p.name).name,
                    p.records,
                    p.bytes_done,
                    p.bytes_total,
                    p.rate,
                    p.file_index,
                    p.file_count,
                )

            return import_paths(
                own,
                list(paths),
                fmt,
                progress=progress,
                cancelled=ctx.cancelled,
                date_order=date_order,
            )
        finally:
            own.close()

    return job


class ImportDialog(QDialog):
    """Progress while importing, then the summary. ``imported`` fires when posts were added."""

    imported = Signal(int)  # posts inserted in total
    crashed = Signal(object)  # an unexpected exception (a bug), for the crash dialog

    def __init__(
        self,
        store: Store,
        paths: Sequence[Path],
        runner: TaskRunner,
        parent: QWidget | None = None,
        fmt: str = "auto",
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.setObjectName("importDialog")
        self.setWindowTitle("Import")
        self.setModal(True)
        self.paths = list(paths)
        self.summaries: list[FileSummary] | None = None
        self.error: BaseException | None = None

        # The format: found automatically, or chosen here when a file could be several formats
        # or none the program recognises (the window's twin of the command line's --format).
        self.format_choice = QComboBox(self)
        self.format_choice.setObjectName("importFormat")
        self.format_choice.setAccessibleName("Format of the files")
        self.format_choice.addItem("Automatic (recognise each file)", "auto")
        for name, importer in sorted(importers().items()):
            self.format_choice.addItem(f"{importer.description} [{name}]", name)
        index = self.format_choice.findData(fmt)
        self.format_choice.setCurrentIndex(max(index, 0))
        self.again_button = QPushButton("Import again with this format", self)
        self.again_button.setObjectName("importAgain")
        self.again_button.setToolTip("Import the files that were not imported, as this format")
        self.again_button.hide()
        self.again_button.clicked.connect(self.import_again)
        # How a chat's dates read when the file cannot tell day from month (--date-order).
        self.date_choice = QComboBox(self)
        self.date_choice.setObjectName("importDateOrder")
        self.date_choice.setAccessibleName("Order of day and month in chat dates")
        self.date_choice.setToolTip(
            "A WhatsApp chat whose dates never show whether the day or the month comes first "
            "is not imported until you say which"
        )
        self.date_choice.addItem("as the file shows", None)
        self.date_choice.addItem("day first (31/12)", "dmy")
        self.date_choice.addItem("month first (12/31)", "mdy")
        dates_row = QHBoxLayout()
        dates_row.addWidget(QLabel("Chat dates:", self))
        dates_row.addWidget(self.date_choice)
        dates_row.addStretch(1)
        format_row = QHBoxLayout()
        format_row.addWidget(QLabel("Format:", self))
        format_row.addWidget(self.format_choice, 1)
        format_row.addWidget(self.again_button)
        self.file_label = QLabel("Starting…", self)
        self.file_label.setObjectName("importFile")
        self.file_label.setWordWrap(True)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("importCount")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("importProgress")
        self.bar.setRange(0, 0)
        self.table = QTableWidget(0, len(SUMMARY_COLUMNS), self)
        self.table.setObjectName("importSummary")
        self.table.setHorizontalHeaderLabels(SUMMARY_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            len(SUMMARY_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("importCancel")
        self.cancel_button.setToolTip("Stop; the file being read is left out entirely")
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("importClose")
        self.close_button.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(format_row)
        layout.addLayout(dates_row)
        layout.addWidget(self.file_label)
        layout.addWidget(self.count_label)
        layout.addWidget(self.bar)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        fit_to_screen(self, (720, 200))

        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        self.task: Task = self._start(self.paths, self.chosen_format)

    @property
    def chosen_format(self) -> str:
        return str(self.format_choice.currentData() or "auto")

    def _start(self, paths: Sequence[Path], fmt: str) -> Task:
        self.format_choice.setEnabled(False)
        self.date_choice.setEnabled(False)
        date_order = self.date_choice.currentData()
        task = self.runner.submit(import_job(self.store, paths, fmt, date_order), "import")
        task.progressed.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        task.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        task.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        return task

    def refused_paths(self) -> list[Path]:
        return [Path(s.path) for s in self.summaries or [] if s.error]

    @Slot()
    def import_again(self) -> None:
        """Import the files that were refused again, as the format chosen above."""
        paths = self.refused_paths()
        if not paths:
            return
        self.summaries = None
        self.error = None
        self.again_button.hide()
        self.close_button.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.bar.setRange(0, 0)
        self.file_label.setText("Starting…")
        self.task = self._start(paths, self.chosen_format)

    @property
    def is_finished(self) -> bool:
        return self.summaries is not None or self.error is not None

    @Slot()
    def cancel(self) -> None:
        self.task.cancel()
        self.cancel_button.setEnabled(False)
        self.file_label.setText(f"{self.file_label.text()} — cancelling…")

    def reject(self) -> None:
        """Esc or the window's close box: cancel while running, close when finished."""
        if not self.is_finished:
            self.cancel()
            return
        super().reject()

    @Slot(tuple)
    def _progress(self, values: tuple[Any, ...]) -> None:
        name, records, done, total, rate, index, count = values
        which = f" (file {index + 1} of {count})" if count > 1 else ""
        self.file_label.setText(f"Reading {name}{which}")
        self.count_label.setText(f"{records:,} records · {rate:,.0f} records/s")
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))

    @Slot(object)
    def _finished(self, summaries: list[FileSummary]) -> None:
        self.summaries = summaries
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        inserted = sum(s.inserted for s in summaries)
        refused = sum(1 for s in summaries if s.error)
        media_refused = sum(s.media_refused for s in summaries)
        self.file_label.setText(
            f"Done: {inserted:,} new posts from {len(summaries)} file(s)"
            + (
                f"; {refused} file(s) not imported (if the format was not recognised, or a "
                "chat's dates do not show the day and month order, choose above and import again)"
                if refused
                else ""
            )
            + (
                f"; {media_refused:,} media file(s) refused (outside the export, not a regular "
                "file or too large; the preview names each)"
                if media_refused
                else ""
            )
        )
        self.count_label.setText("")
        self.table.setRowCount(len(summaries))
        for r, s in enumerate(summaries):
            values = (
                Path(s.path).name,
                s.format or "",
                f"{s.inserted:,}",
                f"{s.present:,}",
                f"{s.quarantined:,}",
                f"{s.skipped:,}",
                f"{s.media_refused:,}",
                accounting_cell(s),
                f"not imported: {window_wording(s.error.replace(s.path, Path(s.path).name))}"
                if s.error
                else "imported",
            )
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                tip = s.path if c == 0 else v
                if SUMMARY_COLUMNS[c] == "Lines / records":
                    tip = "\n".join(summary_lines(s, always=True)) or v
                item.setToolTip(tip)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.show()
        self._end()
        if refused:
            self.format_choice.setEnabled(True)
            self.date_choice.setEnabled(True)
            self.again_button.show()
            self.format_choice.setFocus()
        fit_to_screen(self, (max(self.width(), 760), max(self.height(), 320)))
        self.imported.emit(inserted)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        self.file_label.setText(f"The import stopped: {window_wording(str(exc))}")
        self._end()
        if not isinstance(exc, TriageError):
            self.crashed.emit(exc)

    def _end(self) -> None:
        self.cancel_button.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()
