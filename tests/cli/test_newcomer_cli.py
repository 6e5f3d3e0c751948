"""A newcomer's first hour at the command line (issue 14): global options after the command,
`show` written for people, demo posts' source, `stats` on a store with nothing tagged, the
queue's column header, progress on stderr that is not a terminal, one style for errors and
warnings, and --json on every listing command."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.support.run_as import as_person
from triage_app.cli import _subcommand_parsers, build_parser, main
from triage_app.commands.context import ProgressLine

GLOBAL_OPTIONS = ("--db", "--data-dir", "--passphrase-file", "--key-passphrase-file")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain demo store of 40 posts, made once for the module with --data-dir given after
    the command (acting as alice; no keyring there, so no personal key is registered)."""
    data = tmp_path_factory.mktemp("newcomer") / "after"
    with pytest.MonkeyPatch.context() as mp, as_person("alice"):
        mp.setenv("TRIAGE_PLAIN_STORE", "1")
        mp.delenv("TRIAGE_DATA_DIR", raising=False)
        assert main(["demo", "--posts", "40", "--data-dir", str(data)]) == 0
    return data


@pytest.fixture
def demo_dir(demo_store: Path, tmp_path: Path, monkeypatch, capsys) -> Path:
    """This test's own copy of the demo store."""
    monkeypatch.setenv("TRIAGE_PLAIN_STORE", "1")
    capsys.readouterr()
    return Path(shutil.copytree(demo_store, tmp_path / "demo"))


def _leaves() -> list:
    return [
        c
        for c in _subcommand_parsers(build_parser())
        if not any(a.__class__.__name__ == "_SubParsersAction" for a in c._actions)
    ]


# -- global options after the command ---------------------------------------------------------


def test_the_demo_takes_data_dir_after_the_command(demo_store: Path):
    assert (demo_store / "store.db").is_file()  # (refused before: unrecognized arguments)


def test_every_command_takes_every_global_option_after_its_name():
    missing = [
        f"{leaf.prog} {flag}"
        for leaf in _leaves()
        for flag in GLOBAL_OPTIONS
        if flag not in leaf._option_string_actions
    ]
    assert missing == []


