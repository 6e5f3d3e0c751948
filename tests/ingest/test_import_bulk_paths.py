"""The fast paths of a big import (issue 17): reading in a second process and building the
posts indexes after the rows. Both are switched on here for small files (their thresholds
lowered), and must give the same store as the ordinary path: the same posts, uuids, accounts,
raw records, search index, quarantine and line accounting, with every index in place — also
after a cancelled import."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from triage_app.ingest import bulk_load, parse_process
from triage_app.ingest.pipeline import NAMESPACE, import_paths
from triage_app.ingest.prepared import account_uuid, post_uuid
from triage_app.store.queue import search_hits


def rows(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        text = "وصلنا إلى صقلية" if i % 3 == 0 else f"Speedboat to Italy post {i} café"
        out.append(
            json.dumps(
                {
                    "platform": "telegram" if i % 2 else "facebook",
                    "post_id": f"p{i}",
                    "created_at": "2025-03-01T10:00:00Z",
                    "text": text,
                    "author_id": f"a{i % 7}",
                    "author_handle": f"boatman{i % 7}",
                    "author_name": "أبو حمزة" if i % 7 == 0 else "Boat Man",
                    "language": "en",
                },
                ensure_ascii=False,
            ).encode()
        )
    # one unreadable line (quarantined) and one blank line (a continuation)
    return [*out[:5], b"{not json", b"", *out[5:]]


def write(path: Path, n: int) -> Path:
    path.write_bytes(b"\n".join(rows(n)) + b"\n")
    return path


def snapshot(store) -> dict[str, object]:
    q = store.conn.execute
    return {
        "posts": q(
            "SELECT uuid, platform, platform_post_id, posted_at, text, language, kind, "
            "(SELECT uuid FROM accounts a WHERE a.id = p.account_id) FROM posts p ORDER BY id"
        ).fetchall(),
        "accounts": q(
            "SELECT uuid, platform, platform_account_id, handle, display_name FROM accounts "
            "ORDER BY id"
        ).fetchall(),
        "raw": q("SELECT post_id, raw, extra FROM post_raw ORDER BY post_id").fetchall(),
        "fts": q("SELECT rowid, text, handle, name FROM posts_fts ORDER BY rowid").fetchall(),
        "quarantine": q("SELECT record_no, line_no, reason, raw FROM quarantine").fetchall(),
        "indexes": q(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'posts' AND type = 'index' "
            "ORDER BY name"
        ).fetchall(),
    }


def summary_of(result) -> dict[str, object]:
    d = result.as_dict()
    return {k: d[k] for k in ("inserted", "quarantined", "skipped", "lines", "items", "error")}


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_process, "PROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
    monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)


def test_fast_paths_give_the_same_store(tmp_path, make_store, monkeypatch):
    source = write(tmp_path / "posts.jsonl", 300)
    plain = make_store("plain.db")
    [ordinary] = import_paths(plain, [source], enrich=False)
    expected = snapshot(plain)
    monkeypatch.setattr(parse_process, "PROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
    monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)
    fast_store = make_store("fast.db")
    [quick] = import_paths(fast_store, [source], enrich=False)
    assert summary_of(quick) == summary_of(ordinary)
    assert quick.inserted == 300 and quick.quarantined == 1
    assert quick.lines is not None and quick.lines["continuation"] == 1
    assert snapshot(fast_store) == expected
    assert len(expected["indexes"]) >= 7  # type: ignore[arg-type]
    # the folded index finds the Arabic-script text and the accented word
    assert len(search_hits(fast_store, "صقليه")) == 100
    assert len(search_hits(fast_store, "cafe")) == 200
    # a second run adds nothing (the natural key's index was never dropped)
    [again] = import_paths(fast_store, [source], enrich=False)
    assert again.inserted == 0 and again.present == 300


def test_uuids_are_uuid5_of_the_natural_key():
    for platform, ident in [("x", "1"), ("telegram", "chan/5"), ("fb", "ü字😀"), ("", "")]:
        assert post_uuid(platform, ident) == str(
            uuid.uuid5(NAMESPACE, f"post\x00{platform}\x00{ident}")
        )
        assert account_uuid(platform, ident) == str(
            uuid.uuid5(NAMESPACE, f"account\x00{platform}\x00{ident}")
        )


def test_cancelled_bulk_import_keeps_the_indexes(tmp_path, make_store, fast):
    store = make_store()
    before = snapshot(store)["indexes"]
    source = write(tmp_path / "posts.jsonl", 5000)
    calls = [0]

    def cancelled() -> bool:
        calls[0] += 1
        return calls[0] > 2  # after the first batch is written

    [result] = import_paths(store, [source], enrich=False, cancelled=cancelled)
    assert result.error and "cancelled" in result.error
    assert store.scalar("SELECT count(*) FROM posts") == 0
    assert snapshot(store)["indexes"] == before
    if store.backend == "sqlite":  # the server checks its own pages
        assert store.scalar("PRAGMA integrity_check") == "ok"


def test_reader_process_error_refuses_the_file(tmp_path, make_store, fast):
    """An error in the reading process refuses the file with the same message as the
    ordinary path (a truncated Telegram export)."""
    fixtures = Path(__file__).parent / "fixtures" / "telegram"
    data = (fixtures / "account_export.json").read_bytes()
    source = tmp_path / "truncated.json"
    source.write_bytes(data[: len(data) * 2 // 3])
    store = make_store()
    [result] = import_paths(store, [source], fmt="telegram", enrich=False)
    assert result.error == "truncated.json: damaged or truncated JSON (parse error: premature EOF)"
    assert result.inserted == 0
    assert store.scalar("SELECT count(*) FROM posts") == 0
    [whole] = import_paths(store, [fixtures / "account_export.json"], enrich=False)
    assert whole.inserted == 3 and whole.skipped == 1


def test_jsonl_parser_reads_what_the_stdlib_reads():
    """orjson is only a faster way to the stdlib's result: big integers keep every digit,
    NaN and lone surrogates are read, deep nesting is the stdlib's RecursionError."""
    from triage_app.ingest.formats.generic_jsonl import _loads

    big = '{"post_id": 123456789012345678901234567890, "n": 1.5}'
    assert _loads(big) == json.loads(big)
    assert _loads(big)["post_id"] == 123456789012345678901234567890
    assert str(_loads('{"a": NaN}')["a"]) == "nan"
    assert _loads('{"a": "\\ud800"}') == {"a": "\ud800"}
    with pytest.raises(RecursionError):
        _loads('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")


@pytest.mark.parametrize(
    "value",
    [
        "2020-02-06",
        "1970-01-01",
        "2024-02-29",
        "2023-02-29",
        "2020-13-01",
        "2020- 2-06",
        "２０２０-02-06",
        "2020-02-0a",
        "0000-01-01",
    ],
)
def test_date_fast_path_reads_dates_as_before(value):
    """An account's creation date (YYYY-MM-DD) has a fast path; it accepts and refuses what
    the general ISO reader does, with the same seconds."""
    from triage_app.core.timeutil import parse_iso_to_unix
    from triage_app.ingest.generic_fields import RecordProblem, parse_time

    try:
        expected: int | None = parse_iso_to_unix(value)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(RecordProblem):
            parse_time(value, "author_created_at")
    else:
        assert parse_time(value, "author_created_at") == expected
