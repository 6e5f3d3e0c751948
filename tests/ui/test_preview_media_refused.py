"""The preview pane and the window's import summary say which media an import refused and why
(issue 12: media paths leave the import folder)."""

from __future__ import annotations

import json
from pathlib import Path

from triage_app.ui.import_dialog import ImportDialog
from triage_app.ui.preview_pane import PreviewPane
from triage_app.ui.tasks import TaskRunner


def _export(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(b"not part of the export")
    export = tmp_path / "export"
    export.mkdir()
    (export / "linked.jpg").symlink_to(outside / "secret.jpg")
    row = {
        "platform": "facebook",
        "post_id": "p1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "Boat tonight",
        "media": ["../outside/secret.jpg", "linked.jpg"],
    }
    path = export / "posts.jsonl"
    path.write_text(json.dumps(row) + "\n")
    return path


def test_the_preview_names_each_refused_media_file_and_why(make_store, qtbot, tmp_path):
    from triage_app.ingest.pipeline import import_paths

    store = make_store()
    import_paths(store, [_export(tmp_path)], enrich=False)
    pane = PreviewPane(store)
    qtbot.addWidget(pane)
    pane.show_post(1)
    text = pane.source.text()
    assert "media refused:</b> outside the export folder" in text
    assert "../outside/secret.jpg" in text
    assert "media refused:</b> a symbolic link that leaves the export folder" in text
    assert "2 media file(s) refused" in pane.header.text()  # in view even on a small screen


def test_the_import_summary_counts_refused_media(make_store, qtbot, tmp_path):
    store = make_store()
    runner = TaskRunner()
    dialog = ImportDialog(store, [_export(tmp_path)], runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=20000)
    runner.shutdown()
    assert dialog.error is None
    assert "2 media file(s) refused" in dialog.file_label.text()
    headers = [
        dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())
    ]
    column = headers.index("Media refused")
    assert dialog.table.item(0, column).text() == "2"
