"""Four eyes: an approval comes from a supervisor who did not tag the post; a one-person team
may switch self-approval on (audited), and every self-approved post says so (show, packs)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.packs.helpers import identity, write_corpus
from tests.support.run_as import colleague, tag_as
from triage_app.core.errors import PermissionRefused
from triage_app.ingest.pipeline import import_paths
from triage_app.packs.build import build_referral_pack
from triage_app.store.decisions import apply_tags, review, undo_batch
from triage_app.store.four_eyes import (
    self_approval_enabled,
    self_approved,
    self_approved_count,
    set_self_approval,
)
from triage_app.store.post_detail import post_detail
from triage_app.store.users import add_user


@pytest.fixture
def store(make_store, tmp_path: Path):
    s = make_store(user="sue")  # the first user: a supervisor
    import_paths(s, [write_corpus(tmp_path / "corpus", 6)])
    return s


def status(store, post_id: int) -> str:
    return str(store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,)))


def approvals(store) -> int:
    return int(store.scalar("SELECT count(*) FROM decisions WHERE kind = 'approve'"))


def test_a_supervisor_cannot_approve_a_post_they_tagged(store):
    apply_tags(store, [1], add=["boat_crossing"])
    with pytest.raises(PermissionRefused) as refused:
        review(store, [1], "approve")
    message = str(refused.value)
    assert "\n" not in message
    assert "post 1 was tagged by sue (you)" in message
    assert "'triage settings self-approval on'" in message
    assert status(store, 1) == "tagged" and approvals(store) == 0
    # Rejecting one's own tag stays allowed: four eyes guard what leaves the store.
    review(store, [1], "reject", note="my own mistake")
    assert status(store, 1) == "rejected"


def test_a_tag_by_someone_else_is_approved_and_not_marked(store):
    tag_as(store, "ana", [2], ["fake_documents"])
    review(store, [2], "approve")
    assert status(store, 2) == "approved"
    assert self_approved(store, [2]) == {}
    assert post_detail(store, 2)["self_approved"] is None


def test_adding_one_offence_tag_to_a_colleagues_post_is_enough_to_be_refused(store):
    tag_as(store, "ana", [3], ["boat_crossing"])
    apply_tags(store, [3], add=["fake_documents"])  # the supervisor adds a second offence tag
    with pytest.raises(PermissionRefused, match=r"tagged by ana, sue \(you\)"):
        review(store, [3], "approve")
    # A second supervisor, who tagged nothing, may approve it.
    with colleague(store, "max", "supervisor") as other:
        review(other, [3], "approve")
    assert status(store, 3) == "approved" and self_approved(store, [3]) == {}


def test_a_bulk_approval_is_all_or_nothing_with_the_count(store):
    tag_as(store, "ana", [1, 2, 3], ["boat_crossing"])
    apply_tags(store, [4, 5], add=["boat_crossing"])
    with pytest.raises(PermissionRefused) as refused:
        review(store, [1, 2, 3, 4, 5], "approve")
    message = str(refused.value)
    assert "you (sue) tagged 2 of the 5 selected posts (first: post 4)" in message
    assert "nothing was approved" in message
    assert "\n" not in message
    assert approvals(store) == 0
    assert [status(store, p) for p in (1, 2, 3, 4, 5)] == ["tagged"] * 5
    review(store, [1, 2, 3], "approve")
    assert approvals(store) == 3


def test_self_approval_switch_is_for_supervisors_and_audited(store):
    add_user(store, "ana", "analyst")
    with colleague(store, "ana") as ana, pytest.raises(PermissionRefused, match="supervisor"):
        set_self_approval(ana, True)
    assert not self_approval_enabled(store)
    assert set_self_approval(store, True) is True
    assert set_self_approval(store, True) is False  # already on: said, still audited
    rows = store.execute(
        "SELECT actor, detail FROM audit WHERE action = 'self_approval' ORDER BY id"
    ).fetchall()
    assert [r[0] for r in rows] == ["sue", "sue"]
    assert json.loads(rows[0][1])["enabled"] is True
    set_self_approval(store, False)
    assert not self_approval_enabled(store)


def test_self_approved_posts_say_so_until_the_approval_is_undone(store):
    set_self_approval(store, True)
    apply_tags(store, [1, 2], add=["boat_crossing"])
    batch = review(store, [1, 2], "approve")
    found = self_approved(store, [1, 2, 3])
    assert sorted(found) == [1, 2] and found[1].approver == "sue"
    assert self_approved_count(store) == 2
    detail = post_detail(store, 1)
    assert detail["self_approved"]["approver"] == "sue"
    assert "self-approved" in detail["self_approved"]["text"]
    audit = json.loads(
        store.scalar("SELECT detail FROM audit WHERE action = 'approve' ORDER BY id DESC")
    )
    assert audit["self_approved"] == [1, 2]
    # Switching self-approval off later does not hide what was self-approved.
    set_self_approval(store, False)
    assert sorted(self_approved(store, [1, 2])) == [1, 2]
    undo_batch(store, batch)
    assert self_approved(store, [1, 2]) == {} and post_detail(store, 1)["self_approved"] is None


def test_a_referral_pack_marks_self_approved_posts_in_custody_and_html(store, tmp_path: Path):
    set_self_approval(store, True)
    apply_tags(store, [1], add=["boat_crossing"])  # self-approved
    tag_as(store, "ana", [2], ["boat_crossing"])  # four eyes
    review(store, [1, 2], "approve")
    id_file, pub = identity(tmp_path)
    pack = tmp_path / "p.age"
    build_referral_pack(store, "facebook", pack, recipients=[pub])
    plain = tmp_path / "p.zip"
    subprocess.run(["age", "-d", "-i", str(id_file), "-o", str(plain), str(pack)], check=True)
    with zipfile.ZipFile(plain) as z:
        names = z.namelist()
        html = z.read(next(n for n in names if n.endswith("referral.html"))).decode()
        custody = [
            json.loads(line)
            for line in z.read(next(n for n in names if n.endswith("custody.jsonl")))
            .decode()
            .splitlines()
        ]
    uuids = {pid: store.scalar("SELECT uuid FROM posts WHERE id = ?", (pid,)) for pid in (1, 2)}
    marked = [r for r in custody if r["type"] == "self_approval"]
    assert [(r["post"], r["approver"], r["self_approved"]) for r in marked] == [
        (uuids[1], "sue", True)
    ]
    assert html.count("self-approved: sue tagged and approved it") == 1


def test_the_demo_history_is_approved_by_someone_who_did_not_tag_it(make_store):
    import datetime as dt

    from triage_app.store.demo_history import seed_history

    for user in ("sue", "bob"):  # bob is also one of the demo's analysts
        store = make_store(f"{user}.db", user=user)
        seed_history(
            store,
            referred={2025: 4},
            taken_down={2025: 1},
            awaiting_review=3,
            blind_per_analyst=2,
            today=dt.date(2025, 12, 31),
        )
        assert store.scalar("SELECT count(*) FROM decisions WHERE kind = 'approve'") >= 4
        assert self_approved_count(store) == 0
        assert store.scalar("SELECT count(*) FROM decisions WHERE kind = 'tag' AND actor = ?",
                            (user,)) == 0  # fmt: skip
