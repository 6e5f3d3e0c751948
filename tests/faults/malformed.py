"""A corpus of malformed inputs, generated on demand (large ones would bloat the repository):
bad UTF-8, NUL bytes, a huge line, deeply nested JSON, truncated files, zip bombs (honest and
lying headers), ZIP entries that climb out with ``../``, and wrong types in every field of a
real sample of each format. Small hand-made cases also live in tests/faults/corpus/."""

from __future__ import annotations

import copy
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "ingest" / "fixtures"
CHECKED_IN = Path(__file__).resolve().parent / "corpus"

# A readable sample of each importer's input (a real-shaped file the format's tests use).
SAMPLES: dict[str, str] = {
    "tiktok": "tiktok/query_response.json",
    "facebook": "facebook/posts/your_posts_1.json",
    "telegram": "telegram/account_export.json",
    "youtube": "youtube/threads_with_replies.json",
    "meta-cl": "meta_cl/posts.json",
    "x-v1": "x/v1_pitfalls.jsonl",
    "x-v2": "x/v2_pitfalls.jsonl",
    "crowdtangle": "crowdtangle/facebook_pages.csv",
    "csv": "crowdtangle/instagram.csv",
    "whatsapp": "whatsapp/WhatsApp Chat with Order.txt",
}

GOOD_LINE = {
    "platform": "facebook",
    "post_id": "p1",
    "url": "https://facebook.example/p1",
    "created_at": "2025-03-01T10:00:00Z",
    "text": "Boat to Italy",
    "author_id": "a1",
    "author_handle": "boatman",
    "media": ["img/a.png"],
}

# Values of the wrong type for any field: containers, huge and odd numbers, null, bools.
WRONG: list[Any] = [[], {}, 10**30, None, True, -1.5e308, "", [[{"x": [None]}]], 0, "\x00"]


def huge_line(mb: int = 16) -> bytes:
    return b'{"platform": "facebook", "post_id": "h", "text": "' + b"A" * (mb << 20) + b'"}\n'


