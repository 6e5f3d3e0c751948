"""The statistics view shows the numbers of `triage stats --json`, and saves PNG and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from PIL import Image

from triage_app.cli import main
from triage_app.store.demo_history import seed_history
from triage_app.ui.stats_view import StatsView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def seeded(make_store):
    store = make_store()
    seed_history(
        store,
        seed=5,
        referred={2024: 30, 2025: 45},
        taken_down={2024: 20, 2025: 26},
        awaiting_review=12,
        blind_per_analyst=6,
        today=dt.date(2026, 3, 1),
    )
    return store


def cli_stats(store, capsys):
    assert main(["--db", str(store.path), "stats", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_view_shows_the_same_numbers_as_the_cli(qtbot, seeded, capsys):
    view = StatsView(seeded)
    qtbot.addWidget(view)
    view.show()
    stats = cli_stats(seeded, capsys)
    # Hand-computed from the seed: 45 on 30 is +50.0%; 26 on 20 is +30.0%.
    assert view.year_figures() == [
        ["2024", "30", "", "20", "", "60", str(stats["referrals"]["by_year"][0]["packs"])],
        [
            "2025",
            "45",
            "+50.0%",
            "26",
            "+30.0%",
            "90",
            str(stats["referrals"]["by_year"][1]["packs"]),
        ],
    ]
    assert view.headline.text() == "26 accounts taken down in 2025, up 30% on 20 in 2024"
    assert view.headline.text() == stats["referrals"]["headline"]["text"]
    for key in ("queue", "referrals", "time_to_referral", "agreement"):
        assert view.stats[key] == stats[key]
    per_year = view.panels["referrals_by_year"].spec.rows
    assert per_year == [[2024, 30, "", 20, ""], [2025, 45, "+50.0%", 26, "+30.0%"]]
    chart = view.panels["referrals_by_year"].chart
    bar_sets = chart.series()[0].barSets()
    assert [s.label() for s in bar_sets] == ["Referred", "Taken down"]
    assert [[s.at(i) for i in range(s.count())] for s in bar_sets] == [[30, 45], [20, 26]]
    status_rows = dict(view.panels["queue_status"].spec.rows)
    assert status_rows["tagged"] == stats["queue"]["by_status"]["tagged"] == 12


def test_every_chart_saves_png_and_csv(qtbot, seeded, tmp_path):
    view = StatsView(seeded)
    qtbot.addWidget(view)
    view.resize(1400, 1000)
    view.show()
    assert set(view.panels) == {
        "referrals_by_year",
        "referrals_by_month",
        "platforms",
        "networks_by_year",
        "networks_by_platform",
        "networks_return_days",
        "queue_status",
        "queue_platform",
        "queue_tag",
        "decisions_per_day",
        "time_to_referral",
        "agreement",
    }
    for name, panel in view.panels.items():
        png, table = tmp_path / f"{name}.png", tmp_path / f"{name}.csv"
        panel.save_png(png)
        panel.save_csv(table)
        with Image.open(png) as image:
            assert image.format == "PNG" and image.width > 300
        with open(table, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == panel.spec.headers
        assert len(rows) == len(panel.spec.rows) + 1
    with open(tmp_path / "referrals_by_year.csv", encoding="utf-8") as handle:
        # "+50.0%" would be a formula to a spreadsheet: it is kept as text (core/csvsafe.py)
        assert handle.read().splitlines()[1:] == ["2024,30,,20,", "2025,45,'+50.0%,26,'+30.0%"]


def test_save_buttons_ask_for_a_path_and_report_a_bad_folder(qtbot, seeded, tmp_path, monkeypatch):
    from triage_app.ui import errors

    shown: list[str] = []
    monkeypatch.setattr(errors, "show_problem", lambda p, t, text: shown.append(text))
    view = StatsView(seeded)
    qtbot.addWidget(view)
    target = tmp_path / "chosen.csv"
    view.ask_path = lambda suggested, filters: str(target)
    view.panels["platforms"]._csv()
    assert target.read_text(encoding="utf-8").startswith("Platform,2024,2025,Change")
    view.ask_path = lambda suggested, filters: str(tmp_path / "missing" / "x.csv")
    view.panels["platforms"]._csv()
    assert len(shown) == 1 and shown[0].startswith("Cannot write")
    view.ask_path = lambda suggested, filters: None  # cancelled: nothing happens
    view.panels["platforms"]._png()
    assert len(shown) == 1


def test_an_empty_store_shows_no_data(qtbot, make_store):
    view = StatsView(make_store())
    qtbot.addWidget(view)
    assert view.headline.text() == "No referrals recorded yet"
    assert view.year_figures() == []
    assert view.panels["referrals_by_year"].chart.title() == "No data yet"


def test_figures_can_be_computed_on_the_worker_thread(qtbot, seeded, capsys):
    from triage_app.ui.tasks import TaskRunner

    runner = TaskRunner()
    try:
        view = StatsView(seeded, runner=runner)
        qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.pending is not None and view.pending.done, timeout=10_000)
        qtbot.waitUntil(lambda: bool(view.stats), timeout=5_000)
        assert view.headline.text() == "26 accounts taken down in 2025, up 30% on 20 in 2024"
        assert view.stats["referrals"] == cli_stats(seeded, capsys)["referrals"]
    finally:
        runner.shutdown()
