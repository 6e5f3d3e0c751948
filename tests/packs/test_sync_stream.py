"""Reading a sync pack's sections as streams: line numbers across blocks, caps on a line, the
type check of every row, re-checking a section against its manifest when it is read again,
and memory that does not grow with a section's size."""

from __future__ import annotations

import hashlib
import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage_app.packs import sync_format
from triage_app.packs.sync_format import SyncPackError, read_pack_zip, write_pack_zip
from triage_app.packs.sync_rows import INT64_MAX, INT64_MIN, SyncRowError, check_row

MANIFEST = {"pack_id": "p1", "from_store": "s1", "from_recipient": "age1x", "created": "now"}


def post(n: int, **changes: Any) -> dict[str, Any]:
    row = {
        "uuid": f"u{n}",
        "platform": "facebook",
        "platform_post_id": f"p{n}",
        "account": None,
        "kind": "post",
        "parent_post_id": None,
        "url": None,
        "posted_at": 1_700_000_000,
        "text": f"boat crossing {n}",
        "language": "en",
        "referred": False,
        "raw": None,
    }
    row.update(changes)
    return row


def reference_lines(data: bytes) -> list[tuple[int, bytes]]:
    return [(n, ln) for n, ln in enumerate(data.split(b"\n"), start=1) if ln.strip()]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    data=st.lists(st.sampled_from([b"\n", b" ", b"\r\n", b"a", b"{}", b"\t", b"xyz"])).map(
        b"".join
    ),
    block=st.integers(min_value=1, max_value=9),
)
def test_lines_are_numbered_as_a_whole_file_would_be_whatever_the_block_size(data, block):
    original = sync_format.BLOCK
    sync_format.BLOCK = block
    try:
        got = list(sync_format._lines("x.jsonl", io.BytesIO(data)))  # type: ignore[arg-type]
    finally:
        sync_format.BLOCK = original
    assert got == reference_lines(data)


@pytest.mark.parametrize("block", [3, 1 << 20])
def test_a_line_longer_than_the_cap_is_refused_with_its_number(block, monkeypatch):
    monkeypatch.setattr(sync_format, "BLOCK", block)
    monkeypatch.setattr(sync_format, "MAX_LINE", 10)
    ok = b"{}\n\n" + b"x" * 10 + b"\n"
    assert [n for n, _ in sync_format._lines("s.jsonl", io.BytesIO(ok))] == [1, 3]  # type: ignore[arg-type]
    for tail in (b"\n", b""):
        with pytest.raises(SyncPackError, match=r"^s\.jsonl line 3 is implausibly long$"):
            list(sync_format._lines("s.jsonl", io.BytesIO(b"{}\n\n" + b"x" * 11 + tail)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("display_name", {}, "'display_name' must be text or null (it is an object)"),
        ("followers", 10**30, "(it is a number too large)"),
        ("followers", INT64_MAX + 1, "whole number within SQLite's 64-bit range"),
        ("followers", 1.5, "(it is a decimal number)"),
        ("followers", True, "(it is true)"),
        ("uuid", "", "'uuid' must be non-empty text (it is empty text)"),
        ("platform", None, "'platform' must be non-empty text (it is null)"),
        ("url", 0, "'url' must be text or null (it is a number)"),
        ("handle", [], "(it is a list)"),
        ("handle", "boat\ud800", "'handle' holds text that is not valid Unicode"),
    ],
)
def test_a_wrong_type_is_named_by_section_line_and_field(key, value, said):
    row = {"uuid": "a", "platform": "x", "platform_account_id": "1", key: value}
    with pytest.raises(SyncRowError) as caught:
        check_row("accounts", 7, row)
    message = str(caught.value)
    assert message.startswith("accounts.jsonl line 7 in the sync pack: ")
    assert said in message and "\n" not in message


def test_right_types_pass_including_the_64_bit_limits():
    for followers in (INT64_MIN, INT64_MAX, 0, None):
        row = {"uuid": "a", "platform": "x", "platform_account_id": "1", "followers": followers}
        assert check_row("accounts", 1, row) is row
    assert check_row("posts", 1, post(1, text="", extra_field=[1, {}]))
    assert check_row("media", 1, {"uuid": "m", "post": "u1", "kind": "image", "missing": 1})


