"""Media thumbnails for a post, blurred and greyscale until the analyst chooses to look.

Analysts see distressing images all day; a concealed thumbnail still tells them that there is a
photo or a video and lets them decide when to look (a click, or Space/Enter on a thumbnail, or
the preview's reveal key). The setting ``media/reveal_by_default`` in the window's settings file
(``window.ini`` in the data folder) turns concealment off. Videos show a still frame when the
export has one (a poster image of the same name), else a card with the file name and hash, so
that the evidence can still be matched to the file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from PySide6.QtCore import QPointF, QSettings, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QWidget

from ..store.evidence_crypto import open_media
from ..store.paths import data_dir

SETTINGS_FILE = "window.ini"  # the window's settings file in the data folder (ui/settings.py)
REVEAL_SETTING = "media/reveal_by_default"
THUMB = 160
MIN_THUMB = 60  # the smallest a thumbnail gets when the preview is short of height
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
POSTER_SUFFIXES = ("", ".poster", "-poster", "_poster", ".thumb", "-thumb", "_thumb")


def _settings() -> QSettings:
    return QSettings(str(data_dir() / SETTINGS_FILE), QSettings.Format.IniFormat)


def reveal_by_default() -> bool:
    """The user's choice: show media plainly from the start (default: no, conceal)."""
    return bool(_settings().value(REVEAL_SETTING, False, type=bool))


def set_reveal_by_default(value: bool) -> None:
    settings = _settings()
    settings.setValue(REVEAL_SETTING, bool(value))
    settings.sync()


def _to_qimage(image: Image.Image) -> QImage:
    rgba = image.convert("RGBA")
    data = rgba.tobytes("raw", "RGBA")
    qimage = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return qimage.copy()  # own the pixels: `data` goes away with this function


def load_thumbnail(
    path: Path | None,
    size: int = THUMB,
    *,
    concealed: bool,
    key: bytes | None = None,
    data: bytes | None = None,
) -> QImage | None:
    """A thumbnail of an image file, blurred and greyscale when ``concealed``; None if the file
    cannot be read as an image. An encrypted evidence copy is decrypted with ``key`` (the
    store's evidence key) in memory, a segment at a time, as the image is read: never to disk.
    ``data``: the picture itself, in memory (a video's key frame), instead of ``path``."""
    try:
        with open_still(path, key, data) as source, Image.open(source) as opened:
            opened.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a reduced scale
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.thumbnail((size, size))
            if concealed:
                # Grey first, then a blur wide enough that nothing in the picture can be made out.
                image = image.convert("L").filter(ImageFilter.GaussianBlur(radius=size / 12))
            return _to_qimage(image)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


def open_still(path: Path | None, key: bytes | None, data: bytes | None) -> Any:
    """A readable stream of a picture: ``data`` when given, else the (decrypted) file."""
    if data is not None:
        return io.BytesIO(data)
    if path is None:
        raise OSError("no picture")
    return open_media(path, key)