def nested(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_objects(depth: int = 100_000) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def basic_cases() -> dict[str, bytes]:
    """Malformed bytes that any importer may be handed (name -> content)."""
    good = json.dumps(GOOD_LINE).encode()
    return {
        "empty": b"",
        "bad_utf8.json": b'{"text": "\xff\xfe\xc3\x28 boat", "post_id": "\xed\xa0\x80"}\n' * 3,
        "bad_utf8_lines.txt": b"\xff\xfe\xfd\n" * 50 + good + b"\n\x80\x81\n",
        "nul_bytes.json": good[:20] + b"\x00" * 100 + good[20:] + b"\n\x00\x00\n",
        "nul_only": b"\x00" * 4096,
        "huge_line.jsonl": huge_line(),
        "nested_arrays.json": nested(),
        "nested_objects.json": nested_objects(),
        "truncated.json": (b"[" + good + b"," + good)[:-7],
        "truncated_line.jsonl": good + b"\n" + good[:31],
        "wrong_root.json": b'"just a string"',
        "number_root.json": b"1e999999",
        "random.bin": bytes((i * 7919 + 13) % 256 for i in range(65536)),
        "csv_broken_quote.csv": b'id,text,date\n1,"never closed,2025\n2,ok,2025\n',
        "csv_no_header.csv": b"\n\n\n",
        "whatsapp_garbage.txt": b"12/34/56, 99:99 - \n\x00\xff\n" + b"-" * 10000 + b"\n",
        "utf16.json": json.dumps([GOOD_LINE]).encode("utf-16"),
    }


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaf_paths(item, (*path, index))
    if path:
        yield path


def _replaced(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(doc)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return out


def _all_replaced(value: Any, new: Any) -> Any:
    if isinstance(value, dict):
        return {k: _all_replaced(v, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_all_replaced(v, new) for v in value]
    return new


def sample_docs(fmt: str) -> tuple[str, list[Any]]:
    """('json'|'jsonl', documents) of the format's sample; JSONL gives one document a line."""
    name = SAMPLES.get(fmt)
    if fmt == "jsonl" or name is None:
        return "jsonl", [GOOD_LINE, {**GOOD_LINE, "post_id": "p2"}]
    text = (FIXTURES / name).read_text(encoding="utf-8")
    if name.endswith(".jsonl"):
        docs = []
        for line in text.splitlines():
            try:
                docs.append(json.loads(line))
            except ValueError:
                continue
        return "jsonl", docs
    return "json", [json.loads(text)]


def wrong_type_cases(fmt: str) -> dict[str, bytes]:
    """Every field of the format's sample given a value of the wrong type (one file per field,
    types in turn), plus every field at once for each wrong value."""
    if fmt in ("crowdtangle", "csv", "whatsapp"):
        return _text_wrong_cases(fmt)
    kind, docs = sample_docs(fmt)
    cases: dict[str, bytes] = {}

    def encode(items: list[Any]) -> bytes:
        if kind == "jsonl":
            return b"".join(json.dumps(d).encode() + b"\n" for d in items)
        return json.dumps(items[0]).encode()

    n = 0
    for index, doc in enumerate(docs):
        for path in _leaf_paths(doc):
            new = WRONG[n % len(WRONG)]
            changed = list(docs)
            changed[index] = _replaced(doc, path, new)
            cases[f"wrong_{n:03d}.{kind}"] = encode(changed)
            n += 1
    for k, new in enumerate(WRONG):
        cases[f"all_wrong_{k}.{kind}"] = encode([_all_replaced(d, new) for d in docs])
    return cases


def _text_wrong_cases(fmt: str) -> dict[str, bytes]:
    """CSV and chat text: every cell (or line part) replaced by odd text in turn."""
    raw = (FIXTURES / SAMPLES[fmt]).read_bytes()
    lines = raw.splitlines()
    odd = [b"NaN", b"-1e999", b"", b"\x00", b"99999999999999999999999", b"[]", b"\xff\xfe"]
    cases: dict[str, bytes] = {}
    if fmt == "whatsapp":
        for n, line in enumerate(lines[:40]):
            for k, sep in enumerate((b", ", b" - ", b": ")):
                if sep in line:
                    head, _, tail = line.partition(sep)
                    bad = lines[:n] + [odd[(n + k) % len(odd)] + sep + tail] + lines[n + 1 :]
                    cases[f"wrong_{n:03d}_{k}.txt"] = b"\n".join(bad)
        return cases
    header, rows = lines[0], lines[1:4]
    columns = header.count(b",") + 1
    for col in range(columns):
        bad_rows = []
        for row in rows:
            cells = row.split(b",")
            if col < len(cells):
                cells[col] = odd[col % len(odd)]
            bad_rows.append(b",".join(cells))
        cases[f"wrong_col_{col:03d}.csv"] = b"\n".join([header, *bad_rows]) + b"\n"
    return cases


def zip_bomb(ratio_mb: int = 64) -> bytes:
    """An honest zip bomb: one entry of ``ratio_mb`` MB of zeros, about 1000x compressed."""
    buf = io.BytesIO()
    block = b"\x00" * (1 << 20)
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("posts.jsonl", "w", force_zip64=True) as entry,
    ):
        for _ in range(ratio_mb):
            entry.write(block)
    return buf.getvalue()


def lying_zip_bomb(real_mb: int = 64) -> bytes:
    """A ZIP whose headers say its one entry is as small as its compressed data, while the
    data inflates to ``real_mb`` MB (defeats checks that trust the declared size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = b"".join(compressor.compress(b"\x00" * (1 << 20)) for _ in range(real_mb))
    data += compressor.flush()
    name = b"posts.jsonl"
    crc = 0
    size = len(data)
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, size, size, len(name), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0x21,
        crc,
        size,
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    body = local + name + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(name), len(body), 0)
    return body + central + name + end


def zip_with_entries(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(zipfile.ZipInfo(name), content)
    return buf.getvalue()


def zip_cases() -> dict[str, bytes]:
    good = json.dumps(GOOD_LINE).encode() + b"\n"
    return {
        "bomb.zip": zip_bomb(),
        "lying_bomb.zip": lying_zip_bomb(),
        "slip.zip": zip_with_entries(
            {
                "../escape.jsonl": good,
                "/abs.jsonl": good,
                "a/../../up.jsonl": good,
                "..\\win.jsonl": good,
            }
        ),
        "truncated.zip": zip_with_entries({"posts.jsonl": good * 200})[:300],
        "zip_in_zip_deep.zip": _nested_zip(good, 8),
    }


def _nested_zip(content: bytes, depth: int) -> bytes:
    data = zip_with_entries({"posts.jsonl": content})
    for level in range(depth):
        data = zip_with_entries({f"level{level}.zip": data})
    return data


def write_cases(folder: Path, cases: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in cases.items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    return paths


def checked_in() -> list[Path]:
    return sorted(p for p in CHECKED_IN.iterdir() if p.is_file() and p.name != "README.md")
