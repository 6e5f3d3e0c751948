"""Numbers on the command line (issue 12): huge, negative and non-numeric values of every
numeric argument end in one clear usage line (exit 2), never "unexpected OverflowError" with a
traceback; and a real crash is logged in the data folder in use, owner-only."""

from __future__ import annotations

import os
import stat

import pytest

from tests.conftest import run_cli
from triage_app.cli import main
from triage_app.store.demo_history import add_posts

HUGE = "99999999999999999999999"
BAD_VALUES = [HUGE, "-5", "abc", "1.5", "٣", "²", "9223372036854775808", ""]

# Every numeric argument of every command: (argv before the value, argv after it).
NUMERIC = [
    (["show"], []),
    (["tag"], ["boat_crossing"]),
    (["pivot"], ["same-account"]),
    (["pivot", "1", "same-account", "--limit"], []),
    (["review"], ["approve"]),
    (["blind", "answer"], ["boat_crossing"]),
    (["blind", "sample", "alice", "--n"], []),
    (["blind", "sample", "alice", "--seed"], []),
    (["audit", "list", "--post"], []),
    (["audit", "list", "--limit"], []),
    (["stats", "--days"], []),
    (["queue", "--limit"], []),
    (["demo", "--posts"], []),
    (["demo", "--seed"], []),
    (["pack", "build", "--platform", "x", "--out", "p.age", "--recipient", "k", "--post"], []),
]


@pytest.fixture
def store_path(make_store):
    store = make_store()
    add_posts(store, 3)
    store.close()
    return store.path


@pytest.mark.parametrize("before, after", NUMERIC, ids=lambda v: " ".join(v) or "-")
def test_every_numeric_argument_refuses_bad_values_in_one_line(store_path, capsys, before, after):
    for value in BAD_VALUES:
        argv = ["--db", str(store_path), *before, value, *after]
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, (argv, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
        assert "unexpected" not in err and "Traceback" not in err, (argv, err)


@pytest.mark.parametrize(
    "args",
    [
        ["show", HUGE],
        ["tag", HUGE, "boat_crossing"],
        ["audit", "list", "--post", HUGE],
        ["stats", "--days", HUGE],
        ["audit", "list", "--limit", HUGE],
    ],
    ids=lambda a: " ".join(a[:-1]),
)
def test_the_reported_commands_in_a_real_process(store_path, tmp_path, args):
    data = tmp_path / "data"
    code, out, err = run_cli("--db", str(store_path), *args, env={"TRIAGE_DATA_DIR": str(data)})
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and "must be" in err, err
    assert "OverflowError" not in err and "unexpected" not in err
    assert not (data / "crash.log").exists()


def test_good_values_still_work(store_path, capsys):
    assert main(["--db", str(store_path), "show", "1"]) == 0
    assert main(["--db", str(store_path), "stats", "--days", "0"]) == 0
    assert main(["--db", str(store_path), "audit", "list", "--limit", "0", "--post", "2"]) == 0
    assert main(["--db", str(store_path), "queue", "--limit", " 2 "]) == 0
    code = main(["--db", str(store_path), "show", "2" * 18])
    assert code == 1 and "No post with id 222222222222222222" in capsys.readouterr().err


def test_a_crash_is_logged_in_the_data_folder_in_use_owner_only(
    store_path, tmp_path, monkeypatch, capsys
):
    """--data-dir on a USB stick: the crash log goes there (not the home data folder), 0600."""
    home_data = tmp_path / "data"  # TRIAGE_DATA_DIR of the test (the "home" folder)
    stick = tmp_path / "stick"

    def boom(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("triage_app.commands.stats.compute_stats", boom)
    old = os.umask(0)  # even with umask 000
    try:
        code = main(["--data-dir", str(stick), "--db", str(store_path), "stats"])
    finally:
        os.umask(old)
    err = capsys.readouterr().err
    assert code == 1
    log = stick / "crash.log"
    assert err.strip() == f"error: unexpected RuntimeError: a bug (details in {log})"
    assert "RuntimeError: a bug" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(stick.stat().st_mode) == 0o700
    assert not (home_data / "crash.log").exists()
