"""The window on real screen sizes (issue 14, "Real screens").

The main window and every dialog are opened by tests/ui/screen_probe.py in a subprocess whose
offscreen screen is 1280x720, and in one whose screen is 1920x1080 at QT_SCALE_FACTOR=1.5 (1280x720
logical pixels): each must fit the screen's available area, no layout may be squeezed below its
minimum, no two panes may overlap, the post text shows at least eight lines, the account card is
whole and the queue's Tags and Status columns are in view. The other tests check the pieces
in this process: fitting a window to the screen, the pane area's tabs, the image viewer's keys
and concealment, language names and the emoji font."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from tests.conftest import ROOT
from tests.ui.screen_probe import screen_config

SCREENS = {
    "1280x720": ((1280, 720), None),
    "1920x1080 at 150%": ((1920, 1080), "1.5"),
}
EVERY_WINDOW = {
    "main_window",
    "view_supervisor_view",
    "view_stats_view",
    "view_audit_view",
    "view_blind_review",
    "lock_screen",
    "import_dialog",
    "pack_dialog",
    "outcome_dialog",
    "new_passphrase",
    "shortcut_sheet",
    "sync_dialog",
    "image_viewer",
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both probes, run side by side (each takes a few seconds, mostly starting Qt)."""
    folder = tmp_path_factory.mktemp("screens")
    running = {}
    for name, ((width, height), scale) in SCREENS.items():
        config = folder / f"{width}x{height}.json"
        config.write_text(json.dumps(screen_config(width, height)))
        env = dict(os.environ)
        env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
        env.pop("QT_SCALE_FACTOR", None)
        if scale:
            env["QT_SCALE_FACTOR"] = scale
        env["TRIAGE_DATA_DIR"] = str(folder / f"data-{width}")
        report = folder / f"report-{width}.json"
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.screen_probe", str(report)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        running[name] = (proc, report)
    out = {}
    for name, (proc, report) in running.items():
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, f"the probe at {name} failed:\n{err[-3000:]}"
        out[name] = json.loads(report.read_text())
    return out


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_window_and_dialog_fits_and_no_pane_overlaps(reports, screen: str) -> None:
    report = reports[screen]
    assert report["screen"][:2] == [1280, 720]  # logical pixels, at either scale
    assert set(report["checked"]) >= EVERY_WINDOW
    assert report["problems"] == []


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_post_text_comes_first_and_the_thumbnail_is_bounded(reports, screen: str) -> None:
    figures = reports[screen]["figures"]
    assert figures["post_text_lines"] >= 8
    assert 48 <= figures["thumbnail_px"] <= 160
    width, height = figures["main_window"]
    assert width <= 1280 and height <= 720


# -- fitting a window in this process (the offscreen screen here is 800x800) -----------------
def test_fit_to_screen_shrinks_a_window_larger_than_the_screen(qtbot) -> None:
    from triage_app.ui.screen_fit import fit_to_screen, room_for

    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.setMinimumSize(2000, 1500)  # even a minimum larger than the screen gives way
    area = QGuiApplication.primaryScreen().availableGeometry()
    size = fit_to_screen(dialog, (1100, 840))
    assert size.width() <= area.width() and size.height() <= area.height()
    assert size == room_for(dialog).boundedTo(QSize(1100, 840))
    dialog.show()
    qtbot.waitExposed(dialog)
    assert area.contains(dialog.frameGeometry())
    small = QDialog()
    qtbot.addWidget(small)
    assert fit_to_screen(small, (300, 200)) == QSize(300, 200)  # a small one keeps its size


def test_a_window_restored_from_a_larger_screen_is_brought_back_onto_this_one(qtbot) -> None:
    from triage_app.ui.screen_fit import keep_on_screen

    window = QWidget()
    qtbot.addWidget(window)
    window.setGeometry(900, 700, 1500, 900)  # as saved on a 1920x1080 screen
    keep_on_screen(window)
    window.show()
    qtbot.waitExposed(window)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert area.contains(window.frameGeometry())


