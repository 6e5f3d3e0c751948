"""Merging a verified sync pack into the store: by uuid and natural key, idempotent and
commutative, inside the caller's one transaction (a bad row anywhere merges nothing).

Who may speak in it is checked as it merges (``sync_trust``): every new decision must be its
author's (a person registered here, with the role it needs, under their own signature, with its
audit row), peer audit rows must fit their store's chain, and a post is only called referred
when an approval of it is known here. Any failure refuses the whole pack.

Every row reaches the merge through ``sync_format.Section``, which checks it against
``sync_rows.SCHEMA`` as it is read (``read_pack_zip`` has already checked them all once): a field
of the wrong type, or a number beyond SQLite's 64 bits, is a one-line SyncPackError/SyncRowError
before anything is written, never an error from SQLite halfway through.

Why the result does not depend on the order packs arrive in:
- rows are only ever added, keyed by uuid or natural key (a row already here is left alone);
- where two stores hold different values for an account's field, the larger non-empty value
  wins, which is the same whichever arrives first;
- a post's tags, note and status are replayed from the full set of its decisions in (time,
  kind, uuid) order, so two stores holding the same decisions hold the same state;
- a post is a 'conflict' when stores (decision origins) disagree on its tags and no review
  came after the disagreement; a 'referred' post stays referred."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.taxonomy import Tag
from ..store.ocr import rebuild_search_row
from ..store.replay import replay_merged
from .sync_export import media_uuid
from .sync_format import PackSource, SyncContents, SyncPackError, open_media_entry
from .sync_trust import DecisionGate, SyncTrustError

MAX_REFUSED = 10_000  # refused media records one post may carry in a pack
MAX_REFUSED_TEXT = 64 * 1024
_REFUSED = "the pack is refused"


@dataclass
class MergeCounts:
    added: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0

    def add(self, kind: str, n: int = 1) -> None:
        self.added[kind] = self.added.get(kind, 0) + n


def _text(row: dict[str, Any], key: str, section: str, *, required: bool = True) -> Any:
    value = row.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise SyncPackError(f"A row in {section}.jsonl has no valid {key!r}")
    return value


def _int(row: dict[str, Any], key: str, section: str) -> int | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SyncPackError(f"A row in {section}.jsonl has a non-integer {key!r}")
    return value


def _bigger(a: Any, b: Any) -> Any:
    """The larger of two values where both are present, else the one that is."""
    if a is None or a == "":
        return b
    if b is None or b == "":
        return a
    return max(a, b)


def merge(
    conn: Any,
    contents: SyncContents,
    *,
    own_store: str,
    import_id: int,
    imported_at: str,
    taxonomy: dict[str, Tag],
    pack_zip: PackSource,
    store_path: Path,
) -> MergeCounts:
    counts = MergeCounts()
    rows = contents.rows
    accounts = _merge_accounts(conn, rows["accounts"], counts)
    referred: list[int] = []
    posts = _merge_posts(conn, rows["posts"], accounts, import_id, imported_at, counts, referred)
    _merge_media(conn, rows["media"], posts, contents, pack_zip, store_path, counts)
    gate = DecisionGate(conn, own_store, rows["audit"])
    touched = _merge_decisions(conn, rows["decisions"], posts, own_store, gate, counts)
    _mark_referred(conn, referred)
    _merge_outcomes(conn, rows["outcomes"], accounts, gate, counts)
    _merge_audit(conn, rows["audit"], own_store, counts)
    touched |= {pid for pid, new in posts.values() if new}
    for post_id in sorted(touched):
        if replay_post(conn, post_id, own_store, taxonomy) == "conflict":
            counts.conflicts += 1
    return counts


def _account_id(conn: Any, platform: str, account_id: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM accounts WHERE platform = ? AND platform_account_id = ?",
        (platform, account_id),
    ).fetchone()
    return None if row is None else int(row[0])


def _merge_accounts(
    conn: Any, rows: Iterable[dict[str, Any]], counts: MergeCounts
) -> dict[str, int]:
    """Local account ids by the pack's account uuid."""
    found: dict[str, int] = {}
    fields = ("handle", "display_name", "url", "created_at", "followers")
    for row in rows:
        uid = _text(row, "uuid", "accounts")
        platform = _text(row, "platform", "accounts")
        natural = _text(row, "platform_account_id", "accounts")
        values = {f: row.get(f) for f in fields}
        for f in ("created_at", "followers"):
            _int(row, f, "accounts")
        local = _account_id(conn, platform, natural)
        if local is None:
            if conn.execute("SELECT 1 FROM accounts WHERE uuid = ?", (uid,)).fetchone():
                raise SyncPackError(f"Account {uid} in the pack clashes with another account")
            cur = conn.execute(
                "INSERT INTO accounts(uuid, platform, platform_account_id, handle, display_name, "
                "url, created_at, followers) VALUES (?,?,?,?,?,?,?,?)",
                (uid, platform, natural, *values.values()),
            )
            local = int(cur.lastrowid)
            counts.add("accounts")
        else:
            here = conn.execute(
                f"SELECT {', '.join(fields)} FROM accounts WHERE id = ?", (local,)
            ).fetchone()
            merged = [_bigger(h, values[f]) for h, f in zip(here, fields, strict=True)]
            if list(here) != merged:
                conn.execute(
                    f"UPDATE accounts SET {', '.join(f + ' = ?' for f in fields)} WHERE id = ?",
                    (*merged, local),
                )
        found[uid] = local
    return found


