"""The append-only, hash-chained audit trail: every import, tag, note, review, user change,
export and sync is a row whose hash covers the previous row's hash and its own content."""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.timeutil import utc_now_iso

GENESIS = "0" * 64
# The chain's last hash (NULL on an empty chain), also usable as a scalar subquery.
HEAD_SQL = "SELECT hash FROM audit ORDER BY id DESC LIMIT 1"


def row_hash(
    prev_hash: str,
    uuid: str,
    at: str,
    actor: str,
    action: str,
    object_type: str | None,
    object_id: str | None,
    detail: str,
) -> str:
    """SHA-256 over the previous hash and the row's content in a canonical JSON form."""
    content = json.dumps(
        [uuid, at, actor, action, object_type, object_id, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def append_audit(
    conn: Any,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    *,
    at: str | None = None,
    uuid: str | None = None,
    head: str | None = None,
) -> str:
    """Append one row inside the caller's transaction; returns its hash.

    ``head``: the chain's last hash, when the caller already read it in this transaction (under
    the writer lock, nothing else appended since: see :data:`HEAD_SQL`), which saves a round
    trip to a team server; None reads it here."""
    if head is None:
        row = conn.execute(HEAD_SQL).fetchone()
        head = row[0] if row and row[0] is not None else GENESIS
    prev = head
    uuid = uuid or str(uuidlib.uuid4())
    at = at or utc_now_iso()
    oid = None if object_id is None else str(object_id)
    detail_text = json.dumps(
        detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    digest = row_hash(prev, uuid, at, actor, action, object_type, oid, detail_text)
    conn.execute(
        "INSERT INTO audit(uuid, at, actor, action, object_type, object_id, detail, prev_hash, "
        "hash) VALUES (?,?,?,?,?,?,?,?,?)",
        (uuid, at, actor, action, object_type, oid, detail_text, prev, digest),
    )
    return digest


@dataclass
class AuditCheck:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str | None = None
    head: str = GENESIS


PROGRESS_ROWS = 50_000  # how often verify_audit reports how far it is


def verify_audit(conn: Any, progress: Callable[[int, int], None] | None = None) -> AuditCheck:
    """Walk the chain in id order; report the first row whose links or hash do not hold.
    ``progress(done, total)`` is told every PROGRESS_ROWS rows and at the end."""
    prev = GENESIS
    count = 0
    total = int(conn.execute("SELECT count(*) FROM audit").fetchone()[0]) if progress else 0
    cursor = conn.execute(
        "SELECT id, uuid, at, actor, action, object_type, object_id, detail, prev_hash, hash "
        "FROM audit ORDER BY id"
    )
    for rid, uuid, at, actor, action, otype, oid, detail, prev_hash, digest in cursor:
        count += 1
        if progress is not None and count % PROGRESS_ROWS == 0:
            progress(count, max(total, count))
        if prev_hash != prev:
            return AuditCheck(False, count, rid, "its link to the previous row is broken", prev)
        expected = row_hash(prev, uuid, at, actor, action, otype, oid, detail)
        if expected != digest:
            return AuditCheck(False, count, rid, "its content does not match its hash", prev)
        prev = digest
    if progress is not None:
        progress(count, count)
    return AuditCheck(True, count, None, None, prev)


def audit_head(conn: Any) -> str:
    row = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else GENESIS
