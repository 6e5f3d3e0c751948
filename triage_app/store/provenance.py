"""Whose decision is this: the person behind each decision, and, for decisions that reached this
store through a sync pack, the store they were made in and when they were imported.

A local store belongs to one OS account; colleagues' work arrives only through sync packs. The
window and ``triage show`` name the author of every decision from elsewhere as
``by NAME (from LABEL, imported DATE)``: LABEL is the peer's label (e.g. "field laptop") or the
origin store's id, DATE the day of the first sync import from that store after the decision was
made (the sync tables record which stores sent what, not which pack carried each decision)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_CHUNK = 500


@dataclass(frozen=True)
class Origin:
    store_id: str
    label: str | None
    imported_at: str | None

    @property
    def place(self) -> str:
        return self.label or f"store {self.store_id[:8]}"

    def as_dict(self) -> dict[str, Any]:
        return {"store_id": self.store_id, "label": self.label, "imported_at": self.imported_at}


def origins(store_or_conn: Any, decisions: Iterable[tuple[str, str]]) -> dict[str, Origin]:
    """Origins of the decisions (uuid, at) that came from another store; local ones are absent."""
    wanted = dict(decisions)
    if not wanted:
        return {}
    found: dict[str, str] = {}
    uuids = list(wanted)
    for i in range(0, len(uuids), _CHUNK):
        chunk = uuids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(
            (str(u), str(s))
            for u, s in store_or_conn.execute(
                f"SELECT uuid, store_id FROM decision_origin WHERE uuid IN ({marks})", chunk
            )
        )
    out: dict[str, Origin] = {}
    for uuid, store_id in found.items():
        label = store_or_conn.execute(
            "SELECT label FROM peers WHERE store_id = ? AND label IS NOT NULL "
            "ORDER BY first_seen_at LIMIT 1",
            (store_id,),
        ).fetchone()
        imported = store_or_conn.execute(
            "SELECT min(imported_at) FROM sync_imports WHERE from_store = ? AND imported_at >= ?",
            (store_id, wanted[uuid]),
        ).fetchone()[0]
        if imported is None:  # relayed by a third store, or the origin's clock ran ahead
            imported = store_or_conn.execute(
                "SELECT min(imported_at) FROM sync_imports WHERE imported_at >= ?",
                (wanted[uuid],),
            ).fetchone()[0]
        out[uuid] = Origin(store_id, label[0] if label else None, imported)
    return out


def by_text(actor: str, origin: Origin | None) -> str:
    """``bob`` for a decision made here; ``bob (from field laptop, imported 2026-12-03)`` for one
    that came through a sync pack."""
    if origin is None:
        return actor
    when = f", imported {origin.imported_at[:10]}" if origin.imported_at else ""
    return f"{actor} (from {origin.place}{when})"