def _merge_posts(
    conn: Any,
    rows: Iterable[dict[str, Any]],
    accounts: dict[str, int],
    import_id: int,
    imported_at: str,
    counts: MergeCounts,
    referred: list[int],
) -> dict[str, tuple[int, bool]]:
    """Local post ids by the pack's post uuid, with whether the post is new here; the ids of
    posts the pack says were referred go to ``referred`` (see ``_mark_referred``)."""
    found: dict[str, tuple[int, bool]] = {}
    for row in rows:
        uid = _text(row, "uuid", "posts")
        platform = _text(row, "platform", "posts")
        natural = _text(row, "platform_post_id", "posts")
        account_uuid = _text(row, "account", "posts", required=False)
        account = None
        if account_uuid is not None:
            if account_uuid not in accounts:
                raise SyncPackError(f"Post {natural} names an account the pack does not carry")
            account = accounts[account_uuid]
        text = row.get("text")
        if not isinstance(text, str):
            raise SyncPackError(f"Post {natural} in the pack has no text")
        posted = _int(row, "posted_at", "posts")
        here = conn.execute(
            "SELECT id, url, posted_at, language, account_id, parent_post_id, status FROM posts "
            "WHERE platform = ? AND platform_post_id = ?",
            (platform, natural),
        ).fetchone()
        if here is None:
            cur = conn.execute(
                "INSERT INTO posts(uuid, platform, platform_post_id, account_id, kind, "
                "parent_post_id, url, posted_at, text, language, import_id, imported_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    uid,
                    platform,
                    natural,
                    account,
                    row.get("kind") or "post",
                    row.get("parent_post_id"),
                    row.get("url"),
                    posted,
                    text,
                    row.get("language"),
                    import_id,
                    imported_at,
                ),
            )
            post_id = int(cur.lastrowid)
            if isinstance(row.get("raw"), str):
                conn.execute(
                    "INSERT INTO post_raw(post_id, raw) VALUES (?, ?)", (post_id, row["raw"])
                )
            found[uid] = (post_id, True)
            counts.add("posts")
        else:
            post_id = int(here[0])
            merged = (
                _bigger(here[1], row.get("url")),
                _bigger(here[2], posted),
                _bigger(here[3], row.get("language")),
                here[4] if here[4] is not None else account,
                _bigger(here[5], row.get("parent_post_id")),
            )
            if tuple(here[1:6]) != merged:
                conn.execute(
                    "UPDATE posts SET url = ?, posted_at = ?, language = ?, account_id = ?, "
                    "parent_post_id = ? WHERE id = ?",
                    (*merged, post_id),
                )
                # the index trigger rebuilt the search row from the text alone: put back the
                # transcript and the text read in the post's pictures
                rebuild_search_row(conn, post_id)
            found[uid] = (post_id, False)
        _merge_refused(conn, post_id, import_id, row.get("media_refused"), natural)
        if row.get("referred") is True:
            referred.append(post_id)
    return found


