"""A field slice (`triage db copy` with a platform, a date range or a cluster) is a peer store
of its own, so that its work comes back into the store it was sliced from by sync pack, as any
field laptop's does.

A whole copy moves the store (same id, same chain: store/copy.py). A slice cannot be the same
store: a sync pack from a store with the source's id is refused ("made by this store"), and its
own audit rows would fork the source's chain. So a slice is made as a NEW store:

* its own store id (the one the destination was made with), its own sync key and pack signing
  key (neither is copied), and its own audit chain, whose first row names the source store,
  the slice's filter and the source's keys it trusts;
* the source's chain goes whole into the slice's ``peer_audit`` (origin: the source), as a sync
  pack would have brought it, so `audit verify` checks it there as another store's chain; the
  source's own checkpoints are the source's and stay behind;
* the source's own decisions get their origin (``decision_origin``: the source), so a pack
  from the slice names the right store for each decision;
* each end knows the other as a trusted peer: the slice is written knowing the source's sync
  key and signing key, and the source then registers the slice's (``peers``, with an audit row),
  so the first pack either way is not "trust on first use";
* each end marks what the slice holds as seen by the other (``sync_seen``), so the first pack
  back carries only the work done since, not the slice again (media files and all).

People and their key registrations are copied as they are. A registration is signed over a
store id (personal_keys.registration_message), which for the slice stays the source's: the
slice records it in ``meta.registrations_of`` (a slice of a slice keeps the first store's), and
`audit verify`, the decision gate of a sync import and a registration made on the slice all use
that id (personal_keys.registration_store_id). The same id in a sync pack's manifest lets a
store refuse a slice's pack that is not one of its own slices' (its people are not ours)."""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.timeutil import utc_now_iso
from .audit import GENESIS, row_hash
from .connection import Store
from .copy_plan import Slice
from .personal_keys import REGISTRATIONS_OF, registration_store_id

if TYPE_CHECKING:
    from .copy_ends import PgEnd, SqliteEnd

SLICE_OF = "slice_of"  # meta: the store a slice was made from
SLICE_ACTION = "field_slice"  # the audit row at each end that records the slice
# The source's rows that describe the source itself and stay behind in a slice.
LEFT_BEHIND = ("audit", "audit_checkpoints", "sync_self", "signing_key")
OWN_META = ("store_id", SLICE_OF, REGISTRATIONS_OF)

Filters = dict[str, tuple[str, tuple[Any, ...]]]


@dataclass(frozen=True)
class SliceSource:
    """What the slice must know of the store it is made from."""

    store_id: str
    registrations_of: str
    recipient: str  # its sync key (age), made now if it had none
    signer_key_id: str | None  # its pack signing key, if it has one yet
    signer_public_key: str | None


def slice_source(src: Store) -> SliceSource:
    """Read before the copy's snapshot (the source's sync key is made here on first use)."""
    from ..packs.sync import sync_recipient

    recipient = sync_recipient(src)
    row = src.execute("SELECT key_id, public_key FROM signing_key WHERE id = 1").fetchone()
    return SliceSource(
        src.store_id,
        registration_store_id(src.conn),
        recipient,
        None if row is None else str(row[0]),
        None if row is None else str(row[1]),
    )


def restrict(filters: Filters) -> None:
    """The slice's filters: the source's own chain, checkpoints and keys stay behind, and the
    destination keeps its own store id."""
    for table in LEFT_BEHIND:
        filters[table] = ("1 = 0", ())
    own = ", ".join(f"'{k}'" for k in OWN_META)
    filters["meta"] = (f"{filters['meta'][0]} AND key NOT IN ({own})", ())


_AUDIT = ("at", "actor", "action", "object_type", "object_id", "detail", "prev_hash", "hash")