def placeholder_image(lines: list[str], size: int = THUMB, *, icon: str = "") -> QImage:
    """A grey card with a symbol and a few lines of text (for videos without a still frame,
    files that are missing or unreadable)."""
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor("#5f6368"))
    painter = QPainter(image)
    try:
        painter.setPen(QColor("#ffffff"))
        font = QFont()
        if icon:
            font.setPointSize(28)
            painter.setFont(font)
            painter.drawText(0, 8, size, size // 3, Qt.AlignmentFlag.AlignCenter, icon)
        font.setPointSize(8)
        painter.setFont(font)
        painter.drawText(
            6,
            size // 3 + 8,
            size - 12,
            size - size // 3 - 14,
            int(
                Qt.AlignmentFlag.AlignHCenter
                | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextWrapAnywhere
            ),
            "\n".join(lines),
        )
    finally:
        painter.end()
    return image


def _mark_time(image: QImage, text: str) -> QImage:
    """A key frame's time ("0:04") in its bottom corner, on a dark band, readable concealed."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    painter = QPainter(image)
    try:
        font = QFont()
        font.setPixelSize(max(10, image.height() // 8))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 8, metrics.height() + 2
        painter.fillRect(0, image.height() - height, width, height, QColor(0, 0, 0, 190))
        painter.setPen(QColor("#ffffff"))
        painter.drawText(4, image.height() - 4 - metrics.descent() + 2, text)
    finally:
        painter.end()
    return image


def _mark_as_video(image: QImage) -> None:
    """A play sign in the corner of a video's still frame, so that it is not taken for a photo."""
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawEllipse(6, 6, 30, 30)
        painter.setBrush(QColor("#ffffff"))
        painter.drawPolygon([QPointF(16, 13), QPointF(16, 29), QPointF(29, 21)])
    finally:
        painter.end()


@dataclass
class MediaItem:
    """One media row of a post with the files found for it on this workstation."""

    kind: str
    name: str
    sha256: str | None
    size: int | None
    file: Path | None  # the file itself (evidence copy, else the collected file)
    still: Path | None  # an image to show: the file itself for photos, a poster for videos
    missing: bool
    key: bytes | None = None  # the store's evidence key (encrypted evidence copies)
    # Words read in the picture (OCR): [text, confidence, left, top, width, height] each
    words: list[list[Any]] | None = None
    # A picture held in memory instead of a file: a video's key frame (store/video.py)
    data: bytes | None = None
    note: str = ""  # said in the tooltip (a key frame: its time and what was read there)
    of_video: str | None = None  # a key frame: the SHA-256 of its video

    @property
    def viewable(self) -> bool:
        """Whether there is a picture to show (a file, or one in memory)."""
        return self.still is not None or self.data is not None

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.name}"


def resolve_media(
    rows: list[dict[str, Any]], evidence_root: Path | None, key: bytes | None = None
) -> list[MediaItem]:
    """Turn the post's media rows into items with the files to show (``key``: the store's
    evidence key, to read its encrypted copies)."""
    items: list[MediaItem] = []
    photos_by_stem: dict[str, Path] = {}
    resolved: list[tuple[dict[str, Any], Path | None]] = []
    for row in rows:
        file = _file_for(row, evidence_root)
        resolved.append((row, file))
        if file is not None and row.get("kind") == "photo":
            photos_by_stem[Path(str(row.get("name") or file.name)).stem.lower()] = file
    for row, file in resolved:
        kind = str(row.get("kind") or "file")
        name = str(
            row.get("name")
            or (
                Path(row["source_path"]).name
                if row.get("source_path")
                else row.get("url") or "unnamed"
            )
        )
        still: Path | None = None
        if file is not None and (
            kind in ("photo", "sticker") or file.suffix.lower() in IMAGE_SUFFIXES
        ):
            still = file
        elif kind == "video":
            still = _poster_for(row, name, photos_by_stem)
        items.append(
            MediaItem(
                kind,
                name,
                row.get("sha256"),
                row.get("size"),
                file,
                still,
                bool(row.get("missing")) or file is None,
                key,
                row.get("ocr_words"),
            )
        )
    return items


def _file_for(row: dict[str, Any], evidence_root: Path | None) -> Path | None:
    stored = row.get("stored_path")
    if stored and evidence_root is not None:
        candidate = evidence_root / stored
        if candidate.is_file():
            return candidate
    source = row.get("source_path")
    if source and Path(source).is_file():
        return Path(source)
    return None


def _poster_for(row: dict[str, Any], name: str, photos_by_stem: dict[str, Path]) -> Path | None:
    """A still frame for a video: a photo of the same post with the same stem, or an image file
    beside the collected video (``clip.mp4`` → ``clip.jpg``, ``clip.poster.jpg``…)."""
    stem = Path(name).stem
    for suffix in POSTER_SUFFIXES:
        hit = photos_by_stem.get((stem + suffix).lower())
        if hit is not None:
            return hit
    source = row.get("source_path")
    if source:
        folder = Path(source).parent
        src_stem = Path(source).stem
        for suffix in POSTER_SUFFIXES:
            for ext in IMAGE_SUFFIXES:
                candidate = folder / f"{src_stem}{suffix}{ext}"
                if candidate.is_file():
                    return candidate
    return None


