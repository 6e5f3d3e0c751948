"""The filter bar over the queue: search box (FTS5) with its inline message, and the filters
(status, platform, tag, language, date range, only mine).

It only edits a QueueQuery; the window runs it. A bad search is shown under the box by the
window calling :meth:`FilterBar.show_search_error`, never raised at the user."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..core.language_names import language_label
from ..core.taxonomy import Tag
from ..core.workflow import STATUSES
from ..store.queue import QueueQuery

ANY = ""
SEARCH_DELAY_MS = 400
_NO_DATE = QDate(2000, 1, 1)


class LazyCombo(QComboBox):
    """A drop-down whose choices are read from the store only when first opened, because
    listing the platforms of a million posts is a full table scan the window must not wait on."""

    def __init__(
        self,
        any_label: str,
        loader: Callable[[], list[str]] | None = None,
        parent: QWidget | None = None,
        label: Callable[[str], str] = str,
    ) -> None:
        super().__init__(parent)
        self.addItem(any_label, ANY)
        self.loader = loader
        self.label = label  # what is shown for a value (the value itself stays the data)
        self._loaded = False

    def showPopup(self) -> None:  # noqa: N802 (Qt name)
        self.ensure_loaded()
        super().showPopup()

    def ensure_loaded(self) -> None:
        if self._loaded or self.loader is None:
            return
        self._loaded = True
        for value in self.loader():
            if self.findData(value) < 0:
                self._add(value)

    def _add(self, value: str) -> None:
        self.addItem(self.label(value), value)
        if self.label(value) != value:
            self.setItemData(self.count() - 1, value, Qt.ItemDataRole.ToolTipRole)

    def reset_choices(self) -> None:
        while self.count() > 1:
            self.removeItem(1)
        self._loaded = False

    def set_value(self, value: str | None) -> None:
        value = value or ANY
        if self.findData(value) < 0:
            self._add(value)
        self.setCurrentIndex(self.findData(value))

    def value(self) -> str | None:
        data = self.currentData()
        return str(data) if data else None


def _date_edit(tip: str, parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(_NO_DATE)
    edit.setSpecialValueText("any")  # the minimum date means "no limit"
    edit.setDate(_NO_DATE)
    edit.setToolTip(tip)
    return edit


def _to_unix(date: QDate, *, end: bool) -> int | None:
    if date == _NO_DATE:
        return None
    day = dt.date(date.year(), date.month(), date.day())
    if end:
        day += dt.timedelta(days=1)  # "to" includes the whole day
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def _from_unix(ts: int | None, *, end: bool) -> QDate:
    if ts is None:
        return _NO_DATE
    day = dt.datetime.fromtimestamp(ts, dt.UTC).date()
    if end:
        day -= dt.timedelta(days=1)
    return QDate(day.year, day.month, day.day)


class FilterBar(QWidget):
    """Search box and filters; emits ``changed`` with the edited query."""

    changed = Signal(object)  # QueueQuery

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._base = QueueQuery()
        self._quiet = False

        self.search = QLineEdit(self)
        self.search.setObjectName("searchBox")
        self.search.setAccessibleName("Search posts")
        self.search.setPlaceholderText('Search: words, "a phrase", OR, NOT, prefix*   (Ctrl+F)')
        self.search.setToolTip(
            "Full-text search over post text, handles and names (FTS5 syntax); "
            "Enter searches at once, Esc returns to the queue"
        )
        self.search.setClearButtonEnabled(True)
        self.search_error = QLabel(self)
        self.search_error.setObjectName("searchError")
        self.search_error.setAccessibleName("Search problem")
        self.search_error.setWordWrap(True)
        self.search_error.linkActivated.connect(self._run_suggestion)  # no-hit suggestions
        self.search_error.hide()

        self.status = QComboBox(self)
        self.status.setObjectName("statusFilter")
        self.status.addItem("Any status", ANY)
        for s in STATUSES:
            self.status.addItem(s, s)
        self.platform = LazyCombo("Any platform", parent=self)
        self.platform.setObjectName("platformFilter")
        self.tag = QComboBox(self)
        self.tag.setObjectName("tagFilter")
        self.tag.addItem("Any tag", ANY)
        self.language = LazyCombo("Any language", parent=self, label=language_label)
        self.language.setObjectName("languageFilter")
        self.date_from = _date_edit("Posted on or after this day (UTC)", self)
        self.date_from.setObjectName("dateFrom")
        self.date_to = _date_edit("Posted on or before this day (UTC)", self)
        self.date_to.setObjectName("dateTo")
        self.only_mine = QCheckBox("Only mine", self)
        self.only_mine.setObjectName("onlyMine")
        self.only_mine.setToolTip("Posts you have decided on or are holding")
        self.pivot_label = QLabel(self)
        self.pivot_label.setObjectName("pivotLabel")
        self.pivot_label.hide()
        for w, tip in (
            (self.status, "Status"),
            (self.platform, "Platform"),
            (self.tag, "Tag"),
            (self.language, "Language"),
        ):
            w.setToolTip(f"Show only posts with this {tip.lower()}")
            w.setAccessibleName(f"{tip} filter")
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.status)
        filters.addWidget(self.platform)
        filters.addWidget(self.tag)
        filters.addWidget(self.language)
        filters.addWidget(QLabel("From", self))
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("to", self))
        filters.addWidget(self.date_to)
        filters.addWidget(self.only_mine)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 2)
        layout.setSpacing(3)
        layout.addWidget(self.search)
        layout.addWidget(self.search_error)
        layout.addLayout(filters)
        layout.addWidget(self.pivot_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._emit)
        self.search.textEdited.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._emit)
        for combo in (self.status, self.platform, self.tag, self.language):
            combo.currentIndexChanged.connect(lambda _i: self._emit())
        self.date_from.dateChanged.connect(lambda _d: self._emit())
        self.date_to.dateChanged.connect(lambda _d: self._emit())
        self.only_mine.toggled.connect(lambda _b: self._emit())

    def set_sources(self, taxonomy: dict[str, Tag], loader: Callable[[str], list[str]]) -> None:
        """Fill the tag list and say where platform/language choices come from."""
        self._quiet = True
        try:
            while self.tag.count() > 1:
                self.tag.removeItem(1)
            for key, tag in taxonomy.items():
                self.tag.addItem(tag.label, key)
            self.platform.reset_choices()
            self.language.reset_choices()
            self.platform.loader = lambda: loader("platform")
            self.language.loader = lambda: loader("language")
        finally:
            self._quiet = False

    def query(self) -> QueueQuery:
        """The query the widgets describe, keeping sort and pivot from the last one set."""
        return replace(
            self._base,
            status=self.status.currentData() or None,
            platform=self.platform.value(),
            tag=self.tag.currentData() or None,
            language=self.language.value(),
            date_from=_to_unix(self.date_from.date(), end=False),
            date_to=_to_unix(self.date_to.date(), end=True),
            only_mine=self.only_mine.isChecked(),
            search=self.search.text().strip(),
        )

    def set_query(self, query: QueueQuery) -> None:
        """Show ``query`` in the widgets without emitting ``changed``."""
        self._quiet = True
        try:
            self._base = query
            self.status.setCurrentIndex(max(0, self.status.findData(query.status or ANY)))
            self.platform.set_value(query.platform)
            self.tag.setCurrentIndex(max(0, self.tag.findData(query.tag or ANY)))
            self.language.set_value(query.language)
            self.date_from.setDate(_from_unix(query.date_from, end=False))
            self.date_to.setDate(_from_unix(query.date_to, end=True))
            self.only_mine.setChecked(query.only_mine)
            if self.search.text().strip() != query.search:
                self.search.setText(query.search)
            if query.pivot is not None:
                label = query.pivot_label or f"{len(query.pivot)} chosen posts"
                self.pivot_label.setText(
                    f"Showing only: {label} — View ▸ Clear filters to return to the whole queue"
                )
                self.pivot_label.show()
            else:
                self.pivot_label.hide()
        finally:
            self._quiet = False

    def show_search_error(self, message: str | None) -> None:
        self.search_error.setTextFormat(Qt.TextFormat.PlainText)
        if message:
            self.search_error.setText(message)
            self.search_error.show()
            self.search.setProperty("invalid", True)
        else:
            self.search_error.clear()
            self.search_error.hide()
            self.search.setProperty("invalid", False)
        # Re-apply the style so the [invalid="true"] rule of app.qss takes effect.
        self.search.style().unpolish(self.search)
        self.search.style().polish(self.search)

    def show_no_hits(self, search: str, suggestions: list[Any]) -> None:
        """Under the box: the search found nothing, and the nearest searches that find posts
        (store/search_suggest.py), each a link that runs it."""
        head = html.escape(f"No posts match “{search.strip()}”")
        if suggestions:
            links = "; ".join(
                f'<a href="{html.escape(s.search, quote=True)}">{html.escape(s.search)}</a> '
                f"({s.posts_text()}, {html.escape(s.why)})"
                for s in suggestions
            )
            body = f"{head}. Try {links}."
        else:
            body = f"{head} (Arabic-script letter and digit variants were searched too)."
        self.search_error.setTextFormat(Qt.TextFormat.RichText)
        self.search_error.setText(body)
        self.search_error.setAccessibleDescription(
            f"No posts match {search.strip()}. "
            + "; ".join(f"Try {s.search}, {s.posts_text()}" for s in suggestions)
        )
        self.search_error.show()

    def _run_suggestion(self, search: str) -> None:
        self.search.setText(search)
        self._emit()

    def cancel_pending_search(self) -> None:
        """Typing that has not run yet is dropped (the window is closing its store)."""
        self._search_timer.stop()

    def _emit(self) -> None:
        self._search_timer.stop()
        if not self._quiet:
            self.changed.emit(self.query())


def focus_search(bar: FilterBar) -> None:
    bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
    bar.search.selectAll()
