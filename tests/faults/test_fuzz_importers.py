"""Every importer (forced with --format) fed malformed files: bad UTF-8, NUL bytes, a huge line,
100,000-deep JSON, truncated files, zip bombs, ZIP entries with ``../``, and a wrong type in
every field of a real sample. Each file gets a clear refusal or quarantine, never an unhandled
exception; a refused file leaves the store's rows and audit chain exactly as they were; the
CLI answers in one line without a traceback and stays under MAX_RSS_MB of memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.faults import malformed
from tests.faults.helpers import (
    MAX_RSS_MB,
    assert_plain_outcome,
    assert_sound,
    cli_env,
    limit_memory,
    run_cli,
    state,
    write_posts,
)
from tests.support.memory_keyring import keyring_for_setup
from triage_app.ingest.pipeline import import_paths
from triage_app.ingest.registry import format_names
from triage_app.store import open_store

FORMATS = format_names()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The format-independent malformed files, written once for the module."""
    folder = tmp_path_factory.mktemp("malformed")
    paths = malformed.write_cases(folder, {**malformed.basic_cases(), **malformed.zip_cases()})
    return paths + malformed.checked_in()


def seeded_store(folder: Path) -> Any:
    """A store with some posts, a tag and an audit chain, so 'unchanged' means something."""
    from triage_app.store.decisions import apply_tags

    store = open_store(folder / "store.db", user="alice", create=True)
    summaries = import_paths(store, [write_posts(folder / "seed.jsonl", 20)], enrich=False)
    assert summaries[0].error is None
    apply_tags(store, [1, 2], add=["boat_crossing"])
    return store


def feed(store: Any, path: Path, fmt: str) -> str:
    """Import one file in this process; a refused file must change nothing."""
    before = state(store)
    summaries = import_paths(store, [path], fmt=fmt)
    after = state(store)
    assert after["audit_ok"], (path.name, fmt)
    counted = [s for s in summaries if not s.passed_over]
    refused = [s for s in counted if s.error]
    if counted and len(refused) == len(counted):
        assert after == before, (path.name, fmt, refused[0].error)
        for s in refused:
            assert "\n" not in s.error and s.error.strip(), (path.name, s.error)
        return "refused"
    if not counted:
        assert after == before, (path.name, fmt)
        return "passed over"
    return "imported"


def feed_in_child(folder: Path, fmt: str, files: list[Path]) -> tuple[list[dict[str, Any]], float]:
    """Feed ``files`` to importer ``fmt`` in a memory-capped child (tests/faults/feeder.py);
    returns each file's outcome and the child's peak memory in MB."""
    store = seeded_store(folder)
    store.close()
    env = {**os.environ, "TRIAGE_DATA_DIR": str(folder)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.faults.feeder",
            "--format",
            fmt,
            "--store",
            str(folder / "store.db"),
            *map(str, files),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit_memory,
    )
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[-1] == {"integrity": "ok"}, rows[-1]
    return rows[:-1], max((r.get("rss_mb", 0.0) for r in rows[:-1]), default=0.0)


NESTED = ("nested_arrays.json", "nested_objects.json")
_fed: dict[tuple[str, str], tuple[list[dict[str, Any]], float]] = {}


@pytest.fixture(scope="module")
def fed(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory):
    """fed(fmt, part): outcomes of one child per (format, part), computed once for the module.
    Parts: 'corpus' (the shared malformed files but the deep JSON, then a wrong type in every
    field of the format's sample: files named wrong_*), 'nested' (the two 100,000-deep JSON
    files, apart because some importers need gigabytes for them)."""

    def get(fmt: str, part: str) -> tuple[list[dict[str, Any]], float]:
        if (fmt, part) not in _fed:
            folder = tmp_path_factory.mktemp(f"fed-{fmt}-{part}")
            if part == "nested":
                files = [p for p in corpus if p.name in NESTED]
            else:
                files = [p for p in corpus if p.name not in NESTED]
                if fmt != "auto":
                    cases = malformed.wrong_type_cases(fmt)
                    files += malformed.write_cases(folder / "in", cases)
            _fed[fmt, part] = feed_in_child(folder, fmt, files)
        return _fed[fmt, part]

    return get


