"""Sync packs forged around what issue 12's last gaps added: the sender's audit checkpoint, the
outcomes' signatures and the media refusals a post carries. Each is rewritten inside a genuine
pack, which is then sealed again with the real age and signed by the sending store's own key (an
attacker holding that store); the receiver refuses the whole pack with one line and changes
nothing."""

from __future__ import annotations

import pytest
from pyrage import x25519

from tests.packs.test_sync_forgery import (
    World,
    known_peers,
    refused,
    seal,
    store_signer,
    unpack,
    world,  # noqa: F401  (the fixture)
)
from triage_app.packs.build import build_referral_pack
from triage_app.store.checkpoints import record_checkpoint
from triage_app.store.outcomes import record_outcome

pytestmark = pytest.mark.usefixtures("age_installed", "minisign_installed")


def test_a_checkpoint_of_another_store_or_altered_is_refused(world: World) -> None:  # noqa: F811
    w = world
    known_peers(w)
    pack = w.c.export_to(w.a)
    opened = unpack(pack, w.a, w.tmp / "cp1")
    opened.manifest["checkpoint"] = record_checkpoint(w.b.store, "manual").to_json()
    forged = seal(opened, w.a, w.tmp / "cp1.age", store_signer(w.c))
    refused(w, forged, w.c.signer, "is of store .* not of its sender")

    opened = unpack(pack, w.a, w.tmp / "cp2")
    opened.manifest["checkpoint"]["audit_rows"] -= 1  # hide the newest row
    forged = seal(opened, w.a, w.tmp / "cp2.age", store_signer(w.c))
    refused(w, forged, w.c.signer, "signature that does not verify")


def test_an_outcome_whose_signature_is_not_its_supervisors_is_refused(world: World) -> None:  # noqa: F811
    w = world
    known_peers(w)
    out = w.tmp / "referral"
    out.mkdir()
    build_referral_pack(
        w.b.store,
        "facebook",
        out / "r.age",
        recipients=[str(x25519.Identity.generate().to_public())],
    )
    account = w.b.store.scalar("SELECT account_id FROM posts WHERE id = ?", (w.b.post_id("p3"),))
    record_outcome(w.b.store, account, "still-live")
    opened = unpack(w.b.export_to(w.a), w.a, w.tmp / "o1")
    (outcome,) = opened.sections["outcomes"]
    assert outcome["signature"]
    outcome["outcome"] = "taken_down"  # the platform did not act: claim it did
    forged = seal(opened, w.a, w.tmp / "o1.age", store_signer(w.b))
    refused(w, forged, w.b.signer, "is not signed by ben's registered key")


def test_malformed_media_refusals_are_refused(world: World) -> None:  # noqa: F811
    w = world
    opened = unpack(w.c_pack, w.a, w.tmp / "m1")  # C's first pack, with its posts
    opened.sections["posts"][0]["media_refused"] = [{"reference": "x", "reason": 7}]
    forged = seal(opened, w.a, w.tmp / "m1.age", store_signer(w.c))
    refused(w, forged, w.c.signer, "malformed refused media entry")
