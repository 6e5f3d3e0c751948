"""Issue 15, videos in the preview: the post's video is followed by a strip of its key frames,
concealed (grey, blurred) until revealed as pictures are, each marked with its time; Enter
opens a frame full size in the image viewer (concealed as its tile); the indicator read in a
frame says where in the video ("in video at 0:04"). A real PyAV-encoded video, imported into a
real encrypted store and read by the real enrichment with Tesseract."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.support.video_maker import E164, make_video
from triage_app.ui.media_view import set_reveal_by_default
from triage_app.ui.preview_pane import PreviewPane

pytestmark = pytest.mark.usefixtures("tesseract_installed")


@pytest.fixture
def store_with_video(make_store, tmp_path: Path, monkeypatch):
    from triage_app.ingest.pipeline import import_paths

    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "clip.mp4").write_bytes(make_video(6.0))
    record = {"platform": "tiktok", "post_id": "v1", "created_at": "2025-03-01T10:00:00Z",
              "text": "Arrived safe, watch", "language": "en", "media": ["clip.mp4"]}  # fmt: skip
    (export / "posts.jsonl").write_text(json.dumps(record) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl")
    return store


def test_key_frame_strip_concealed_with_times_and_viewer(qtbot, store_with_video):
    set_reveal_by_default(False)
    pane = PreviewPane(store_with_video)
    qtbot.addWidget(pane)
    pane.resize(1280, 720)
    pane.show()
    pane.show_post(1)
    tiles = pane.media.tiles
    assert [t.item.kind for t in tiles] == ["video", "key frame", "key frame", "key frame"]
    frames = tiles[1:]
    assert [t.item.name for t in frames] == ["at 0:00", "at 0:02", "at 0:04"]
    assert all(t.concealed_image() for t in frames)
    assert tiles[0].concealed_image()  # the video shows its first key frame, concealed
    assert "Found here:" in frames[2].toolTip() and f"phone {E164}" in frames[2].toolTip()
    assert "Text read in the key frames of video 1" in pane.text_view.toPlainText()
    shown = [pane.indicator_list.item(i).text() for i in range(pane.indicator_list.count())]
    assert any(E164 in line and "(in video at 0:04)" in line for line in shown), shown

    frames[2].setFocus()
    qtbot.keyClick(frames[2], Qt.Key.Key_Return)
    viewer = frames[2].viewer
    assert viewer is not None
    qtbot.addWidget(viewer)
    assert viewer.picture is not None and viewer.picture.size == (320, 240)
    assert viewer.concealed()
    qtbot.keyClick(frames[2], Qt.Key.Key_Space)
    assert frames[2].revealed and not frames[2].concealed_image()
    viewer.hide()
    qtbot.wait(50)
    pane.grab().save(f"/tmp/video_preview_1280x720_{os.environ.get('QT_SCALE_FACTOR', '1')}.png")