def wrong(rows: list[dict[str, Any]], want: bool) -> list[dict[str, Any]]:
    return [r for r in rows if r["name"].startswith(("wrong_", "all_wrong_")) == want]


def kept_nothing(row: dict[str, Any]) -> bool:
    """Refused, passed over, or every record quarantined (no post from it in the store)."""
    return row.get("outcome") in ("refused", "passed over") or row.get("inserted") == 0


def crashes(rows: list[dict[str, Any]]) -> list[str]:
    return [f"{r['name']}: {r['crash']}" for r in rows if "crash" in r]


def assert_nothing_changed_by_refusals(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        assert not r["changed"], f"{r['name']} changed the store: {r}"
        assert r.get("audit_ok", True), r
        if r.get("error"):
            assert "\n" not in r["error"] and "Traceback" not in r["error"], r


ALL = ["auto", *FORMATS]

# Bugs these tests found (deep JSON, wrong field types) are fixed; docs/faults.md keeps the
# history. A new one gets a strict xfail mark here until it is fixed.
DEEP_JSON_BUG: dict[str, str] = {}
WRONG_TYPE_BUG: dict[str, str] = {}


def _known(bugs: dict[str, str], formats: list[str]) -> list[Any]:
    return [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=bugs[f])) if f in bugs else f
        for f in formats
    ]


@pytest.mark.parametrize("fmt", ALL)
@pytest.mark.parametrize("part", ["corpus", "nested"])
def test_refused_files_leave_rows_and_audit_chain_unchanged(fmt, part, fed):
    rows, _ = fed(fmt, part)
    assert_nothing_changed_by_refusals(rows)


@pytest.mark.parametrize("fmt", ALL)
def test_malformed_files_are_refused_or_quarantined_in_bounded_memory(fmt, fed):
    rows, peak = fed(fmt, "corpus")
    assert crashes(wrong(rows, False)) == []
    assert peak < MAX_RSS_MB, f"{fmt}: {peak:.0f} MB"
    by_name = {r["name"]: r for r in rows}
    for name in ("bomb.zip", "lying_bomb.zip", "slip.zip", "truncated.zip", "nul_only", "empty"):
        assert kept_nothing(by_name[name]), (fmt, by_name[name])


@pytest.mark.parametrize("fmt", _known(DEEP_JSON_BUG, ALL))
def test_deeply_nested_json_is_refused_in_bounded_memory(fmt, fed):
    rows, peak = fed(fmt, "nested")
    assert crashes(rows) == []
    assert all(kept_nothing(r) for r in rows), rows
    assert peak < MAX_RSS_MB, f"{fmt}: {peak:.0f} MB"


@pytest.mark.parametrize("fmt", _known(WRONG_TYPE_BUG, FORMATS))
def test_a_wrong_type_in_any_field_is_refused_or_quarantined(fmt, fed):
    rows, _ = fed(fmt, "corpus")
    assert len(wrong(rows, True)) >= 9
    assert crashes(wrong(rows, True)) == []


CLI_FILES_EXCLUDED = set(NESTED)


CLI_ALWAYS = ("auto", "jsonl", "csv", "whatsapp")  # the rest are in the slow variant


@pytest.mark.parametrize(
    "fmt",
    [
        *CLI_ALWAYS,
        *[pytest.param(f, marks=pytest.mark.slow) for f in FORMATS if f not in CLI_ALWAYS],
    ],
)
def test_cli_answers_every_malformed_file_in_one_line(fmt, corpus, tmp_path):
    """The corpus (but the deep JSON) in one `triage import` per format: a summary for each
    file, no traceback, bounded memory."""
    env = cli_env(tmp_path)
    files = [str(p) for p in corpus if p.name not in CLI_FILES_EXCLUDED]
    ran = run_cli(["import", "--json", "--format", fmt, *files], env)
    assert_plain_outcome(ran, fmt)
    summaries = json.loads(ran.out)
    assert len(summaries) >= len(files)
    for s in summaries:
        if s["error"]:
            assert "\n" not in s["error"] and "Traceback" not in s["error"]


