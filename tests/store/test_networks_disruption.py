"""`triage networks --stats`: disruption statistics per platform and year (store/networks.py
disruption_stats), as text, JSON and a 0600 CSV, in process."""

from __future__ import annotations

import csv
import json
import stat

from tests.cli.test_networks_cli import FIRST, SECOND, _write
from tests.store.test_networks import cli, store, take_down  # noqa: F401  (fixture)


def test_disruption_stats(store, capsys, tmp_path) -> None:  # noqa: F811
    assert "No network has been referred yet" in cli(store, capsys, "networks", "--stats")
    cli(store, capsys, "import", str(_write(tmp_path / "a.jsonl", FIRST)), "--format", "jsonl")
    take_down(store, "boatman1", capsys)  # referred 1 Feb, taken down 1 March 2026
    cli(store, capsys, "import", str(_write(tmp_path / "b.jsonl", SECOND)), "--format", "jsonl")
    rows = json.loads(cli(store, capsys, "networks", "--stats", "--json"))["disruption"]
    # boatman1 (telegram), sea_travel (facebook), boatman2 (telegram, back 5 March): one
    # network on two platforms, referred, not fully taken down, returned after 4 days.
    expected = {"year": "2026", "referred": 1, "taken_down": 0, "returned": 1}
    assert rows == [
        {"platform": "facebook", **expected, "median_days_to_return": 4},
        {"platform": "telegram", **expected, "median_days_to_return": 4},
    ]
    take_down(store, "sea_travel", capsys)
    take_down(store, "boatman2", capsys)
    out = tmp_path / "stats.csv"
    assert "Wrote 2 rows" in cli(store, capsys, "networks", "--stats", "--csv", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    table = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["platform"], r["taken_down"], r["returned"]) for r in table] == [
        ("facebook", "1", "1"),
        ("telegram", "1", "1"),
    ]
    text = cli(store, capsys, "networks", "--stats")
    assert "Median days to return" in text and "telegram" in text
    err = cli(store, capsys, "networks", "--csv", str(out), code=2)
    assert "--csv goes with --stats" in err and len(err.strip().splitlines()) == 1
    err = cli(store, capsys, "networks", "--stats", "--csv", str(tmp_path / "no/x.csv"), code=1)
    assert "Cannot write" in err and "Traceback" not in err
