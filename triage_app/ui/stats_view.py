"""The statistics view: the figures of ``triage stats --json`` as Qt Charts, each chart with its
numbers saveable as PNG and CSV.

Everything shown comes from one :func:`triage_app.store.stats.compute_stats` call, the same
function the CLI prints, so the window and ``triage stats --json`` cannot disagree. Each chart
is a :class:`ChartPanel` built from a table (headers + rows): the chart is drawn from that table
and the CSV is that table, so what is saved is exactly what is drawn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.csvsafe import SafeWriter
from ..store.connection import Store
from ..store.stats import DEFAULT_DAYS, compute_stats
from .rows_model import report_problem
from .tasks import Task, TaskRunner

REFERRED_COLOUR = "#1f77b4"
TAKEN_DOWN_COLOUR = "#d62728"
RETURNED_COLOUR = "#ff7f0e"
MONTHS_SHOWN = 24
COLUMNS = 3


@dataclass
class ChartSpec:
    """One chart: its table of numbers and how to draw it."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    kind: str  # bars | hbars | stacked | lines
    category_column: int = 0
    value_columns: list[int] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    value_format: str = "%d"
    value_max: float | None = None  # a fixed top (kappa and shares stop at 1)
    # stacked: rows are (category, series, value) and are pivoted
    note: str = ""


