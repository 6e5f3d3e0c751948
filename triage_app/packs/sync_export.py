"""What goes into a sync pack for a peer: every row this store has that the peer has not seen.

Rows travel by uuid and natural key, never by local id: a post is (platform, platform post id),
an account (platform, platform account id), a decision, outcome or audit row its uuid, a media
row its post plus its content (see ``media_uuid``). Posts and accounts that exported rows point
to always go along, so every pack merges on its own."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store.connection import Store

# Audit actions about the exchange itself: shipped (so peer chains stay complete) but they are
# each store's own record of transport, see docs/security.md.
SYNC_ACTIONS = ("sync_export", "sync_import", "sync_peer_key")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")


def media_uuid(
    post_uuid: str, kind: str, sha256: str | None, name: str | None, url: str | None
) -> str:
    """A stable identity for a media row (the media table has no uuid of its own)."""
    text = "\x00".join([post_uuid, kind, sha256 or "", name or "", url or ""])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class ExportRows:
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    media_files: dict[str, Path] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (kind, uuid) to mark as sent


def _unseen(
    store: Store, sql: str, kind: str, recipient: str | None, params: tuple[Any, ...] = ()
) -> list[Any]:
    """Rows of ``sql`` (which selects ``uuid`` as its first column from alias ``t``) that the
    peer has not seen; with ``recipient`` None, every row."""
    if recipient is None:
        return store.execute(sql, params).fetchall()
    where = " AND " if " WHERE " in sql else " WHERE "
    return store.execute(
        sql + where + "NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.recipient = ? AND "
        "s.kind = ? AND s.uuid = t.uuid)",
        (*params, recipient, kind),
    ).fetchall()


def collect(store: Store, recipient: str | None, own_store: str) -> ExportRows:
    """Everything ``recipient`` has not seen (everything when ``recipient`` is None)."""
    out = ExportRows()
    seen = out.seen

    decisions = []
    for r in _unseen(
        store,
        "SELECT t.uuid, p.uuid, t.kind, t.tag, t.note, t.actor, t.at, t.workstation, t.batch, "
        "t.undoes, coalesce(o.store_id, ?), t.signature FROM decisions t "
        "JOIN posts p ON p.id = t.post_id "
        "LEFT JOIN decision_origin o ON o.uuid = t.uuid",
        "decision",
        recipient,
        (own_store,),
    ):
        decisions.append(
            dict(
                zip(
                    (
                        "uuid",
                        "post",
                        "kind",
                        "tag",
                        "note",
                        "actor",
                        "at",
                        "workstation",
                        "batch",
                        "undoes",
                        "origin",
                        "signature",
                    ),
                    r,
                    strict=True,
                )
            )
        )
        seen.append(("decision", r[0]))

    media = []
    media_posts: set[str] = set()
    for r in store.execute(
        "SELECT p.uuid, m.kind, m.name, m.url, m.sha256, m.size, m.mime, m.missing, "
        "m.stored_path FROM media m JOIN posts p ON p.id = m.post_id ORDER BY m.id"
    ):
        uid = media_uuid(r[0], r[1], r[4], r[2], r[3])
        if recipient is not None and _is_seen(store, recipient, "media", uid):
            continue
        row = dict(
            zip(
                ("post", "kind", "name", "url", "sha256", "size", "mime", "missing"),
                r[:8],
                strict=True,
            )
        )
        row["uuid"] = uid
        file = _evidence_file(store, r[8])
        if file is not None and r[4]:
            suffix = file.suffix.lower()
            entry = f"media/{r[4]}{suffix if _SUFFIX.match(suffix) else ''}"
            out.media_files[entry] = file
            row["file"] = entry
        media.append(row)
        media_posts.add(r[0])
        seen.append(("media", uid))

    outcomes = []
    for r in _unseen(
        store,
        "SELECT t.uuid, a.uuid, t.outcome, t.on_date, t.actor, t.at, t.note, t.signature "
        "FROM outcomes t JOIN accounts a ON a.id = t.account_id",
        "outcome",
        recipient,
    ):
        outcomes.append(
            dict(
                zip(
                    ("uuid", "account", "outcome", "on_date", "actor", "at", "note", "signature"),
                    r,
                    strict=True,
                )
            )
        )
        seen.append(("outcome", r[0]))

    wanted_posts = {d["post"] for d in decisions} | media_posts
    # Media the import refused (outside the export, not a regular file, too large) travel with
    # their post, so the receiver's show and preview also say "media refused: reason".
    refused: dict[str, list[dict[str, str]]] = {}
    for r in store.execute(
        "SELECT p.uuid, m.reference, m.reason FROM media_refused m "
        "JOIN posts p ON p.id = m.post_id ORDER BY m.id"
    ):
        refused.setdefault(r[0], []).append({"reference": r[1], "reason": r[2]})
    posts = []
    for r in store.execute(
        "SELECT t.uuid, t.platform, t.platform_post_id, a.uuid, t.kind, t.parent_post_id, t.url, "
        "t.posted_at, t.text, t.language, t.status, r.raw FROM posts t "
        "LEFT JOIN accounts a ON a.id = t.account_id LEFT JOIN post_raw r ON r.post_id = t.id "
        "ORDER BY t.id"
    ):
        if (
            r[0] not in wanted_posts
            and recipient is not None
            and _is_seen(store, recipient, "post", r[0])
        ):
            continue
        posts.append(
            {
                "uuid": r[0],
                "platform": r[1],
                "platform_post_id": r[2],
                "account": r[3],
                "kind": r[4],
                "parent_post_id": r[5],
                "url": r[6],
                "posted_at": r[7],
                "text": r[8],
                "language": r[9],
                "referred": r[10] == "referred",
                "raw": r[11],
            }
        )
        if r[0] in refused:
            posts[-1]["media_refused"] = refused[r[0]]
        seen.append(("post", r[0]))

    wanted_accounts = {p["account"] for p in posts if p["account"]} | {
        o["account"] for o in outcomes
    }
    accounts = []
    for r in store.execute(
        "SELECT uuid, platform, platform_account_id, handle, display_name, url, created_at, "
        "followers FROM accounts ORDER BY id"
    ):
        if (
            r[0] not in wanted_accounts
            and recipient is not None
            and _is_seen(store, recipient, "account", r[0])
        ):
            continue
        accounts.append(
            dict(
                zip(
                    (
                        "uuid",
                        "platform",
                        "platform_account_id",
                        "handle",
                        "display_name",
                        "url",
                        "created_at",
                        "followers",
                    ),
                    r,
                    strict=True,
                )
            )
        )
        seen.append(("account", r[0]))

    audit = []
    columns = (
        "uuid",
        "origin",
        "seq",
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "detail",
        "prev_hash",
        "hash",
    )
    own_sql = (
        "SELECT t.uuid, ?, t.id, t.at, t.actor, t.action, t.object_type, "
        "t.object_id, t.detail, t.prev_hash, t.hash FROM audit t"
    )
    peer_sql = (
        "SELECT t.uuid, t.origin, t.seq, t.at, t.actor, t.action, t.object_type, t.object_id, "
        "t.detail, t.prev_hash, t.hash FROM peer_audit t"
    )
    for sql, params in ((own_sql, (own_store,)), (peer_sql, ())):
        for r in _unseen(store, sql, "audit", recipient, params):
            audit.append(dict(zip(columns, r, strict=True)))
            seen.append(("audit", r[0]))

    out.sections = {
        "accounts": accounts,
        "posts": posts,
        "media": media,
        "decisions": decisions,
        "outcomes": outcomes,
        "audit": audit,
    }
    return out


def _is_seen(store: Store, recipient: str, kind: str, uuid: str) -> bool:
    return (
        store.scalar(
            "SELECT 1 FROM sync_seen WHERE recipient = ? AND kind = ? AND uuid = ?",
            (recipient, kind, uuid),
        )
        is not None
    )


def _evidence_file(store: Store, stored_path: str | None) -> Path | None:
    if not stored_path:
        return None
    from ..ingest.evidence import evidence_dir

    candidate = evidence_dir(store.path) / stored_path
    return candidate if candidate.is_file() else None
