"""One signer of decisions (issue 12, duplicate D5): personal_keys had two copies of the same
signing routine (one taking the store, one the key); decisions and the demo history now sign
through the one that takes the key, and what it signs still verifies against the registered key."""

from __future__ import annotations

from triage_app.store import decisions, personal_keys
from triage_app.store.demo_history import add_posts
from triage_app.store.personal_keys import decision_message, registered_public_key, verify_signature


def test_a_tag_is_signed_through_the_one_signer(make_store) -> None:
    assert not hasattr(personal_keys, "sign_decision")
    assert decisions.sign_decision_with is personal_keys.sign_decision_with
    store = make_store(user="alice")
    post = add_posts(store, 1)[0]
    decisions.apply_tags(store, [post], add=["boat_crossing"])
    uid, kind, tag, note, actor, at, batch, undoes, signature = store.execute(
        "SELECT uuid, kind, tag, note, actor, at, batch, undoes, signature FROM decisions"
    ).fetchone()
    platform, natural = store.execute(
        "SELECT platform, platform_post_id FROM posts WHERE id = ?", (post,)
    ).fetchone()
    message = decision_message(uid, platform, natural, kind, tag, note, actor, at, batch, undoes)
    assert verify_signature(registered_public_key(store.conn, "alice"), message, signature)
