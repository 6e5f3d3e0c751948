"""Who may speak in a sync pack: the store that signed it, and the people who signed its decisions.

Two checks, both before anything of the pack is kept (a failure refuses the whole pack with
one line, and the merge's transaction keeps nothing):

* **The sender is the signer.** The manifest names the store the pack comes from and that
  store's sync key. The minisign key that verified the pack must be the key this store
  trusts for that store: registered by a supervisor (``triage sync peers add``) or, the first
  time a store is heard from, taken on first use and recorded in the audit. Afterwards one key
  speaks for one store, a store has one key and one sync key, and anything else is refused.
  This store's own signing key and sync key never speak for a peer.
* **Every decision is its author's.** Each decision the pack brings that this store does not
  hold yet must: not claim to have been made in this store; be by a person this store knows
  (``users``, with a registered public key); need no more than that person's role here
  (approve, reject and undoing a review need a supervisor); carry that person's valid
  signature over the decision (``personal_keys.decision_message``), which survives relaying
  through other stores unchanged; and come with its audit row from the store it was made in
  (same actor, time and batch, a matching action). Outcomes must be by a supervisor known here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..core.timeutil import utc_now_iso
from ..store.audit import append_audit
from ..store.personal_keys import decision_message, outcome_message, verify_signature
from ..store.signature_audit import valid_registrations
from .sync_format import SyncPackError

TRUST_ACTION = "sync_peer_key"
_REFUSED = "the pack is refused"

# The audit actions that record each kind of decision (undo batches re-tag and re-note too).
_AUDIT_ACTIONS = {
    "tag": ("tag", "undo"),
    "untag": ("tag", "undo"),
    "note": ("tag", "note", "undo"),
    "approve": ("approve",),
    "reject": ("reject",),
    "undo": ("undo",),
    "dismiss": ("dismiss",),
    "conflict": ("conflict",),
}
_SUPERVISOR_KINDS = frozenset({"approve", "reject", "undo", "conflict"})


class SyncTrustError(SyncPackError):
    """The pack speaks for a store or a person it may not speak for."""


# -- the sending store ------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerKey:
    recipient: str
    store_id: str
    key_id: str
    how: str
    by: str
    at: str


def _pinned(conn: Any, where: str, value: str) -> PeerKey | None:
    row = conn.execute(
        "SELECT recipient, store_id, signer_key_id, trusted_how, trusted_by, trusted_at "
        f"FROM peers WHERE signer_key_id IS NOT NULL AND {where} = ?",
        (value,),
    ).fetchone()
    return None if row is None else PeerKey(*(str(v) for v in row))


def _own_key_id(conn: Any) -> str | None:
    row = conn.execute("SELECT key_id FROM signing_key WHERE id = 1").fetchone()
    return None if row is None else str(row[0])


def check_sender(
    conn: Any, *, own_store: str, own_recipient: str, store_id: str, recipient: str, key_id: str
) -> PeerKey | None:
    """The trusted key of the sending store, or None when this store has never trusted a key for
    it (first use); SyncTrustError when the pack's claimed store is not its signer's."""
    if store_id == own_store:
        raise SyncTrustError("This sync pack was made by this store; import it on the peer")
    if key_id == _own_key_id(conn):
        raise SyncTrustError(
            f"This sync pack is signed with this store's own signing key (key {key_id}), not a "
            f"peer's; {_REFUSED}"
        )
    if recipient == own_recipient:
        raise SyncTrustError(
            f"This sync pack names this store's own sync key as its sender; {_REFUSED}"
        )
    by_key = _pinned(conn, "signer_key_id", key_id)
    if by_key is not None and by_key.store_id != store_id:
        raise SyncTrustError(
            f"This sync pack says it comes from store {store_id}, but it is signed with the key "
            f"of store {by_key.store_id} (key {key_id}); {_REFUSED}"
        )
    by_store = _pinned(conn, "store_id", store_id)
    if by_store is not None and by_store.key_id != key_id:
        raise SyncTrustError(
            f"This sync pack says it comes from store {store_id}, whose signing key here is "
            f"{by_store.key_id} (trusted {by_store.at[:10]}), but it is signed with key {key_id} "
            "(if that store really has a new key, a supervisor registers it with 'triage sync "
            f"peers add {store_id} --signer FILE --recipient KEY --replace'); {_REFUSED}"
        )
    if by_store is not None and by_store.recipient != recipient:
        raise SyncTrustError(
            f"This sync pack says it comes from store {store_id}, whose sync key here is "
            f"{by_store.recipient[:16]}…, but it names {recipient[:16]}…; {_REFUSED}"
        )
    other = conn.execute(
        "SELECT store_id FROM peers WHERE recipient = ? AND store_id IS NOT NULL AND store_id != ?",
        (recipient, store_id),
    ).fetchone()
    if other is not None:
        raise SyncTrustError(
            f"This sync pack says it comes from store {store_id}, but names the sync key of store "
            f"{other[0]}; {_REFUSED}"
        )
    return by_store


def trust_sender(
    conn: Any,
    *,
    store_id: str,
    recipient: str,
    key_id: str,
    public_key: str,
    actor: str,
    at: str,
    how: str = "first_use",
    replace: bool = False,
) -> None:
    """Record ``key_id`` as the key that speaks for ``store_id`` (sync key ``recipient``), with
    an audit row; inside the caller's transaction."""
    if replace:
        conn.execute(
            "UPDATE peers SET signer_key_id = NULL, signer_public_key = NULL, trusted_how = NULL, "
            "trusted_by = NULL, trusted_at = NULL WHERE store_id = ? OR signer_key_id = ? "
            "OR recipient = ?",
            (store_id, key_id, recipient),
        )
    conn.execute(
        "INSERT INTO peers(recipient, store_id, first_seen_at, signer_key_id, signer_public_key, "
        "trusted_how, trusted_by, trusted_at) VALUES (?,?,?,?,?,?,?,?) "
        "ON CONFLICT(recipient) DO UPDATE SET store_id = excluded.store_id, "
        "signer_key_id = excluded.signer_key_id, signer_public_key = excluded.signer_public_key, "
        "trusted_how = excluded.trusted_how, trusted_by = excluded.trusted_by, "
        "trusted_at = excluded.trusted_at",
        (recipient, store_id, at, key_id, public_key, how, actor, at),
    )
    append_audit(
        conn,
        actor,
        TRUST_ACTION,
        "store",
        store_id,
        {"key_id": key_id, "public_key": public_key, "recipient": recipient, "how": how},
        at=at,
    )


