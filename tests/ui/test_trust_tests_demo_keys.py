"""The window tests' demo store (tests/ui/conftest.py) is as on the machine that made it: alice,
its maker, has her personal key registered in it and in the test's keyring, so her first
decision adds one audit row and signs with the registered key, whichever tests ran before."""

from __future__ import annotations

from triage_app.store.audit import verify_audit
from triage_app.store.decisions import apply_tags
from triage_app.store.personal_keys import personal_key_for, registered_public_key


def test_alice_signs_the_demo_store_with_her_registered_key(demo_store) -> None:
    registered = registered_public_key(demo_store.conn, "alice")
    assert registered is not None  # registered when the template was made
    assert personal_key_for(demo_store).public_text() == registered
    rows = demo_store.scalar("SELECT count(*) FROM audit")
    post = demo_store.scalar("SELECT min(id) FROM posts")
    apply_tags(demo_store, [post], add=["escalate"])
    assert demo_store.scalar("SELECT count(*) FROM audit") == rows + 1
    assert verify_audit(demo_store.conn).ok


def test_and_again_in_the_next_test_with_a_fresh_keyring(demo_store, memory_keyring) -> None:
    test_alice_signs_the_demo_store_with_her_registered_key(demo_store)
