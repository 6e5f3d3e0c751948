"""Checking the audit chains of other stores held in ``peer_audit``.

Each peer's rows arrive with their own hashes and links, exactly as in the peer's ``audit``
table; every row's hash is checked as it arrives, and this walks each peer's chain in its own
order to check the links between the rows we hold (a row whose predecessor has not arrived yet
is a gap, not a break)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..store.audit import GENESIS, row_hash


@dataclass
class PeerChain:
    origin: str
    rows: int
    gaps: int
    ok: bool
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_peer_chains(conn: Any) -> list[PeerChain]:
    """One result per peer store, in store-id order."""
    results: list[PeerChain] = []
    origins = [r[0] for r in conn.execute("SELECT DISTINCT origin FROM peer_audit ORDER BY 1")]
    for origin in origins:
        chain = PeerChain(origin, 0, 0, True)
        previous: tuple[int, str] | None = None
        for seq, uuid, at, actor, action, otype, oid, detail, prev_hash, digest in conn.execute(
            "SELECT seq, uuid, at, actor, action, object_type, object_id, detail, prev_hash, "
            "hash FROM peer_audit WHERE origin = ? ORDER BY seq",
            (origin,),
        ):
            chain.rows += 1
            if row_hash(prev_hash, uuid, at, actor, action, otype, oid, detail) != digest:
                chain.ok, chain.first_bad_seq = False, seq
                chain.reason = "its content does not match its hash"
                break
            expected_prev = (
                GENESIS
                if seq == 1
                else previous[1]
                if previous is not None and previous[0] == seq - 1
                else None
            )
            if expected_prev is None:
                chain.gaps += 1
            elif prev_hash != expected_prev:
                chain.ok, chain.first_bad_seq = False, seq
                chain.reason = "its link to the previous row is broken"
                break
            previous = (seq, digest)
        results.append(chain)
    return results