def test_the_pack_dialog_fits_the_screen_and_is_resizable(qtbot, make_store) -> None:
    """It was fixed at 1100x840: its Build and Cancel buttons were below the screen's edge."""
    from triage_app.ui.pack_dialog import PackExportDialog
    from triage_app.ui.tasks import SynchronousRunner

    store = make_store()
    dialog = PackExportDialog(store, None, runner=SynchronousRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert area.contains(dialog.frameGeometry())
    for button in (dialog.build_button, dialog.cancel_button):
        corner = button.mapTo(dialog, QPoint(button.width(), button.height()))
        assert dialog.rect().contains(corner - QPoint(1, 1))
    assert dialog.minimumSize().width() < dialog.maximumSize().width()  # resizable
    dialog.resize(dialog.width() - 50, dialog.height() - 50)
    assert dialog.width() < area.width()


def test_panes_side_by_side_when_wide_and_tabs_when_narrow(qtbot) -> None:
    from triage_app.ui.layout_fence import LayoutFence
    from triage_app.ui.pane_area import SIDE_BY_SIDE_MIN, PaneArea

    post, similar = QLabel("post"), QLabel("similar")
    area = PaneArea(LayoutFence(post), LayoutFence(similar))
    qtbot.addWidget(area)
    area.resize(SIDE_BY_SIDE_MIN + 200, 400)
    area.show()
    qtbot.waitExposed(area)
    assert not area.tabbed and post.isVisible() and similar.isVisible()
    area.resize(SIDE_BY_SIDE_MIN - 100, 400)
    qtbot.waitUntil(lambda: area.tabbed)
    assert area.tabs.tabText(0) == "Post" and post.isVisible() and not similar.isVisible()
    assert post.parentWidget().width() >= SIDE_BY_SIDE_MIN - 120  # the whole width
    area.show_pane(1)
    assert similar.isVisible() and not post.isVisible()
    area.resize(SIDE_BY_SIDE_MIN + 200, 400)
    qtbot.waitUntil(lambda: not area.tabbed)
    assert post.isVisible() and similar.isVisible()


# -- the image viewer ----------------------------------------------------------------------------
@pytest.fixture
def photo_item(tmp_path: Path) -> Any:
    from PIL import Image, ImageDraw

    from triage_app.ui.media_view import MediaItem

    path = tmp_path / "boat.png"
    image = Image.new("RGB", (400, 300), "#d32f2f")
    ImageDraw.Draw(image).rectangle((0, 0, 199, 299), fill="#1565c0")
    image.save(path)
    return MediaItem("photo", "boat.png", None, None, path, path, False, None)


def _grey(image: QImage) -> bool:
    samples = [
        image.pixelColor(x, y)
        for x in range(0, image.width(), max(1, image.width() // 9))
        for y in range(0, image.height(), max(1, image.height() // 9))
    ]
    return all(abs(c.red() - c.green()) < 3 and abs(c.green() - c.blue()) < 3 for c in samples)


def test_the_image_viewer_is_concealed_until_revealed_and_driven_by_keys(qtbot, photo_item) -> None:
    from triage_app.ui.image_viewer import ImageViewer

    viewer = ImageViewer(photo_item, False, None)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    view = viewer.view
    assert viewer.concealed() and _grey(view.item.pixmap().toImage())
    assert view.scene().sceneRect().width() == 400  # drawn at the picture's size
    assert not view.fitted and view.zoom == 1.0  # it fits: opened at full size (1:1)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert viewer.revealed and not _grey(view.item.pixmap().toImage())
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom == pytest.approx(1.25)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom == pytest.approx(0.8)
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert view.zoom == 1.0 and not view.fitted
    qtbot.keyClick(view, Qt.Key.Key_R)
    assert view.rotation == 90
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    assert view.rotation == 0
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.fitted
    # Zoomed in, the arrows pan the picture under the window.
    for _ in range(6):
        qtbot.keyClick(view, Qt.Key.Key_Plus)
    h = view.horizontalScrollBar()
    before = h.value()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert h.value() > before
    assert "rotated 0°" in viewer.status.text() and "Space" in viewer.status.text()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert viewer.concealed() and _grey(view.item.pixmap().toImage())


def test_a_thumbnail_opens_the_viewer_with_enter_or_a_double_click(qtbot, photo_item) -> None:
    from triage_app.ui.media_view import MediaTile

    tile = MediaTile(photo_item, 0, 1, False)
    qtbot.addWidget(tile)
    tile.show()
    tile.setFocus()
    qtbot.keyClick(tile, Qt.Key.Key_Return)
    assert tile.viewer is not None and tile.viewer.isVisible() and tile.viewer.concealed()
    assert not tile.revealed  # Enter opens; Space reveals
    tile.viewer.close()
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert tile.viewer.isVisible() and not tile.revealed  # a double-click does not reveal


def test_the_viewer_reads_an_encrypted_stores_photo_in_memory(qtbot, tmp_path: Path) -> None:
    from tests.store.test_evidence_at_rest import png
    from triage_app.ingest.evidence import evidence_dir
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.evidence_crypto import MAGIC, evidence_key
    from triage_app.store.opening import open_for_user
    from triage_app.store.post_detail import post_detail
    from triage_app.ui.image_viewer import ImageViewer
    from triage_app.ui.media_view import resolve_media

    export = tmp_path / "export"
    export.mkdir()
    (export / "boat.png").write_bytes(png(5))
    row = {
        "platform": "x",
        "post_id": "1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "Boat",
        "media": ["boat.png"],
    }
    (export / "posts.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "data2").mkdir()
    store = open_for_user(tmp_path / "data2" / "store.db", create=True)
    try:
        import_paths(store, [export / "posts.jsonl"], enrich=False)
        before = sorted(p.name for p in (tmp_path / "data2").rglob("*"))
        (item,) = resolve_media(
            post_detail(store, 1)["media"], evidence_dir(store.path), evidence_key(store)
        )
        assert item.still is not None and item.still.read_bytes().startswith(MAGIC)
        viewer = ImageViewer(item, True, None)
        qtbot.addWidget(viewer)
        assert viewer.picture is not None and viewer.revealed
        assert sorted(p.name for p in (tmp_path / "data2").rglob("*")) == before
    finally:
        store.close()


# -- language names --------------------------------------------------------------------------------
def test_language_codes_are_shown_as_names_and_the_code_is_still_the_value(qtbot) -> None:
    from triage_app.core.language_names import language_label, language_name
    from triage_app.ui.filter_bar import FilterBar

    assert language_name("ckb") == "Central Kurdish (Sorani)"
    assert language_name("kmr") == "Northern Kurdish (Kurmanji)"
    assert language_name("ti") == "Tigrinya" and language_name("ps") == "Pashto"
    assert language_name("sq") == "Albanian" and language_name("xx") == "xx"
    assert language_label("ti") == "Tigrinya (ti)" and language_label(None) == "unknown"
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.language.loader = lambda: ["ckb", "ti", "zz"]
    bar.language.ensure_loaded()
    texts = [bar.language.itemText(i) for i in range(bar.language.count())]
    assert texts == ["Any language", "Central Kurdish (Sorani) (ckb)", "Tigrinya (ti)", "zz"]
    bar.language.setCurrentIndex(1)
    assert bar.language.value() == "ckb"
    bar.language.set_value("ps")  # a query naming a code not listed yet
    assert bar.language.currentText() == "Pashto (ps)" and bar.language.value() == "ps"


def test_the_preview_names_the_language(make_store, qtbot, tmp_path: Path) -> None:
    from triage_app.ingest.pipeline import import_paths
    from triage_app.ui.preview_pane import PreviewPane

    export = tmp_path / "posts.jsonl"
    row = {
        "platform": "x",
        "post_id": "1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "ጀልባ ናብ ኢጣልያ",
        "language": "ti",
    }
    export.write_text(json.dumps(row, ensure_ascii=False) + "\n")
    store = make_store()
    import_paths(store, [export], enrich=False)
    pane = PreviewPane(store)
    qtbot.addWidget(pane)
    pane.show_post(1)
    assert "language <b>Tigrinya (ti)</b>" in pane.when.text()


# -- emoji ---------------------------------------------------------------------------------------
@pytest.fixture
def emoji_families(qapp) -> Iterator[list[str]]:
    from PySide6.QtGui import QFontDatabase

    from triage_app.ui.fonts import install_emoji_fallback

    before = QFontDatabase.applicationEmojiFontFamilies()
    yield install_emoji_fallback()
    QFontDatabase.setApplicationEmojiFontFamilies(before)


def test_emoji_are_drawn_in_colour_with_the_installed_emoji_font(emoji_families) -> None:
    from PySide6.QtGui import QFontDatabase

    assert emoji_families, (
        "no colour emoji font installed: install the Debian package fonts-noto-color-emoji "
        "(.ci/run and the README's package line have it)"
    )
    assert emoji_families[0] in QFontDatabase.applicationEmojiFontFamilies()
    image = QImage(200, 60, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    font = painter.font()
    font.setPointSize(24)
    painter.setFont(font)
    painter.drawText(4, 48, "🚤🇬🇧")
    painter.end()
    coloured = sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if (c := image.pixelColor(x, y)).saturation() > 80 and c.value() > 60
    )
    assert coloured > 100  # a colour picture, not an empty outlined box


def test_without_an_emoji_font_nothing_changes(qapp, monkeypatch) -> None:
    from PySide6.QtGui import QFontDatabase

    from triage_app.ui import fonts

    before = QFontDatabase.applicationEmojiFontFamilies()
    monkeypatch.setattr(fonts, "EMOJI_FAMILIES", ("No Such Emoji Font",))
    assert fonts.install_emoji_fallback() == []
    assert QFontDatabase.applicationEmojiFontFamilies() == before


def test_the_readme_and_ci_name_the_emoji_font() -> None:
    from triage_app.ui.fonts import DEBIAN_PACKAGE

    assert DEBIAN_PACKAGE in (ROOT / ".ci" / "run").read_text()
    assert DEBIAN_PACKAGE in (ROOT / "README.md").read_text()


def test_shift_m_opens_the_current_posts_picture_in_the_viewer(
    make_store, make_window, qtbot, tmp_path: Path
) -> None:
    from PIL import Image

    from triage_app.ingest.pipeline import import_paths
    from triage_app.ui.actions import ActionId

    export = tmp_path / "export"
    export.mkdir()
    Image.new("RGB", (300, 200), "#1565c0").save(export / "boat.png")
    rows = [
        {
            "platform": "x",
            "post_id": "1",
            "created_at": "2025-03-01T10:00:00Z",
            "text": "Boat",
            "media": ["boat.png"],
        },
        {"platform": "x", "post_id": "2", "created_at": "2025-03-01T09:00:00Z", "text": "None"},
    ]
    (export / "posts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = make_store()
    import_paths(store, [export / "posts.jsonl"], enrich=False)
    window = make_window(store)
    with_picture = store.scalar("SELECT post_id FROM media")
    window.select_row(window.model.row_of(with_picture))
    viewer = (
        window.actions_by_id[ActionId.OPEN_PICTURE].trigger()
        or window.preview.media.tiles[0].viewer
    )
    assert viewer is not None and viewer.isVisible() and viewer.concealed()
    assert viewer.picture is not None and viewer.picture.size == (300, 200)
    viewer.close()
    other = store.scalar("SELECT id FROM posts WHERE id != ?", (with_picture,))
    window.select_row(window.model.row_of(other))
    assert window.open_picture() is None
    assert "no picture" in window.statusBar().currentMessage()
