"""Signed checkpoints of the audit chain: "this store's chain had N rows and row N's hash was H",
signed with the personal key of the person who made it.

The hash chain alone shows an *edited* row, but not a chain cut back (its newest rows deleted) or
rewritten from some row on with every hash recomputed: both leave a chain that verifies. A
checkpoint anchors the chain at a moment; a later chain with fewer rows, or with another hash at
row N, was cut or rewritten after it.

Checkpoints are made at every approval batch, pack build and sync export, and by hand (`triage
audit checkpoint`). Each is kept in three kinds of place:

* the store's ``audit_checkpoints`` table (append-only, like the audit rows);
* the person's latest copy for this store, outside the data folder: ``checkpoints/<store
  id>.json`` in their own profile folder (beside their passphrase-wrapped personal key, see
  :mod:`.personal_keys`), replaced only by a checkpoint with at least as many rows;
* every referral pack (``checkpoint.json`` and the manifest) and every sync pack's manifest.

What this does and does not cover (docs/security.md): someone who can write the data folder (the
store file and its key) but not the person's profile folder or OS keyring can delete audit rows
and checkpoint rows alike, but cannot change the profile copy or the packs already sent, and
cannot sign a new checkpoint as anyone else; `audit verify` on the person's account, or with
``--checkpoint`` from a pack, finds the cut. Rows appended after the newest checkpoint are not
anchored until the next one. Someone working as the person themself (their OS account, their
keyring) can do whatever the person can, including making new checkpoints."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import TriageError
from ..core.fileio import fsync_dir
from ..core.timeutil import utc_now_iso
from .audit import GENESIS

if TYPE_CHECKING:
    from .connection import Store

log = logging.getLogger("triage.audit")

FORMAT = "triage-audit-checkpoint"
VERSION = 1
REASONS = ("approval batch", "pack build", "sync export", "manual")
MAX_FILE = 16 * 1024 * 1024  # a manifest of a big pack can be large; a checkpoint is tiny


class CheckpointError(TriageError):
    """A checkpoint file that cannot be read or is not a checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    store_id: str
    rows: int
    head: str
    at: str
    by: str
    reason: str
    public_key: str
    signature: str
    source: str = "store"  # where it was found: "store", "profile", or a file name

    def message(self) -> bytes:
        return checkpoint_message(
            self.store_id, self.rows, self.head, self.at, self.by, self.reason
        )

    def signed(self) -> bool:
        from .personal_keys import verify_signature

        return verify_signature(self.public_key, self.message(), self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "store_id": self.store_id,
            "audit_rows": self.rows,
            "head": self.head,
            "at": self.at,
            "by": self.by,
            "reason": self.reason,
            "public_key": self.public_key,
            "signature": self.signature,
        }

    def describe(self) -> str:
        """'checkpoint 57 (2026-12-03 20:01, by sue)': the row count names it."""
        return f"checkpoint {self.rows} ({_short_time(self.at)}, by {self.by})"