def test_an_option_after_the_command_wins_and_one_before_still_counts(
    demo_dir: Path, tmp_path: Path, capsys
):
    elsewhere = str(tmp_path / "nowhere")
    assert main(["--data-dir", elsewhere, "queue", "--json", "--data-dir", str(demo_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 40
    assert main(["--data-dir", str(demo_dir), "queue", "--json"]) == 0  # before, as always
    assert json.loads(capsys.readouterr().out)["total"] == 40
    db = str(demo_dir / "store.db")
    assert main(["stats", "--json", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["queue"]["total"] == 40
    assert main(["pivot", "1", "same-account", "--db", db, "--json"]) == 0


def test_a_passphrase_file_after_the_command_opens_an_encrypted_store(tmp_path: Path, capsys):
    import keyring
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())  # the store key needs the passphrase
    secret = tmp_path / "pass"
    secret.write_text("a long and unusual store passphrase 42\n")
    data = tmp_path / "enc"
    assert main(["db", "create", "--data-dir", str(data), "--passphrase-file", str(secret)]) == 0
    capsys.readouterr()
    assert main(["stats", "--json", "--data-dir", str(data), "--passphrase-file", str(secret)]) == 0
    assert json.loads(capsys.readouterr().out)["queue"]["total"] == 0
    assert main(["stats", "--data-dir", str(data)]) == 1  # without it: one line
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err


# -- show, demo source, stats, queue ----------------------------------------------------------


def _post_with_indicators(capsys) -> int:
    assert main(["queue", "--json", "--limit", "40"]) == 0
    return json.loads(capsys.readouterr().out)["posts"][0]["id"]


def test_show_is_written_for_people(demo_dir: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(demo_dir))
    post = _post_with_indicators(capsys)
    assert main(["show", str(post), "--json"]) == 0
    detail = json.loads(capsys.readouterr().out)
    assert detail["indicators"], "the highest-priority demo post has indicators"
    assert main(["show", str(post)]) == 0
    out = capsys.readouterr().out
    # no Python reprs of dicts or lists, no None/True/False
    assert not re.search(r"\{'|\['|': |\bNone\b|\bTrue\b|\bFalse\b", out), out
    lines = out.splitlines()
    assert lines[0].startswith(f"post {post}: ")
    ind = lines.index("indicators:")
    first = detail["indicators"][0]
    assert first["kind"] in lines[ind + 1] and first["value"] in lines[ind + 1]
    assert f"at {first['start']}–{first['end']}" in lines[ind + 1]
    assert "text:" in lines and any(line.startswith("account: @") for line in lines)
    for empty in ("tags: none", "decisions: none", "outcomes: none", "referrals: none"):
        assert empty in lines


def test_demo_posts_name_their_source_as_demo_data(demo_dir: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(demo_dir))
    assert main(["show", "1", "--json"]) == 0
    path = json.loads(capsys.readouterr().out)["source"]["path"]
    assert path == "demo data (40 generated posts, seed 1)"
    assert main(["show", "1"]) == 0
    assert "source: demo data (40 generated posts, seed 1)" in capsys.readouterr().out.splitlines()
    assert not list(demo_dir.glob(".triage-demo*"))  # the scratch is gone, and not named


def test_a_kept_demo_file_is_the_source(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_PLAIN_STORE", "1")
    kept = tmp_path / "demo.jsonl"
    assert main(["demo", "--posts", "5", "--keep-jsonl", str(kept)]) == 0
    capsys.readouterr()
    assert main(["show", "1", "--json"]) == 0
    path = json.loads(capsys.readouterr().out)["source"]["path"]
    assert path.startswith(str(kept.resolve())) and kept.is_file()


def test_stats_says_what_is_there_when_nothing_is_tagged(demo_dir: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(demo_dir))
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "0 awaiting review" not in out
    assert "Posts: 40 (" in out  # and by platform
    assert "Nothing tagged yet: all 40 posts are new, waiting for an analyst" in out
    assert "Referrals: none yet" in out


def test_stats_of_an_empty_store_says_how_to_fill_it(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_PLAIN_STORE", "1")
    assert main(["db", "create"]) == 0
    capsys.readouterr()
    assert main(["stats"]) == 0
    assert capsys.readouterr().out.strip() == (
        "No posts in this store yet: import exports with 'triage import PATH' "
        "(or try 'triage demo')"
    )


def test_stats_names_what_awaits_review_once_tagged(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_PLAIN_STORE", "1")
    assert main(["demo", "--posts", "3"]) == 0
    assert main(["tag", "1", "boat_crossing"]) == 0
    capsys.readouterr()
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "Awaiting a supervisor's review: 1 tagged posts" in out
    assert "Tags: boat_crossing 1" in out


def test_the_queue_has_a_column_header(demo_dir: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(demo_dir))
    assert main(["queue", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "40 posts, the first 3 shown (--limit)"
    assert lines[1].split() == ["id", "prio", "platform", "status", "account", "tags", "text"]
    assert len(lines) == 5
    # the header's columns sit over the rows' columns
    assert lines[1].index("platform") == lines[2].index(lines[2].split()[2])


# -- progress, warnings and errors on stderr ---------------------------------------------------


def test_progress_lines_end_with_a_newline_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.setenv("TRIAGE_PLAIN_STORE", "1")
    assert main(["demo", "--posts", "30", "--data-dir", str(tmp_path / "d")]) == 0
    err = capsys.readouterr().err  # captured: not a terminal
    assert "\r" not in err and err.endswith("\n")
    progress = [line for line in err.splitlines() if line.startswith("importing ")]
    assert progress and progress[-1].startswith("importing 30 posts")
    fixture = Path(__file__).parents[1] / "ingest" / "fixtures" / "x" / "v2_pitfalls.jsonl"
    data = str(tmp_path / "i")
    assert main(["import", "--progress", str(fixture), "--data-dir", data]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and err.endswith("\n")
    assert re.fullmatch(r"(\S+: [\d,]+ records, +[\d.]+%, [\d,]+/s\n)+", err), err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_rewritten_in_place_and_ended():
    screen = _Terminal()
    line = ProgressLine(screen)
    line.update("importing 1,000 posts")
    line.update("importing 20 posts")
    line.finish()
    assert screen.getvalue() == "\rimporting 1,000 posts\rimporting 20 posts   \n"
    piped = io.StringIO()
    line = ProgressLine(piped, every=3600)
    line.update("one")
    line.update("two")  # within the interval: kept back
    line.update("three")
    line.finish()  # the last one is still said
    assert piped.getvalue() == "one\nthree\n"


def test_warnings_begin_like_errors(tmp_path: Path):
    # no keyring (the tests' CLI children) and no key passphrase: the store is made, with a
    # warning about the personal key, in the errors' style (not Python's bare last resort)
    code, out, err = run_cli(
        "db", "create", "--data-dir", str(tmp_path / "w"), env={"TRIAGE_PLAIN_STORE": "1"}
    )
    assert code == 0, err
    assert err and all(line.startswith("warning: ") for line in err.splitlines()), err


def test_errors_begin_the_same_way(demo_dir: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(demo_dir))
    for args, status in [
        (["show", "999999"], 1),
        (["queue", "--status", "bogus"], 2),
        (["import", str(demo_dir / "missing.jsonl")], 1),
        (["demo", "--posts", "0"], 2),
        (["tag", "1", "no_such_tag"], 2),
        (["stats", "--bogus"], 2),
        (["stats", "--db", str(demo_dir / "none.db")], 1),
    ]:
        assert main(args) == status, args
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, lines)


def test_every_listing_command_has_json():
    listing = {"list", "queue", "show", "stats", "pivot", "agreement", "disagreements", "id"}
    leaves = {leaf.prog: leaf for leaf in _leaves()}
    lists = [prog for prog in leaves if prog.split()[-1] in listing]
    assert len(lists) >= 9
    assert [p for p in lists if "--json" not in leaves[p]._option_string_actions] == []
    peers = next(c for c in _subcommand_parsers(build_parser()) if c.prog == "triage sync peers")
    assert "--json" in peers._option_string_actions
