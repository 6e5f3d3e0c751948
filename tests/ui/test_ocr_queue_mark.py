"""Issue 15 in the window's queue: a post that a search found only in the text read in its
picture (real Tesseract on a PNG drawn here) is marked "[picture text]" in its row, with a
tooltip saying so; a post that says the word itself is not marked, nor is any row without a
search."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.store.test_ocr_pictures import PHONE, flyer_png

pytestmark = [
    pytest.mark.usefixtures("tesseract_installed"),
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]


@pytest.fixture
def two_posts(make_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.ocr import ocr_pending

    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "flyer.png").write_bytes(flyer_png(["BOAT TO ITALY", f"WhatsApp {PHONE}"]))
    records = [
        {
            "post_id": "pic",
            "text": "Trip this week, details in the picture",
            "media": ["flyer.png"],
        },
        {"post_id": "txt", "text": "Safe boat to Italy, two places left"},
    ]
    with open(export / "posts.jsonl", "w", encoding="utf-8") as out:
        for i, r in enumerate(records):
            r |= {"platform": "facebook", "created_at": f"2025-03-01T10:0{i}:00Z", "language": "en"}
            out.write(json.dumps(r) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    assert ocr_pending(store).read == 1
    return store


def _texts(window) -> dict[int, tuple[str, str]]:
    from PySide6.QtCore import Qt

    from triage_app.ui.queue_model import POST_ID_ROLE, TEXT_COLUMN

    model = window.model
    shown = {}
    for row in range(model.rowCount()):
        index = model.index(row, TEXT_COLUMN)
        shown[model.data(index, POST_ID_ROLE)] = (
            model.data(index, Qt.ItemDataRole.DisplayRole),
            model.data(index, Qt.ItemDataRole.ToolTipRole),
        )
    return shown


def test_a_hit_only_in_picture_text_is_marked_in_the_queue(two_posts, make_window, qtbot):
    ids = dict(two_posts.execute("SELECT platform_post_id, id FROM posts").fetchall())
    window = make_window(two_posts)
    assert not any(t.startswith("[picture text]") for t, _tip in _texts(window).values())

    window.filter_bar.search.setText("italy")
    window.filter_bar.search.returnPressed.emit()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    shown = _texts(window)
    text, tip = shown[ids["pic"]]
    assert text == "[picture text] Trip this week, details in the picture"
    assert tip.startswith("Found only in the text read in this post's pictures")
    assert shown[ids["txt"]][0] == "Safe boat to Italy, two places left"  # its own text says it

    window.resize(1280, 720)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    window.grab().save(f"/tmp/ocr_queue_mark_{scale}.png")

    window.filter_bar.search.setText("")
    window.filter_bar.search.returnPressed.emit()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    assert not any(t.startswith("[picture text]") for t, _tip in _texts(window).values())
