"""Sync packs between stores without a network: export what a peer has not seen, age-encrypted
to the peer and minisign-signed; import verifies the signature first, then decrypts, checks the
manifest and merges everything in one transaction (or nothing).

A store's sync identity (an age key pair) lives inside the store, which is encrypted at rest;
`triage sync id` prints its public half for peers. Signing uses the store's pack signing key
(packs/signing.py); `triage keys export-public` prints the public key peers verify with."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pyrage import x25519

from ..core.errors import TriageError
from ..core.fileio import create_new_private
from ..core.scratch import make_scratch
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role
from ..store.audit import append_audit
from ..store.checkpoints import Checkpoint, CheckpointError, from_json, record_checkpoint
from ..store.connection import Store
from ..store.evidence_crypto import SealingWriter, evidence_key, open_sealed, scratch_key
from ..store.peer_checkpoints import keep_peer_checkpoint
from ..store.personal_keys import registration_store_id
from .crypto import canonical_recipient, decrypt_stream, encrypt_stream
from .signing import SIGNATURE_SUFFIX, load_public_key, now_comment, sign_file, verify_file
from .sync_export import collect
from .sync_format import read_pack_zip, write_pack_zip
from .sync_merge import merge
from .sync_trust import check_sender, trust_sender

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def sync_recipient(store: Store) -> str:
    """This store's age public key for sync packs (the key pair is made on first use)."""
    row = store.execute("SELECT age_recipient FROM sync_self WHERE id = 1").fetchone()
    if row is not None:
        return str(row[0])
    identity = x25519.Identity.generate()
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO sync_self(id, age_identity, age_recipient, created_at) "
            "VALUES (1, ?, ?, ?)",
            (str(identity), str(identity.to_public()), utc_now_iso()),
        )
    return str(store.scalar("SELECT age_recipient FROM sync_self WHERE id = 1"))


def _identity(store: Store) -> Any:
    sync_recipient(store)
    text = store.scalar("SELECT age_identity FROM sync_self WHERE id = 1")
    return x25519.Identity.from_str(str(text))


@dataclass
class ExportResult:
    path: Path
    signature: Path
    pack_id: str
    counts: dict[str, int]
    sha256: str


def export_sync_pack(
    store: Store,
    recipient: str,
    out: Path,
    *,
    everything: bool = False,
    progress: Progress = _quiet,
) -> ExportResult:
    """Write ``out`` (age-encrypted to ``recipient``) and ``out.minisig``."""
    require_role(store.user, store.role_of(), "sync")
    peer = canonical_recipient(recipient)
    out = Path(out)
    signature = out.with_name(out.name + SIGNATURE_SUFFIX)
    for target in (out, signature):
        if target.exists():
            raise TriageError(f"{target} already exists; choose another name")
    if not out.parent.is_dir():
        raise TriageError(f"Folder {out.parent} does not exist")
    own = store.store_id
    me = sync_recipient(store)
    if peer == me:
        raise TriageError("That recipient is this store's own sync key; name the peer's key")
    progress("collecting what the peer has not seen")
    rows = collect(store, None if everything else peer, own)
    pack_id = str(uuidlib.uuid4())
    created = utc_now_iso()
    manifest = {
        "pack_id": pack_id,
        "from_store": own,
        "from_recipient": me,
        "to_recipient": peer,
        "created": created,
        "creator": store.user,
        # A signed checkpoint of this store's audit chain, kept outside the store with the peer.
        "checkpoint": record_checkpoint(store, "sync export").to_json(),
    }
    family = registration_store_id(store.conn)
    if family != own:
        # A field slice: its people's key registrations are those of this store, so only it
        # (or another slice of it) takes the pack (store/copy_slice.py).
        manifest["registrations_of"] = family
    # The ZIP is never on disk in plain: it is written sealed under a throw-away key that only
    # this process holds (store/evidence_crypto.py) in an owner-only scratch folder beside the
    # store, whose name says its owner so that a later start removes it if this is killed.
    work = make_scratch(store.path.parent, "sync-out")
    tmp_out = out.with_name(f".{out.name}.partial")
    tmp_sig = out.with_name(f".{signature.name}.partial")
    try:
        progress("writing the pack")
        sealed, key = work / "pack.zip.sealed", scratch_key()
        with create_new_private(sealed) as handle:
            sealing = SealingWriter(handle, key)
            written = write_pack_zip(
                sealing, manifest, rows.sections, rows.media_files, key=evidence_key(store)
            )
            sealing.close()
        progress("encrypting")
        for leftover in (tmp_out, tmp_sig):
            leftover.unlink(missing_ok=True)
        with open_sealed(sealed, key) as plain_stream:
            encrypted = encrypt_stream(plain_stream, tmp_out, recipients=[peer])
        progress("signing")
        sign_file(store, tmp_out, tmp_sig, now_comment(kind="triage-sync", pack=pack_id, store=own))
        os.replace(tmp_sig, signature)
        os.replace(tmp_out, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for leftover in (tmp_out, tmp_sig):
            leftover.unlink(missing_ok=True)
    counts = dict(written["counts"])
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO sync_seen(recipient, kind, uuid) VALUES (?, ?, ?)",
            [(peer, kind, uid) for kind, uid in rows.seen],
        )
        conn.execute(
            "INSERT INTO peers(recipient, first_seen_at, last_export_at) VALUES (?, ?, ?) "
            "ON CONFLICT(recipient) DO UPDATE SET last_export_at = excluded.last_export_at",
            (peer, created, created),
        )
        append_audit(
            conn,
            store.user,
            "sync_export",
            "sync_pack",
            pack_id,
            {"to": peer, "file": out.name, "sha256": encrypted.sha256, "counts": counts},
            at=created,
        )
    return ExportResult(out, signature, pack_id, counts, encrypted.sha256)


