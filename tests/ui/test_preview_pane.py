"""The preview pane: what an analyst sees of one post (account card, times, RTL text with its
indicators highlighted, concealed media, the source file)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QApplication

from tests.ui.post_samples import ARABIC_AD, KURDISH_AD, import_samples
from triage_app.ui.media_view import MediaTile, set_reveal_by_default
from triage_app.ui.preview_pane import PreviewPane
from triage_app.ui.text_render import KIND_COLOURS, LRM


@pytest.fixture
def sample(make_store, tmp_path: Path):
    store = make_store()
    ids = import_samples(store, tmp_path / "export")
    return store, ids, tmp_path / "export"


@pytest.fixture
def pane(qtbot, sample) -> PreviewPane:
    store, _, _ = sample
    widget = PreviewPane(store)
    qtbot.addWidget(widget)
    widget.resize(700, 900)
    return widget


def _plain(doc: QTextDocument) -> str:
    return doc.toPlainText().replace(LRM, "")


def _background_of(doc: QTextDocument, fragment_text: str) -> QColor | None:
    """The background colour of the text fragment that holds ``fragment_text``."""
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if fragment_text in frag.text().replace(LRM, "").replace("\xa0", " "):
                return frag.charFormat().background().color()
            it += 1
        block = block.next()
    return None


def _x_of(doc: QTextDocument, needle: str) -> float:
    """Where (in pixels from the left) the inside of ``needle`` is drawn (between its first two
    characters, never on a boundary between two directions where the answer is ambiguous)."""
    doc = doc.clone()
    doc.setTextWidth(3000)  # one line per paragraph
    doc.size()  # lay it out
    block = doc.begin()
    while block.isValid():
        text = block.text()
        if needle in text:
            layout = block.layout()
            pos = text.index(needle) + 1
            line = layout.lineForTextPosition(pos)
            return float(line.cursorToX(pos)[0])
        block = block.next()
    raise AssertionError(f"{needle!r} not in the document")


def test_arabic_post_account_card_times_and_source(pane: PreviewPane, sample, qtbot) -> None:
    store, ids, folder = sample
    pane.show_post(ids["fb-1"])
    assert pane.objectName() == "previewPane" and pane.accessibleName()
    assert pane.post_id == ids["fb-1"]
    assert "facebook" in pane.header.text() and "priority" in pane.header.text()
    # Why it sits where it does in the queue: read on the turn after the post is painted.
    qtbot.waitUntil(lambda: "1 phone number" in pane.header.toolTip())
    qtbot.waitUntil(lambda: "2 posts in store" in pane.account_card.text())  # counted after
    card = pane.account_card.text()
    assert "@trips_turkey" in card and "رحلات آمنة" in card
    assert "1,520 followers" in card
    assert "2 posts in store, 0 tagged, 0 referred" in card
    assert "since 2023-11-02" in card
    assert "09:30 UTC" in pane.when.text()
    assert "language <b>Arabic (ar)</b>" in pane.when.text()  # a name, with its code
    sha = hashlib.sha256((folder / "posts.jsonl").read_bytes()).hexdigest()
    assert "posts.jsonl" in pane.source.text() and sha in pane.source.text()
    doc = pane.text_view.document()
    assert _plain(doc) == ARABIC_AD
    assert doc.firstBlock().blockFormat().layoutDirection() == Qt.LayoutDirection.RightToLeft


def test_phone_is_highlighted_and_reads_in_dialling_order_inside_arabic(pane, sample) -> None:
    _, ids, _ = sample
    pane.show_post(ids["fb-1"])
    doc = pane.text_view.document()
    assert _background_of(doc, "+90 532 111 22 33") == QColor(KIND_COLOURS["phone"])
    assert _background_of(doc, "2500 يورو") == QColor(KIND_COLOURS["price"])
    assert _background_of(doc, "رحلات بحرية") in (None, QColor(0, 0, 0))  # plain text
    # Right-to-left text around it must not reverse the number's digit groups.
    assert _x_of(doc, "+90") < _x_of(doc, "532") < _x_of(doc, "111") < _x_of(doc, "33")


def test_kurdish_lines_are_each_right_to_left_and_the_telegram_link_copies(
    pane, sample, qtbot
) -> None:
    _, ids, _ = sample
    pane.show_post(ids["tt-6"])
    doc = pane.text_view.document()
    assert _plain(doc) == KURDISH_AD
    assert doc.blockCount() == 2
    for block_no in range(2):
        block = doc.findBlockByNumber(block_no)
        assert block.blockFormat().layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert "t.me/safe_trip_krd" in pane.text_view.toHtml()
    anchor = next(f for f in _anchors(doc) if "t.me" in f[1])
    with qtbot.waitSignal(pane.copied) as copied:
        pane.text_view.anchorClicked.emit(QUrl(anchor[0]))
    assert copied.args == ["telegram:@safe_trip_krd"]
    assert QGuiApplication.clipboard().text() == "telegram:@safe_trip_krd"


def _anchors(doc: QTextDocument) -> list[tuple[str, str]]:
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().isAnchor():
                out.append((frag.charFormat().anchorHref(), frag.text()))
            it += 1
        block = block.next()
    return out


def test_indicator_list_lists_and_copies_values(pane, sample, qtbot) -> None:
    _, ids, _ = sample
    pane.show_post(ids["tt-6"])
    rows = [pane.indicator_list.item(i).text() for i in range(pane.indicator_list.count())]
    assert "Phone: +9647501234567   (as written: +964 750 123 4567)" in rows
    assert any(r.startswith("Price: 3500 EUR") for r in rows)
    assert any(r.startswith("Messaging: telegram:@safe_trip_krd") for r in rows)
    phone_row = rows.index("Phone: +9647501234567   (as written: +964 750 123 4567)")
    pane.indicator_list.item(phone_row).setSelected(True)
    with qtbot.waitSignal(pane.copied):
        pane.copy_indicators()
    assert QGuiApplication.clipboard().text() == "+9647501234567"
    pane.indicator_list.clearSelection()
    pane.copy_indicators()
    assert QGuiApplication.clipboard().text().splitlines() == pane.indicator_values()
    assert len(pane.indicator_values()) >= 5


def _is_grey(tile: MediaTile) -> bool:
    image = tile.pixmap().toImage()
    samples = [
        image.pixelColor(x, y)
        for x in range(5, image.width() - 5, 17)
        for y in range(5, image.height() - 5, 17)
    ]
    return all(c.red() == c.green() == c.blue() for c in samples)


def test_media_concealed_until_clicked_video_uses_poster(pane, sample, qtbot) -> None:
    _, ids, folder = sample
    pane.show_post(ids["fb-1"])
    tiles = pane.media.tiles
    assert [t.item.kind for t in tiles] == ["photo", "video"]
    photo, video = tiles
    assert not photo.revealed and _is_grey(photo)
    assert video.item.still == folder / "clip.jpg"  # the poster beside the video
    assert not video.revealed and _is_grey(video)
    qtbot.mouseClick(photo, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert photo.revealed and not _is_grey(photo)
    assert not video.revealed
    video.setFocus()
    qtbot.keyClick(video, Qt.Key.Key_Space)
    assert video.revealed and not _is_grey(video)
    pane.toggle_media()
    assert not photo.revealed and not video.revealed
    pane.toggle_media()
    assert photo.revealed and video.revealed
    # Moving to another post conceals again.
    pane.show_post(ids["fb-1"])
    assert not any(t.revealed for t in pane.media.tiles)


def test_video_without_still_frame_is_a_card_with_name_and_hash(pane, sample) -> None:
    _, ids, folder = sample
    pane.show_post(ids["x-2"])
    (tile,) = pane.media.tiles
    assert tile.item.still is None
    sha = hashlib.sha256((folder / "nostill.mp4").read_bytes()).hexdigest()
    assert tile.item.sha256 == sha
    assert "nostill.mp4" in tile.toolTip() and sha in tile.toolTip()
    assert "no preview" in tile.accessibleName()


def test_media_the_export_only_names_is_a_card_saying_so(pane, sample, qtbot) -> None:
    _, ids, _ = sample
    pane.show_post(ids["tg-3"])
    (tile,) = pane.media.tiles
    assert tile.item.missing and tile.item.still is None and tile.item.name == "passport.jpg"
    assert "file not collected" in tile.toolTip()
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)  # nothing to reveal
    assert not tile.revealed


def test_setting_reveals_media_by_default(pane, sample, isolated_data_dir: Path) -> None:
    _, ids, _ = sample
    set_reveal_by_default(True)
    # Kept with the window's other settings, in the data folder.
    assert "reveal_by_default=true" in (isolated_data_dir / "window.ini").read_text()
    pane.show_post(ids["fb-1"])
    assert all(t.revealed for t in pane.media.tiles)
    assert not _is_grey(pane.media.tiles[0])
    set_reveal_by_default(False)
    pane.show_post(ids["fb-1"])
    assert not any(t.revealed for t in pane.media.tiles)


def test_no_post_and_missing_post(pane, sample) -> None:
    _, ids, _ = sample
    pane.show_post(ids["fb-5"])
    assert not pane.media.isVisibleTo(pane)  # no media: no empty strip
    pane.show_post(None)
    assert pane.empty.text() == "No post selected" and pane.empty.isVisibleTo(pane)
    assert not pane.text_view.isVisibleTo(pane)
    pane.show_post(987654)
    assert pane.empty.text() == "No post with id 987654 in this store"
    assert pane.detail is None


def test_refresh_shows_a_new_tag(pane, sample) -> None:
    store, ids, _ = sample
    from triage_app.store.decisions import apply_tags

    pane.show_post(ids["fb-4"])
    assert "tags:" not in pane.header.text()
    apply_tags(store, [ids["fb-4"]], add=["boat_crossing"])
    pane.refresh()
    assert "Small-boat crossing" in pane.header.text()
    assert "status <b>tagged</b>" in pane.header.text()
    QApplication.processEvents()
