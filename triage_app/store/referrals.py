"""Referrals and the address book of recipients.

A referral is recorded only once its pack file is complete and in place: one transaction writes
the referral, its items, marks the posts `referred` and their accounts referred, and appends the
audit row. The address book keeps platform liaisons' age public keys under a label."""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.errors import TriageError, UsageError
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role
from .audit import append_audit
from .connection import Store
from .personal_keys import personal_key_for, referral_message

_CHUNK = 500


@dataclass(frozen=True)
class Recipient:
    label: str
    platform: str | None
    public_key: str
    added_by: str
    added_at: str


def add_recipient(
    store: Store, label: str, public_key: str, platform: str | None = None
) -> Recipient:
    """Add a liaison's age public key to the address book (the key is checked first)."""
    from ..packs.crypto import canonical_recipient

    require_role(store.user, store.role_of(), "build_pack")
    label = label.strip()
    if not label:
        raise UsageError("A recipient needs a label")
    if label.startswith("age1"):
        raise UsageError(
            "A recipient label must not look like a key; give a name such as 'meta-liaison'"
        )
    key = canonical_recipient(public_key)
    existing = store.execute(
        "SELECT label FROM recipients WHERE label = ? OR public_key = ?", (label, key)
    ).fetchone()
    if existing is not None:
        raise TriageError(f"The address book already has {existing[0]!r} with that label or key")
    at = utc_now_iso()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO recipients(label, platform, public_key, added_by, added_at) "
            "VALUES (?,?,?,?,?)",
            (label, platform, key, store.user, at),
        )
        append_audit(
            conn,
            store.user,
            "recipient_add",
            "recipient",
            label,
            {"platform": platform, "public_key": key},
            at=at,
        )
    return Recipient(label, platform, key, store.user, at)


def remove_recipient(store: Store, label: str) -> Recipient:
    """Take a liaison out of the address book (audited; packs already built are unchanged)."""
    require_role(store.user, store.role_of(), "build_pack")
    row = store.execute(
        "SELECT label, platform, public_key, added_by, added_at FROM recipients WHERE label = ?",
        (label,),
    ).fetchone()
    if row is None:
        raise TriageError(f"No recipient {label!r} in the address book")
    at = utc_now_iso()
    with store.transaction() as conn:
        conn.execute("DELETE FROM recipients WHERE label = ?", (label,))
        append_audit(
            conn,
            store.user,
            "recipient_remove",
            "recipient",
            label,
            {"platform": row[1], "public_key": row[2]},
            at=at,
        )
    return Recipient(*row)


def list_recipients(store: Store, platform: str | None = None) -> list[Recipient]:
    """The address book, by label; with ``platform``, that platform's liaisons and unassigned."""
    sql = "SELECT label, platform, public_key, added_by, added_at FROM recipients"
    params: tuple[str, ...] = ()
    if platform is not None:
        sql += " WHERE platform = ? OR platform IS NULL"
        params = (platform,)
    return [Recipient(*row) for row in store.execute(sql + " ORDER BY label", params)]


def resolve_recipients(store: Store, names: Sequence[str]) -> list[str]:
    """age public keys for labels from the address book or keys given directly (checked)."""
    from ..packs.crypto import canonical_recipient

    keys: list[str] = []
    for name in names:
        value = name.strip()
        if value.startswith("age1"):
            key = canonical_recipient(value)
        else:
            key = store.scalar("SELECT public_key FROM recipients WHERE label = ?", (value,))
            if key is None:
                raise TriageError(
                    f"No recipient {value!r} in the address book; add it with "
                    f"'triage recipients add {value} AGE_PUBKEY' or give the age public key"
                )
        if key not in keys:
            keys.append(str(key))
    return keys


@dataclass(frozen=True)
class ReferralRecord:
    platform: str
    recipients: Sequence[str]  # age public keys, or ["passphrase"]
    protection: str  # 'recipients' | 'passphrase'
    pack_id: str
    pack_name: str
    pack_sha256: str
    size: int
    signature_name: str
    signer_key_id: str
    audit_head: str
    items: Sequence[tuple[int, int | None]]  # (post id, account id)


def check_approvals(store: Store, post_ids: Sequence[int]) -> None:
    """Refuse (one line naming the post) any post whose approval is not a supervisor's signed
    approval decision: a status set by hand, an unregistered approver, a forged signature."""
    from .signature_audit import approval_problem, valid_registrations

    valid, _problems = valid_registrations(store.conn)
    bad = [
        problem
        for problem in (approval_problem(store.conn, int(p), valid) for p in post_ids)
        if problem is not None
    ]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise TriageError(f"Refusing to build the pack: {bad[0]}{more}")


