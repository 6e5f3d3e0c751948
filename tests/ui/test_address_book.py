"""The liaisons' address book in the window (issue 14): add from a pasted age key or a key file,
with a label and a platform, remove; one-line errors for a bad key, a private key, a missing
label or a duplicate; the platform's hint; reachable from the pack dialog and the File menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyrage import x25519

from triage_app.store.audit import verify_audit
from triage_app.store.referrals import list_recipients
from triage_app.ui.actions import ActionId
from triage_app.ui.address_book import AddressBookDialog, key_from_file
from triage_app.ui.pack_dialog import PackExportDialog
from triage_app.ui.tasks import SynchronousRunner

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _key() -> str:
    return str(x25519.Identity.generate().to_public())


def _book(qtbot, store, platform=None) -> AddressBookDialog:
    dialog = AddressBookDialog(store, platform=platform)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_add_pasted_and_from_a_file_then_remove(make_store, qtbot, tmp_path: Path):
    store = make_store(user="sue")
    dialog = _book(qtbot, store)
    meta_key = _key()
    dialog.label.setText("meta-liaison")
    dialog.platform.setCurrentIndex(dialog.platform.findData("facebook"))
    assert dialog.hint.text().startswith("Meta (Facebook): Meta takes referrals")
    assert "age public key" in dialog.hint.text() and "\n" not in dialog.hint.text()
    dialog.key.setText(f"  {meta_key}\n")
    assert dialog.add()
    assert [(r.label, r.platform, r.public_key) for r in list_recipients(store)] == [
        ("meta-liaison", "facebook", meta_key)
    ]
    assert dialog.labels() == ["meta-liaison"]

    ident = x25519.Identity.generate()  # an age-keygen identity file: only the public key
    keyfile = tmp_path / "tiktok-le.txt"
    keyfile.write_text(
        f"# created: 2026-12-01T10:00:00Z\n# public key: {ident.to_public()}\n{ident}\n"
    )
    dialog.choose_key_file(keyfile)
    assert dialog.key.text() == str(ident.to_public()) and dialog.label.text() == "tiktok-le"
    dialog.platform.setCurrentIndex(dialog.platform.findData("tiktok"))
    assert "TikTok's law-enforcement outreach team" in dialog.hint.text()
    assert dialog.add()
    assert dialog.labels() == ["meta-liaison", "tiktok-le"]
    assert "AGE-SECRET" not in str(store.execute("SELECT * FROM recipients").fetchall())
    dialog.grab().save("/tmp/sup/address_book.png")

    dialog.confirm = lambda title, question: True
    dialog.table.selectRow(0)
    assert dialog.remove_selected()
    assert [r.label for r in list_recipients(store)] == ["tiktok-le"]
    actions = [r[0] for r in store.execute("SELECT action FROM audit WHERE action LIKE 'recip%'")]
    assert actions == ["recipient_add", "recipient_add", "recipient_remove"]
    assert verify_audit(store.conn).ok


@pytest.mark.parametrize(
    ("label", "key", "expected"),
    [
        ("", "age1xyz", "Give the liaison a label"),
        ("x-liaison", "", "Paste the liaison's age public key"),
        ("x-liaison", "age1notakey", "is not a valid age public key"),
        ("x-liaison", "ssh-ed25519 AAAA", "is not an age X25519 public key"),
        ("x-liaison", "AGE-SECRET-KEY-1QQQ", "That is a private key"),
    ],
)
def test_bad_input_is_one_line(make_store, qtbot, label, key, expected):
    store = make_store(user="sue")
    dialog = _book(qtbot, store)
    dialog.label.setText(label)
    dialog.key.setText(key)
    assert not dialog.add()
    text = dialog.error.text()
    assert expected in text and "\n" not in text and "Traceback" not in text
    assert list_recipients(store) == []


def test_a_duplicate_and_bad_files_are_refused(make_store, qtbot, tmp_path: Path):
    store = make_store(user="sue")
    dialog = _book(qtbot, store)
    key = _key()
    dialog.label.setText("one")
    dialog.key.setText(key)
    assert dialog.add()
    dialog.label.setText("two")
    dialog.key.setText(key)
    assert not dialog.add() and "already has 'one'" in dialog.error.text()
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{x25519.Identity.generate()}\n")
    with pytest.raises(Exception, match="holds a private key and no public key"):
        key_from_file(secret)
    dialog.choose_key_file(tmp_path / "missing.pub")
    assert dialog.error.text().startswith("Cannot read missing.pub")


def test_reachable_from_the_pack_dialog_and_the_menu(
    demo_store, make_window, qtbot, tmp_path: Path
):
    from triage_app.store import open_store
    from triage_app.store.decisions import apply_tags, review
    from triage_app.store.users import add_user

    add_user(demo_store, "dana", "analyst")
    dana = open_store(demo_store.path, user="dana")
    ids = [
        r[0]
        for r in demo_store.execute(
            "SELECT id FROM posts WHERE platform = 'facebook' AND status = 'new' LIMIT 3"
        )
    ]
    apply_tags(dana, ids, add=["boat_crossing"])
    dana.close()
    review(demo_store, ids, "approve")
    pack = PackExportDialog(demo_store, runner=SynchronousRunner())
    qtbot.addWidget(pack)
    pack.show()
    pack.platform_combo.setCurrentIndex(pack.platform_combo.findData("facebook"))
    assert pack.platform == "facebook"
    before = pack.recipients.count()
    book = pack.open_address_book()
    assert isinstance(book, AddressBookDialog)
    book.label.setText("meta-liaison")
    book.key.setText(_key())
    assert book.add()
    labels = [pack.recipients.item(i).text() for i in range(pack.recipients.count())]
    assert any(t.startswith("meta-liaison") for t in labels), (before, labels)
    book.close()

    w = make_window(demo_store)
    w.actions_by_id[ActionId.ADDRESS_BOOK].trigger()
    assert isinstance(w.address_book, AddressBookDialog)
    assert w.address_book.labels() == ["meta-liaison"]


def test_the_command_line_twin_removes_too(make_store):
    """`triage recipients remove LABEL` (a real subprocess): the window's Remove, for scripts."""
    from tests.support.run_as import run_cli_as
    from triage_app.store.referrals import add_recipient

    store = make_store(user="sue")
    add_recipient(store, "meta-liaison", _key(), "facebook")
    path = str(store.path)
    store.close()
    code, out, err = run_cli_as("sue", "--db", path, "recipients", "remove", "meta-liaison")
    assert code == 0 and out.startswith("Removed meta-liaison (age1"), (out, err)
    code, out, err = run_cli_as("sue", "--db", path, "recipients", "remove", "meta-liaison")
    assert code == 1 and err.strip().endswith("No recipient 'meta-liaison' in the address book")
    assert "Traceback" not in err