def checkpoint_message(store_id: str, rows: int, head: str, at: str, by: str, reason: str) -> bytes:
    """The canonical bytes a checkpoint's signature covers."""
    return json.dumps(
        [f"{FORMAT}:v{VERSION}", store_id, int(rows), head, at, by, reason],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def _short_time(at: str) -> str:
    return at[:16].replace("T", " ") if len(at) >= 16 else at


def from_json(value: Any, source: str) -> Checkpoint:
    """A checkpoint from its JSON form (a checkpoint.json, or a manifest holding one)."""
    if isinstance(value, dict) and isinstance(value.get("checkpoint"), dict):
        value = value["checkpoint"]
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise CheckpointError(f"{source} holds no audit checkpoint")
    if value.get("version") != VERSION:
        raise CheckpointError(
            f"{source} is a checkpoint of version {value.get('version')!r}; this program reads "
            f"version {VERSION}"
        )
    try:
        rows = value["audit_rows"]
        fields = [value[k] for k in ("store_id", "head", "at", "by", "reason")]
        public_key, signature = value["public_key"], value["signature"]
    except KeyError as exc:
        raise CheckpointError(f"The checkpoint in {source} has no {exc.args[0]!r}") from None
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise CheckpointError(f"The checkpoint in {source} has no valid row count")
    if not all(isinstance(v, str) for v in (*fields, public_key, signature)):
        raise CheckpointError(f"The checkpoint in {source} is malformed")
    store_id, head, at, by, reason = fields
    return Checkpoint(store_id, rows, head, at, by, reason, public_key, signature, source)


def load_checkpoint_file(path: Path | str) -> Checkpoint:
    """Read ``checkpoint.json`` from a referral pack, or a pack's or sync pack's manifest."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE:
            raise CheckpointError(f"{path} is too large to be a checkpoint or a manifest")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(f"{path} does not exist") from None
    except IsADirectoryError:
        candidate = path / "checkpoint.json"
        if candidate.is_file():
            return load_checkpoint_file(candidate)
        raise CheckpointError(f"{path} is a folder without checkpoint.json") from None
    except UnicodeDecodeError:
        raise CheckpointError(f"{path} is not a JSON file") from None
    except OSError as exc:
        raise CheckpointError(f"{path} cannot be read: {exc.strerror or exc}") from None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise CheckpointError(f"{path} is not a JSON file") from None
    return from_json(value, path.name)


# -- making checkpoints -----------------------------------------------------------------------


def chain_state(conn: Any) -> tuple[int, str]:
    """(rows, head hash) of the audit chain as it is now."""
    row = conn.execute(
        "SELECT count(*), (SELECT hash FROM audit ORDER BY id DESC LIMIT 1) FROM audit"
    ).fetchone()
    return int(row[0]), str(row[1] or GENESIS)


def sign_checkpoint(store: Store, reason: str) -> Checkpoint:
    """A checkpoint of the chain as it is now, signed by the current person (not yet kept)."""
    from .personal_keys import personal_key_for

    if reason not in REASONS:
        raise ValueError(reason)
    key = personal_key_for(store)
    rows, head = chain_state(store.conn)
    at = utc_now_iso()
    store_id = store.store_id
    message = checkpoint_message(store_id, rows, head, at, store.user, reason)
    return Checkpoint(
        store_id, rows, head, at, store.user, reason, key.public_text(), key.sign(message)
    )


def keep_checkpoint(store: Store, checkpoint: Checkpoint) -> None:
    """Record ``checkpoint`` in the store's table and as the person's out-of-store copy."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO audit_checkpoints(rows, head, at, by, reason, public_key, signature) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                checkpoint.rows,
                checkpoint.head,
                checkpoint.at,
                checkpoint.by,
                checkpoint.reason,
                checkpoint.public_key,
                checkpoint.signature,
            ),
        )
    try:
        save_outside(checkpoint)
    except OSError as exc:  # the profile folder is full or read-only: the store keeps it
        log.warning(
            "The audit checkpoint could not be copied to your profile folder: %s",
            exc.strerror or exc,
        )


def record_checkpoint(store: Store, reason: str) -> Checkpoint:
    """Sign a checkpoint of the chain as it is now and keep it (table and profile copy)."""
    checkpoint = sign_checkpoint(store, reason)
    keep_checkpoint(store, checkpoint)
    return checkpoint


def checkpoint_after(store: Store, reason: str) -> Checkpoint | None:
    """record_checkpoint after a committed action (an approval batch): a checkpoint that cannot
    be signed here is logged, not raised, since the action itself is already done."""
    try:
        return record_checkpoint(store, reason)
    except (TriageError, OSError) as exc:
        log.warning("No audit checkpoint was made after the %s: %s", reason, exc)
        return None


# -- the copy outside the store ---------------------------------------------------------------


def outside_folder() -> Path:
    """``checkpoints/`` in the person's own profile folder (0700), not the data folder."""
    from .personal_keys import profile_dir

    folder = profile_dir() / "checkpoints"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def outside_path(store_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in store_id)
    return outside_folder() / f"{safe}.json"


def latest_outside(store_id: str) -> Checkpoint | None:
    """The person's latest copy for ``store_id`` (None when there is none yet)."""
    path = outside_path(store_id)
    if not path.exists():
        return None
    found = load_checkpoint_file(path)
    return Checkpoint(**{**found.__dict__, "source": "profile"})


