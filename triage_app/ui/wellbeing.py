"""Analyst wellbeing: time spent reviewing is tracked per session, and after a set time
without a break the program suggests one.

Reviewing distressing material wears people down without them noticing; a gentle, dismissable
suggestion is what welfare guidance for content moderators asks for. Only *active* time counts:
the main window calls :meth:`WellbeingMonitor.activity` on each review action or key press, and
a gap longer than ``idle_gap_seconds`` is not counted (the person was away). A gap of at least
``break_minutes`` counts as a break taken. The clock is injectable so tests need not wait."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

DEFAULT_BREAK_AFTER_MINUTES = 50.0
DEFAULT_BREAK_MINUTES = 10.0
DEFAULT_IDLE_GAP_SECONDS = 120.0


class WellbeingMonitor(QObject):
    """Counts active reviewing time; ``breakSuggested(minutes)`` once per stretch."""

    breakSuggested = Signal(float)

    def __init__(
        self,
        break_after_minutes: float = DEFAULT_BREAK_AFTER_MINUTES,
        *,
        break_minutes: float = DEFAULT_BREAK_MINUTES,
        idle_gap_seconds: float = DEFAULT_IDLE_GAP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if break_after_minutes <= 0:
            raise ValueError("break_after_minutes must be positive")
        self.break_after_minutes = float(break_after_minutes)
        self.break_minutes = float(break_minutes)
        self.idle_gap_seconds = float(idle_gap_seconds)
        self._clock = clock
        self._last: float | None = None
        self.session_seconds = 0.0  # active reviewing time since the window opened
        self.since_break_seconds = 0.0  # active time since the last break
        self.breaks_suggested = 0
        self._suggested = False

    def activity(self) -> None:
        """The person did something (tagged, reviewed, moved in the queue)."""
        now = self._clock()
        if self._last is not None:
            gap = now - self._last
            if gap >= self.break_minutes * 60:
                self.took_break()
            elif gap <= self.idle_gap_seconds:
                self.session_seconds += gap
                self.since_break_seconds += gap
        self._last = now
        self.check()

    def check(self) -> None:
        """Suggest a break when the active stretch has reached the setting (once per stretch)."""
        if not self._suggested and self.since_break_seconds >= self.break_after_minutes * 60:
            self._suggested = True
            self.breaks_suggested += 1
            self.breakSuggested.emit(self.since_break_seconds / 60)

    def took_break(self) -> None:
        self.since_break_seconds = 0.0
        self._suggested = False

    def summary(self) -> str:
        """For the status bar: "Reviewing 1 h 05 min this session"."""
        minutes = int(self.session_seconds // 60)
        hours, rest = divmod(minutes, 60)
        spent = f"{hours} h {rest:02d} min" if hours else f"{rest} min"
        return f"Reviewing {spent} this session"


class BreakReminder(QObject):
    """Shows the suggestion as a non-blocking message box over ``parent``; a timer re-checks
    every minute so the suggestion also appears while the person reads one post for long."""

    def __init__(self, monitor: WellbeingMonitor, parent: QWidget) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self._parent = parent
        self.box: QMessageBox | None = None
        monitor.breakSuggested.connect(self.show)
        self.timer = QTimer(self)
        self.timer.setInterval(60_000)
        self.timer.timeout.connect(monitor.check)
        self.timer.start()

    def show(self, minutes: float) -> None:
        if self.box is None:
            self.box = QMessageBox(
                QMessageBox.Icon.Information,
                "Time for a break",
                "",
                QMessageBox.StandardButton.Ok,
                self._parent,
            )
            self.box.setObjectName("breakReminder")
            self.box.setModal(False)
            self.box.accepted.connect(self.monitor.took_break)
        self.box.setText(
            f"You have been reviewing for {_minutes(minutes)}. Step away from the screen for "
            f"{_minutes(self.monitor.break_minutes)}; your place in the queue is kept."
        )
        self.box.show()


def _minutes(value: float) -> str:
    n = max(1, round(value))
    return "1 minute" if n == 1 else f"{n} minutes"
