"""age encryption of packs through pyrage: to X25519 recipients (streamed) or to one scrypt
passphrase, and the matching decryption with errors a person can act on.

pyrage streams X25519 encryption and decryption (``encrypt_io`` / ``decrypt_io``), so a pack of
any size passes through in small chunks. Its passphrase API only works on whole byte strings,
so passphrase packs stream through passphrase.py instead: pyrage's payload under a swapped
scrypt header."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import pyrage
from pyrage import x25519

from ..core.errors import TriageError
from ..core.fileio import create_new_private
from .passphrase import (
    HeaderError,
    HeaderSwap,
    ThrowawayKey,
    WrongPassphrase,
    decrypt_with_passphrase,
)

AGE_MAGIC = b"age-encryption.org/v1\n"
HEADER_PEEK = 64 * 1024
MIN_PASSPHRASE_CHARS = 8
STANZA_LINE = 64  # age stanza body lines: full lines are 64 base64 characters
MAX_SCRYPT_WORK_FACTOR = 22


class PackDecryptError(TriageError):
    """The pack could not be decrypted: wrong key or passphrase, or a damaged file."""


def parse_recipient(text: str) -> Any:
    """An X25519 age recipient from its ``age1…`` text; a clear error for anything else."""
    value = text.strip()
    # Post-quantum and tag recipients have their own HRP ("age1pq" / "age1tag") and so start
    # "age1pq1" / "age1tag1"; an X25519 key's data may itself begin "pq" (about 1 in 1,000 keys),
    # but never holds a "1" (not in the bech32 alphabet).
    if not value.startswith("age1") or value.startswith(("age1pq1", "age1tag1")):
        raise TriageError(
            f"{_short(value)!r} is not an age X25519 public key (it should start with 'age1')"
        )
    try:
        return x25519.Recipient.from_str(value)
    except (pyrage.RecipientError, ValueError) as exc:
        raise TriageError(f"{_short(value)!r} is not a valid age public key ({exc})") from exc


def canonical_recipient(text: str) -> str:
    """The recipient's canonical text form (checks it on the way)."""
    return str(parse_recipient(text))


def load_identities(path: Path) -> list[Any]:
    """The X25519 identities in an age identity file (``age-keygen`` output; # comments)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TriageError(f"Cannot read identity file {path}: {_reason(exc)}") from exc
    identities = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("AGE-SECRET-KEY-1"):
            raise TriageError(
                f"Identity file {path} line {number} is not an age secret key (AGE-SECRET-KEY-1…)"
            )
        try:
            identities.append(x25519.Identity.from_str(line))
        except (pyrage.IdentityError, ValueError) as exc:
            raise TriageError(f"Identity file {path} line {number}: invalid age key") from exc
    if not identities:
        raise TriageError(f"Identity file {path} holds no age secret key")
    return identities


def read_passphrase_file(path: Path) -> str:
    """A pack passphrase from a file (one line; the trailing newline is not part of it)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TriageError(f"Cannot read passphrase file {path}: {_reason(exc)}") from exc
    value = text.rstrip("\r\n")
    if not value:
        raise TriageError(f"Passphrase file {path} is empty")
    return value


def check_new_passphrase(value: str) -> None:
    """A passphrase that protects a pack must not be trivially short."""
    if len(value) < MIN_PASSPHRASE_CHARS:
        raise TriageError(
            f"The pack passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"
        )


