"""Helpers for the key and encryption tests: a populated store, key search in files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from triage_app.ingest.pipeline import import_paths


def write_posts(path: Path, count: int, start: int = 1) -> Path:
    """A generic JSONL export of ``count`` posts with accounts."""
    lines = []
    for i in range(start, start + count):
        lines.append(
            json.dumps(
                {
                    "platform": "facebook",
                    "post_id": f"p{i}",
                    "url": f"https://facebook.example/p{i}",
                    "created_at": "2025-03-01T10:00:00Z",
                    "text": "Crossing to UK by boat, price 1500 euro, call +33 6 12 34 56 "
                    f"{i % 100:02d}",
                    "author_id": f"a{i % 7}",
                    "author_handle": f"boat_agent_{i % 7}",
                    "author_name": f"Agent {i % 7}",
                    "language": "en",
                },
                ensure_ascii=False,
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fill(store, tmp: Path, count: int = 20) -> None:
    src = write_posts(tmp / f"posts-{count}.jsonl", count)
    summaries = import_paths(store, [src], enrich=False)
    assert all(s.error is None for s in summaries), summaries


def key_forms(key: bytes) -> list[bytes]:
    """The ways a key could leak into a file: raw, hex (both cases), base64 (std and url)."""
    return [
        key,
        key.hex().encode(),
        key.hex().upper().encode(),
        base64.b64encode(key),
        base64.urlsafe_b64encode(key),
        base64.b64encode(key).rstrip(b"="),
    ]


def files_containing(folder: Path, key: bytes) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(form in data for form in key_forms(key)):
                found.append(str(path))
    return found
