"""Disruption, not only activity (issue 18): how many networks of accounts were referred, fully
taken down, and came back after a takedown, with the median days until they did, per year and
per platform and year (``triage networks --stats``, ``triage stats``, the statistics view).

A network is a connected part of the link graph (store/networks.py); its year is that of its
first referral (or outcome); it is taken down when every account's latest outcome is a
takedown; it returned when a post was marked returning after a takedown of one of its
accounts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .connection import Store
from .networks import account_states, link_graph


def _day_gap(start: str, end: str) -> int:
    return (dt.date.fromisoformat(end[:10]) - dt.date.fromisoformat(start[:10])).days


@dataclass(frozen=True, slots=True)
class _Disruption:
    """One referred network: the year of its first referral, its platforms, whether every
    account is taken down, and the days from a takedown to its first return (None: none)."""

    year: str
    platforms: tuple[str, ...]
    taken_down: bool
    days_to_return: int | None


def _disrupted_networks(store: Store) -> list[_Disruption]:
    import networkx as nx  # here: only the network commands and statistics need it

    graph = link_graph(store)
    parts = [set(c) for c in nx.connected_components(graph)]
    members = sorted(a for part in parts for a in part)
    ids = json.dumps(members)
    states = account_states(store.conn, members)
    platform = dict(
        store.execute(
            "SELECT id, platform FROM accounts WHERE id IN (SELECT value FROM json_each(?))",
            (ids,),
        ).fetchall()
    )
    first_referral = dict(
        store.execute(
            "SELECT ri.account_id, min(r.created_at) FROM referral_items ri JOIN referrals r "
            "ON r.id = ri.referral_id WHERE ri.account_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY ri.account_id",
            (ids,),
        ).fetchall()
    )
    returns: dict[int, list[int]] = {}  # account -> days from the takedown to each return
    for account, on_date, posted in store.execute(
        "SELECT r.account_id, r.on_date, p.posted_at FROM returning_posts r JOIN posts p "
        "ON p.id = r.post_id WHERE r.why = 'taken_down' AND r.on_date IS NOT NULL"
    ):
        if posted is not None:  # a post without a date cannot say when it returned
            day = dt.datetime.fromtimestamp(int(posted), dt.UTC).date().isoformat()
            returns.setdefault(int(account), []).append(max(0, _day_gap(str(on_date), day)))
    out = []
    for part in parts:
        referred = [a for a in part if states[a].status != "new"]
        if not referred:
            continue
        dates = [str(first_referral[a])[:10] for a in referred if first_referral.get(a)]
        dates += [str(states[a].on_date) for a in referred if states[a].on_date]
        gaps = [g for a in part for g in returns.get(a, [])]
        out.append(
            _Disruption(
                min(dates)[:4] if dates else "unknown",
                tuple(sorted({str(platform.get(a, "?")) for a in part})),
                all(states[a].status == "taken_down" for a in part),
                min(gaps) if gaps else None,
            )
        )
    return out


def _disruption_rows(
    networks: Iterable[_Disruption], key: Any, fields: Sequence[str]
) -> list[dict[str, Any]]:
    import statistics

    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for net in networks:
        for k in key(net):
            row = rows.setdefault(
                k,
                {
                    **dict(zip(fields, k, strict=True)),
                    "referred": 0,
                    "taken_down": 0,
                    "returned": 0,
                    "_days": [],
                },
            )
            row["referred"] += 1
            row["taken_down"] += int(net.taken_down)
            if net.days_to_return is not None:
                row["returned"] += 1
                row["_days"].append(net.days_to_return)
    out = []
    for k in sorted(rows):
        row = rows[k]
        days = row.pop("_days")
        row["median_days_to_return"] = statistics.median(days) if days else None
        out.append(row)
    return out


def disruption_stats(store: Store) -> list[dict[str, Any]]:
    """Per platform and year (of the network's first referral): networks referred (any account
    referred), fully taken down (every account taken down), returned (a returning post after a
    takedown) and the median days from that takedown to the first return. A network on two
    platforms counts under each."""
    return _disruption_rows(
        _disrupted_networks(store),
        lambda n: [(p, n.year) for p in n.platforms],
        ("platform", "year"),
    )


def disruption_report(store: Store) -> dict[str, Any]:
    """The disruption figures of the statistics (``stats --json`` ``networks``): per year, each
    network once (``by_year``), and per platform and year (``by_platform_year``, a network on
    two platforms under each)."""
    networks = _disrupted_networks(store)
    return {
        "by_year": _disruption_rows(networks, lambda n: [(n.year,)], ("year",)),
        "by_platform_year": _disruption_rows(
            networks, lambda n: [(p, n.year) for p in n.platforms], ("platform", "year")
        ),
    }
