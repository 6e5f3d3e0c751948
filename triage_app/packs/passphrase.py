"""Streamed passphrase (scrypt) encryption of packs in the standard age format.

pyrage streams only to public-key recipients; its passphrase API wants the whole plaintext in
memory. So the pack is streamed through pyrage to a throwaway RSA key made for this one pack,
and the small age header is swapped on the way out: the file key is unwrapped from the RSA
stanza and wrapped again in a scrypt stanza (age spec, "scrypt recipient stanza"), with a new
header MAC. The payload — the STREAM-encrypted ZIP — is pyrage's, byte for byte, and depends
only on the file key, so it stays valid. The throwaway key never leaves memory.

What the result must satisfy is checked by the real `age -d` in the tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
from typing import IO, Any

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from pyrage import ssh

from ..core.errors import TriageError

VERSION_LINE = b"age-encryption.org/v1"
RSA_LABEL = b"age-encryption.org/v1/ssh-rsa"
SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
WORK_FACTOR = 18  # age's own default for `age -p`: 256 MiB and about a second
MAX_HEADER = 64 * 1024


def _b64(data: bytes) -> bytes:
    """age's base64: standard alphabet, no padding."""
    return base64.b64encode(data).rstrip(b"=")


def _unb64(text: bytes) -> bytes:
    return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)


def _header_mac(file_key: bytes, header_to_dashes: bytes) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"header").derive(file_key)
    return hmac.new(key, header_to_dashes, hashlib.sha256).digest()


def scrypt_header(file_key: bytes, passphrase: str, work_factor: int = WORK_FACTOR) -> bytes:
    """A complete age header (through the MAC line) wrapping ``file_key`` for the passphrase."""
    salt = os.urandom(16)
    wrap_key = Scrypt(salt=SCRYPT_LABEL + salt, length=32, n=2**work_factor, r=8, p=1).derive(
        passphrase.encode("utf-8")
    )
    body = ChaCha20Poly1305(wrap_key).encrypt(b"\x00" * 12, file_key, None)
    header = (
        VERSION_LINE + b"\n"
        + b"-> scrypt " + _b64(salt) + b" " + str(work_factor).encode("ascii") + b"\n"
        + _b64(body) + b"\n"  # 32 bytes: 43 characters, a single (short, final) body line
        + b"---"
    )  # fmt: skip
    return header + b" " + _b64(_header_mac(file_key, header)) + b"\n"


class ThrowawayKey:
    """An RSA key made for one pack, only to learn the file key pyrage chose."""

    def __init__(self) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = self._private.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        self.recipient: Any = ssh.Recipient.from_str(public.decode("ascii"))

    def file_key(self, header: bytes) -> bytes:
        """Unwrap the file key from pyrage's header and check the header's MAC with it."""
        lines = header.split(b"\n")
        if lines[0] != VERSION_LINE:
            raise TriageError("Passphrase encryption failed: unexpected age header")
        body: list[bytes] = []
        i = 1
        while i < len(lines) and not lines[i].startswith(b"---"):
            if lines[i].startswith(b"-> ssh-rsa "):
                i += 1
                while len(lines[i]) == 64:
                    body.append(lines[i])
                    i += 1
                body.append(lines[i])
            i += 1
        if not body or i >= len(lines):
            raise TriageError("Passphrase encryption failed: no RSA stanza in the age header")
        key = self._private.decrypt(
            _unb64(b"".join(body)),
            padding.OAEP(
                mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=RSA_LABEL
            ),
        )
        mac_line = lines[i]
        to_dashes = b"\n".join(lines[:i]) + b"\n---"
        if not hmac.compare_digest(_header_mac(key, to_dashes), _unb64(mac_line[4:])):
            raise TriageError("Passphrase encryption failed: the age header MAC does not match")
        return key


class HeaderSwap:
    """A writer for pyrage's output: holds back the header, writes the scrypt header in its
    place, then passes the payload straight through to ``sink``."""

    def __init__(self, sink: IO[bytes] | Any, key: ThrowawayKey, passphrase: str) -> None:
        self.sink = sink
        self.key = key
        self.passphrase = passphrase
        self._held = bytearray()
        self._swapped = False

    def write(self, data: bytes) -> int:
        if self._swapped:
            self.sink.write(data)
            return len(data)
        self._held += data
        end = self._held.find(b"\n---")
        newline = self._held.find(b"\n", end + 1) if end >= 0 else -1
        if newline < 0:
            if len(self._held) > MAX_HEADER:
                raise TriageError("Passphrase encryption failed: the age header never ended")
            return len(data)
        header, rest = bytes(self._held[: newline + 1]), bytes(self._held[newline + 1 :])
        self._held.clear()
        file_key = self.key.file_key(header)
        self.sink.write(scrypt_header(file_key, self.passphrase))
        self._swapped = True
        if rest:
            self.sink.write(rest)
        return len(data)

    def flush(self) -> None:
        self.sink.flush()

    def close_check(self) -> None:
        if not self._swapped:
            raise TriageError("Passphrase encryption failed: pyrage wrote no age header")


# -- opening -----------------------------------------------------------------------------------

_B64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class HeaderError(TriageError):
    """The age header is malformed, or its MAC does not match (the file was altered)."""


class WrongPassphrase(TriageError):
    """The passphrase does not unwrap the file key."""


def _canonical_b64(text: bytes, size: int | None, what: str) -> bytes:
    """Decode age base64, refusing anything but the one canonical encoding."""
    bad = HeaderError(f"The pack's age header is malformed ({what})")
    if any(c not in _B64_CHARS for c in text):
        raise bad
    try:
        value = _unb64(text)
    except ValueError as exc:
        raise bad from exc
    if _b64(value) != text or (size is not None and len(value) != size):
        raise bad
    return value