class MediaTile(QLabel):
    """One thumbnail: click (or Space/Enter) to reveal or conceal it."""

    toggled = Signal(bool)

    def __init__(
        self,
        item: MediaItem,
        index: int,
        total: int,
        revealed: bool,
        parent: QWidget | None = None,
        size: int = THUMB,
    ) -> None:
        super().__init__(parent)
        self.item = item
        self._index, self._total = index, total
        self._revealed = revealed
        self._size = size
        self.viewer: QWidget | None = None  # the image viewer, once opened
        self.setObjectName("mediaTile")
        self.setFixedSize(QSize(size + 8, size + 8))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            "QLabel#mediaTile { border: 1px solid #9aa0a6; background: #202124; }"
            "QLabel#mediaTile:focus { border: 2px solid #1a73e8; }"
        )
        self._render()

    @property
    def revealed(self) -> bool:
        return self._revealed

    def set_revealed(self, revealed: bool) -> None:
        if revealed != self._revealed:
            self._revealed = revealed
            self._render()
            self.toggled.emit(revealed)

    @property
    def thumb_size(self) -> int:
        return self._size

    def set_thumb_size(self, size: int) -> None:
        """Draw the thumbnail ``size`` pixels square (the preview's share of the height)."""
        if size != self._size:
            self._size = size
            self.setFixedSize(QSize(size + 8, size + 8))
            self._render()

    def refresh(self) -> None:
        """Draw the tile again (its item changed)."""
        self._render()

    def concealed_image(self) -> bool:
        """Whether the picture shown is blurred (a placeholder card is never blurred)."""
        return not self._revealed and self.item.viewable

    def _render(self) -> None:
        item = self.item
        image: QImage | None = None
        if item.viewable:
            image = load_thumbnail(
                item.still, self._size, concealed=not self._revealed, key=item.key, data=item.data
            )
        if image is None:
            image = placeholder_image(self._card_lines(), self._size, icon=self._icon())
        elif item.kind == "video":
            _mark_as_video(image)
        elif item.kind == "key frame":
            image = _mark_time(image, item.name.removeprefix("at "))
        self.setPixmap(QPixmap.fromImage(image))
        state = "shown" if self._revealed else "hidden (click to show)"
        if not item.viewable:
            state = "no preview"
        self.setAccessibleName(f"{item.kind} {self._index + 1} of {self._total}, {state}")
        details = [item.name]
        if item.sha256:
            details.append(f"SHA-256 {item.sha256}")
        if item.size is not None:
            details.append(f"{item.size:,} bytes")
        if item.missing:
            details.append("file not collected")
        elif item.viewable:
            if item.note:
                details.append(item.note)
            details.append("Click or press Space to " + ("hide" if self._revealed else "show"))
            details.append("Double-click or Enter opens it in the viewer (zoom, rotate)")
        self.setToolTip("\n".join(details))

    def _icon(self) -> str:
        return {"video": "▶", "audio": "♪"}.get(self.item.kind, "▣")

    def _card_lines(self) -> list[str]:
        lines = [self.item.name]
        if self.item.sha256:
            lines.append(self.item.sha256[:16] + "…")
        if self.item.missing:
            lines.append("not collected")
        elif self.item.kind == "video":
            lines.append("no still frame")
        return lines

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.item.viewable:
            event.accept()  # the click acts when the button is let go
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton and self.item.viewable:
            if self.rect().contains(event.position().toPoint()):
                self.set_revealed(not self._revealed)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton and self.item.viewable:
            # The first click of the two has toggled the tile and the second will toggle it
            # back: the viewer shows the picture as it was before the double-click.
            self.open_viewer(revealed=not self._revealed)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if self.item.viewable:
                self.set_revealed(not self._revealed)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_viewer()
            event.accept()
            return
        super().keyPressEvent(event)

    def open_viewer(self, revealed: bool | None = None) -> QWidget | None:
        """The picture at full size in the image viewer, concealed as this tile is."""
        if not self.item.viewable:
            return None
        from .image_viewer import open_viewer

        shown = self._revealed if revealed is None else revealed
        self.viewer = open_viewer(self.item, shown, self.window())
        return self.viewer


