"""A network's posts over time: bars per day (per week, or per month over a long span), the
posts returning after a takedown in a darker part of each bar, and each takedown marked by a
dashed line with a crossed square, so the analyst sees whether the network went quiet after
it was taken down or came back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

POSTS = QColor("#5B8DB8")
RETURNING = QColor("#7A0019")
TAKEDOWN = QColor("#444444")
DAILY_UP_TO = 92  # days shown one bar per day up to this span; weeks up to two years
WEEKLY_UP_TO = 730


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar: from ``start`` (a day, a Monday, or a month's first day)."""

    start: dt.date
    posts: int
    returning: int


def _start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next(start: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return start + dt.timedelta(days=7)
    if unit == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


def timeline_buckets(
    days: Sequence[tuple[dt.date, bool]], first: dt.date | None = None, last: dt.date | None = None
) -> tuple[str, list[Bucket]]:
    """Count posts (their day, whether returning) per day, week or month, every bucket from
    ``first`` to ``last`` (default: the first and last post) included, empty ones too."""
    if not days and (first is None or last is None):
        return "day", []
    lo = first or min(d for d, _ in days)
    hi = last or max(d for d, _ in days)
    if hi < lo:
        lo, hi = hi, lo
    span = (hi - lo).days
    unit = "day" if span <= DAILY_UP_TO else "week" if span <= WEEKLY_UP_TO else "month"
    counts: dict[dt.date, list[int]] = {}
    for day, returning in days:
        if lo <= day <= hi:
            cell = counts.setdefault(_start(day, unit), [0, 0])
            cell[0] += 1
            cell[1] += int(returning)
    out = []
    start = _start(lo, unit)
    while start <= hi:
        posts, back = counts.get(start, (0, 0))
        out.append(Bucket(start, posts, back))
        start = _next(start, unit)
    return unit, out


def bucket_words(unit: str, bucket: Bucket) -> str:
    when = {"day": "", "week": "Week of ", "month": "Month of "}[unit] + bucket.start.isoformat()
    text = f"{when}: {bucket.posts:,} post{'s' if bucket.posts != 1 else ''}"
    return text + (f", {bucket.returning:,} returning after a takedown" if bucket.returning else "")


class NetworkTimeline(QWidget):
    """Bars of the network's posts per day/week/month with its takedowns marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkTimeline")
        self.setAccessibleName("Timeline of the network's posts, with takedowns marked")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(110)
        self.unit = "day"
        self.buckets: list[Bucket] = []
        self.takedowns: list[tuple[dt.date, str]] = []
        self.undated = 0

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(480, 150)

    def set_data(
        self,
        days: Sequence[tuple[dt.date, bool]],
        takedowns: Sequence[tuple[dt.date, str]],
        first: dt.date | None = None,
        last: dt.date | None = None,
        undated: int = 0,
    ) -> None:
        """``days``: each post's day and whether it is returning; ``takedowns``: (day, whose)."""
        dates = [d for d, _ in days] + [d for d, _ in takedowns]
        lo = first or (min(dates) if dates else None)
        hi = last or (max(dates) if dates else None)
        self.unit, self.buckets = timeline_buckets(days, lo, hi)
        self.takedowns = [(d, who) for d, who in takedowns if lo is None or lo <= d <= (hi or d)]
        self.undated = undated
        total = sum(b.posts for b in self.buckets)
        self.setToolTip(
            f"{total:,} posts per {self.unit}; {len(self.takedowns)} takedowns marked"
            + (f"; {undated:,} posts without a date not shown" if undated else "")
        )
        self.update()

    def _plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(34, 22, -10, -20)

    def _x(self, plot: QRectF, day: dt.date) -> float:
        if not self.buckets:
            return plot.left()
        first = self.buckets[0].start
        end = _next(self.buckets[-1].start, self.unit)
        span = max(1, (end - first).days)
        return plot.left() + plot.width() * (day - first).days / span

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), self.palette().base())
        font = QFont(self.font())
        painter.setFont(font)
        text = self.palette().text().color()
        plot = self._plot()
        painter.setPen(text)
        top = max([b.posts for b in self.buckets] or [0])
        legend = f"Posts per {self.unit}"
        painter.drawText(QRectF(4, 2, self.width() - 8, 18), Qt.AlignmentFlag.AlignLeft, legend)
        self._legend(painter, QPointF(self.width() - 330, 4))
        if not self.buckets:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No dated posts in this range")
            painter.end()
            return
        painter.drawText(QRectF(0, plot.top() - 6, 30, 14), Qt.AlignmentFlag.AlignRight, f"{top:,}")
        painter.drawText(QRectF(0, plot.bottom() - 8, 30, 14), Qt.AlignmentFlag.AlignRight, "0")
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        scale = plot.height() / max(1, top)
        for bucket in self.buckets:
            x0 = self._x(plot, bucket.start)
            x1 = self._x(plot, _next(bucket.start, self.unit))
            width = max(1.0, x1 - x0 - (1 if x1 - x0 > 3 else 0))
            height = bucket.posts * scale
            back = bucket.returning * scale
            painter.fillRect(QRectF(x0, plot.bottom() - height, width, height - back), POSTS)
            if back:
                painter.fillRect(QRectF(x0, plot.bottom() - back, width, back), RETURNING)
        pen = QPen(TAKEDOWN, 1.5, Qt.PenStyle.DashLine)
        for day, _who in self.takedowns:
            x = self._x(plot, day)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            self._cross(painter, QPointF(x, plot.top() - 1))
        painter.setPen(text)
        first, last = self.buckets[0].start, self.buckets[-1].start
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + 3, 120, 16),
            Qt.AlignmentFlag.AlignLeft,
            first.isoformat(),
        )
        painter.drawText(
            QRectF(plot.right() - 120, plot.bottom() + 3, 120, 16),
            Qt.AlignmentFlag.AlignRight,
            last.isoformat(),
        )
        painter.end()

    @staticmethod
    def _cross(painter: QPainter, at: QPointF) -> None:
        box = QRectF(at.x() - 5, at.y() - 10, 10, 10)
        painter.setPen(QPen(TAKEDOWN, 1.2))
        painter.setBrush(QColor("#6E6E6E"))
        painter.drawRect(box)
        painter.setPen(QPen(QColor("#FFFFFF"), 1.2))
        painter.drawLine(box.topLeft() + QPointF(2, 2), box.bottomRight() - QPointF(2, 2))
        painter.drawLine(box.bottomLeft() + QPointF(2, -2), box.topRight() + QPointF(-2, 2))

    def _legend(self, painter: QPainter, at: QPointF) -> None:
        x = max(at.x(), 120.0)
        for colour, words in ((POSTS, "posts"), (RETURNING, "returning")):
            painter.fillRect(QRectF(x, at.y() + 3, 10, 10), colour)
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(x + 13, at.y(), 90, 16), Qt.AlignmentFlag.AlignLeft, words)
            x += 18 + painter.fontMetrics().horizontalAdvance(words) + 10
        self._cross(painter, QPointF(x + 5, at.y() + 13))
        painter.setPen(self.palette().text().color())
        painter.drawText(QRectF(x + 13, at.y(), 90, 16), Qt.AlignmentFlag.AlignLeft, "takedown")

    def bucket_at(self, x: float) -> Bucket | None:
        plot = self._plot()
        for bucket in self.buckets:
            if self._x(plot, bucket.start) <= x < self._x(plot, _next(bucket.start, self.unit)):
                return bucket
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            bucket = self.bucket_at(float(event.pos().x()))
            lines = [bucket_words(self.unit, bucket)] if bucket is not None else []
            for day, who in self.takedowns:
                if bucket is not None and _start(day, self.unit) == bucket.start:
                    lines.append(f"{who} taken down {day.isoformat()}")
            if lines:
                QToolTip.showText(event.globalPos(), "\n".join(lines), self)
                return True
        return super().event(event)