def record_referral(store: Store, record: ReferralRecord) -> str:
    """Record a finished pack in one transaction; returns the referral's uuid.

    Refuses (changing nothing) if any item is no longer approved: someone re-tagged or referred
    it while the pack was being built."""
    require_role(store.user, store.role_of(), "build_pack")
    referral_uuid = str(uuidlib.uuid4())
    at = utc_now_iso()
    post_ids = [p for p, _ in record.items]
    account_ids = sorted({a for _, a in record.items if a is not None})
    check_approvals(store, post_ids)
    signer = personal_key_for(store)
    with store.transaction() as conn:
        for i in range(0, len(post_ids), _CHUNK):
            chunk = post_ids[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            changed = conn.execute(
                f"SELECT id, status FROM posts WHERE id IN ({marks}) AND status != 'approved' "
                "LIMIT 1",
                chunk,
            ).fetchone()
            if changed is not None:
                raise TriageError(
                    f"Post {changed[0]} became {changed[1]} while the pack was being built; "
                    "build the pack again"
                )
        cursor = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES (?,?,?,?,?,?,?,?)",
            (
                referral_uuid,
                record.platform,
                json.dumps(list(record.recipients)),
                record.pack_sha256,
                record.pack_name,
                store.user,
                at,
                len(post_ids),
            ),
        )
        referral_id = cursor.lastrowid
        natural = [
            (str(r[0]), str(r[1]))
            for i in range(0, len(post_ids), _CHUNK)
            for r in conn.execute(
                "SELECT platform, platform_post_id FROM posts WHERE id IN "
                f"({','.join('?' * len(post_ids[i : i + _CHUNK]))})",
                post_ids[i : i + _CHUNK],
            )
        ]
        signature = signer.sign(
            referral_message(
                referral_uuid,
                record.platform,
                record.pack_sha256,
                record.pack_name,
                store.user,
                at,
                natural,
            )
        )
        conn.execute("UPDATE referrals SET signature = ? WHERE id = ?", (signature, referral_id))
        conn.execute(
            "INSERT INTO referral_packs(referral_id, pack_id, protection, signature_name, "
            "signer_key_id, size, accounts, audit_head) VALUES (?,?,?,?,?,?,?,?)",
            (
                referral_id,
                record.pack_id,
                record.protection,
                record.signature_name,
                record.signer_key_id,
                record.size,
                len(account_ids),
                record.audit_head,
            ),
        )
        conn.executemany(
            "INSERT INTO referral_items(referral_id, post_id, account_id) VALUES (?,?,?)",
            ((referral_id, p, a) for p, a in record.items),
        )
        for i in range(0, len(post_ids), _CHUNK):
            chunk = post_ids[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            conn.execute(f"UPDATE posts SET status = 'referred' WHERE id IN ({marks})", chunk)
        for i in range(0, len(account_ids), _CHUNK):
            chunk = account_ids[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            conn.execute(f"UPDATE accounts SET referred = 1 WHERE id IN ({marks})", chunk)
        append_audit(
            conn,
            store.user,
            "referral",
            "referral",
            referral_uuid,
            {
                "platform": record.platform,
                "pack_id": record.pack_id,
                "pack_name": record.pack_name,
                "pack_sha256": record.pack_sha256,
                "protection": record.protection,
                "recipients": list(record.recipients),
                "posts": len(post_ids),
                "accounts": len(account_ids),
                "signer_key_id": record.signer_key_id,
            },
            at=at,
        )
    from .networks import recheck_returning  # linked accounts' posts now returning

    recheck_returning(store)
    return referral_uuid


def referral_summary(store: Store, referral_uuid: str) -> dict[str, object] | None:
    row = store.execute(
        "SELECT r.uuid, r.platform, r.recipients, r.pack_sha256, r.pack_name, r.created_by, "
        "r.created_at, r.items, p.pack_id, p.protection, p.accounts FROM referrals r "
        "JOIN referral_packs p ON p.referral_id = r.id WHERE r.uuid = ?",
        (referral_uuid,),
    ).fetchone()
    if row is None:
        return None
    keys = (
        "uuid",
        "platform",
        "recipients",
        "pack_sha256",
        "pack_name",
        "created_by",
        "created_at",
        "posts",
        "pack_id",
        "protection",
        "accounts",
    )
    result = dict(zip(keys, row, strict=True))
    result["recipients"] = json.loads(str(result["recipients"]))
    return result