def _merge_refused(conn: Any, post_id: int, import_id: int, value: Any, natural: str) -> None:
    """The sender's "media refused: reason" records of a post, kept once each (a pack from an
    older version has none)."""
    if value is None:
        return
    malformed = f"Post {natural} in the pack has a malformed refused media entry; {_REFUSED}"
    if not isinstance(value, list) or len(value) > MAX_REFUSED:
        raise SyncPackError(malformed)
    for item in value:
        if not isinstance(item, dict):
            raise SyncPackError(malformed)
        reference, reason = item.get("reference"), item.get("reason")
        if not (
            isinstance(reference, str)
            and isinstance(reason, str)
            and reason
            and len(reference) <= MAX_REFUSED_TEXT
            and len(reason) <= MAX_REFUSED_TEXT
        ):
            raise SyncPackError(malformed)
        held = conn.execute(
            "SELECT 1 FROM media_refused WHERE post_id = ? AND reference = ? AND reason = ?",
            (post_id, reference, reason),
        ).fetchone()
        if held is None:
            conn.execute(
                "INSERT INTO media_refused(post_id, import_id, reference, reason) VALUES (?,?,?,?)",
                (post_id, import_id, reference, reason),
            )


def _mark_referred(conn: Any, post_ids: list[int]) -> None:
    """Referral is final wherever it happened (the referral record stays with its store), but
    only an approved post is ever referred: a post the pack calls referred must have an approval
    here (made here, or merged with its supervisor's signature) that was not undone."""
    for post_id in post_ids:
        status = conn.execute("SELECT status FROM posts WHERE id = ?", (post_id,)).fetchone()[0]
        if status == "referred":
            continue
        approved = conn.execute(
            "SELECT 1 FROM decisions r WHERE r.post_id = ? AND r.kind = 'approve' AND NOT EXISTS "
            "(SELECT 1 FROM decisions u WHERE u.kind = 'undo' AND u.undoes = r.uuid) LIMIT 1",
            (post_id,),
        ).fetchone()
        if approved is None:
            platform, natural = conn.execute(
                "SELECT platform, platform_post_id FROM posts WHERE id = ?", (post_id,)
            ).fetchone()
            raise SyncTrustError(
                f"The sync pack marks {platform} post {natural} as referred, but no approval of "
                "it is known here; the pack is refused"
            )
        conn.execute("UPDATE posts SET status = 'referred' WHERE id = ?", (post_id,))


def _merge_media(
    conn: Any,
    rows: Iterable[dict[str, Any]],
    posts: dict[str, tuple[int, bool]],
    contents: SyncContents,
    pack_zip: PackSource,
    store_path: Path,
    counts: MergeCounts,
) -> None:
    from ..ingest.evidence import store_media_file
    from ..store.evidence_crypto import evidence_key

    media_key = evidence_key(conn)
    existing: dict[int, set[str]] = {}
    for row in rows:
        post_uuid = _text(row, "post", "media")
        if post_uuid not in posts:
            raise SyncPackError("A media row names a post the pack does not carry")
        post_id = posts[post_uuid][0]
        kind = _text(row, "kind", "media")
        sha = _text(row, "sha256", "media", required=False)
        name = _text(row, "name", "media", required=False)
        url = _text(row, "url", "media", required=False)
        uid = media_uuid(post_uuid, kind, sha, name, url)
        if post_id not in existing:
            existing[post_id] = {
                media_uuid(post_uuid, k, s, n, u)
                for k, s, n, u in conn.execute(
                    "SELECT kind, sha256, name, url FROM media WHERE post_id = ?", (post_id,)
                )
            }
        if uid in existing[post_id]:
            continue
        stored = None
        entry = row.get("file")
        if isinstance(entry, str) and sha and contents.media_files.get(sha) == entry:
            # Straight from the (sealed) pack into the evidence store, encrypted as it is
            # written: the media never lie on disk in plain.
            with open_media_entry(pack_zip, entry) as src:
                stored = store_media_file(
                    src, store_path, Path(entry).suffix, key=media_key
                ).stored_path
        conn.execute(
            "INSERT INTO media(post_id, kind, name, url, stored_path, sha256, size, mime, "
            "missing) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                post_id,
                kind,
                name,
                url,
                stored,
                sha,
                _int(row, "size", "media"),
                row.get("mime"),
                0 if stored else int(bool(row.get("missing", True))),
            ),
        )
        existing[post_id].add(uid)
        counts.add("media")