@dataclass
class ImportResult:
    pack_id: str
    from_store: str
    added: dict[str, int]
    conflicts: int
    already: bool = False
    trusted_key: str | None = None  # the sender's signing key id, when first trusted by this pack


def import_sync_pack(
    store: Store,
    path: Path,
    signer: Path,
    *,
    signature: Path | None = None,
    progress: Progress = _quiet,
) -> ImportResult:
    """Verify, decrypt, check and merge a sync pack; nothing is merged unless all of it is good."""
    require_role(store.user, store.role_of(), "sync")
    path = Path(path)
    if not path.is_file():
        raise TriageError(f"No sync pack at {path}")
    public_key = load_public_key(Path(signer))
    progress("checking the signature")
    verified = verify_file(
        path, signature or path.with_name(path.name + SIGNATURE_SUFFIX), public_key
    )
    digest = _sha256(path)
    # Decrypted, the pack is kept sealed under a throw-away key (see export_sync_pack) and
    # read back through a decrypting, seekable stream: no plain copy on disk.
    work = make_scratch(store.path.parent, "sync-in")
    try:
        progress("decrypting")
        sealed, key = work / "pack.zip.sealed", scratch_key()
        with create_new_private(sealed) as handle:
            sealing = SealingWriter(handle, key)
            decrypt_stream(path, sealing, identities=[_identity(store)])
            sealing.close()

        def plain() -> IO[bytes]:
            return open_sealed(sealed, key)

        progress("checking the contents")
        contents = read_pack_zip(plain)
        manifest = contents.manifest
        own = store.store_id
        if manifest["from_store"] == own:
            raise TriageError("This sync pack was made by this store; import it on the peer")
        family = manifest.get("registrations_of")
        if family is not None and family != registration_store_id(store.conn):
            raise TriageError(
                f"This sync pack comes from store {manifest['from_store']}, a field slice of "
                f"store {family}: its work goes back into that store (or another slice of it), "
                "not into this one; the pack is refused"
            )
        sender = canonical_recipient(str(manifest["from_recipient"]))
        sender_check = {
            "own_store": own,
            "own_recipient": sync_recipient(store),
            "store_id": str(manifest["from_store"]),
            "recipient": sender,
            "key_id": verified.key_id,
        }
        # The store the manifest names must be the one whose key verified the pack.
        known_sender = check_sender(store.conn, **sender_check)
        pack_id = str(manifest["pack_id"])
        if store.scalar("SELECT 1 FROM sync_imports WHERE pack_id = ?", (pack_id,)):
            return ImportResult(pack_id, manifest["from_store"], {}, 0, already=True)
        progress("merging")
        at = utc_now_iso()
        with store.transaction() as conn:
            if check_sender(conn, **sender_check) is None:  # again, inside the transaction
                trust_sender(
                    conn,
                    store_id=str(manifest["from_store"]),
                    recipient=sender,
                    key_id=verified.key_id,
                    public_key=public_key.to_base64().decode("ascii"),
                    actor=store.user,
                    at=at,
                )
            cur = conn.execute(
                "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at, "
                "finished_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    str(uuidlib.uuid4()),
                    str(path),
                    digest,
                    path.stat().st_size,
                    "sync",
                    store.user,
                    at,
                    at,
                ),
            )
            counts = merge(
                conn,
                contents,
                own_store=own,
                import_id=int(cur.lastrowid),
                imported_at=at,
                taxonomy=store.taxonomy,
                pack_zip=plain,
                store_path=store.path,
            )
            conn.execute(
                "UPDATE imports SET inserted = ? WHERE id = ?",
                (counts.added.get("posts", 0), cur.lastrowid),
            )
            # The sender's signed audit checkpoint, kept so that `audit verify` checks the
            # sender's rows held here against it (store/peer_checkpoints.py).
            keep_peer_checkpoint(
                conn,
                manifest.get("checkpoint"),
                from_store=str(manifest["from_store"]),
                pack_id=pack_id,
                at=at,
            )
            marks = [
                (sender, kind, row["uuid"])
                for kind, section in (
                    ("account", "accounts"),
                    ("post", "posts"),
                    ("media", "media"),
                    ("decision", "decisions"),
                    ("outcome", "outcomes"),
                    ("audit", "audit"),
                )
                for row in contents.rows[section]
            ]
            conn.executemany(
                "INSERT OR IGNORE INTO sync_seen(recipient, kind, uuid) VALUES (?, ?, ?)", marks
            )
            conn.execute(
                "INSERT INTO peers(recipient, store_id, first_seen_at, last_import_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(recipient) DO UPDATE SET "
                "store_id = excluded.store_id, last_import_at = excluded.last_import_at",
                (sender, manifest["from_store"], at, at),
            )
            conn.execute(
                "INSERT INTO sync_imports(pack_id, from_store, sha256, imported_at, actor, "
                "counts) VALUES (?,?,?,?,?,?)",
                (
                    pack_id,
                    manifest["from_store"],
                    digest,
                    at,
                    store.user,
                    json.dumps(counts.added, sort_keys=True),
                ),
            )
            append_audit(
                conn,
                store.user,
                "sync_import",
                "sync_pack",
                pack_id,
                {
                    "from": manifest["from_store"],
                    "sha256": digest,
                    "added": counts.added,
                    "conflicts": counts.conflicts,
                },
                at=at,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _enrich(store)
    return ImportResult(
        pack_id,
        manifest["from_store"],
        counts.added,
        counts.conflicts,
        trusted_key=None if known_sender is not None else verified.key_id,
    )


def _enrich(store: Store) -> None:
    """Indicators, clusters and priority for merged posts, as for an ordinary import."""
    from ..ingest.pipeline import run_enrichment

    run_enrichment(store)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def pack_checkpoint(store: Store, path: Path) -> Checkpoint:
    """The sender's audit checkpoint out of a sync pack made for this store (`audit verify
    --checkpoint PACK.age`): decrypted with this store's sync key into a sealed scratch file, as
    an import does, and only its manifest read."""
    import zipfile

    path = Path(path)
    work = make_scratch(store.path.parent, "sync-in")
    try:
        sealed, key = work / "pack.zip.sealed", scratch_key()
        with create_new_private(sealed) as handle:
            sealing = SealingWriter(handle, key)
            decrypt_stream(path, sealing, identities=[_identity(store)])
            sealing.close()
        try:
            with open_sealed(sealed, key) as plain, zipfile.ZipFile(plain) as zf:
                info = zf.getinfo("manifest.json")
                if info.file_size > 16 * 1024 * 1024:
                    raise CheckpointError(f"The manifest of {path.name} is implausibly large")
                manifest = json.loads(zf.read(info))
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise CheckpointError(f"{path.name} is not a sync pack with a manifest") from exc
        return from_json(manifest, path.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