def write_peer_rows(
    source: SqliteEnd | PgEnd,
    destination: SqliteEnd | PgEnd,
    filters: Filters,
    expected: dict[str, int],
    origin: SliceSource,
    chosen: Slice,
    actor: str,
) -> None:
    """Inside the copy's transaction, before its counts are compared: what makes the slice a
    peer of its source (see the module's docstring); ``expected`` grows by what is written."""
    at = utc_now_iso()
    destination.run(f"DELETE FROM meta WHERE key IN ('{SLICE_OF}', '{REGISTRATIONS_OF}')")
    destination.insert(
        "meta",
        ("key", "value"),
        [(SLICE_OF, origin.store_id), (REGISTRATIONS_OF, origin.registrations_of)],
    )
    # The source's whole chain, as another store's (seq: its row id, as a sync pack sends it).
    expected["peer_audit"] += source.count("audit")
    destination.insert(
        "peer_audit",
        ("uuid", "origin", "seq", *_AUDIT),
        (
            (r[0], origin.store_id, *r[1:])
            for r in source.rows("audit", ("uuid", "id", *_AUDIT), "", (), True)
        ),
    )
    # The decisions the source made itself: their origin.
    where, params = filters.get("decisions", ("", ()))
    own = "uuid NOT IN (SELECT uuid FROM decision_origin)" + (f" AND ({where})" if where else "")
    expected["decision_origin"] += source.count("decisions", own, params)
    destination.insert(
        "decision_origin",
        ("uuid", "store_id"),
        ((r[0], origin.store_id) for r in source.rows("decisions", ("uuid",), own, params, False)),
    )
    # The source, a trusted peer (its signing key, when it has one yet).
    trusted = origin.signer_key_id is not None
    destination.insert(
        "peers",
        (
            "recipient",
            "store_id",
            "label",
            "first_seen_at",
            "signer_key_id",
            "signer_public_key",
            "trusted_how",
            "trusted_by",
            "trusted_at",
        ),
        [
            (
                origin.recipient,
                origin.store_id,
                "the store this slice was made from",
                at,
                origin.signer_key_id,
                origin.signer_public_key,
                "registered" if trusted else None,
                actor if trusted else None,
                at if trusted else None,
            )
        ],
    )
    expected["peers"] += 1
    # Everything the slice holds, the source has (its own chain, to come, it has not).
    seen = _held(destination.run, origin.recipient)
    destination.insert("sync_seen", ("recipient", "kind", "uuid"), seen)
    expected["sync_seen"] += len(seen)
    # The slice's own chain starts with the row that says what it is.
    detail = json.dumps(
        {
            "source": origin.store_id,
            "registrations_of": origin.registrations_of,
            "slice": chosen.describe(),
            "source_recipient": origin.recipient,
            "source_key_id": origin.signer_key_id,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    uid = str(uuidlib.uuid4())
    digest = row_hash(GENESIS, uid, at, actor, SLICE_ACTION, "store", origin.store_id, detail)
    destination.insert(
        "audit",
        ("uuid", *_AUDIT),
        [(uid, at, actor, SLICE_ACTION, "store", origin.store_id, detail, GENESIS, digest)],
    )
    expected["audit"] += 1


def _held(run: Any, recipient: str) -> list[tuple[str, str, str]]:
    """(recipient, kind, uuid) of every row of the slice (read through ``run``) that a sync pack
    would carry: posts, accounts, decisions, outcomes, media (by ``media_uuid``) and the audit
    rows of other stores, the source's among them; not the slice's own chain. Both ends mark
    these, read from the slice, so that rows the source gained after the copy's snapshot (a
    team server in use) are not taken for the slice's."""
    from ..packs.sync_export import media_uuid

    found: set[tuple[str, str]] = set()
    for kind, table in (
        ("post", "posts"),
        ("account", "accounts"),
        ("decision", "decisions"),
        ("outcome", "outcomes"),
        ("audit", "peer_audit"),
    ):
        found |= {(kind, str(r[0])) for r in run(f"SELECT uuid FROM {table}", ())}
    media_sql = (
        "SELECT p.uuid, m.kind, m.sha256, m.name, m.url FROM media m JOIN posts p ON "
        "p.id = m.post_id"
    )
    found |= {("media", media_uuid(*r)) for r in run(media_sql, ())}
    return [(recipient, kind, uid) for kind, uid in sorted(found)]


@dataclass
class SliceKeys:
    recipient: str
    key_id: str | None
    public_key: str | None


def slice_keys(dst: Store) -> tuple[SliceKeys, str | None]:
    """The slice's own sync key and pack signing key, made now (after the copy committed), and
    a note when the signing key could not be made (a plain store without an OS keyring)."""
    from ..core.errors import TriageError
    from ..packs.signing import key_id_hex, public_key_of
    from ..packs.sync import sync_recipient

    recipient = sync_recipient(dst)
    try:
        public = public_key_of(dst)
    except TriageError as exc:
        return SliceKeys(recipient, None, None), (
            f"the slice has no pack signing key yet ({exc}); the source trusts the key of its "
            "first sync pack on first use"
        )
    return SliceKeys(recipient, key_id_hex(public), public.to_base64().decode("ascii")), None


def record_in_source(src: Store, dst: Store, keys: SliceKeys, chosen: Slice) -> None:
    """The source registers the slice as a peer (its keys, an audit row naming the slice and its
    filter) and marks what the slice holds as seen by it, in one transaction."""
    from ..packs.sync_trust import trust_sender
    from .audit import append_audit

    at = utc_now_iso()
    marks = _held(dst.execute, keys.recipient)  # read before the source's write transaction
    with src.transaction() as conn:
        if keys.key_id is not None and keys.public_key is not None:
            trust_sender(
                conn,
                store_id=dst.store_id,
                recipient=keys.recipient,
                key_id=keys.key_id,
                public_key=keys.public_key,
                actor=src.user,
                at=at,
                how="registered",
            )
        conn.execute(
            "INSERT INTO peers(recipient, store_id, label, first_seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(recipient) DO UPDATE SET label = excluded.label",
            (keys.recipient, dst.store_id, f"field slice: {chosen.describe()}", at),
        )
        append_audit(
            conn,
            src.user,
            SLICE_ACTION,
            "store",
            dst.store_id,
            {"slice": chosen.describe(), "recipient": keys.recipient, "key_id": keys.key_id},
            at=at,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO sync_seen(recipient, kind, uuid) VALUES (?, ?, ?)", marks
        )