def _parse_header(head: bytes) -> tuple[list[tuple[list[bytes], bytes]], bytes, bytes, int]:
    """(stanzas as (args, body), header up to '---', MAC, header length) per the age grammar."""
    lines = head.split(b"\n")
    if lines[0] != VERSION_LINE:
        raise HeaderError("The pack's age header is malformed (unknown version line)")
    stanzas: list[tuple[list[bytes], bytes]] = []
    i = 1
    while i < len(lines) - 1:
        line = lines[i]
        if line.startswith(b"--- "):
            mac = _canonical_b64(line[4:], 32, "MAC")
            to_dashes = b"\n".join(lines[:i]) + b"\n---"
            return stanzas, to_dashes, mac, len(b"\n".join(lines[: i + 1])) + 1
        if not line.startswith(b"-> "):
            raise HeaderError("The pack's age header is malformed")
        args = line[3:].split(b" ")
        if not args or any(not a or any(c < 33 or c > 126 for c in a) for a in args):
            raise HeaderError("The pack's age header is malformed (stanza arguments)")
        body: list[bytes] = []
        i += 1
        while True:
            if i >= len(lines) - 1 or lines[i].startswith(b"-"):
                raise HeaderError("The pack's age header is malformed (a stanza has no body)")
            body.append(lines[i])
            if len(lines[i]) > 64:
                raise HeaderError("The pack's age header is malformed (long body line)")
            i += 1
            if len(body[-1]) < 64:
                break
        stanzas.append((args, b"".join(body)))
    raise HeaderError("The pack's age header is damaged or truncated")


def unwrap_passphrase(head: bytes, passphrase: str, max_work_factor: int) -> tuple[bytes, int]:
    """The file key of a passphrase-protected age file and the length of its header.

    Holds the header to the age spec: one scrypt stanza and nothing else, a 16-byte salt, a
    plain decimal work factor no higher than ``max_work_factor``, a 32-byte body, canonical
    base64 everywhere, and a header MAC that matches."""
    stanzas, to_dashes, mac, length = _parse_header(head)
    scrypt = [s for s in stanzas if s[0][0] == b"scrypt"]
    if not scrypt:
        raise HeaderError("This pack is encrypted to age public keys; open it with --identity")
    if len(stanzas) != 1:
        raise HeaderError("The pack's age header is malformed (a scrypt stanza must be alone)")
    args, body_text = scrypt[0]
    if len(args) != 3:
        raise HeaderError("The pack's age header is malformed (scrypt arguments)")
    salt = _canonical_b64(args[1], 16, "scrypt salt")
    factor_text = args[2]
    if not factor_text.isdigit() or factor_text.startswith(b"0") or len(factor_text) > 2:
        raise HeaderError("The pack's age header is malformed (scrypt work factor)")
    factor = int(factor_text)
    if factor > max_work_factor:
        raise HeaderError(f"The pack's passphrase work factor (2^{factor}) is too high to try")
    body = _canonical_b64(body_text, 32, "scrypt body")
    wrap_key = Scrypt(salt=SCRYPT_LABEL + salt, length=32, n=2**factor, r=8, p=1).derive(
        passphrase.encode("utf-8")
    )
    try:
        file_key = ChaCha20Poly1305(wrap_key).decrypt(b"\x00" * 12, body, None)
    except InvalidTag as exc:
        raise WrongPassphrase("Wrong passphrase, or the pack is damaged") from exc
    if not hmac.compare_digest(_header_mac(file_key, to_dashes), mac):
        raise HeaderError("The pack's age header was altered (its MAC does not match)")
    return file_key, length


class ThrowawayIdentity(ThrowawayKey):
    """The RSA key again, now to hand pyrage a header it can open for a known file key."""

    def identity(self) -> Any:
        pem = self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        return ssh.Identity.from_buffer(pem)

    def header_for(self, file_key: bytes) -> bytes:
        public = self._private.public_key()
        blob = base64.b64decode(
            public.public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            ).split(b" ")[1]
        )
        tag = _b64(hashlib.sha256(blob).digest()[:4])
        wrapped = _b64(
            public.encrypt(
                file_key,
                padding.OAEP(
                    mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=RSA_LABEL
                ),
            )
        )
        body = b"\n".join(wrapped[i : i + 64] for i in range(0, len(wrapped), 64))
        if len(wrapped) % 64 == 0:
            body += b"\n"  # a stanza always ends with a short line, here an empty one
        header = VERSION_LINE + b"\n-> ssh-rsa " + tag + b"\n" + body + b"\n---"
        return header + b" " + _b64(_header_mac(file_key, header)) + b"\n"


class _Prefixed(io.RawIOBase):
    """A new age header followed by the rest of the original file (its payload)."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        return self._rest.readinto(buffer)  # type: ignore[attr-defined]


def decrypt_with_passphrase(
    source: IO[bytes], target: IO[bytes], passphrase: str, max_work_factor: int
) -> None:
    """Stream-decrypt a passphrase-protected age file from ``source`` into ``target``."""
    head = source.read(MAX_HEADER)
    file_key, length = unwrap_passphrase(head, passphrase, max_work_factor)
    source.seek(length)
    throwaway = ThrowawayIdentity()
    reader = io.BufferedReader(_Prefixed(throwaway.header_for(file_key), source), 1024 * 1024)
    pyrage.decrypt_io(reader, target, [throwaway.identity()])
