"""File ▸ Export referral pack…: the dialog end to end on the demo store — platform, counts,
accounts and preview, recipients from the address book, the build on the worker thread, and the
files and commands at the end (checked with the real minisign and age); cancel changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pyrage import x25519
from PySide6.QtCore import Qt

from tests.support.run_as import tag_as
from triage_app.store.decisions import review
from triage_app.store.referrals import add_recipient
from triage_app.ui.pack_dialog import PackExportDialog
from triage_app.ui.tasks import SynchronousRunner, TaskRunner

# The offscreen platform plugin warns about a dialog's size hints; nothing to do with us.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def store(demo_store, demo_template: Path):
    """The demo store with its media evidence (the shared fixture copies only the .db file)."""
    evidence = demo_template.with_name(demo_template.name + ".evidence")
    if evidence.is_dir():
        shutil.copytree(evidence, demo_store.path.with_name(demo_store.path.name + ".evidence"))
    return demo_store


def approve_some(store, count: int = 25) -> tuple[str, list[int]]:
    platform = store.scalar(
        "SELECT platform FROM posts GROUP BY platform ORDER BY count(*) DESC LIMIT 1"
    )
    ids = [
        r[0]
        for r in store.execute(
            "SELECT id FROM posts WHERE platform = ? AND status = 'new' ORDER BY id LIMIT ?",
            (platform, count),
        )
    ]
    tag_as(store, "dana", ids, ["boat_crossing"])  # four eyes: an analyst tags
    review(store, ids, "approve")
    return platform, ids


def test_export_dialog_builds_a_pack_the_real_tools_open(qtbot, store, tmp_path: Path):
    platform, ids = approve_some(store)
    ident = x25519.Identity.generate()
    (tmp_path / "identity.txt").write_text(f"{ident}\n")
    add_recipient(store, "liaison", str(ident.to_public()), platform)
    runner = TaskRunner()  # the real worker thread, as in the window
    dialog = PackExportDialog(store, runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    try:
        assert dialog.platform == platform
        assert f"{len(ids)} approved posts from" in dialog.summary.text()
        assert dialog.accounts.count() >= 1
        assert "Referral to" in dialog.preview.toPlainText()
        assert dialog.chosen_recipients() == ["liaison"]
        pack = tmp_path / "referral.age"
        dialog.out_path.setText(str(pack))
        qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: dialog.pack_result is not None or dialog.error is not None, timeout=60_000
        )
        assert dialog.error is None, dialog.stage.text()
        assert dialog.stage.text().startswith(f"Done: {len(ids)} posts from")
        text = dialog.result_text.toPlainText()
        assert str(pack) in text and f"{pack}.minisig" in text
        assert "minisign -Vm referral.age -p signer.pub" in text
        assert "age -d -i my-identity.txt -o referral.zip referral.age" in text
        assert "sha256sum -c SHA256SUMS" in text
        assert dialog.close_button.isVisible() and not dialog.build_button.isVisible()
        shot = dialog.grab()
        assert not shot.isNull() and shot.width() > 600
        # TRIAGE_SHOTS_DIR=docs/screenshots keeps the picture for the README.
        shots = os.environ.get("TRIAGE_SHOTS_DIR")
        assert shot.save(str(Path(shots or tmp_path) / "pack-export-dialog.png"))
        dialog.save_public_key(tmp_path / "signer.pub")
        verify = subprocess.run(
            ["minisign", "-Vm", str(pack), "-p", str(tmp_path / "signer.pub")],
            capture_output=True,
            text=True,
        )
        assert verify.returncode == 0, verify.stderr
        decrypt = subprocess.run(
            [
                "age",
                "-d",
                "-i",
                str(tmp_path / "identity.txt"),
                "-o",
                str(tmp_path / "referral.zip"),
                str(pack),
            ],
            capture_output=True,
            text=True,
        )
        assert decrypt.returncode == 0, decrypt.stderr
        referred = store.scalar(
            f"SELECT count(*) FROM posts WHERE status = 'referred' AND id IN "
            f"({','.join(map(str, ids))})"
        )
        assert referred == len(ids)
    finally:
        runner.shutdown()


def test_cancel_writes_nothing_and_records_nothing(qtbot, store, tmp_path: Path):
    platform, ids = approve_some(store, 10)
    dialog = PackExportDialog(store, runner=SynchronousRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.by_passphrase.setChecked(True)
    assert not dialog.recipients.isEnabled() and dialog.passphrase.isEnabled()
    dialog.passphrase.setText("correct horse battery")
    dialog.passphrase_again.setText("correct horse battery")
    dialog.out_path.setText(str(tmp_path / "p.age"))
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    dialog.reject()  # Cancel before the worker gets going
    qtbot.waitUntil(lambda: dialog.error is not None, timeout=30_000)
    assert dialog.stage.text().startswith("Cancelled")
    assert list(tmp_path.glob("p.age*")) == [] and not list(tmp_path.glob(".p.age*"))
    assert store.scalar("SELECT count(*) FROM posts WHERE status = 'referred'") == 0
    dialog.reject()  # now it closes
    assert not dialog.isVisible()


def test_choices_are_checked_before_building(qtbot, store, tmp_path: Path):
    approve_some(store, 5)
    dialog = PackExportDialog(store, runner=SynchronousRunner())
    qtbot.addWidget(dialog)
    dialog.out_path.setText(str(tmp_path / "p.age"))
    dialog.start()  # no recipient in the address book, none ticked
    assert "Tick at least one recipient" in dialog.stage.text() and dialog.task is None
    dialog.by_passphrase.setChecked(True)
    dialog.passphrase.setText("long enough phrase")
    dialog.passphrase_again.setText("another phrase!!")
    dialog.start()
    assert "differ" in dialog.stage.text() and dialog.task is None
    dialog.passphrase_again.setText("long enough phrase")
    dialog.out_path.setText("")
    dialog.start()
    assert "Choose where" in dialog.stage.text() and dialog.task is None


def test_no_approved_posts(qtbot, store):
    dialog = PackExportDialog(store, runner=SynchronousRunner())
    qtbot.addWidget(dialog)
    assert "No approved posts" in dialog.summary.text()
    assert not dialog.build_button.isEnabled()


def test_an_analyst_sees_why_they_cannot_build(qtbot, store):
    from triage_app.store.users import add_user

    approve_some(store, 3)
    add_user(store, "bob", "analyst")
    store.user = "bob"
    dialog = PackExportDialog(store, runner=SynchronousRunner())
    qtbot.addWidget(dialog)
    assert not dialog.build_button.isEnabled()
    assert "supervisor role" in dialog.stage.text()
