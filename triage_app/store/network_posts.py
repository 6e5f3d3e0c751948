"""What the network view reads besides the network itself: the posts of a network's accounts
(for its timeline and for opening an account's posts in the queue) and the takedowns to mark on
that timeline. Kept apart from networks.py, which builds and explains the links."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from .connection import Store


@dataclass(frozen=True, slots=True)
class NetworkPost:
    """One post of a network's account: enough to count it on a timeline and open it."""

    post_id: int
    account_id: int
    posted_at: int | None  # unix seconds; None when the export gave no date
    returning: bool


@dataclass(frozen=True, slots=True)
class Takedown:
    """A takedown recorded for one of the network's accounts (outcome 'taken_down')."""

    account_id: int
    on_date: str  # YYYY-MM-DD


def _ids(account_ids: Iterable[int]) -> str:
    return json.dumps(sorted({int(a) for a in account_ids}))


def network_posts(store: Store, account_ids: Iterable[int]) -> list[NetworkPost]:
    """Every post of these accounts, oldest first (undated last), with its returning mark."""
    rows = store.execute(
        "SELECT p.id, p.account_id, p.posted_at, r.post_id IS NOT NULL FROM posts p "
        "LEFT JOIN returning_posts r ON r.post_id = p.id "
        "WHERE p.account_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY p.posted_at IS NULL, p.posted_at, p.id",
        (_ids(account_ids),),
    ).fetchall()
    return [
        NetworkPost(int(r[0]), int(r[1]), None if r[2] is None else int(r[2]), bool(r[3]))
        for r in rows
    ]


def network_takedowns(store: Store, account_ids: Iterable[int]) -> list[Takedown]:
    """Every takedown recorded for these accounts, by date."""
    rows = store.execute(
        "SELECT account_id, on_date FROM outcomes WHERE outcome = 'taken_down' "
        "AND account_id IN (SELECT value FROM json_each(?)) ORDER BY on_date, id",
        (_ids(account_ids),),
    ).fetchall()
    return [Takedown(int(r[0]), str(r[1])[:10]) for r in rows]
