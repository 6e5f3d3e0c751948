"""Reading the audit trail: rows filtered by actor, action, post and time, for `triage audit
list` and the audit view. (Writing and verifying the chain live in :mod:`.audit`.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .connection import Store

# Detail keys shown first, and how some are named for a person.
_FIRST = ("note", "reason", "posts", "add", "remove", "platform")
_NAMES = {"note": "reason", "add": "added", "remove": "removed", "self_approved": "self-approved"}


def _value_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{_key_text(k)} {_value_text(v)}" for k, v in value.items())
    return str(value)


def _key_text(key: str) -> str:
    return _NAMES.get(key, key.replace("_", " "))


def readable_detail(detail: str) -> str:
    """An audit row's JSON detail as a person reads it: "reason: blurry photo · posts: 3 ·
    batch 1a2b3c4d", never a Python repr; the full value stays in the store and the CLI."""
    try:
        data: Any = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return _value_text(data)
    keys = [k for k in _FIRST if k in data] + [k for k in data if k not in _FIRST]
    parts = []
    for key in keys:
        value = data[key]
        if value is None or value == [] or value == {}:
            continue
        if key in ("batch", "uuid") and isinstance(value, str):
            parts.append(f"{key} {value[:8]}")
            continue
        if key == "note" and isinstance(value, bool):  # a tag action: was a note written?
            if value:
                parts.append("with a note")
            continue
        parts.append(f"{_key_text(key)}: {_value_text(value)}")
    return " · ".join(parts)


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
