"""Streamed passphrase encryption (packs/passphrase.py): pyrage's payload under a swapped
scrypt header must be a standard age file — pyrage's own passphrase API and the real `age`
open it — and our streamed opener must refuse what the age spec refuses."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pyrage
import pytest
from pyrage import passphrase as age_passphrase

from triage_app.core.errors import TriageError
from triage_app.packs import crypto
from triage_app.packs.passphrase import HeaderSwap, ThrowawayKey

SECRET = "correct horse battery staple"


@pytest.mark.parametrize("chunk", [1, 7, 64, 300, 100_000])
def test_the_header_swap_works_whatever_the_write_sizes(chunk):
    data = os.urandom(70_000)  # more than one 64 KiB STREAM chunk
    key = ThrowawayKey()
    sealed = pyrage.encrypt(data, [key.recipient])
    out = io.BytesIO()
    swap = HeaderSwap(out, key, SECRET)
    for i in range(0, len(sealed), chunk):
        swap.write(sealed[i : i + chunk])
    swap.close_check()
    result = out.getvalue()
    assert result.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert b"ssh-rsa" not in result.split(b"\n---")[0]
    assert age_passphrase.decrypt(result, SECRET) == data
    # the payload is pyrage's, untouched
    assert result.split(b"\n", 4)[-1] == sealed.split(b"\n---", 1)[1].split(b"\n", 1)[1]


def test_a_streamed_passphrase_file_opens_with_age_and_with_ours(tmp_path: Path):
    data = os.urandom(3_000_000)
    (tmp_path / "plain").write_bytes(data)
    crypto.encrypt_file(tmp_path / "plain", tmp_path / "p.age", passphrase=SECRET)
    proc = subprocess.run(
        ["script", "-qec", f"age -d -o {tmp_path / 'by-age'} {tmp_path / 'p.age'}", "/dev/null"],
        input=SECRET + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and (tmp_path / "by-age").read_bytes() == data
    crypto.decrypt_file(tmp_path / "p.age", tmp_path / "by-us", passphrase=SECRET)
    assert (tmp_path / "by-us").read_bytes() == data


def test_our_opener_refuses_wrong_passphrase_and_altered_header(tmp_path: Path):
    (tmp_path / "plain").write_bytes(b"evidence" * 1000)
    crypto.encrypt_file(tmp_path / "plain", tmp_path / "p.age", passphrase=SECRET)
    with pytest.raises(TriageError, match="Wrong passphrase"):
        crypto.decrypt_file(tmp_path / "p.age", tmp_path / "o1", passphrase="wrong one!")
    sealed = bytearray((tmp_path / "p.age").read_bytes())
    mac_at = sealed.index(b"\n--- ") + 6
    sealed[mac_at] ^= 0x01 if sealed[mac_at] != ord("A") else 0x02
    (tmp_path / "bad.age").write_bytes(bytes(sealed))
    with pytest.raises(TriageError, match="malformed|altered"):
        crypto.decrypt_file(tmp_path / "bad.age", tmp_path / "o2", passphrase=SECRET)
    payload = bytearray((tmp_path / "p.age").read_bytes())
    payload[-5] ^= 0x10
    (tmp_path / "bad2.age").write_bytes(bytes(payload))
    with pytest.raises(TriageError, match="damaged|altered"):
        crypto.decrypt_file(tmp_path / "bad2.age", tmp_path / "o3", passphrase=SECRET)