def _merge_decisions(
    conn: Any,
    rows: Iterable[dict[str, Any]],
    posts: dict[str, tuple[int, bool]],
    own_store: str,
    gate: DecisionGate,
    counts: MergeCounts,
) -> set[int]:
    touched: set[int] = set()
    kinds = ("tag", "untag", "note", "approve", "reject", "dismiss", "undo", "conflict")
    for row in rows:
        uid = _text(row, "uuid", "decisions")
        post_uuid = _text(row, "post", "decisions")
        if post_uuid not in posts:
            raise SyncPackError("A decision names a post the pack does not carry")
        kind = _text(row, "kind", "decisions")
        if kind not in kinds:
            raise SyncPackError(f"Unknown decision kind {kind!r} in the pack")
        origin = _text(row, "origin", "decisions")
        if conn.execute("SELECT 1 FROM decisions WHERE uuid = ?", (uid,)).fetchone():
            continue
        post_id = posts[post_uuid][0]
        platform, natural = conn.execute(
            "SELECT platform, platform_post_id FROM posts WHERE id = ?", (post_id,)
        ).fetchone()
        gate.check_decision(row, platform, natural)  # refuses the whole pack if not trusted
        conn.execute(
            "INSERT INTO decisions(uuid, post_id, kind, tag, note, actor, at, workstation, "
            "batch, undoes, signature) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                uid,
                post_id,
                kind,
                row.get("tag"),
                row.get("note"),
                _text(row, "actor", "decisions"),
                _text(row, "at", "decisions"),
                row.get("workstation"),
                row.get("batch"),
                row.get("undoes"),
                row.get("signature"),
            ),
        )
        if origin != own_store:
            conn.execute(
                "INSERT OR IGNORE INTO decision_origin(uuid, store_id) VALUES (?, ?)", (uid, origin)
            )
        gate.note_merged(row, post_id)
        touched.add(post_id)
        counts.add("decisions")
    gate.check_retags()  # with every decision of the pack in place
    return touched


def _merge_outcomes(
    conn: Any,
    rows: Iterable[dict[str, Any]],
    accounts: dict[str, int],
    gate: DecisionGate,
    counts: MergeCounts,
) -> None:
    for row in rows:
        uid = _text(row, "uuid", "outcomes")
        account_uuid = _text(row, "account", "outcomes")
        if account_uuid not in accounts:
            raise SyncPackError("An outcome names an account the pack does not carry")
        outcome = _text(row, "outcome", "outcomes")
        if outcome not in ("taken_down", "still_live"):
            raise SyncPackError(f"Unknown outcome {outcome!r} in the pack")
        if conn.execute("SELECT 1 FROM outcomes WHERE uuid = ?", (uid,)).fetchone():
            continue
        platform, natural = conn.execute(
            "SELECT platform, platform_account_id FROM accounts WHERE id = ?",
            (accounts[account_uuid],),
        ).fetchone()
        gate.check_outcome(row, platform, natural)
        signature = row.get("signature")
        conn.execute(
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at, note, "
            "signature) VALUES (?,?,?,?,?,?,?,?)",
            (
                uid,
                accounts[account_uuid],
                outcome,
                _text(row, "on_date", "outcomes"),
                _text(row, "actor", "outcomes"),
                _text(row, "at", "outcomes"),
                row.get("note"),
                signature if isinstance(signature, str) and signature else None,
            ),
        )
        counts.add("outcomes")