class MediaView(QScrollArea):
    """A row of thumbnails for one post's media."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mediaView")
        self.setAccessibleName("Media of the post")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The height is the preview's to give (preview_body.py): the thumbnails follow it,
        # between MIN_THUMB and THUMB pixels, and are never drawn outside the strip.
        self.setMinimumHeight(MIN_THUMB + 30)
        self.setMaximumHeight(THUMB + 30)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Expanding)
        self._thumb = THUMB
        self._inner = QWidget()
        self._layout = QHBoxLayout(self._inner)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.addStretch(1)
        self.setWidget(self._inner)
        self.tiles: list[MediaTile] = []

    def set_media(
        self,
        rows: list[dict[str, Any]],
        evidence_root: Path | None,
        revealed: bool | None = None,
        key: bytes | None = None,
    ) -> None:
        """Show the post's media; concealed unless ``revealed`` (default: the user's setting).
        ``key`` is the store's evidence key (its copies are encrypted in an encrypted store)."""
        reveal = reveal_by_default() if revealed is None else revealed
        for tile in self.tiles:
            self._layout.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []
        items = resolve_media(rows, evidence_root, key)
        for index, item in enumerate(items):
            tile = MediaTile(item, index, len(items), reveal, self._inner, self._thumb)
            self._layout.insertWidget(index, tile)
            self.tiles.append(tile)
        self.setVisible(bool(items))
        self._update_width()  # the tiles are drawn at the strip's current size: no second pass

    def add_items(self, items: list[MediaItem]) -> None:
        """More tiles after the post's media (a video's key frames), concealed alike."""
        if not items:
            return
        reveal = reveal_by_default()
        for tile in self.tiles:  # a video with no still of its own shows its first key frame
            if tile.item.kind == "video" and not tile.item.viewable and tile.item.sha256:
                first = next((i for i in items if i.of_video == tile.item.sha256), None)
                if first is not None:
                    tile.item.data = first.data
                    tile.refresh()
        total = len(self.tiles) + len(items)
        for index, item in enumerate(items, start=len(self.tiles)):
            tile = MediaTile(item, index, total, reveal, self._inner, self._thumb)
            self._layout.insertWidget(index, tile)
            self.tiles.append(tile)
        self.setVisible(True)
        self._update_width()

    def thumb_size_for(self, height: int) -> int:
        """The thumbnail size that fits a strip ``height`` pixels high (tile frame, margins and
        the horizontal scroll bar included)."""
        return max(MIN_THUMB, min(THUMB, height - 30))

    def _fit_tiles(self) -> None:
        size = self.thumb_size_for(self.height())
        if abs(size - self._thumb) < 6 and all(t.thumb_size == self._thumb for t in self.tiles):
            return
        self._thumb = size
        for tile in self.tiles:
            tile.set_thumb_size(size)
        self._update_width()

    def _update_width(self) -> None:
        width = len(self.tiles) * (self._thumb + 8 + self._layout.spacing()) + 8
        self.setMaximumWidth(max(self._thumb + 24, width))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        n = max(1, len(self.tiles))
        return QSize(n * (self._thumb + 8 + self._layout.spacing()) + 8, self._thumb + 30)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_tiles()

    def any_revealed(self) -> bool:
        return any(t.revealed for t in self.tiles)

    def reveal_all(self, revealed: bool) -> None:
        for tile in self.tiles:
            tile.set_revealed(revealed)

    def toggle_all(self) -> None:
        """Show every thumbnail if any is hidden, else hide them all (the preview's key)."""
        self.reveal_all(not all(t.revealed for t in self.tiles))


def video_frame_items(videos: list[dict[str, Any]], jpeg: Any) -> list[MediaItem]:
    """One tile per key frame of the post's videos (``videos`` as post_detail gives them;
    ``jpeg(frame_id)`` the frame's picture from the store), said with its time and what was
    found there."""
    items: list[MediaItem] = []
    for video in videos:
        found: dict[str, list[str]] = {}
        for ind in video.get("indicators") or []:
            found.setdefault(str(ind.get("at")), []).append(f"{ind['kind']} {ind['value']}")
        frames = video.get("frames") or []
        for frame in frames:
            data = jpeg(frame["id"])
            if data is None:
                continue
            note = f"Key frame at {frame['at']} of the video ({frame['reason']})"
            if found.get(frame["at"]):
                note += "\nFound here: " + ", ".join(found[frame["at"]])
            items.append(
                MediaItem(
                    kind="key frame",
                    name=f"at {frame['at']}",
                    sha256=frame.get("sha256"),
                    size=None,
                    file=None,
                    still=None,
                    missing=False,
                    data=data,
                    note=note + f"\nperceptual hash {frame['phash']}",
                    of_video=video.get("sha256"),
                )
            )
    return items