def save_outside(checkpoint: Checkpoint) -> None:
    """Keep ``checkpoint`` as the person's copy unless the copy there already has more rows
    (a shorter chain never replaces the evidence of a longer one)."""
    path = outside_path(checkpoint.store_id)
    lock = _lock(path.with_name(path.name + ".lock"))
    try:
        try:
            current = latest_outside(checkpoint.store_id)
        except CheckpointError:
            current = None  # a damaged copy is replaced by a good one
        if current is not None and current.rows > checkpoint.rows and current.signed():
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as handle:
            json.dump(checkpoint.to_json(), handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        _unlock(lock)


def _lock(path: Path) -> int | None:
    try:
        import fcntl
    except ImportError:  # Windows: last writer wins
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing releases the lock


# -- checking the chain against checkpoints ---------------------------------------------------


def stored_checkpoints(store: Store) -> list[Checkpoint]:
    store_id = store.store_id
    return [
        Checkpoint(store_id, rows, head, at, by, reason, public_key, signature, "store")
        for rows, head, at, by, reason, public_key, signature in store.execute(
            "SELECT rows, head, at, by, reason, public_key, signature FROM audit_checkpoints "
            "ORDER BY id"
        )
    ]


@dataclass
class AnchorCheck:
    """What `audit verify` found comparing the chain with every checkpoint it could find."""

    chain_rows: int
    checked: int  # checkpoints compared
    latest: Checkpoint | None  # the newest checkpoint that holds (most rows)
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_anchor(store: Store, extra: Iterable[Checkpoint] = ()) -> AnchorCheck:
    """Compare the chain with the store's checkpoints, the person's out-of-store copy and any
    ``extra`` ones (from packs): fewer rows than a checkpoint, or another hash at its row, means
    the chain was cut or rewritten after it. Bad signatures and checkpoints of another store are
    problems too. One pass over the chain's hashes."""
    from .connection import OperationalError
    from .personal_keys import registered_public_key

    store_id = store.store_id
    problems: list[str] = []
    try:
        found = stored_checkpoints(store)
    except OperationalError:  # the table itself was dropped
        problems.append("The store's table of audit checkpoints is missing")
        found = []
    try:
        outside = latest_outside(store_id)
    except CheckpointError as exc:
        problems.append(f"Your out-of-store checkpoint copy is damaged: {exc}")
        outside = None
    if outside is not None:
        found.append(outside)
    found.extend(extra)

    wanted: dict[int, list[Checkpoint]] = {}
    registered: dict[str, str | None] = {}
    for cp in found:
        where = _where(cp)
        if cp.store_id != store_id:
            problems.append(
                f"The {cp.describe()} {where} is of store {cp.store_id}, not this store "
                f"({store_id})"
            )
            continue
        if not cp.signed():
            problems.append(f"The {cp.describe()} {where} has a signature that does not verify")
            continue
        if cp.by not in registered:
            registered[cp.by] = registered_public_key(store.conn, cp.by)
        if registered[cp.by] is not None and registered[cp.by] != cp.public_key:
            problems.append(
                f"The {cp.describe()} {where} is signed by a key that is not {cp.by}'s "
                f"registered key"
            )
            continue
        wanted.setdefault(cp.rows, []).append(cp)

    count = 0
    holding: list[Checkpoint] = [cp for cp in wanted.get(0, []) if cp.head == GENESIS]
    bad: list[tuple[Checkpoint, str]] = [
        (cp, "the chain's start is not empty") for cp in wanted.get(0, []) if cp.head != GENESIS
    ]
    if wanted and max(wanted) > 0:
        for (digest,) in store.execute("SELECT hash FROM audit ORDER BY id"):
            count += 1
            for cp in wanted.get(count, ()):
                if cp.head == digest:
                    holding.append(cp)
                else:
                    bad.append((cp, f"row {count:,} has a different hash"))
            if count >= max(wanted):
                break
        else:
            for rows in sorted(wanted):
                if rows > count:
                    for cp in wanted[rows]:
                        bad.append((cp, f"the chain has only {count:,} rows, not {rows:,}"))
    chain_rows = store.scalar("SELECT count(*) FROM audit")
    if bad:
        # The checkpoint with the fewest rows that no longer holds says where the change is.
        bad.sort(key=lambda b: (b[0].rows, b[0].at))
        cp, why = bad[0]
        more = f"; {len(bad) - 1} later checkpoints disagree too" if len(bad) > 1 else ""
        problems.append(
            f"The audit chain was cut or rewritten after {cp.describe()}: {why} "
            f"(checkpoint {_where(cp)}{more})"
        )
    latest = max(holding, key=lambda c: (c.rows, c.at), default=None)
    return AnchorCheck(int(chain_rows), len(found), latest, problems)


def _where(cp: Checkpoint) -> str:
    if cp.source == "store":
        return "in the store"
    if cp.source == "profile":
        return "in your profile"
    return f"from {cp.source}"