def test_a_post_text_with_unicode_line_separators_survives_the_pack(tmp_path):
    """JSON written with ensure_ascii=False keeps U+2028/U+0085 raw; only b'\\n' ends a row."""
    text = "boat\u2028crossing\u0085tonight\u2029 \u20ac900"
    empty: dict[str, list[dict[str, Any]]] = {s: [] for s in sync_format.SECTIONS}
    write_pack_zip(tmp_path / "p.zip", MANIFEST, {**empty, "posts": [post(1, text=text)]}, {})
    rows = list(read_pack_zip(tmp_path / "p.zip").rows["posts"])
    assert [r["text"] for r in rows] == [text]


def test_a_row_of_the_wrong_type_refuses_the_pack_before_the_merge(tmp_path):
    empty: dict[str, list[dict[str, Any]]] = {s: [] for s in sync_format.SECTIONS}
    rows = [post(1), post(2, language=[]), post(3)]
    write_pack_zip(tmp_path / "p.zip", MANIFEST, {**empty, "posts": rows}, {})
    with pytest.raises(SyncRowError, match=r"^posts\.jsonl line 2 in the sync pack: 'language'"):
        read_pack_zip(tmp_path / "p.zip")


def _rewrite_entry(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries[name] = data
    path.unlink()
    with zipfile.ZipFile(path, "w") as zf:
        for n, v in entries.items():
            zf.writestr(n, v)


def test_a_section_changed_after_the_check_is_refused_when_read_again(tmp_path):
    empty: dict[str, list[dict[str, Any]]] = {s: [] for s in sync_format.SECTIONS}
    write_pack_zip(tmp_path / "p.zip", MANIFEST, {**empty, "posts": [post(1)]}, {})
    contents = read_pack_zip(tmp_path / "p.zip")
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        data = zf.read("posts.jsonl")
    _rewrite_entry(tmp_path / "p.zip", "posts.jsonl", data.replace(b"boat", b"BOAT"))
    with pytest.raises(SyncPackError, match="posts.jsonl in the sync pack does not match"):
        list(contents.rows["posts"])


def test_an_altered_section_is_reported_as_altered_even_when_a_row_is_bad(tmp_path):
    empty: dict[str, list[dict[str, Any]]] = {s: [] for s in sync_format.SECTIONS}
    write_pack_zip(tmp_path / "p.zip", MANIFEST, {**empty, "posts": [post(1)]}, {})
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        data = zf.read("posts.jsonl")
    _rewrite_entry(tmp_path / "p.zip", "posts.jsonl", data.replace(b'"u1"', b"[[1"))
    with pytest.raises(SyncPackError, match="posts.jsonl in the sync pack does not match"):
        read_pack_zip(tmp_path / "p.zip")


def _big_pack(path: Path, rows: int) -> int:
    """A pack whose posts.jsonl holds ``rows`` rows, written as a stream; returns its size."""
    digest, size = hashlib.sha256(), 0
    files = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for section in sync_format.SECTIONS:
            digest, size = hashlib.sha256(), 0
            with zf.open(f"{section}.jsonl", "w") as out:
                for n in range(rows if section == "posts" else 0):
                    line = json.dumps(post(n, text="boat " * 60)).encode() + b"\n"
                    digest.update(line)
                    size += len(line)
                    out.write(line)
            files.append({"name": f"{section}.jsonl", "size": size, "sha256": digest.hexdigest()})
            if section == "posts":
                posts_size = size
        manifest = {**MANIFEST, "format": "triage-sync", "version": 1, "files": files}
        zf.writestr("manifest.json", json.dumps(manifest))
    return posts_size


def test_reading_a_large_section_takes_memory_of_one_block_not_of_the_section(tmp_path):
    size = _big_pack(tmp_path / "big.zip", 40_000)
    assert size > 16 << 20
    tracemalloc.start()
    try:
        contents = read_pack_zip(tmp_path / "big.zip")
        assert sum(1 for _ in contents.rows["posts"]) == 40_000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MB for a {size / 2**20:.0f} MB section"
