"""Reading the audit trail: rows filtered by actor, action, post and time, for `triage audit
list` and the audit view. (Writing and verifying the chain live in :mod:`.audit`.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .connection import Store


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    detail: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        try:
            detail: Any = json.loads(self.detail)
        except ValueError:
            detail = self.detail
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "detail": detail,
            "hash": self.hash,
        }


def list_audit(
    store: Store,
    *,
    actor: str | None = None,
    action: str | None = None,
    post: int | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = 1000,
    newest_first: bool = True,
) -> list[AuditRow]:
    """Audit rows matching every filter given.

    A post matches the rows about it alone, and the bulk rows (tag, review, undo) whose batch
    touched it — bulk rows name a range of ids, so the batch is what ties them to the post."""
    clauses: list[str] = []
    params: list[Any] = []
    if actor:
        clauses.append("actor = ?")
        params.append(actor)
    if action:
        clauses.append("action = ?")
        params.append(action)
    if since:
        clauses.append("at >= ?")
        params.append(since)
    if until:
        clauses.append("at < ?")
        params.append(until)
    if post is not None:
        clauses.append(
            "((object_type IN ('post', 'posts') AND object_id = ?) OR "
            "(json_valid(detail) AND json_extract(detail, '$.batch') IN "
            "(SELECT batch FROM decisions WHERE post_id = ? AND batch IS NOT NULL)))"
        )
        params.extend([str(post), post])
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    order = "DESC" if newest_first else "ASC"
    sql = (
        f"SELECT id, at, actor, action, object_type, object_id, detail, hash FROM audit "
        f"{where} ORDER BY id {order}"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [AuditRow(*r) for r in store.execute(sql, params)]


def distinct_values(store: Store, column: str) -> list[str]:
    """Actors or actions present in the trail (for filter menus)."""
    if column not in ("actor", "action"):
        raise ValueError(column)
    return [r[0] for r in store.execute(f"SELECT DISTINCT {column} FROM audit ORDER BY 1")]
