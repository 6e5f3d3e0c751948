"""A sync pack's receiver keeps the sender's signed audit checkpoint (issue 12), so `triage audit
verify` on the receiving store checks what came from the sender too: the sender's rows held here
cut back or rewritten are found through the kept checkpoint, and, with the kept checkpoints
deleted as well, through `--checkpoint` given the sync pack itself (a real age-encrypted,
signed pack, decrypted with the receiving store's sync key). A pack whose checkpoint is not its
sender's, or is badly signed, is refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packs.sync_helpers import Field
from tests.support.run_as import as_person
from triage_app.cli import main
from triage_app.store.checkpoints import CheckpointError, record_checkpoint
from triage_app.store.decisions import apply_tags
from triage_app.store.peer_checkpoints import keep_peer_checkpoint


def _pair(tmp_path: Path) -> tuple[Field, Field, Path]:
    a, b = Field(tmp_path, "a", "anna"), Field(tmp_path, "b", "ben")
    a.register(b)
    b.register(a)
    a.import_posts(range(1, 5))
    apply_tags(a.store, [a.post_id("p1")], add=["boat_crossing"])
    pack = a.export_to(b)
    b.receive(pack, a)
    return a, b, pack


def _verify(b: Field, capsys, *extra: str) -> tuple[int, str, str]:
    with as_person("ben"):
        code = main(["--db", str(b.store.path), "audit", "verify", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _attack(b: Field, *statements: str) -> None:
    """Someone holding the receiving store's file (and key) edits it, triggers dropped."""
    conn = b.store.conn
    for trigger in ("peer_audit_no_delete", "peer_audit_no_update", "peer_checkpoints_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for sql in statements:
        conn.execute(sql)
    conn.commit()


def test_the_receiver_keeps_the_senders_checkpoint_and_verify_checks_it(tmp_path, capsys):
    a, b, _pack = _pair(tmp_path)
    kept = b.store.execute(
        "SELECT store_id, rows, head, held_rows FROM peer_checkpoints"
    ).fetchall()
    assert len(kept) == 1 and kept[0][0] == a.store.store_id
    assert kept[0][1] == kept[0][3] > 0  # every row up to it was held when it arrived
    code, out, err = _verify(b, capsys)
    assert code == 0, err
    assert "Peer checkpoints hold: 1 checkpoints of 1 other stores" in out

    # The sender's newest rows held here are deleted: the kept checkpoint finds it.
    newest = kept[0][1]
    _attack(
        b,
        f"DELETE FROM peer_audit WHERE origin = '{a.store.store_id}' AND seq > {newest - 3}",
    )
    code, out, err = _verify(b, capsys)
    assert code == 1
    assert (
        f"Audit rows of store {a.store.store_id} held here were deleted after its checkpoint" in out
    )
    assert "The store was changed outside the program" in err


def test_a_rewritten_peer_row_is_found(tmp_path, capsys):
    a, b, _pack = _pair(tmp_path)
    _attack(
        b,
        f"UPDATE peer_audit SET detail = '{{}}' WHERE origin = '{a.store.store_id}' AND seq = 2",
    )
    code, out, _err = _verify(b, capsys)
    assert code == 1
    assert f"Audit rows of store {a.store.store_id} held here were altered: its row 2" in out


def test_with_the_kept_checkpoints_gone_the_sync_pack_itself_still_finds_the_cut(tmp_path, capsys):
    a, b, pack = _pair(tmp_path)
    _attack(
        b,
        f"DELETE FROM peer_audit WHERE origin = '{a.store.store_id}' AND seq > 2",
        "DELETE FROM peer_checkpoints",
    )
    code, out, err = _verify(b, capsys)
    assert code == 0, err  # nothing left here to say so...
    code, out, err = _verify(b, capsys, "--checkpoint", str(pack))
    assert code == 1  # ...but the pack that was received does
    assert f"of store {a.store.store_id}'s audit chain is not held here" in out
    assert pack.read_bytes().startswith(b"age-encryption.org/v1")


def test_an_intact_receiver_verifies_against_the_pack(tmp_path, capsys):
    _a, b, pack = _pair(tmp_path)
    code, out, err = _verify(b, capsys, "--checkpoint", str(pack))
    assert code == 0, err
    assert "Peer checkpoints hold: 2 checkpoints of 1 other stores" in out


def test_a_checkpoint_that_is_not_the_senders_refuses_the_pack(tmp_path):
    a, b, _pack = _pair(tmp_path)
    value = record_checkpoint(b.store, "manual").to_json()  # the receiver's own
    with pytest.raises(CheckpointError, match="not of its sender"):
        keep_peer_checkpoint(
            b.store.conn, value, from_store=a.store.store_id, pack_id="x", at="now"
        )
    value["store_id"] = a.store.store_id  # claimed for the sender: the signature breaks
    with pytest.raises(CheckpointError, match="signature that does not verify"):
        keep_peer_checkpoint(
            b.store.conn, value, from_store=a.store.store_id, pack_id="x", at="now"
        )
