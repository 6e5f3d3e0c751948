"""No command-line advice in window messages (issue 14): the store's and importers' errors
reach the window in window wording, the import dialog has a format chooser (automatic + each
format of the registry) instead of "use --format", and the strings the window itself holds name
no option, environment variable or command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from triage_app.core.errors import TriageError
from triage_app.ingest.registry import detect_format, format_names
from triage_app.store.decisions import review
from triage_app.store.referrals import resolve_recipients
from triage_app.ui import errors
from triage_app.ui.wording import CLI_MARKERS, window_wording

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
UI = Path(__file__).resolve().parents[2] / "triage_app" / "ui"
ADVICE = ("--note", "--format", "triage sync id", "--passphrase-file", "TRIAGE_PLAIN_STORE",
          "triage recipients add", "TRIAGE_PASSPHRASE_FILE", "--key-passphrase-file")


def _no_cli(text: str) -> None:
    assert not any(a in text for a in ADVICE), text
    assert not CLI_MARKERS.search(text), text


def _error(call) -> str:
    with pytest.raises(TriageError) as info:
        call()
    return str(info.value)


def test_store_and_importer_errors_get_window_wording(make_store, tmp_path):
    store = make_store(user="sue")
    unknown = tmp_path / "posts.dat"
    unknown.write_text("just some words\n")
    messages = [
        _error(lambda: review(store, [1], "reject", " ")),
        _error(lambda: detect_format(unknown)),
        _error(lambda: resolve_recipients(store, ["meta-liaison"])),
        "x.json: could be csv or jsonl; say which with --format",
        "This store's key is protected by a passphrase (no keyring); give it with "
        "--passphrase-file or TRIAGE_PASSPHRASE_FILE",
        "The OS keyring is not available (no backend). Give a passphrase with --passphrase-file "
        "or TRIAGE_PASSPHRASE_FILE to protect the store key, or set TRIAGE_PLAIN_STORE=1 for an "
        "unencrypted store",
    ]
    assert any("--" in m for m in messages)  # the command line's own wording is unchanged
    for message in messages:
        _no_cli(window_wording(message))
    assert window_wording(messages[1]).endswith(
        "(choose its format in the Import window's Format list and import it again)"
    )
    assert "Liaison address book" in window_wording(messages[2])


def test_a_real_problem_dialog_speaks_of_the_window(monkeypatch):
    shown: list[str] = []

    class Box:
        @staticmethod
        def warning(_parent, _title, text):
            shown.append(text)

    monkeypatch.setattr(errors, "QMessageBox", Box)
    errors._plain(None, "Reject", "A rejection needs a reason (--note)")
    assert shown == ["A rejection needs a reason"]


def test_the_window_source_holds_no_command_line_advice():
    """Every string literal in triage_app/ui that a window shows: no CLI advice (docstrings
    and comments may explain the command-line twin)."""
    import ast

    found = []
    for path in sorted(UI.glob("*.py")):
        if path.name in ("wording.py", "app.py"):  # the rewrite rules; the argparse of triage-app
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and any(a in node.value for a in ADVICE)
            ):
                found.append(f"{path.name}:{node.lineno}: {node.value[:80]}")
    assert found == []


def test_the_import_dialog_chooses_a_format_and_imports_again(
    make_store, make_window, qtbot, tmp_path
):
    store = make_store(user="sue")
    record = {
        "platform": "x",
        "post_id": "1641213003",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "Boat to Italy on Friday, call +39 333 123 4567",
    }
    data = tmp_path / "posts.dat"  # JSON Lines whose first line is an export header:
    header = {"exported_by": "partner tool", "version": 2}  # nothing recognises it
    data.write_text(json.dumps(header) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    w = make_window(store)
    dialog = w.start_import([data])
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=10000)
    formats = [dialog.format_choice.itemData(i) for i in range(dialog.format_choice.count())]
    assert formats == ["auto", *format_names()]
    result = dialog.table.item(0, dialog.table.columnCount() - 1).text()
    assert result.startswith("not imported:") and "Format list" in result
    _no_cli(result)
    assert dialog.again_button.isVisible() and dialog.format_choice.isEnabled()
    dialog.grab().save("/tmp/sup/import_refused.png")
    dialog.format_choice.setCurrentIndex(dialog.format_choice.findData("jsonl"))
    dialog.again_button.click()
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=10000)
    assert dialog.summaries is not None and dialog.summaries[0].inserted == 1
    assert dialog.summaries[0].format == "jsonl"
    assert store.scalar("SELECT count(*) FROM posts") == 1
    qtbot.waitUntil(lambda: w.model.rowCount() == 1 or re.search("1", w.count_label.text()))
