"""The audit checkpoints of other stores: what their sync packs said their chains were.

A sync pack's manifest carries a checkpoint of its sender's audit chain (:mod:`.checkpoints`,
signed by the person who exported it). The receiver keeps it (``peer_checkpoints``, migration 18)
with how many of the sender's rows up to it were held once the pack was merged, and `triage
audit verify` compares the sender's rows held here (``peer_audit``) with every such checkpoint,
and with any checkpoint of a peer store given with ``--checkpoint`` (the sender's referral
pack's ``checkpoint.json``, a sync pack's manifest, or the sync pack itself):

* fewer rows up to the checkpoint than were held when it arrived: peer rows were deleted;
* another hash at the checkpoint's row: the peer rows were rewritten after it;
* a signature that does not verify, or a key that is not the registered one of its signer.

A kept checkpoint whose row has not arrived here yet (one made just after its pack was
collected, or a relayed store's) is checked once the row is held; one given with
``--checkpoint`` must be reached by the rows held here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .audit import GENESIS
from .checkpoints import Checkpoint, CheckpointError, from_json


@dataclass
class PeerAnchorCheck:
    checked: int = 0  # checkpoints compared
    stores: set[str] = field(default_factory=set)
    pending: int = 0  # checkpoints whose row is not held here yet
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "stores": sorted(self.stores),
            "pending": self.pending,
            "problems": self.problems,
        }


def peer_stores(conn: Any) -> set[str]:
    """Every other store this one knows: peers registered or trusted, and origins of rows held."""
    found = {str(r[0]) for r in conn.execute("SELECT DISTINCT origin FROM peer_audit")}
    found |= {
        str(r[0]) for r in conn.execute("SELECT store_id FROM peers WHERE store_id IS NOT NULL")
    }
    return found


def _held(conn: Any, store_id: str, rows: int) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM peer_audit WHERE origin = ? AND seq <= ?", (store_id, rows)
        ).fetchone()[0]
    )


def _held_counts(conn: Any, checkpoints: Iterable[Checkpoint]) -> dict[tuple[str, int], int]:
    """Rows held up to each checkpoint, by (store, rows): one pass over each store's rows
    however many checkpoints it has (a long-lived peer sends one with every pack)."""
    wanted: dict[str, set[int]] = {}
    for cp in checkpoints:
        wanted.setdefault(cp.store_id, set()).add(cp.rows)
    counts: dict[tuple[str, int], int] = {}
    for store_id, marks in wanted.items():
        running, previous = 0, 0
        for rows in sorted(marks):
            running += int(
                conn.execute(
                    "SELECT count(*) FROM peer_audit WHERE origin = ? AND seq > ? AND seq <= ?",
                    (store_id, previous, rows),
                ).fetchone()[0]
            )
            counts[store_id, rows], previous = running, rows
    return counts


def _hash_at(conn: Any, store_id: str, rows: int) -> str | None:
    if rows == 0:
        return GENESIS
    row = conn.execute(
        "SELECT hash FROM peer_audit WHERE origin = ? AND seq = ?", (store_id, rows)
    ).fetchone()
    return None if row is None else str(row[0])


def _signer_problem(conn: Any, cp: Checkpoint) -> str | None:
    from .personal_keys import registered_public_key

    if not cp.signed():
        return "has a signature that does not verify"
    registered = registered_public_key(conn, cp.by)
    if registered is not None and registered != cp.public_key:
        return f"is signed by a key that is not {cp.by}'s registered key"
    return None


def _name(cp: Checkpoint) -> str:
    return f"store {cp.store_id}'s {cp.describe()}"


def keep_peer_checkpoint(
    conn: Any, value: Any, *, from_store: str, pack_id: str, at: str
) -> Checkpoint | None:
    """Keep the checkpoint of a sync pack's manifest (``value``; None from an older version)
    after its rows were merged, inside the import's transaction. A checkpoint of another store
    than the sender, badly signed, or that the pack's own rows contradict refuses the pack
    (CheckpointError, one line)."""
    if value is None:
        return None
    try:
        cp = from_json(value, "the sync pack's manifest")
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}; the pack is refused") from None
    if cp.store_id != from_store:
        raise CheckpointError(
            f"The sync pack's audit checkpoint is of store {cp.store_id}, not of its sender "
            f"{from_store}; the pack is refused"
        )
    problem = _signer_problem(conn, cp)
    if problem is not None:
        raise CheckpointError(
            f"The sync pack's audit checkpoint ({cp.describe()}) {problem}; the pack is refused"
        )
    digest = _hash_at(conn, cp.store_id, cp.rows)
    if digest is not None and digest != cp.head:
        raise CheckpointError(
            f"The audit rows of store {cp.store_id} held here disagree with the sync pack's "
            f"checkpoint ({cp.describe()}): row {cp.rows:,} has a different hash; the pack is "
            "refused"
        )
    conn.execute(
        "INSERT OR IGNORE INTO peer_checkpoints(store_id, rows, head, at, by, reason, "
        "public_key, signature, pack_id, received_at, held_rows) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            cp.store_id,
            cp.rows,
            cp.head,
            cp.at,
            cp.by,
            cp.reason,
            cp.public_key,
            cp.signature,
            pack_id,
            at,
            _held(conn, cp.store_id, cp.rows),
        ),
    )
    return cp


def kept_peer_checkpoints(conn: Any) -> list[tuple[Checkpoint, int]]:
    """Every kept peer checkpoint with the rows held when it arrived, oldest first."""
    return [
        (
            Checkpoint(s, rows, head, at, by, reason, key, sig, f"the sync pack {pack}"),
            int(held),
        )
        for s, rows, head, at, by, reason, key, sig, pack, held in conn.execute(
            "SELECT store_id, rows, head, at, by, reason, public_key, signature, pack_id, "
            "held_rows FROM peer_checkpoints ORDER BY id"
        )
    ]


def check_peer_anchors(conn: Any, extra: Iterable[Checkpoint] = ()) -> PeerAnchorCheck:
    """Compare the peer rows held here with every kept peer checkpoint and with ``extra`` ones
    (given with ``--checkpoint``; those must be of a store known here)."""
    from .connection import OperationalError

    result = PeerAnchorCheck()
    try:
        kept: list[tuple[Checkpoint, int | None]] = list(kept_peer_checkpoints(conn))
    except OperationalError:  # the table itself was dropped
        result.problems.append("The store's table of peer audit checkpoints is missing")
        kept = []
    kept.extend((cp, None) for cp in extra)
    held_now = _held_counts(conn, [cp for cp, _ in kept])
    for cp, held_then in kept:
        result.checked += 1
        result.stores.add(cp.store_id)
        where = f"(from {cp.source})"
        problem = _signer_problem(conn, cp)
        if problem is not None:
            result.problems.append(f"The {_name(cp)} {where} {problem}")
            continue
        held = held_now[cp.store_id, cp.rows]
        if held_then is not None and held < held_then:
            result.problems.append(
                f"Audit rows of store {cp.store_id} held here were deleted after its "
                f"{cp.describe()} {where}: {held_then:,} of its first {cp.rows:,} rows were held "
                f"when it arrived, {held:,} now"
            )
            continue
        digest = _hash_at(conn, cp.store_id, cp.rows)
        if digest is None and held_then is None:  # given with --checkpoint: it must hold
            result.problems.append(
                f"Row {cp.rows:,} of store {cp.store_id}'s audit chain is not held here, though "
                f"its {cp.describe()} {where} names it: never received, or deleted"
            )
        elif digest is None:
            result.pending += 1
        elif digest != cp.head:
            result.problems.append(
                f"Audit rows of store {cp.store_id} held here were rewritten after its "
                f"{cp.describe()} {where}: row {cp.rows:,} has a different hash"
            )
    return result
