"""A JSONL export whose accounts form one large network, for the network view's tests and its
benchmark: ``accounts`` accounts on three platforms in groups of eight that share a phone
number, each group linked to the next by a second number its last and the next group's first
account both give. Texts differ (seeded word salad), so near-duplicates add no links; every value
is on at most eight accounts, under the store's frequency cut-off (ten from 500 accounts)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

PLATFORMS = ("telegram", "facebook", "tiktok")
WORDS = tuple(
    " ".join(
        (
            "boat crossing night safe price captain family harbour sea Italy Greece Libya",
            "Turkey ticket fast departure weekly jackets food water children travel call",
            "message guide documents passport visa Europe island beach coast trip seats",
        )
    ).split(" ")
)
GROUP = 8


def _phone(prefix: str, n: int) -> str:
    return f"+218 {prefix} {n // 10000 % 1000:03d} {n % 10000:04d}"


def network_records(accounts: int = 500, *, posts_each: int = 1, seed: int = 1) -> list[dict]:
    """One post (or ``posts_each``) per account, dated over 2026, carrying its contacts."""
    rng = random.Random(seed)
    start = dt.date(2026, 1, 5)
    out = []
    for i in range(accounts):
        group = i // GROUP
        phones = [_phone("91", 2_000_000 + group)]
        if i % GROUP == GROUP - 1 and i + 1 < accounts:
            phones.append(_phone("92", 3_000_000 + group))  # shared with the next group
        if i % GROUP == 0 and group > 0:
            phones.append(_phone("92", 3_000_000 + group - 1))
        for k in range(posts_each):
            words = " ".join(rng.choice(WORDS) for _ in range(18))
            day = start + dt.timedelta(days=(i * 3 + k * 17) % 300)
            handle = f"acct{i:04d}"
            out.append(
                {
                    "platform": PLATFORMS[i % len(PLATFORMS)],
                    "post_id": f"p{i}-{k}",
                    "url": f"https://example.org/{handle}/{k}",
                    "created_at": f"{day.isoformat()}T12:00:00Z",
                    "text": f"{words} call {' or '.join(phones)}",
                    "author_id": f"id-{handle}",
                    "author_handle": handle,
                    "author_name": handle,
                }
            )
    return out


def write_network_corpus(path: Path, accounts: int = 500, **kwargs: int) -> Path:
    records = network_records(accounts, **kwargs)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
