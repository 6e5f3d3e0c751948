"""What SQLite runs for a search's first page (the search tests look at the plan it took)."""

from __future__ import annotations

from typing import Any

from triage_app.store.queue import QueueQuery, queue_ids


def statements(store: Any, query: QueueQuery, limit: int) -> tuple[list[int], list[str]]:
    """The first ``limit`` ids of ``query`` and every statement the store's connection ran."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        ids = list(queue_ids(store, query, limit=limit))
    finally:
        store.conn.set_trace_callback(None)
    return ids, seen
