"""Undoing the review of a post that is already in a built referral pack is refused at the store
level, with the pack and its date named (issue 12): the pack has left, its approval stands, and
what became of the post is an outcome. Through undo_batch (the window's undo), undo_review, the
`triage review POST undo` command (a real subprocess) and `undo_refusal_reason` (what the
window asks before offering an undo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyrage import x25519

from tests.packs.helpers import approved_store
from tests.support.run_as import run_cli_as
from triage_app.cli import main
from triage_app.core.errors import TriageError
from triage_app.packs.build import build_referral_pack
from triage_app.store.decisions import (
    undo_batch,
    undo_refusal_reason,
    undo_review,
)


def _approval_batch(store, post_id: int) -> str:
    return str(
        store.scalar(
            "SELECT batch FROM decisions WHERE post_id = ? AND kind = 'approve' "
            "ORDER BY id DESC LIMIT 1",
            (post_id,),
        )
    )


def _build(store, tmp_path: Path) -> tuple[str, str]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    build_referral_pack(
        store,
        "facebook",
        out / "sent.age",
        recipients=[str(x25519.Identity.generate().to_public())],
    )
    row = store.execute(
        "SELECT rp.pack_id, r.created_at FROM referrals r JOIN referral_packs rp "
        "ON rp.referral_id = r.id"
    ).fetchone()
    return str(row[0]), str(row[1])[:10]


def test_undoing_an_approval_in_a_built_pack_is_refused_everywhere(
    make_store, tmp_path: Path
) -> None:
    store = approved_store(make_store, tmp_path, n=4)
    batch = _approval_batch(store, 1)
    pack_id, day = _build(store, tmp_path)
    expected = f"already referred in pack {pack_id} on {day}; record an outcome instead"
    decisions_before = store.scalar("SELECT count(*) FROM decisions")

    reason = undo_refusal_reason(store.conn, 1)
    assert reason == f"Post 1 is {expected}"

    with pytest.raises(TriageError, match=expected):
        undo_batch(store, batch)  # the window's undo of the approval batch
    with pytest.raises(TriageError, match=expected):
        undo_review(store, 1)

    code, out, err = run_cli_as("alice", "--db", str(store.path), "review", "1", "undo")
    assert code == 1, (out, err)
    assert err.strip() == f"error: {reason}"
    assert "Traceback" not in err

    assert store.scalar("SELECT count(*) FROM decisions") == decisions_before
    assert store.scalar("SELECT status FROM posts WHERE id = 1") == "referred"


def test_a_post_referred_by_another_store_is_refused_too(make_store, tmp_path: Path) -> None:
    store = approved_store(make_store, tmp_path, n=2)
    # A sync pack marks a post referred when its approval is known and a peer sent it.
    with store.transaction() as conn:
        conn.execute("UPDATE posts SET status = 'referred' WHERE id = 2")
    reason = undo_refusal_reason(store.conn, 2)
    assert reason is not None and "referred in a pack built by another store" in reason
    with pytest.raises(TriageError, match="record an outcome instead"):
        undo_review(store, 2)


def test_an_approval_not_yet_in_a_pack_can_still_be_undone(
    make_store, tmp_path: Path, capsys
) -> None:
    store = approved_store(make_store, tmp_path, n=4)
    assert undo_refusal_reason(store.conn, 3) is None
    assert main(["--db", str(store.path), "review", "3", "undo"]) == 0
    assert "Review of post 3 undone by alice" in capsys.readouterr().out
    assert store.scalar("SELECT status FROM posts WHERE id = 3") == "tagged"
    # Only post 3's approval was taken back, not the whole batch.
    assert store.scalar("SELECT status FROM posts WHERE id = 4") == "approved"
    assert main(["--db", str(store.path), "review", "3", "undo"]) == 1
    assert "no approval or rejection to undo" in capsys.readouterr().err
