"""custody.jsonl: the chain of custody of a pack's items — the imports they came from, every
decision on them, and the hash-chained audit rows of those imports and decisions — so that a
platform (or a court) can see how each item was collected, reviewed and approved."""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Sequence
from typing import Any

from ..store.audit import verify_audit
from ..store.connection import Store
from ..store.four_eyes import marker, self_approved
from .contents import CHUNK
from .zipstream import TextSink

_AUDIT_COLUMNS = (
    "id",
    "uuid",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "hash",
)
_IMPORT_COLUMNS = (
    "id",
    "uuid",
    "path",
    "sha256",
    "size",
    "format",
    "actor",
    "started_at",
    "finished_at",
    "inserted",
    "present",
    "quarantined",
    "skipped",
)


def _line(out: TextSink, value: dict[str, Any]) -> None:
    out.write(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    out.write("\n")


def write_custody(
    out: TextSink,
    store: Store,
    post_ids: Sequence[int],
    uuids: dict[int, str],
    cancelled: Callable[[], bool] = lambda: False,
) -> str:
    """Write custody.jsonl; returns the audit chain head it was checked against."""
    check = verify_audit(store.conn)
    _line(
        out,
        {
            "type": "chain",
            "audit_rows": check.rows,
            "head": check.head,
            "verified": check.ok,
            "first_bad_row": check.first_bad_id,
        },
    )
    batches: set[str] = set()
    import_ids: set[int] = set()
    for i in range(0, len(post_ids), CHUNK):
        if cancelled():
            return check.head
        chunk = list(post_ids[i : i + CHUNK])
        marks = ",".join("?" * len(chunk))
        for (iid,) in store.execute(
            f"SELECT DISTINCT import_id FROM posts WHERE id IN ({marks})", chunk
        ):
            import_ids.add(iid)
        for row in store.execute(
            "SELECT post_id, uuid, kind, tag, note, actor, at, workstation, batch, undoes "
            f"FROM decisions WHERE post_id IN ({marks}) ORDER BY post_id, id",
            chunk,
        ):
            if row[8]:
                batches.add(row[8])
            _line(
                out,
                {
                    "type": "decision",
                    "post": uuids[row[0]],
                    "uuid": row[1],
                    "kind": row[2],
                    "tag": row[3],
                    "note": row[4],
                    "actor": row[5],
                    "at": row[6],
                    "workstation": row[7],
                    "batch": row[8],
                    "undoes": row[9],
                },
            )
        for post_id, approval in sorted(self_approved(store, chunk).items()):
            # Four eyes were off: the approver also tagged the post (store/four_eyes.py).
            _line(
                out,
                {
                    "type": "self_approval",
                    "post": uuids[post_id],
                    "approver": approval.approver,
                    "self_approved": True,
                    "note": marker(approval),
                },
            )
    import_keys: set[str] = set()
    for iid in sorted(import_ids):
        row = store.execute(
            f"SELECT {', '.join(_IMPORT_COLUMNS)} FROM imports WHERE id = ?", (iid,)
        ).fetchone()
        if row is not None:
            record = dict(zip(_IMPORT_COLUMNS, row, strict=True))
            import_keys.update({str(record["id"]), str(record["uuid"])})
            _line(out, {"type": "import", **record})
    post_keys = _PostKeys(post_ids, uuids)
    for row in store.execute(f"SELECT {', '.join(_AUDIT_COLUMNS)} FROM audit ORDER BY id"):
        record = dict(zip(_AUDIT_COLUMNS, row, strict=True))
        if _concerns(record, batches, import_keys, post_keys):
            _line(out, {"type": "audit", **record})
    return check.head


class _PostKeys:
    """The pack's posts as an audit row names them (store id or uuid), asked one key at a time:
    a set of both as strings was 200,000 new strings for a pack of 100,000 posts, made at the
    build's fullest moment (issue 17)."""

    def __init__(self, post_ids: Sequence[int], uuids: dict[int, str]) -> None:
        self._ids = set(post_ids)
        self._uuids = set(uuids.values())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if key in self._uuids:
            return True
        # str(post id) == key, without making the strings: plain ASCII digits, no leading zero
        if not (key.isascii() and key.isdigit() and len(key) <= 20):
            return False
        return str(int(key)) == key and int(key) in self._ids


def _concerns(
    record: dict[str, Any], batches: set[str], import_keys: set[str], post_keys: Container[str]
) -> bool:
    """Whether an audit row is about one of the pack's imports, decisions or posts."""
    otype = (record["object_type"] or "").lower()
    oid = record["object_id"]
    if otype in ("import", "imports") and oid in import_keys:
        return True
    if otype == "post" and oid in post_keys:
        return True
    detail = record["detail"] or ""
    if batches and '"batch"' in detail:
        try:
            batch = json.loads(detail).get("batch")
        except (ValueError, AttributeError):
            return False
        return batch in batches
    if import_keys and '"import' in detail:
        try:
            parsed = json.loads(detail)
        except ValueError:
            return False
        value = (
            parsed.get("import_uuid", parsed.get("import_id")) if isinstance(parsed, dict) else None
        )
        return str(value) in import_keys
    return False