def _merge_audit(
    conn: Any, rows: Iterable[dict[str, Any]], own_store: str, counts: MergeCounts
) -> None:
    from ..store.audit import GENESIS, row_hash

    inserted: list[tuple[str, str, int, str, str]] = []
    for row in rows:
        uid = _text(row, "uuid", "audit")
        origin = _text(row, "origin", "audit")
        if origin == own_store:
            continue  # our own rows, already in our chain
        seq = _int(row, "seq", "audit")
        if seq is None:
            raise SyncPackError("An audit row in the pack has no sequence number")
        at, actor, action, detail, prev_hash, digest = (
            str(_text(row, k, "audit"))
            for k in ("at", "actor", "action", "detail", "prev_hash", "hash")
        )
        otype = _text(row, "object_type", "audit", required=False)
        oid = _text(row, "object_id", "audit", required=False)
        if row_hash(prev_hash, uid, at, actor, action, otype, oid, detail) != digest:
            raise SyncPackError(f"Audit row {uid} in the pack does not match its own hash")
        values = (at, actor, action, otype, oid, detail, prev_hash, digest)
        cur = conn.execute(
            "INSERT OR IGNORE INTO peer_audit(uuid, origin, seq, at, actor, action, "
            "object_type, object_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (uid, origin, seq, *values),
        )
        if cur.rowcount:
            inserted.append((uid, origin, seq, prev_hash, digest))
        else:
            held = conn.execute(
                "SELECT uuid, origin, seq, hash FROM peer_audit WHERE uuid = ? OR "
                "(origin = ? AND seq = ?)",
                (uid, origin, seq),
            ).fetchall()
            if any(tuple(h) != (uid, origin, seq, digest) for h in held):
                raise SyncTrustError(
                    f"Audit row {uid} (store {origin}, row {seq}) in the sync pack differs from "
                    "the row this store already holds there; the pack is refused"
                )
        counts.add("audit", cur.rowcount)
    # Each new row must link to its neighbours in its store's chain where those are held, so
    # rows cannot be slipped into another store's chain (verify_peer_chains reports gaps).
    for uid, origin, seq, prev_hash, digest in inserted:
        before = conn.execute(
            "SELECT hash FROM peer_audit WHERE origin = ? AND seq = ?", (origin, seq - 1)
        ).fetchone()
        after = conn.execute(
            "SELECT prev_hash FROM peer_audit WHERE origin = ? AND seq = ?", (origin, seq + 1)
        ).fetchone()
        if (seq == 1 and prev_hash != GENESIS) or (before is not None and before[0] != prev_hash):
            broken = "the row before it"
        elif after is not None and after[0] != digest:
            broken = "the row after it"
        else:
            continue
        raise SyncTrustError(
            f"Audit row {uid} (store {origin}, row {seq}) in the sync pack does not link to "
            f"{broken} in that store's chain; the pack is refused"
        )


def replay_post(conn: Any, post_id: int, own_store: str, taxonomy: dict[str, Tag]) -> str:
    """Recompute a post's tags, note and status from all its decisions (the rules are
    store/replay.py's ``replay_merged``, which audit verify checks with); returns the status."""
    events = conn.execute(
        "SELECT d.uuid, d.kind, d.tag, d.note, d.actor, d.at, coalesce(o.store_id, ?) "
        "FROM decisions d LEFT JOIN decision_origin o ON o.uuid = d.uuid WHERE d.post_id = ?",
        (own_store, post_id),
    ).fetchall()
    state = replay_merged(events, taxonomy)
    tags, status, note, has_note = state.tags, state.status, state.note, state.has_note
    current = conn.execute("SELECT status, note FROM posts WHERE id = ?", (post_id,)).fetchone()
    if current[0] == "referred":
        status = "referred"
    conn.execute("DELETE FROM post_tags WHERE post_id = ?", (post_id,))
    for tag, (actor, at) in sorted(tags.items()):
        if tag in taxonomy:
            conn.execute(
                "INSERT INTO post_tags(post_id, tag, actor, at) VALUES (?,?,?,?)",
                (post_id, tag, actor, at),
            )
    conn.execute(
        "UPDATE posts SET status = ?, note = ? WHERE id = ?",
        (status, note if has_note else current[1], post_id),
    )
    return status