def register_peer(
    store: Any,
    *,
    store_id: str,
    recipient: str,
    key_id: str,
    public_key: str,
    replace: bool = False,
) -> str:
    """A supervisor registers the signing key of a peer store before (or instead of) first use.

    Returns a one-line summary. Refuses a key or store already trusted otherwise, unless
    ``replace`` (a peer that really has a new key)."""
    from ..core.errors import TriageError
    from ..core.workflow import require_role
    from .sync import sync_recipient

    require_role(store.user, store.role_of(), "sync")
    own_recipient = sync_recipient(store)
    at = utc_now_iso()
    with store.transaction() as conn:
        if store_id == store.store_id or recipient == own_recipient:
            raise TriageError("That is this store itself; register the peer's store id and keys")
        if key_id == _own_key_id(conn):
            raise TriageError(f"Key {key_id} is this store's own signing key, not the peer's")
        by_key = _pinned(conn, "signer_key_id", key_id)
        if by_key is not None and by_key.store_id != store_id:
            raise TriageError(
                f"Signing key {key_id} is already trusted for store {by_key.store_id}"
            )
        other = conn.execute(
            "SELECT store_id FROM peers WHERE recipient = ? AND store_id IS NOT NULL AND "
            "store_id != ?",
            (recipient, store_id),
        ).fetchone()
        if other is not None:
            raise TriageError(f"That sync key belongs to store {other[0]}")
        known = _pinned(conn, "store_id", store_id)
        if known is not None and (known.key_id, known.recipient) == (key_id, recipient):
            return f"Store {store_id} is already trusted with signing key {key_id}; nothing changed"
        if known is not None and not replace:
            raise TriageError(
                f"Store {store_id} is trusted with signing key {known.key_id} and sync key "
                f"{known.recipient[:16]}… ({known.how.replace('_', ' ')}, {known.at[:10]}); if it "
                "really has new keys, register them with --replace"
            )
        trust_sender(
            conn,
            store_id=store_id,
            recipient=recipient,
            key_id=key_id,
            public_key=public_key,
            actor=store.user,
            at=at,
            how="registered",
            replace=known is not None,
        )
    return f"Store {store_id} registered: packs it signs with key {key_id} are believed"