class _HashingWriter:
    """Passes writes to a file while hashing and counting them (the pack's SHA-256)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.blake2b = hashlib.blake2b(digest_size=64)  # what a minisign signature signs
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.blake2b.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


@dataclass(frozen=True)
class Encrypted:
    size: int
    sha256: str
    blake2b: bytes  # BLAKE2b-512 of the encrypted file, for its minisign signature


def encrypt_stream(
    source: IO[bytes],
    target: Path,
    *,
    recipients: Sequence[str] | None = None,
    passphrase: str | None = None,
    folder_shown: Path | None = None,
) -> Encrypted:
    """Encrypt what ``source`` yields into ``target`` (a new file), to the recipients or to
    the passphrase; returns the encrypted file's size and SHA-256. Errors name
    ``folder_shown`` (default: the target's folder)."""
    shown = folder_shown or Path(target).parent
    if bool(recipients) == (passphrase is not None):
        raise TriageError("Give either age recipients or a passphrase for the pack, not both")
    parsed = [parse_recipient(r) for r in recipients or ()]
    with create_new_private(target) as dst:
        writer = _HashingWriter(dst)
        try:
            if parsed:
                pyrage.encrypt_io(source, writer, parsed)
            else:
                assert passphrase is not None
                throwaway = ThrowawayKey()
                swap = HeaderSwap(writer, throwaway, passphrase)
                pyrage.encrypt_io(source, swap, [throwaway.recipient])
                swap.close_check()
            _fsync(dst)
        except pyrage.EncryptError as exc:
            raise TriageError(_encrypt_message(str(exc), shown)) from exc
        except OSError as exc:
            raise TriageError(_encrypt_message(str(exc), shown)) from exc
    return Encrypted(writer.size, writer.sha256.hexdigest(), writer.blake2b.digest())


def encrypt_file(
    source: Path,
    target: Path,
    *,
    recipients: Sequence[str] | None = None,
    passphrase: str | None = None,
) -> Encrypted:
    """Encrypt the file ``source`` into ``target`` (a new file)."""
    with open(source, "rb") as src:
        return encrypt_stream(src, target, recipients=recipients, passphrase=passphrase)


def header_stanzas(path: Path) -> list[str]:
    """The recipient stanza types in an age file's header (e.g. ['X25519', 'X25519']).

    Lets the opener say "this pack needs a passphrase" instead of a bare "no match", and holds
    the header to the age grammar where rage is lenient: every stanza ends with a short body
    line, and a passphrase's scrypt work factor may not exceed 2^22 (a higher one would take
    minutes and gigabytes to try)."""
    with open(path, "rb") as handle:
        head = handle.read(HEADER_PEEK)
    if not head.startswith(AGE_MAGIC):
        if head.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----"):
            raise PackDecryptError("The pack is ASCII-armored; packs are binary age files")
        raise PackDecryptError("Not an age-encrypted file (the age header is missing)")
    types: list[str] = []
    in_body = False
    for line in head[len(AGE_MAGIC) :].split(b"\n"):
        if in_body:
            if line.startswith(b"-"):
                raise PackDecryptError("The pack's age header is malformed (a stanza has no body)")
            in_body = len(line) == STANZA_LINE
            continue
        if line.startswith(b"--- "):
            return types
        if not line.startswith(b"-> "):
            raise PackDecryptError("The pack's age header is malformed")
        parts = line[3:].split(b" ")
        kind = parts[0].decode("ascii", "replace")
        too_hard = kind == "scrypt" and len(parts) == 3 and parts[2].isdigit()
        if too_hard and int(parts[2]) > MAX_SCRYPT_WORK_FACTOR:
            raise PackDecryptError(
                f"The pack's passphrase work factor (2^{int(parts[2])}) is too high to try"
            )
        types.append(kind)
        in_body = True
    raise PackDecryptError("The pack's age header is damaged or truncated")


def decrypt_file(
    source: Path,
    target: Path,
    *,
    identities: Iterable[Any] | None = None,
    passphrase: str | None = None,
) -> None:
    """Decrypt ``source`` into ``target`` (a new file). Raises PackDecryptError.

    The caller owns ``target``'s folder and deletes it on failure: age releases plaintext as
    it authenticates each chunk, so a file cut short yields a partial target before the error."""
    try:
        dst = create_new_private(target)
    except OSError as exc:
        raise TriageError(f"Cannot write the decrypted pack: {exc.strerror or exc}") from exc
    with dst:
        decrypt_stream(source, dst, identities=identities, passphrase=passphrase)
        try:
            _fsync(dst)
        except OSError as exc:
            raise TriageError(f"Cannot write the decrypted pack: {exc.strerror or exc}") from exc


def decrypt_stream(
    source: Path,
    dst: Any,
    *,
    identities: Iterable[Any] | None = None,
    passphrase: str | None = None,
) -> None:
    """Decrypt ``source`` into the writable ``dst`` (a file, or a SealingWriter that keeps the
    plaintext encrypted under a throw-away key). Raises PackDecryptError."""
    stanzas = header_stanzas(source)
    has_scrypt = "scrypt" in stanzas
    ids = list(identities or [])
    if ids and has_scrypt:
        raise PackDecryptError(
            "This pack is protected by a passphrase; open it with --pack-passphrase-file"
        )
    if passphrase is not None and not has_scrypt:
        raise PackDecryptError("This pack is encrypted to age public keys; open it with --identity")
    if not ids and passphrase is None:
        raise TriageError("Give an age identity file or the pack passphrase")
    try:
        if ids:
            with open(source, "rb") as src:
                pyrage.decrypt_io(src, dst, ids)
        else:
            assert passphrase is not None
            with open(source, "rb") as src:
                decrypt_with_passphrase(src, dst, passphrase, MAX_SCRYPT_WORK_FACTOR)
    except (HeaderError, WrongPassphrase) as exc:
        raise PackDecryptError(str(exc)) from exc
    except pyrage.DecryptError as exc:
        raise PackDecryptError(_decrypt_message(str(exc), bool(ids))) from exc
    except OSError as exc:
        written = re.search(r"\[Errno \d+\] ([^\n]+)", str(exc))
        if exc.errno is not None or written:  # our own file system: disk full, permissions
            reason = exc.strerror or (written.group(1) if written else str(exc))
            raise TriageError(f"Cannot write the decrypted pack: {reason}") from exc
        # pyrage's streaming reader reports a bad payload chunk as an OSError with no errno.
        raise PackDecryptError(_decrypt_message(str(exc), bool(ids))) from exc


def _encrypt_message(reason: str, folder: Path) -> str:
    """pyrage reports a failed write of the pack as an EncryptError carrying the OSError."""
    if "Errno 28" in reason or "No space left" in reason:
        return f"No space left on the disk holding {folder}; the pack was not written"
    found = re.search(r"\[Errno \d+\] ([^\n]+)", reason)
    if found:
        return f"Cannot write the pack in {folder} ({found.group(1)}); the pack was not written"
    return f"Encryption failed: {reason}"


def _decrypt_message(reason: str, by_identity: bool) -> str:
    lower = reason.lower()
    if "no matching keys" in lower:
        return "None of the given age identities can open this pack (wrong identity file)"
    if by_identity is False and lower.strip() == "decryption failed":
        return "Wrong passphrase, or the pack is damaged"
    if "fill whole buffer" in lower or "unexpected eof" in lower or "truncated" in lower:
        return "The pack file is truncated"
    if "decryption error" in lower or "chunk" in lower:
        return "The pack file is damaged or was altered (its encrypted data does not authenticate)"
    return f"The pack is damaged or was altered ({reason})"


def _fsync(handle: BinaryIO) -> None:
    import os

    handle.flush()
    os.fsync(handle.fileno())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:21] + "…"
