"""The window asks for the personal key's passphrase where no OS keyring works (issue 12)."""

from __future__ import annotations

import keyring
import keyring.backends.fail

from triage_app.store.connection import open_store
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.personal_keys import wrapped_key_path
from triage_app.store.signature_audit import verify_signatures
from triage_app.ui.app import unlock_personal_key


def test_no_keyring_asks_once_then_signs_with_the_wrapped_key(make_store, qapp):
    made = make_store(user="alice")  # the in-memory keyring registers alice's key
    ids = add_posts(made, 1)
    keyring.set_keyring(keyring.backends.fail.Keyring())  # now no keyring at all
    store = open_store(made.path, user="alice")
    asked: list[str] = []

    def decline(message: str) -> str | None:
        asked.append(message)
        return None

    assert unlock_personal_key(store, ask=decline) is False
    assert "keyring is not available" in asked[0] and "Passphrase" in asked[0]
    asked.clear()
    assert unlock_personal_key(store, ask=lambda m: asked.append(m) or "pass phrase") is True
    assert len(asked) == 1 and wrapped_key_path("alice").is_file()
    apply_tags(store, ids, add=["boat_crossing"])  # signed with the new (unregistered) key
    problems = verify_signatures(store.conn).problems
    assert [p.kind for p in problems] == ["decision"]  # a new key must be registered first
    store.close()
