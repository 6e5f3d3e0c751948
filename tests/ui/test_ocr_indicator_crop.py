"""Issue 15: an indicator read in a picture shows the crop of the picture where it was read
(the words that hold it, from the stored word boxes): as its icon in the preview's indicator
list and, larger, in its tooltip. Real Tesseract on a PNG drawn here; the crop is checked
against where the number was drawn."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.store.test_ocr_pictures import E164, PHONE, flyer_png

pytestmark = [
    pytest.mark.usefixtures("tesseract_installed"),
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]


def test_span_box_covers_the_words_of_the_span():
    from triage_app.core.ocr import span_box

    text = "BOAT TO ITALY\nWhatsApp +44 7911 123456"
    words = [
        ["BOAT", 96, 10, 10, 80, 30],
        ["TO", 96, 100, 10, 40, 30],
        ["ITALY", 96, 150, 10, 90, 30],
        ["WhatsApp", 95, 10, 60, 150, 32],
        ["+44", 93, 170, 60, 60, 30],
        ["7911", 94, 240, 61, 70, 30],
        ["123456", 95, 320, 59, 110, 31],
    ]
    start = text.index("+44")
    assert span_box(text, words, start, len(text)) == (170, 59, 260, 32)
    assert span_box(text, words, 0, 4) == (10, 10, 80, 30)
    assert span_box(text, words, len(text), len(text) + 3) is None


@pytest.fixture
def read_store(make_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.ocr import ocr_pending

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
    assert ocr_pending(store).read == 1
    return store


def test_the_phone_read_in_the_picture_shows_its_crop(read_store, qtbot):
    from PySide6.QtCore import Qt

    from triage_app.store.post_detail import post_detail
    from triage_app.ui.ocr_crop import ICON_HEIGHT, crop_box
    from triage_app.ui.preview_pane import PreviewPane

    detail = post_detail(read_store, 1)
    [phone] = [i for i in detail["picture_indicators"] if i["kind"] == "phone"]
    _media, (left, top, width, height) = crop_box(detail, phone)
    # flyer_png draws line 2 (the number) at x=50, y=200, 52 pt: the box sits there, the
    # number's words only (not "WhatsApp" before it, not line 1 above)
    assert 195 <= top <= 240 and 30 <= height <= 60
    assert left > 250 and width > 250

    pane = PreviewPane(read_store)
    qtbot.addWidget(pane)
    pane.resize(900, 700)
    pane.show()
    pane.show_post(1)
    items = [pane.indicator_list.item(i) for i in range(pane.indicator_list.count())]
    [item] = [i for i in items if i.text().startswith(f"Phone: {E164}")]
    icon = item.data(Qt.ItemDataRole.DecorationRole)
    assert icon.height() == ICON_HEIGHT
    assert icon.width() / icon.height() > 4  # a line of digits, wider than tall
    widths = {i.data(Qt.ItemDataRole.DecorationRole).width() for i in items}
    assert widths == {icon.width()}  # the others padded to it: the texts line up
    assert item.toolTip().startswith(
        'Where it was read in the picture:<br><img src="data:image/png'
    )
    assert pane.indicator_list.iconSize().width() >= icon.width()
    image = icon.toImage()  # greyscale, dark digits on a light ground
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    assert all(p.red() == p.green() == p.blue() for p in pixels[::7] if p.alpha() == 255)
    assert min(p.red() for p in pixels) < 90 and max(p.red() for p in pixels) > 200

    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    pane.resize(1280, 720)
    pane.grab().save(f"/tmp/ocr_indicator_crop_{scale}.png")
