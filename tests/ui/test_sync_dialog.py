"""File ▸ Sync with a field laptop…: export from store A to B's key and import into B through the
dialog on the real worker thread (B's store checked afterwards, conflicts reported); a tampered
pack, a missing choice and a cancelled run each give one plain line and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.packs.sync_helpers import Field, snapshot
from triage_app.store.decisions import apply_tags
from triage_app.ui.sync_dialog import SyncDialog
from triage_app.ui.tasks import SynchronousRunner, TaskRunner

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def pair(tmp_path: Path):
    """Field stores A (anna) and B (ben) sharing posts p5-p8, with p6 tagged differently."""
    a, b = Field(tmp_path, "a", "anna"), Field(tmp_path, "b", "ben")
    b.register(a, role="analyst")  # ben registers anna and her key before importing her work
    a.import_posts(range(1, 9))
    b.import_posts(range(5, 12))
    apply_tags(a.store, [a.post_id("p1")], add=["boat_crossing"])
    apply_tags(a.store, [a.post_id("p6")], add=["boat_crossing"])
    apply_tags(b.store, [b.post_id("p6")], add=["not_relevant"])
    yield a, b
    for f in (a, b):
        f.store.close()


def _dialog(qtbot, store, runner) -> SyncDialog:
    dialog = SyncDialog(store, runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _wait_done(qtbot, dialog: SyncDialog) -> None:
    qtbot.waitUntil(lambda: dialog.outcome is not None or dialog.error is not None, timeout=30000)
    qtbot.waitUntil(lambda: dialog.close_button.isVisible(), timeout=5000)


def _posts(store) -> list[str]:
    return [r[0] for r in store.execute("SELECT platform_post_id FROM posts ORDER BY 1")]


def test_export_from_a_and_import_into_b_through_the_dialog(qtbot, pair, tmp_path: Path):
    a, b = pair
    runner = TaskRunner()  # the window's real worker thread
    try:
        send = _dialog(qtbot, a.store, runner)
        assert send.own_key.text() == a.recipient
        send.peer_key.setText(b.recipient)
        pack = tmp_path / "a-to-b.age"
        send.export_out.setText(str(pack))
        qtbot.mouseClick(send.export_button, Qt.MouseButton.LeftButton)
        assert send.cancel_button.isVisible() and not send.tabs.isEnabled()
        _wait_done(qtbot, send)
        assert send.error is None, send.stage.text()
        assert pack.is_file() and pack.with_name(pack.name + ".minisig").is_file()
        assert "Wrote" in send.summary.text() and "posts" in send.summary.text()
        assert send.bar.value() == send.bar.maximum()
        assert send.tabs.isEnabled()  # ready for another run
        # A now knows B as a peer: the combo offers it next time.
        assert send.peer_combo.currentData() == b.recipient

        receive = _dialog(qtbot, b.store, runner)
        merged: list[object] = []
        receive.merged.connect(merged.append)
        receive.tabs.setCurrentIndex(1)
        receive.import_pack.setText(str(pack))
        receive.signer.setText(str(a.signer))
        qtbot.mouseClick(receive.import_button, Qt.MouseButton.LeftButton)
        _wait_done(qtbot, receive)
        assert receive.error is None, receive.stage.text()
        text = receive.summary.text()
        after = snapshot(b.store)
        # The same pack again, from the same dialog: nothing changes, and it says so.
        qtbot.mouseClick(receive.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "already imported" in receive.summary.text(), timeout=30000)
        assert snapshot(b.store) == after
    finally:
        runner.shutdown()
    assert _posts(b.store) == sorted(f"p{i}" for i in range(1, 12))
    assert b.status("p1") == "tagged" and b.status("p6") == "conflict"
    assert b.store.scalar("SELECT count(*) FROM sync_imports") == 1
    assert f"Merged from store {a.store.store_id}" in text
    assert "4 posts" in text  # p1-p4 were new to B
    assert "1 post tagged differently in the two stores now waits in the supervisor queue" in text
    assert len(merged) == 1


def test_tampered_pack_shows_one_plain_line_and_merges_nothing(qtbot, pair, tmp_path: Path):
    a, b = pair
    pack = a.export_to(b, tmp_path)
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 0x01
    pack.write_bytes(bytes(data))
    before = snapshot(b.store)
    dialog = _dialog(qtbot, b.store, SynchronousRunner())
    dialog.import_pack.setText(str(pack))
    dialog.signer.setText(str(a.signer))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    _wait_done(qtbot, dialog)
    line = dialog.stage.text()
    assert line.startswith("The sync pack was not imported: The signature does not match")
    assert "\n" not in line and "Traceback" not in line
    assert dialog.summary.text() == "" and not dialog.bar.isVisible()
    assert snapshot(b.store) == before
    assert b.store.scalar("SELECT count(*) FROM sync_imports") == 0


def test_wrong_signer_and_bad_key_are_one_line_each(qtbot, pair, tmp_path: Path):
    a, b = pair
    pack = a.export_to(b, tmp_path)
    before = snapshot(b.store)
    dialog = _dialog(qtbot, b.store, SynchronousRunner())
    dialog.import_pack.setText(str(pack))
    dialog.signer.setText(str(b.signer))  # B's own key does not vouch for A's pack
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    _wait_done(qtbot, dialog)
    assert "not by the signer key given" in dialog.stage.text()
    assert snapshot(b.store) == before

    dialog.tabs.setCurrentIndex(0)
    dialog.peer_key.setText("age1notakey")
    dialog.export_out.setText(str(tmp_path / "out.age"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    _wait_done(qtbot, dialog)
    assert dialog.stage.text().startswith("The sync pack was not written: ")
    assert "\n" not in dialog.stage.text()
    assert not (tmp_path / "out.age").exists()


def test_missing_choices_are_said_before_anything_runs(qtbot, pair):
    a, _b = pair
    runner = SynchronousRunner()
    dialog = _dialog(qtbot, a.store, runner)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.stage.text() == "Paste the peer's sync key (age1…) or choose a known peer."
    dialog.peer_key.setText("age1x")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.stage.text() == "Choose where to write the sync pack."
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.stage.text() == "Choose the sync pack to import."
    assert dialog.task is None


def test_cancel_before_the_merge_merges_nothing(qtbot, pair, tmp_path: Path):
    a, b = pair
    pack = a.export_to(b, tmp_path)
    before = snapshot(b.store)
    dialog = _dialog(qtbot, b.store, SynchronousRunner())
    dialog.import_pack.setText(str(pack))
    dialog.signer.setText(str(a.signer))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    # The synchronous runner starts the job on the next event loop turn: cancel first.
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    _wait_done(qtbot, dialog)
    assert dialog.stage.text() == "Cancelled: nothing was merged."
    assert snapshot(b.store) == before
    assert dialog.isVisible()  # Cancel during a run stops the run, not the dialog


def test_cancelled_export_leaves_no_file(qtbot, pair, tmp_path: Path):
    a, b = pair
    dialog = _dialog(qtbot, a.store, SynchronousRunner())
    dialog.peer_key.setText(b.recipient)
    out = tmp_path / "never.age"
    dialog.export_out.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    _wait_done(qtbot, dialog)
    assert dialog.stage.text() == "Cancelled: no pack was written."
    assert list(tmp_path.glob("*never*")) == []
    assert a.store.scalar("SELECT count(*) FROM peers") == 0


def test_analysts_are_told_sync_is_for_supervisors(qtbot, pair):
    a, _b = pair
    from triage_app.store.connection import Store
    from triage_app.store.users import add_user

    add_user(a.store, "zed", "analyst")

    as_analyst = Store(a.store.conn, a.store.path, "zed", a.store.key)
    dialog = _dialog(qtbot, as_analyst, SynchronousRunner())
    assert dialog.stage.text() == "Sync packs are exchanged by supervisors."
    assert not dialog.export_button.isEnabled() and not dialog.import_button.isEnabled()
