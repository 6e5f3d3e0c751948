"""Issue 18: the statistics show disruption, not only activity: networks referred, fully taken
down and returned after a takedown, with the median days until they did, per year beside the
accounts taken down and per platform; as charts with CSV, and in `triage stats` (text and
JSON). The store is built here: posts imported and the takedown recorded through the CLI."""

from __future__ import annotations

import csv
import json

import pytest

from tests.cli.test_networks_cli import FIRST, SECOND, _write
from tests.store.test_networks import cli, take_down
from triage_app.ui.stats_view import StatsView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def returned(make_store, capsys, tmp_path):
    """boatman1 (telegram) and sea_travel (facebook) share a number; boatman1 is referred on
    1 February 2026 and taken down on 1 March; boatman2 posts the number on 5 March."""
    store = make_store(user="alice")
    cli(store, capsys, "import", str(_write(tmp_path / "a.jsonl", FIRST)), "--format", "jsonl")
    take_down(store, "boatman1", capsys)
    cli(store, capsys, "import", str(_write(tmp_path / "b.jsonl", SECOND)), "--format", "jsonl")
    return store


def test_stats_show_networks_that_returned(returned, qtbot, capsys, tmp_path) -> None:
    out = json.loads(cli(returned, capsys, "stats", "--json"))
    expected = {"referred": 1, "taken_down": 0, "returned": 1, "median_days_to_return": 4}
    assert out["networks"]["by_year"] == [{"year": "2026", **expected}]
    assert out["networks"]["by_platform_year"] == [
        {"platform": "facebook", "year": "2026", **expected},
        {"platform": "telegram", "year": "2026", **expected},
    ]
    text = cli(returned, capsys, "stats")
    assert (
        "Networks 2026: 1 referred, 0 fully taken down, 1 returned after a takedown "
        "(median 4 days until they did)" in text
    )

    view = StatsView(returned)
    qtbot.addWidget(view)
    view.show()
    assert view.stats["networks"] == out["networks"]
    by_year = view.panels["networks_by_year"]
    # 2026: one account taken down (the seed's yearly figure), beside the network figures.
    assert by_year.spec.rows == [["2026", 1, 1, 0, 1, 4]]
    assert by_year.chart.series()[0].count() == 3  # three bars per year
    assert "Accounts taken down: 2026 1." in by_year.spec.note
    assert view.panels["networks_by_platform"].spec.title == "Networks per platform, 2026"
    assert view.panels["networks_by_platform"].spec.rows == [
        ["facebook", 1, 0, 1, 4],
        ["telegram", 1, 0, 1, 4],
    ]
    assert view.panels["networks_return_days"].spec.rows == [["2026", 4, 1]]
    assert "networks: 1 referred, 0 taken down, 1 returned" in view.summary.text()

    target = tmp_path / "networks.csv"
    view.ask_path = lambda _name, _filters: str(target)
    by_year._csv()
    with open(target, newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            [
                "Year",
                "Accounts taken down",
                "Networks referred",
                "Networks taken down",
                "Networks returned",
                "Median days to return",
            ],
            ["2026", "1", "1", "0", "1", "4"],
        ]


def test_no_networks_yet_draws_empty_charts(make_store, qtbot) -> None:
    view = StatsView(make_store(user="alice"))
    qtbot.addWidget(view)
    assert view.stats["networks"] == {"by_year": [], "by_platform_year": []}
    for name in ("networks_by_year", "networks_by_platform", "networks_return_days"):
        assert view.panels[name].spec.rows == []
        assert view.panels[name].chart.title() == "No data yet"