# -- the people behind each decision ----------------------------------------------------------


def _batch_of(detail: Any) -> str | None:
    if not isinstance(detail, str):
        return None
    try:
        parsed = json.loads(detail)
    except ValueError:
        return None
    batch = parsed.get("batch") if isinstance(parsed, dict) else None
    return batch if isinstance(batch, str) else None


class DecisionGate:
    """Checks each decision (and outcome) a pack brings against what this store knows."""

    def __init__(self, conn: Any, own_store: str, audit_rows: Iterable[dict[str, Any]]) -> None:
        self.conn = conn
        self.own_store = own_store
        self._people: dict[str, tuple[str | None, str | None]] = {}
        self._valid: dict[str, tuple[str, str]] | None = None
        self._tags_by_others: list[tuple[str, int, str, str, str, str]] = []
        # (origin, batch) -> [(actor, action, at)] of the audit rows the pack carries
        self._batches: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for row in audit_rows:
            batch = _batch_of(row.get("detail"))
            if batch is not None:
                key = (str(row.get("origin")), batch)
                self._batches.setdefault(key, []).append(
                    (str(row.get("actor")), str(row.get("action")), str(row.get("at")))
                )

    def _person(self, name: str) -> tuple[str | None, str | None]:
        """(role, registered public key) of ``name`` here; the key only when its registration
        holds (signed by a registered supervisor, back to the store's founder; see
        ``signature_audit.valid_registrations``), so a key or role written into the table by
        hand does not count."""
        if self._valid is None:
            self._valid = valid_registrations(self.conn)[0]
        if name not in self._people:
            row = self.conn.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                self._people[name] = (None, None)
            elif name in self._valid:
                self._people[name] = self._valid[name]
            else:
                self._people[name] = (str(row[0]), None)
        return self._people[name]

    def _audit_rows(self, origin: str, batch: str) -> list[tuple[str, str, str]]:
        found = self._batches.get((origin, batch))
        if found is not None:
            return found
        return [
            (str(a), str(b), str(c))
            for a, b, c in self.conn.execute(
                "SELECT actor, action, at FROM peer_audit WHERE origin = ? AND "
                "json_valid(detail) AND json_extract(detail, '$.batch') = ?",
                (origin, batch),
            )
        ]

    def check_decision(self, row: dict[str, Any], platform: str, natural: str) -> None:
        """SyncTrustError naming the decision and what is wrong with it, or nothing."""
        uid, kind, actor, origin = row["uuid"], row["kind"], row["actor"], row["origin"]
        what = f"Decision {uid} ({kind} on {platform} post {natural} by {actor!r})"
        if origin == self.own_store:
            raise SyncTrustError(
                f"{what} in the sync pack claims to have been made in this store, which has no "
                f"such decision; {_REFUSED}"
            )
        role, public_key = self._person(actor)
        if role is None:
            raise SyncTrustError(
                f"{what}: {actor!r} is not a user of this store; a supervisor registers "
                f"colleagues first ('triage users add {actor} --role ROLE --key FILE'); {_REFUSED}"
            )
        if kind in _SUPERVISOR_KINDS and role != "supervisor":
            raise SyncTrustError(
                f"{what}: {actor!r} is {role} here and '{kind}' needs a supervisor; {_REFUSED}"
            )
        if not public_key:
            raise SyncTrustError(
                f"{what}: {actor!r} has no public key registered by a supervisor of this store, "
                f"so the decision cannot be checked; a supervisor registers it with 'triage users "
                f"add {actor} --role {role} --key FILE'; {_REFUSED}"
            )
        signature = row.get("signature")
        if not signature:
            raise SyncTrustError(f"{what} carries no personal signature; {_REFUSED}")
        message = decision_message(
            uid,
            platform,
            natural,
            kind,
            row.get("tag"),
            row.get("note"),
            actor,
            row["at"],
            row.get("batch"),
            row.get("undoes"),
        )
        if not verify_signature(str(public_key), message, str(signature)):
            raise SyncTrustError(
                f"{what} is not signed by {actor}'s registered key (forged or altered); {_REFUSED}"
            )
        batch = row.get("batch")
        wanted = _AUDIT_ACTIONS.get(kind, ())
        if not batch or not any(
            a == actor and action in wanted and at == row["at"]
            for a, action, at in self._audit_rows(origin, batch)
        ):
            raise SyncTrustError(
                f"{what} has no matching audit row from store {origin} (same person, time and "
                f"batch); {_REFUSED}"
            )

    def note_merged(self, row: dict[str, Any], post_id: int) -> None:
        """Remember a merged tag or untag by someone who is not a supervisor here, for
        ``check_retags``."""
        if row["kind"] in ("tag", "untag") and self._person(row["actor"])[0] != "supervisor":
            self._tags_by_others.append(
                (row["uuid"], post_id, row["kind"], row["actor"], row["at"], row["origin"])
            )

    def check_retags(self) -> None:
        """Re-tagging a reviewed post needs a supervisor. A tag or untag by anyone else must not
        follow a review of the post made in the same store before it and not undone by then:
        that store would have refused it (a review that reached that store by sync may not have
        been there yet, so only the same store's reviews count)."""
        for uid, post_id, kind, actor, at, origin in self._tags_by_others:
            review = self.conn.execute(
                "SELECT r.kind, r.actor FROM decisions r "
                "LEFT JOIN decision_origin o ON o.uuid = r.uuid "
                "WHERE r.post_id = ? AND r.kind IN ('approve', 'reject') AND r.at < ? "
                "AND coalesce(o.store_id, ?) = ? AND NOT EXISTS (SELECT 1 FROM decisions u "
                "WHERE u.kind = 'undo' AND u.undoes = r.uuid AND u.at <= ?) LIMIT 1",
                (post_id, at, self.own_store, origin, at),
            ).fetchone()
            if review is not None:
                role = self._person(actor)[0]
                raise SyncTrustError(
                    f"Decision {uid} ({kind} by {actor!r}) re-tags a post that {review[1]!r} had "
                    f"already reviewed ({review[0]}) in the same store; {actor!r} is {role} "
                    f"here and re-tagging a reviewed post needs a supervisor; {_REFUSED}"
                )

    def check_outcome(self, row: dict[str, Any], platform: str, natural: str) -> None:
        """A supervisor known here recorded it; its personal signature, when it carries one (an
        outcome recorded before outcomes were signed has none: merged, and named as unsigned by
        `audit verify`), must be theirs."""
        actor = row["actor"]
        role, key = self._person(actor)
        if role != "supervisor":
            who = "not a user of this store" if role is None else f"{role} here"
            raise SyncTrustError(
                f"Outcome {row['uuid']} in the sync pack is recorded by {actor!r}, who is {who} "
                f"(outcomes need a supervisor); {_REFUSED}"
            )
        signature = row.get("signature")
        if not signature:
            return
        message = outcome_message(
            str(row["uuid"]),
            platform,
            natural,
            str(row.get("outcome")),
            str(row.get("on_date")),
            str(actor),
            str(row.get("at")),
            row.get("note"),
        )
        if not key or not verify_signature(str(key), message, str(signature)):
            raise SyncTrustError(
                f"Outcome {row['uuid']} in the sync pack is not signed by {actor}'s registered "
                f"key (forged or altered); {_REFUSED}"
            )