@pytest.mark.parametrize(
    "name",
    [
        "nested_arrays.json",
        "huge_line.jsonl",
        "bomb.zip",
        "lying_bomb.zip",
        "random.bin",
        "slip.zip",
    ],
)
def test_cli_refusal_of_one_bad_file_is_exit_1_and_leaves_the_store(name, corpus, tmp_path):
    env = cli_env(tmp_path)
    seed = run_cli(["import", str(write_posts(tmp_path / "seed.jsonl", 10)), "--no-enrich"], env)
    assert seed.code == 0, seed.err
    store = open_store(Path(env["TRIAGE_DB"]), user="alice")
    before = state(store)
    store.close()
    path = next(p for p in corpus if p.name == name)
    ran = run_cli(["import", "--format", "jsonl", str(path)], env)
    assert_plain_outcome(ran, name)
    store = open_store(Path(env["TRIAGE_DB"]), user="alice")
    try:
        after = state(store)
        if name == "huge_line.jsonl":  # one readable post with a very long text: kept
            assert ran.code == 0
        elif name == "nested_arrays.json":  # forced as JSONL: its one line is quarantined
            assert ran.code == 0 and "inserted 0" in ran.out and "quarantined 1" in ran.out
            assert after["counts"]["posts"] == before["counts"]["posts"]
        elif name == "random.bin":  # read line by line: every line quarantined, no post
            assert ran.code == 0 and "inserted 0" in ran.out and "quarantined" in ran.out
            assert after["counts"]["posts"] == before["counts"]["posts"]
        else:
            assert ran.code == 1, ran.out
            assert after == before
        assert_sound(store)
    finally:
        store.close()


# -- Hypothesis: arbitrary JSON and bytes -----------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
field_names = st.sampled_from(sorted(malformed.GOOD_LINE)) | st.text(max_size=10)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # alice's tag is signed with her personal key: a keyring of the fixture's own (a module
    # fixture runs outside every test's keyring; importing later needs no key).
    with keyring_for_setup():
        store = seeded_store(tmp_path_factory.mktemp("fuzz-store"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # the same examples every run, so a failure is reproducible at once
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    fmt=st.sampled_from(FORMATS),
    changes=st.dictionaries(field_names, json_values, min_size=1, max_size=4),
    as_document=st.booleans(),
)
def test_any_json_with_any_field_types_is_refused_or_quarantined(
    fuzz_store, fuzz_dir, fmt, changes, as_document
):
    record = {**malformed.GOOD_LINE, "post_id": "fz", **changes}
    if as_document:
        data = json.dumps([record, record]).encode()
    else:
        data = (json.dumps(record) + "\n").encode() * 2
    path = fuzz_dir / "case.json"
    path.write_bytes(data)
    feed(fuzz_store, path, fmt)


@FUZZ
@given(fmt=st.sampled_from(ALL), data=st.binary(max_size=2000))
def test_any_bytes_are_refused_or_quarantined(fuzz_store, fuzz_dir, fmt, data):
    path = fuzz_dir / "bytes.bin"
    path.write_bytes(data)
    feed(fuzz_store, path, fmt)


@FUZZ
@given(
    fmt=st.sampled_from(FORMATS),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flip=st.integers(0, 10_000),
)
def test_a_real_sample_cut_or_damaged_anywhere(fuzz_store, fuzz_dir, fmt, cut, flip):
    name = malformed.SAMPLES.get(fmt)
    source = malformed.FIXTURES / name if name else malformed.CHECKED_IN / "truncated_line.jsonl"
    data = bytearray(source.read_bytes())
    data = data[: int(len(data) * cut)]
    if data:
        data[flip % len(data)] ^= 0xA5
    path = fuzz_dir / ("cut" + source.suffix)
    path.write_bytes(bytes(data))
    feed(fuzz_store, path, fmt)