class ChartPanel(QGroupBox):
    """A chart with "Save PNG" and "Save CSV" buttons."""

    def __init__(
        self,
        spec: ChartSpec,
        ask_path: Callable[[str, str], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(spec.title, parent)
        self.spec = spec
        self.setObjectName(f"chart_{spec.name}")
        self._ask_path = ask_path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        self.chart = build_chart(spec)
        self.view = QChartView(self.chart, self)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumSize(440, 310)
        self.view.setAccessibleName(f"Chart: {spec.title}")
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        if spec.note:
            note = QLabel(spec.note, self)
            note.setWordWrap(True)
            note.setStyleSheet("color: palette(mid);")
            row.addWidget(note, 1)
        else:
            row.addStretch(1)
        for text, tip, handler in (
            ("Save PNG…", f"Save the chart '{spec.title}' as a PNG picture", self._png),
            ("Save CSV…", f"Save the numbers of '{spec.title}' as CSV", self._csv),
        ):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.clicked.connect(handler)
            row.addWidget(button)
        layout.addLayout(row)

    def save_png(self, path: str | Path) -> None:
        if not self.view.grab().save(str(path), "PNG"):
            from ..core.errors import TriageError

            raise TriageError(f"Cannot write {path}")

    def save_csv(self, path: str | Path) -> None:
        from ..core.errors import TriageError

        try:
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = SafeWriter(handle)  # every cell inert in a spreadsheet
                writer.writerow(self.spec.headers)
                writer.writerows(self.spec.rows)
        except OSError as exc:
            raise TriageError(f"Cannot write {path}: {exc.strerror or exc}") from exc

    def _png(self) -> None:
        self._save(self.save_png, "png", "PNG pictures (*.png)")

    def _csv(self) -> None:
        self._save(self.save_csv, "csv", "CSV tables (*.csv)")

    def _save(self, saver: Callable[[str], None], ext: str, filters: str) -> None:
        path = self._ask_path(f"{self.spec.name}.{ext}", filters)
        if not path:
            return
        try:
            saver(path)
        except Exception as exc:
            report_problem(self, exc, "Cannot save")


def _axis_max(values: Sequence[float]) -> float:
    top = max([0.0, *values])
    return 1.0 if top <= 0 else top * 1.15


def build_chart(spec: ChartSpec) -> QChart:
    """Draw ``spec`` (no animation: charts are grabbed for PNGs and screenshots)."""
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    if not spec.rows:
        chart.setTitle("No data yet")
        chart.legend().hide()
        return chart
    if spec.kind == "stacked":
        categories = list(dict.fromkeys(str(r[0]) for r in spec.rows))
        names = list(dict.fromkeys(str(r[1]) for r in spec.rows))
        values = {(str(r[0]), str(r[1])): float(r[2]) for r in spec.rows}
        stacked = QStackedBarSeries()
        for name in names:
            bar_set = QBarSet(name)
            bar_set.append([values.get((c, name), 0.0) for c in categories])
            stacked.append(bar_set)
        totals = [sum(values.get((c, n), 0.0) for n in names) for c in categories]
        _attach(
            chart, stacked, [c[8:] for c in categories], totals, spec.value_format, horizontal=False
        )
        return chart
    categories = [str(r[spec.category_column]) for r in spec.rows]
    every: list[float] = []
    if spec.kind == "lines":
        for i, col in enumerate(spec.value_columns):
            line = QLineSeries()
            line.setName(spec.headers[col])
            if i < len(spec.colours):
                line.setColor(QColor(spec.colours[i]))
            for x, row in enumerate(spec.rows):
                line.append(float(x), float(row[col] or 0))
                every.append(float(row[col] or 0))
            chart.addSeries(line)
        # A label every few months: 24 rotated month names do not fit under a small chart.
        axis_x = QCategoryAxis()
        axis_x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        step = max(1, (len(categories) + 5) // 6)
        for x in range(0, len(categories), step):
            axis_x.append(_month_label(categories[x]), float(x))
        axis_x.setRange(0.0, float(max(len(categories) - 1, 1)))
        axis_x.setLabelsFont(_small_font())
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        axis_y = _value_axis(every, spec.value_format)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        for series in chart.series():
            series.attachAxis(axis_x)
            series.attachAxis(axis_y)
        return chart
    series = QHorizontalBarSeries() if spec.kind == "hbars" else QBarSeries()
    for i, col in enumerate(spec.value_columns):
        bar_set = QBarSet(spec.headers[col])
        if i < len(spec.colours):
            bar_set.setColor(QColor(spec.colours[i]))
        column = [float(row[col] or 0) for row in spec.rows]
        bar_set.append(column)
        every.extend(column)
        series.append(bar_set)
    series.setLabelsVisible(True)
    series.setLabelsFormat("@value")
    if len(spec.value_columns) == 1:
        chart.legend().hide()
    _attach(
        chart,
        series,
        categories,
        every,
        spec.value_format,
        horizontal=spec.kind == "hbars",
        top=spec.value_max,
    )
    return chart


def _small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.0)
    return font


def _month_label(month: str) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{names[int(month[5:7]) - 1]} {month[:4]}"


def _value_axis(values: Sequence[float], fmt: str, top: float | None = None) -> QValueAxis:
    axis = QValueAxis()
    low = min([0.0, *values])
    axis.setRange(low * 1.15 if low < 0 else 0.0, top if top is not None else _axis_max(values))
    axis.setLabelFormat(fmt)
    axis.setLabelsFont(_small_font())
    if top is None:
        axis.applyNiceNumbers()
    return axis


def _attach(
    chart: QChart,
    series: Any,
    categories: list[str],
    values: Sequence[float],
    fmt: str,
    *,
    horizontal: bool,
    top: float | None = None,
) -> None:
    chart.addSeries(series)
    axis_c = QBarCategoryAxis()
    axis_c.append(categories)
    axis_c.setTruncateLabels(False)  # a tag or platform name cut to "faceb…" tells nobody anything
    axis_c.setLabelsFont(_small_font())
    axis_v = _value_axis(values, fmt, top)
    if horizontal:
        chart.addAxis(axis_c, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_v, Qt.AlignmentFlag.AlignBottom)
    else:
        if len(categories) > 10 and max(len(c) for c in categories) > 3:
            axis_c.setLabelsAngle(-90)
        chart.addAxis(axis_c, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_v, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_c)
    series.attachAxis(axis_v)


def _pct(change: dict[str, Any]) -> str:
    return "" if change["percent"] is None else f"{change['percent']:+.1f}%"


def chart_specs(stats: dict[str, Any], tag_labels: dict[str, str]) -> list[ChartSpec]:
    """The charts, in the order shown, from ``compute_stats`` output."""
    r, q, d = stats["referrals"], stats["queue"], stats["decisions"]
    t, a = stats["time_to_referral"], stats["agreement"]
    years = r["by_year"]
    specs = [
        ChartSpec(
            "referrals_by_year",
            "Accounts referred and taken down per year",
            ["Year", "Referred", "Change", "Taken down", "Change"],
            [
                [
                    y["year"],
                    y["accounts_referred"],
                    _pct(y["referred_change"]),
                    y["accounts_taken_down"],
                    _pct(y["taken_down_change"]),
                ]
                for y in years
            ],
            "bars",
            0,
            [1, 3],
            [REFERRED_COLOUR, TAKEN_DOWN_COLOUR],
        ),
    ]
    months = r["by_month"][-MONTHS_SHOWN:]
    specs.append(
        ChartSpec(
            "referrals_by_month",
            "Accounts referred and taken down per month",
            ["Month", "Referred", "Taken down", "Posts referred", "Packs"],
            [
                [
                    m["month"],
                    m["accounts_referred"],
                    m["accounts_taken_down"],
                    m["posts_referred"],
                    m["packs"],
                ]
                for m in months
            ],
            "lines",
            0,
            [1, 2],
            [REFERRED_COLOUR, TAKEN_DOWN_COLOUR],
            note=f"Last {MONTHS_SHOWN} months" if len(r["by_month"]) > MONTHS_SHOWN else "",
        )
    )
    if years:
        latest = years[-1]["year"]
        shown = [p for p in r["by_platform_year"] if p["year"] == latest]
        specs.append(
            ChartSpec(
                "platforms",
                f"Taken down per platform, {latest} and {latest - 1}",
                ["Platform", f"{latest - 1}", f"{latest}", "Change", f"Referred {latest}"],
                [
                    [
                        p["platform"],
                        p["taken_down_change"]["previous"],
                        p["accounts_taken_down"],
                        _pct(p["taken_down_change"]),
                        p["accounts_referred"],
                    ]
                    for p in shown
                ],
                "bars",
                0,
                [1, 2],
                ["#aec7e8", TAKEN_DOWN_COLOUR],
            )
        )
    else:
        specs.append(ChartSpec("platforms", "Taken down per platform", ["Platform"], [], "bars"))
    specs += network_specs(stats)
    specs += [
        ChartSpec(
            "queue_status",
            "Posts by status",
            ["Status", "Posts"],
            [[k, v] for k, v in reversed(q["by_status"].items())],
            "hbars",
            0,
            [1],
            ["#5778a4"],
        ),
        ChartSpec(
            "queue_platform",
            "Posts by platform",
            ["Platform", "Posts"],
            [[k, v] for k, v in q["by_platform"].items()],
            "bars",
            0,
            [1],
            ["#6a9f58"],
        ),
        ChartSpec(
            "queue_tag",
            "Posts by tag",
            ["Tag", "Posts"],
            [[tag_labels.get(k, k), v] for k, v in reversed(q["by_tag"].items())],
            "hbars",
            0,
            [1],
            ["#e49444"],
        ),
        ChartSpec(
            "decisions_per_day",
            f"Decisions per analyst per day (last {d['days']} days)"
            if d["days"]
            else "Decisions per analyst per day",
            ["Day", "Analyst", "Decisions"],
            [[row["day"], row["actor"], row["decisions"]] for row in d["per_day"]],
            "stacked",
        ),
        ChartSpec(
            "time_to_referral",
            "Median hours from import to referral",
            ["Year", "Median hours", "Posts referred"],
            [[y["year"], y["median_hours"], y["referred_posts"]] for y in t["by_year"]],
            "bars",
            0,
            [1],
            ["#85b6b2"],
            "%.0f",
        ),
        ChartSpec(
            "agreement",
            "Blind review agreement per analyst",
            [
                "Analyst",
                "Relevance kappa",
                "Identical tags (share)",
                "Posts",
                "Relevance agreements",
                "Identical tags",
            ],
            [
                [
                    name,
                    s["relevance"]["kappa"],
                    s["exact_share"],
                    s["n"],
                    s["relevance"]["agreements"],
                    s["exact_agreements"],
                ]
                for name, s in a["by_analyst"].items()
            ],
            "bars",
            0,
            [1, 2],
            ["#b07aa1", "#9c9ede"],
            "%.2f",
            value_max=1.0,
            note=f"{a['answered']} answered, {a['pending']} pending",
        ),
    ]
    return specs


def network_specs(stats: dict[str, Any]) -> list[ChartSpec]:
    """Disruption, not only activity (issue 18): networks referred, fully taken down and
    returned after a takedown, per year beside the accounts taken down, per platform, and the
    median days until a network came back."""
    n = stats.get("networks", {"by_year": [], "by_platform_year": []})
    accounts = {str(y["year"]): y["accounts_taken_down"] for y in stats["referrals"]["by_year"]}
    networks = {str(y["year"]): y for y in n["by_year"]}
    years = sorted(set(accounts) | set(networks), key=lambda y: (not y.isdigit(), y))
    empty = {"referred": 0, "taken_down": 0, "returned": 0, "median_days_to_return": None}
    by_year = [
        [
            year,
            accounts.get(year, 0),
            networks.get(year, empty)["referred"],
            networks.get(year, empty)["taken_down"],
            networks.get(year, empty)["returned"],
            networks.get(year, empty)["median_days_to_return"],
        ]
        for year in years
    ]
    specs = [
        ChartSpec(
            "networks_by_year",
            "Networks referred, taken down and returned per year",
            [
                "Year",
                "Accounts taken down",
                "Networks referred",
                "Networks taken down",
                "Networks returned",
                "Median days to return",
            ],
            by_year if n["by_year"] else [],
            "bars",
            0,
            [2, 3, 4],
            [REFERRED_COLOUR, TAKEN_DOWN_COLOUR, RETURNED_COLOUR],
            # Beside them, the accounts taken down: hundreds against a few networks would
            # flatten the network bars on one axis, so they are said here (and in the CSV).
            note="Accounts taken down: "
            + ", ".join(f"{row[0]} {row[1]:,}" for row in by_year)
            + ". A network is taken down when all its accounts are; it returned when a post "
            "shared a link with one of them after its takedown",
        )
    ]
    latest = max((str(r["year"]) for r in n["by_platform_year"]), default=None)
    specs.append(
        ChartSpec(
            "networks_by_platform",
            f"Networks per platform, {latest}" if latest else "Networks per platform",
            ["Platform", "Referred", "Taken down", "Returned", "Median days to return"],
            [
                [
                    r["platform"],
                    r["referred"],
                    r["taken_down"],
                    r["returned"],
                    r["median_days_to_return"],
                ]
                for r in n["by_platform_year"]
                if str(r["year"]) == latest
            ],
            "bars",
            0,
            [1, 2, 3],
            [REFERRED_COLOUR, TAKEN_DOWN_COLOUR, RETURNED_COLOUR],
            note="A network on two platforms counts under each; every year: "
            "triage networks --stats --csv FILE",
        )
    )
    returned = [r for r in n["by_year"] if r["median_days_to_return"] is not None]
    specs.append(
        ChartSpec(
            "networks_return_days",
            "Median days until a taken-down network returned",
            ["Year", "Median days", "Networks returned"],
            [[str(r["year"]), r["median_days_to_return"], r["returned"]] for r in returned],
            "bars",
            0,
            [1],
            [RETURNED_COLOUR],
            "%.0f",
        )
    )
    return specs


class StatsView(QWidget):
    """Every figure of ``triage stats`` in charts; refresh re-reads the store."""

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        # With a runner the figures are computed on its worker thread (a second or two on a
        # store of a million posts); without one, inline.
        self.runner = runner
        self.pending: Task | None = None
        self.setObjectName("statsView")
        self.setAccessibleName("Statistics")
        self.store = store
        self.stats: dict[str, Any] = {}
        self.panels: dict[str, ChartPanel] = {}
        # Tests replace this: (suggested file name, filters) -> chosen path or None.
        self.ask_path: Callable[[str, str], str | None] = self._ask_path
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.headline = QLabel(self)
        self.headline.setObjectName("headline")
        font = QFont(self.headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.headline, 1)
        top.addWidget(QLabel("Days of decisions:", self))
        self.days = QSpinBox(self)
        self.days.setObjectName("statsDays")
        self.days.setRange(0, 3650)
        self.days.setValue(DEFAULT_DAYS)
        self.days.setToolTip("Decisions per analyst over the last N days (0: all time)")
        top.addWidget(self.days)
        refresh = QPushButton("Refresh", self)
        refresh.setToolTip("Read the figures again from the store")
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        layout.addLayout(top)
        self.summary = QLabel(self)
        self.summary.setObjectName("statsSummary")
        layout.addWidget(self.summary)
        self.year_table = QTableWidget(self)
        self.year_table.setObjectName("yearTable")
        self.year_table.setAccessibleName("Referrals and takedowns per year")
        self.year_table.verticalHeader().setVisible(False)
        self.year_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.year_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        layout.addWidget(self.year_table)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.grid_host = QWidget(self.scroll_area)
        self.grid = QGridLayout(self.grid_host)
        self.scroll_area.setWidget(self.grid_host)
        layout.addWidget(self.scroll_area, 1)
        self.refresh()

    def set_store(self, store: Store) -> None:
        self.store = store
        self.refresh()

    def refresh(self) -> None:
        days = self.days.value()
        if self.runner is None:
            try:
                stats = compute_stats(self.store, days=days)
            except Exception as exc:
                report_problem(self, exc, "Cannot compute the statistics")
                return
            self.show_stats(stats)
            return
        store = self.store

        def job(_ctx: object) -> dict[str, Any]:
            other = store.reopen()  # connections belong to one thread
            try:
                return compute_stats(other, days=days)
            finally:
                other.close()

        self.summary.setText("Computing the figures…")
        task = self.runner.submit(job, "statistics")
        task.finished.connect(self.show_stats)
        # Bound methods, not lambdas: closing the tab while the figures are computed deletes
        # this view, and Qt then drops the connections instead of calling into a deleted view.
        task.failed.connect(self._stats_failed)
        self.pending = task

    def _stats_failed(self, exc: BaseException) -> None:
        report_problem(self, exc, "Cannot compute the statistics")

    def show_stats(self, stats: dict[str, Any]) -> None:
        """Show ``stats`` (the output of compute_stats) in the headline, table and charts."""
        self.stats = stats
        self._fill_top()
        for panel in self.panels.values():
            self.grid.removeWidget(panel)
            panel.deleteLater()
        self.panels.clear()
        labels = {k: t.label for k, t in self.store.taxonomy.items()}
        for i, spec in enumerate(chart_specs(self.stats, labels)):
            panel = ChartPanel(spec, lambda name, f: self.ask_path(name, f), self.grid_host)
            self.grid.addWidget(panel, i // COLUMNS, i % COLUMNS)
            self.panels[spec.name] = panel

    def _fill_top(self) -> None:
        r, q, t = self.stats["referrals"], self.stats["queue"], self.stats["time_to_referral"]
        nets = self.stats.get("networks", {}).get("by_year", [])
        self.headline.setText(
            r["headline"]["text"] if r["headline"] else "No referrals recorded yet"
        )
        median = t["median_hours"]
        self.summary.setText(
            f"{q['total']:,} posts, {q['awaiting_review']:,} awaiting review · "
            f"{r['accounts_referred']:,} accounts referred, {r['accounts_taken_down']:,} taken "
            f"down · median time from import to referral: "
            f"{'n/a' if median is None else f'{median:.1f} hours'}"
            + (
                f" · networks: {sum(y['referred'] for y in nets):,} referred, "
                f"{sum(y['taken_down'] for y in nets):,} taken down, "
                f"{sum(y['returned'] for y in nets):,} returned"
                if nets
                else ""
            )
        )
        headers = [
            "Year",
            "Accounts referred",
            "Change",
            "Taken down",
            "Change",
            "Posts referred",
            "Packs",
        ]
        rows = [
            [
                str(y["year"]),
                f"{y['accounts_referred']:,}",
                _pct(y["referred_change"]),
                f"{y['accounts_taken_down']:,}",
                _pct(y["taken_down_change"]),
                f"{y['posts_referred']:,}",
                f"{y['packs']:,}",
            ]
            for y in r["by_year"]
        ]
        self.year_table.clear()
        self.year_table.setColumnCount(len(headers))
        self.year_table.setHorizontalHeaderLabels(headers)
        self.year_table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.year_table.setItem(i, j, item)
        height = self.year_table.horizontalHeader().height() + 4
        height += sum(self.year_table.rowHeight(i) for i in range(len(rows)))
        self.year_table.setFixedHeight(min(height, 160))
        self.year_table.resizeColumnsToContents()
        width = sum(self.year_table.columnWidth(j) for j in range(len(headers))) + 4
        self.year_table.setFixedWidth(width)

    def year_figures(self) -> list[list[str]]:
        """The year table as shown (what a person reads; tests compare it with the CLI)."""
        out: list[list[str]] = []
        for i in range(self.year_table.rowCount()):
            cells = (self.year_table.item(i, j) for j in range(self.year_table.columnCount()))
            out.append([c.text() if c is not None else "" for c in cells])
        return out

    def _ask_path(self, suggested: str, filters: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Save", suggested, filters)
        return path or None
