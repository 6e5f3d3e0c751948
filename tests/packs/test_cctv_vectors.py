"""The C2SP CCTV age test vectors (../shared/age-testkit) through the pack decrypt path.

Applicable: every binary vector whose identity is an X25519 key or whose secret is a
passphrase — success vectors must release exactly the plaintext whose SHA-256 is `payload`,
every failure vector must end in a TriageError (never another exception, never "success").

Not applicable, and why (each is still run, and must be refused with a clear TriageError):
- armored vectors (`armored: yes`): referral packs are binary age files; the opener refuses
  ASCII armor instead of guessing;
- hybrid ML-KEM vectors (identity `AGE-SECRET-KEY-PQ-1…`): pyrage 1.x has no hybrid
  (post-quantum) identity type, and our packs are only ever encrypted to X25519 keys or a
  passphrase.

Where rage is more lenient than the age spec (a stanza without its final short body line, an
scrypt work factor above 2^22), our header check refuses the file as the vectors require."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyrage import x25519

from tests.conftest import AGE_TESTKIT
from triage_app.core.errors import TriageError
from triage_app.packs import crypto


@dataclass
class Vector:
    name: str
    expect: str
    payload: str | None
    identities: list[str]
    passphrase: str | None
    armored: bool
    body: bytes

    @property
    def applicable(self) -> bool:
        hybrid = any(i.startswith("AGE-SECRET-KEY-PQ-") for i in self.identities)
        return not self.armored and not hybrid


def load_vectors() -> list[Vector]:
    vectors: list[Vector] = []
    if not AGE_TESTKIT.is_dir():
        return vectors  # a fresh clone has no ../shared: the module is skipped below
    for path in sorted(AGE_TESTKIT.iterdir()):
        if path.name == "README.md":
            continue
        head, _, body = path.read_bytes().partition(b"\n\n")
        fields: dict[str, list[str]] = {}
        for line in head.decode("utf-8").splitlines():
            key, _, value = line.partition(": ")
            fields.setdefault(key, []).append(value)
        if fields.get("compressed") == ["zlib"]:
            body = zlib.decompress(body)
        vectors.append(
            Vector(
                name=path.name,
                expect=fields["expect"][0],
                payload=fields.get("payload", [None])[0],
                identities=fields.get("identity", []),
                passphrase=fields.get("passphrase", [None])[0],
                armored=fields.get("armored") == ["yes"],
                body=body,
            )
        )
    return vectors


VECTORS = load_vectors()

pytestmark = pytest.mark.skipif(
    not AGE_TESTKIT.is_dir(),
    reason=f"the C2SP age test vectors are not the project's own; not found at {AGE_TESTKIT}",
)


def test_the_testkit_is_complete():
    assert len(VECTORS) >= 140
    applicable = [v for v in VECTORS if v.applicable]
    assert len(applicable) >= 90
    assert {v.expect for v in applicable} >= {
        "success",
        "no match",
        "HMAC failure",
        "header failure",
        "payload failure",
    }


def decrypt(vector: Vector, tmp_path: Path) -> bytes:
    source = tmp_path / "in.age"
    source.write_bytes(vector.body)
    target = tmp_path / "out"
    if vector.passphrase is not None:
        crypto.decrypt_file(source, target, passphrase=vector.passphrase)
    else:
        ids = [
            x25519.Identity.from_str(i)
            for i in vector.identities
            if i.startswith("AGE-SECRET-KEY-1")
        ]
        crypto.decrypt_file(source, target, identities=ids)
    return target.read_bytes()


@pytest.mark.parametrize("vector", [v for v in VECTORS if v.applicable], ids=lambda v: v.name)
def test_applicable_vector(vector: Vector, tmp_path: Path):
    if vector.expect == "success":
        plain = decrypt(vector, tmp_path)
        assert hashlib.sha256(plain).hexdigest() == vector.payload
    else:
        with pytest.raises(TriageError):
            decrypt(vector, tmp_path)


@pytest.mark.parametrize("vector", [v for v in VECTORS if not v.applicable], ids=lambda v: v.name)
def test_not_applicable_vector_is_refused_clearly(vector: Vector, tmp_path: Path):
    with pytest.raises(TriageError) as caught:
        decrypt(vector, tmp_path)
    assert "\n" not in str(caught.value)
