"""Evidence media encrypted at rest, and the streaming format that does it.

An encrypted store (SQLCipher) keeps its media files encrypted too, beside it in
``<store>.evidence/``, each still named by the SHA-256 of its *plain* content (so the hashes in
packs and the custody record stay the ones taken at collection).

Key. A random 256-bit *evidence key* is made when an encrypted store is first opened by this
version and kept inside the store (``meta.evidence_key``), so it is exactly as protected as the
post text: whoever can open the store can read its media, nobody else can. It is not derived from
the store key on purpose: ``db rekey`` replaces the store key and copies the rows, so the evidence
key (and every media file) stays valid with no re-encryption of possibly many gigabytes, and a
rekey killed half-way cannot leave media sealed under a key that no longer exists. A plain store
(``db create --plain`` / TRIAGE_PLAIN_STORE=1) has no evidence key: its media stay plain, like
its posts. ``db encrypt`` encrypts the media of the store it encrypts; an encrypted store made by
an older version has its plain media encrypted the first time it is opened (``prepare_evidence``).

Format (``triage-evidence v1``), per file::

    "triage-evidence v1\\n"  (19 bytes)  |  salt (32 random bytes)  |  segment 0 | segment 1 | ...

The file key is HKDF-SHA256(evidence key, salt, info "triage evidence v1"). The plain content is
cut in 64 KiB segments, each sealed with AES-256-GCM under the file key with the nonce
``segment index (11 bytes, big-endian) || final flag (1 byte)`` and the header as associated
data (the STREAM construction age uses). So a segment cannot be moved, a file cannot be cut at a
segment boundary (the new last segment was not sealed as final) and a header cannot be swapped.
A fresh salt per file means nonces never repeat under one key.

Readers decrypt on the fly (``open_media``: a seekable reader, one segment in memory); nothing
decrypted is written to disk. Scratch copies that other work needs (a sync pack being built or
read) are sealed the same way under a throw-away key that only lives in the process's memory
(``scratch_key``), so a kill leaves only ciphertext nobody can open."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..core.errors import TriageError

MAGIC = b"triage-evidence v1\n"
SALT_BYTES = 32
HEADER = len(MAGIC) + SALT_BYTES
SEGMENT = 64 * 1024
TAG = 16
SEALED_SEGMENT = SEGMENT + TAG
INFO = b"triage evidence v1"
META_KEY = "evidence_key"
META_DONE = "evidence_encrypted"  # '1' once every media file of the store is encrypted
_MAX_SEGMENTS = 1 << 88


class EvidenceDamaged(TriageError, OSError):
    """An encrypted media file does not authenticate (damaged, altered or another key)."""


def scratch_key() -> bytes:
    """A throw-away key for scratch files; it never leaves the process."""
    return os.urandom(32)


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    if len(key) != 32:
        raise TriageError("an evidence key must be 32 bytes")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=INFO).derive(key)
    return AESGCM(derived)


def _nonce(index: int, final: bool) -> bytes:
    if index >= _MAX_SEGMENTS:
        raise TriageError("media file too large to encrypt")
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class SealingWriter:
    """Writes the encrypted form of what it is given to ``out`` (a binary file); ``close()``
    seals the final segment and must be called (it does not close ``out``). Not seekable: a
    ZIP written into it uses data descriptors."""

    def __init__(self, out: IO[bytes] | Any, key: bytes) -> None:
        salt = os.urandom(SALT_BYTES)
        self._out = out
        self._aad = MAGIC + salt
        self._aead = _file_key(key, salt)
        self._buf = bytearray()
        self._index = 0
        self.closed = False
        out.write(self._aad)

    def _seal(self, chunk: bytes, final: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._index, final), chunk, self._aad))
        self._index += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self.closed:
            raise ValueError("write to a closed SealingWriter")
        view = memoryview(data).cast("B")
        count = len(view)
        if self._buf:
            take = view[: SEGMENT - len(self._buf)]
            self._buf += take
            view = view[len(take) :]
            if not view:  # a full buffer may still be the final segment: keep it
                return count
            self._seal(bytes(self._buf), False)
            self._buf = bytearray()
        while len(view) > SEGMENT:
            self._seal(bytes(view[:SEGMENT]), False)
            view = view[SEGMENT:]
        self._buf += view
        return count

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buf), True)
            self._buf = bytearray()
            self.closed = True
            self._out.flush()


class OpeningReader(io.RawIOBase):
    """A seekable reader of the plain content of an encrypted file; decrypts one segment at a
    time as it is read (each one authenticated before any of its bytes is returned)."""

    def __init__(self, raw: BinaryIO, key: bytes, name: str = "") -> None:
        super().__init__()
        self._raw = raw
        self._name = name or str(getattr(raw, "name", "media file"))
        header = raw.read(HEADER)
        if len(header) != HEADER or not header.startswith(MAGIC):
            raise EvidenceDamaged(f"{self._name} is not an encrypted evidence file")
        self._aad = header
        self._aead = _file_key(key, header[len(MAGIC) :])
        body = raw.seek(0, io.SEEK_END) - HEADER
        self._segments = max(1, -(-body // SEALED_SEGMENT))
        last = body - (self._segments - 1) * SEALED_SEGMENT
        if last < TAG:
            raise EvidenceDamaged(f"{self._name} is truncated")
        self.size = body - TAG * self._segments
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def _segment(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        self._raw.seek(HEADER + index * SEALED_SEGMENT)
        sealed = self._raw.read(SEALED_SEGMENT)
        final = index == self._segments - 1
        try:
            plain = self._aead.decrypt(_nonce(index, final), sealed, self._aad)
        except InvalidTag as exc:
            raise EvidenceDamaged(
                f"{self._name} is damaged or was altered (it does not authenticate)"
            ) from exc
        self._cached = (index, plain)
        return plain

    def check_first(self) -> None:
        """Authenticate the first segment (proves the key and the header)."""
        self._segment(0)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self.size:
            if self._pos == self.size and self.size == 0:
                self._segment(0)  # an empty file still proves its one (final) segment
            return 0
        index, offset = divmod(self._pos, SEGMENT)
        plain = self._segment(index)
        view = memoryview(buffer).cast("B")
        chunk = plain[offset : offset + len(view)]
        view[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()


def is_sealed(path: Path) -> bool:
    """Whether the file starts like an encrypted evidence file."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def open_sealed(path: Path, key: bytes) -> io.BufferedReader:
    """The plain content of an encrypted file, as a seekable buffered reader."""
    raw = open(path, "rb")
    try:
        return io.BufferedReader(OpeningReader(raw, key, name=Path(path).name), SEGMENT)
    except BaseException:
        raw.close()
        raise


