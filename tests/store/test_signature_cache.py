"""verify_signature remembers good signatures (a pack checks each approval twice), and the
memory never turns a bad signature, another key or another message into a good one."""

from __future__ import annotations

from triage_app.store import personal_keys
from triage_app.store.personal_keys import generate_key, verify_signature


def test_a_remembered_signature_vouches_only_for_its_own_key_and_message(monkeypatch):
    monkeypatch.setattr(personal_keys, "_VERIFIED", set())
    alice, bob = generate_key("alice"), generate_key("bob")
    message = b"approve post 1"
    good = alice.sign(message)
    assert verify_signature(alice.public_text(), message, good)
    assert len(personal_keys._VERIFIED) == 1
    assert verify_signature(alice.public_text(), message, good)  # from memory
    assert not verify_signature(bob.public_text(), message, good)
    assert not verify_signature(alice.public_text(), b"approve post 2", good)
    assert not verify_signature(alice.public_text(), message, bob.sign(message))
    forged = good[:-4] + ("AAA=" if not good.endswith("AAA=") else "BBB=")
    assert not verify_signature(alice.public_text(), message, forged)
    assert len(personal_keys._VERIFIED) == 1  # bad ones are never kept


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(personal_keys, "_VERIFIED", set())
    monkeypatch.setattr(personal_keys, "_VERIFIED_MAX", 3)
    key = generate_key("alice")
    for n in range(7):
        message = f"approve post {n}".encode()
        assert verify_signature(key.public_text(), message, key.sign(message))
        assert len(personal_keys._VERIFIED) <= 3
