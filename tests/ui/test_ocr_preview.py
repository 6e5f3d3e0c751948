"""Issue 15 in the preview: the text read in a post's picture (real Tesseract on a PNG drawn
here) is shown after the post's text, titled as such with its confidence; the phone number
found in it is listed as an indicator "in picture text"; a search hit in it is highlighted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.store.test_ocr_pictures import E164, PHONE, flyer_png

pytestmark = [
    pytest.mark.usefixtures("tesseract_installed"),
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]


@pytest.fixture
def read_store(make_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from triage_app.ingest.pipeline import import_paths

    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "flyer.png").write_bytes(flyer_png(["BOAT TO ITALY", f"WhatsApp {PHONE}"]))
    record = {
        "platform": "facebook",
        "post_id": "p1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "Trip this week, details in the picture",
        "language": "en",
        "media": ["flyer.png"],
    }
    (export / "posts.jsonl").write_text(json.dumps(record) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    from triage_app.store.ocr import ocr_pending

    assert ocr_pending(store).read == 1  # what the enrichment does after the text batches
    return store


def test_preview_shows_the_picture_text_and_its_phone(read_store, qtbot):
    from triage_app.ui.preview_pane import PreviewPane

    pane = PreviewPane(read_store)
    qtbot.addWidget(pane)
    pane.resize(700, 700)
    pane.search = "italy"
    pane.show_post(1)
    plain = pane.text_view.toPlainText()
    assert plain.startswith("Trip this week, details in the picture")
    assert re.search(r"Text read in picture 1, confidence \d+%", plain)
    assert "BOAT TO ITALY" in plain and PHONE in plain
    html = pane.text_view.toHtml()
    assert re.search(r'background-color:#fff176;[^"]*">ITALY<', html)  # the search hit
    items = [pane.indicator_list.item(i).text() for i in range(pane.indicator_list.count())]
    assert f"Phone: {E164}   (as written: {PHONE})   (in picture text)" in items


def test_the_viewer_draws_the_word_boxes_on_request(read_store, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from triage_app.ingest.evidence import evidence_dir
    from triage_app.store.evidence_crypto import evidence_key
    from triage_app.store.post_detail import post_detail
    from triage_app.ui.image_viewer import BOX_COLOUR, ImageViewer, with_boxes
    from triage_app.ui.media_view import resolve_media

    detail = post_detail(read_store, 1)
    words = detail["media"][0]["ocr_words"]
    assert "ITALY" in [w[0] for w in words]
    [item] = resolve_media(
        detail["media"], evidence_dir(Path(read_store.path)), evidence_key(read_store)
    )
    viewer = ImageViewer(item, revealed=True)
    qtbot.addWidget(viewer)
    assert "(B draws their boxes)" in viewer.status.text()
    QTest.keyClick(viewer, Qt.Key.Key_B)
    assert viewer.boxes_shown and "boxes drawn" in viewer.status.text()
    picture = viewer.picture
    drawn = with_boxes(picture, words, picture.size)
    _text, _conf, left, top, _w, height = next(w for w in words if w[0] == "ITALY")
    assert drawn.getpixel((left, top + height // 2)) == BOX_COLOUR
    assert picture.getpixel((left, top + height // 2)) != BOX_COLOUR