def open_media(path: Path, key: bytes | None) -> BinaryIO:
    """A media file's plain content, decrypted on the fly when it is an encrypted evidence copy
    (a collected source file, or a plain store's copy, is read as it is)."""
    raw = open(path, "rb")
    try:
        sealed = raw.read(len(MAGIC)) == MAGIC
        raw.seek(0)
        if not sealed:
            return raw
        if key is None:
            raise EvidenceDamaged(f"{Path(path).name} is encrypted; this store has no key for it")
        reader = io.BufferedReader(OpeningReader(raw, key, name=Path(path).name), SEGMENT)
        return reader  # type: ignore[return-value]
    except BaseException:
        raw.close()
        raise


def media_size(handle: IO[bytes]) -> int:
    """The plain size of what ``open_media`` returned."""
    inner = getattr(handle, "raw", None)
    if isinstance(inner, OpeningReader):
        return inner.size
    return os.fstat(handle.fileno()).st_size


# -- the store's evidence key -------------------------------------------------------------------


def evidence_key(conn: Any) -> bytes | None:
    """The store's evidence key (``conn`` is a Store or a connection); None for a plain store."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    return bytes.fromhex(str(row[0])) if row else None


def prepare_evidence(store: Any) -> None:
    """On opening a store: clear what killed work of this machine left beside it, and make sure
    an encrypted store has an evidence key and no plain media left (an older version's)."""
    from ..core.scratch import (
        LEGACY_BESIDE_STORE,
        LEGACY_IN_EVIDENCE,
        remove_legacy_temp,
        remove_stale_scratch,
    )
    from ..ingest.evidence import evidence_dir

    folder = evidence_dir(Path(store.path))
    remove_stale_scratch(Path(store.path).parent, LEGACY_BESIDE_STORE)
    remove_stale_scratch(folder, LEGACY_IN_EVIDENCE)
    remove_legacy_temp()
    if store.key is None:
        return
    key = evidence_key(store)
    if key is None:
        with store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                (META_KEY, os.urandom(32).hex()),
            )
        key = evidence_key(store)
        assert key is not None
    if store.meta(META_DONE) == "1":
        return
    encrypt_plain_evidence(folder, key)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, '1') "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (META_DONE,),
        )


def _already_sealed(path: Path, key: bytes) -> bool:
    try:
        with open(path, "rb") as raw:
            if raw.read(len(MAGIC)) != MAGIC:
                return False
            raw.seek(0)
            OpeningReader(raw, key).check_first()
            return True
    except EvidenceDamaged:
        return False  # begins like one but is not ours: a plain file, to be encrypted


def encrypt_plain_evidence(folder: Path, key: bytes) -> int:
    """Encrypt every plain media file under ``folder`` in place (each through a sealed
    temporary file and an atomic rename); returns how many were encrypted."""
    from ..core.scratch import scratch_name

    if not folder.is_dir():
        return 0
    done = 0
    for path in sorted(folder.rglob("*")):
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        if _already_sealed(path, key):
            continue
        tmp = path.with_name(scratch_name("migrating"))
        try:
            with open(path, "rb") as src, open(tmp, "xb") as out:
                os.chmod(tmp, 0o600)
                writer = SealingWriter(out, key)
                while block := src.read(1 << 20):
                    writer.write(block)
                writer.close()
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        done += 1
    return done
