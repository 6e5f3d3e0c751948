"""A post's picture at full size: zoom, fit, 1:1, pan and rotate, all from the keyboard, and
blurred and greyscale until the analyst chooses to look (as the thumbnails are).

Open it with a double-click on a thumbnail, or Enter on a focused one. Keys:

    + / =      zoom in          -        zoom out
    F or 0     fit the window   1        actual size (1:1)
    arrows     pan              drag     pan with the mouse
    R          rotate right     Shift+R  rotate left (L too)
    Space      show / conceal   Esc      close
    B          the boxes of the words read in the picture (OCR), on / off

The picture is read like the thumbnails: an encrypted evidence copy is decrypted in memory with
the store's evidence key, never to disk. A concealed picture is made from a small copy, greyed
and blurred, then drawn at the picture's size, so nothing in it can be made out at any zoom."""

from __future__ import annotations

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QKeyEvent, QPainter, QPixmap, QShowEvent, QTransform
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from .media_view import MediaItem, _to_qimage, open_still
from .screen_fit import fit_to_screen

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0
CONCEALED_SIDE = 240  # the concealed copy is made this small, then blurred
MAX_PIXELS = 60_000_000  # larger pictures are refused (decompression bombs)
HELP = "+/− zoom · F fit · 1 actual size · arrows pan · R rotate · Space show/conceal · Esc close"
BOX_COLOUR = (255, 140, 0, 255)  # the OCR word boxes (B)


def load_picture(item: MediaItem) -> Image.Image | None:
    """The whole picture, upright (EXIF orientation applied), or None if it cannot be read."""
    if not item.viewable:
        return None
    try:
        with open_still(item.still, item.key, item.data) as source, Image.open(source) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                return None
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.load()
            return image.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


def concealed_copy(image: Image.Image) -> Image.Image:
    """A small, grey, blurred copy of ``image`` (what is shown until the analyst looks)."""
    small = image.copy()
    small.thumbnail((CONCEALED_SIDE, CONCEALED_SIDE))
    side = max(small.width, small.height)
    return small.convert("L").filter(ImageFilter.GaussianBlur(radius=max(2.0, side / 12)))


class PictureView(QGraphicsView):
    """The picture with its zoom, rotation and pan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageView")
        self.setAccessibleName("Picture")
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.zoom = 1.0
        self.rotation = 0
        self.fitted = True

    def set_pixmap(self, pixmap: QPixmap, width: int, height: int) -> None:
        """Show ``pixmap`` drawn ``width`` x ``height`` (a small concealed copy is scaled up)."""
        self.item.setPixmap(pixmap)
        scale = width / pixmap.width() if pixmap.width() else 1.0
        self.item.setTransform(QTransform.fromScale(scale, height / max(1, pixmap.height())))
        self.scene().setSceneRect(QRectF(0, 0, width, height))
        self._apply()

    def _apply(self) -> None:
        if self.fitted:
            self.resetTransform()
            self.rotate(self.rotation)
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom = self.transform().mapRect(QRectF(0, 0, 1, 1)).width() or 1.0
            return
        self.setTransform(QTransform().rotate(self.rotation).scale(self.zoom, self.zoom))

    def fit(self) -> None:
        self.fitted = True
        self._apply()

    def actual_size(self) -> None:
        self.fitted = False
        self.zoom = 1.0
        self._apply()

    def zoom_by(self, factor: float) -> None:
        current = abs(self.zoom)
        self.fitted = False
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, current * factor))
        self._apply()

    def rotate_by(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._apply()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.fitted:
            self._apply()


class ImageViewer(QDialog):
    """One picture of a post, concealed until revealed, in a window of its own."""

    def __init__(self, item: MediaItem, revealed: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageViewer")
        self.setWindowTitle(f"{item.kind}: {item.name}")
        self.item = item
        self._revealed = revealed
        self.view = PictureView(self)
        self.status = QLabel(self)
        self.status.setObjectName("imageViewerStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.picture = load_picture(item)
        self._concealed: Image.Image | None = None
        self.boxes_shown = False  # B: the OCR word boxes drawn over the picture
        self._first_show = True
        self._show()
        width, height = self.picture.size if self.picture is not None else (480, 360)
        # The picture at full size with room for the status lines, or the screen if smaller.
        fit_to_screen(self, (max(480, width + 40), max(360, height + 110)))

    @property
    def revealed(self) -> bool:
        return self._revealed

    def concealed(self) -> bool:
        """Whether what is drawn is the blurred grey copy."""
        return self.picture is not None and not self._revealed

    def set_revealed(self, revealed: bool) -> None:
        self._revealed = revealed
        self._show()

    def _show(self) -> None:
        picture = self.picture
        if picture is None:
            self.view.item.setPixmap(QPixmap())
            self.status.setText(f"{self.item.name}: this picture cannot be shown")
            return
        if self._revealed:
            shown = picture
        else:
            if self._concealed is None:
                self._concealed = concealed_copy(picture)
            shown = self._concealed
        if self.boxes_shown and self.item.words:
            shown = with_boxes(shown, self.item.words, picture.size)
        self.view.set_pixmap(QPixmap.fromImage(_to_qimage(shown)), picture.width, picture.height)
        self._say()

    def _say(self) -> None:
        state = "shown" if self._revealed else "concealed (Space shows it)"
        if self.item.words:
            count = len(self.item.words)
            state += f" · {count} words read" + (
                " (boxes drawn, B hides them)" if self.boxes_shown else " (B draws their boxes)"
            )
        picture = self.picture
        size = f"{picture.width}×{picture.height}" if picture is not None else ""
        zoom = "fit" if self.view.fitted else f"{abs(self.view.zoom) * 100:.0f} %"
        self.status.setText(
            f"{self.item.name} · {size} · {zoom} · rotated {self.view.rotation}° · {state}\n{HELP}"
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        key, mods = event.key(), event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        view = self.view
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            view.zoom_by(ZOOM_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            view.zoom_by(1 / ZOOM_STEP)
        elif key in (Qt.Key.Key_F, Qt.Key.Key_0):
            view.fit()
        elif key == Qt.Key.Key_1:
            view.actual_size()
        elif key == Qt.Key.Key_R:
            view.rotate_by(-90 if shift else 90)
        elif key == Qt.Key.Key_L:
            view.rotate_by(-90)
        elif key == Qt.Key.Key_Space:
            self.set_revealed(not self._revealed)
        elif key == Qt.Key.Key_B:
            self.boxes_shown = not self.boxes_shown
            self._show()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.pan(key)
        else:
            super().keyPressEvent(event)
            return
        self._say()
        event.accept()

    def pan(self, key: int, step: int = 60) -> None:
        """Move the picture under the window (the arrow keys)."""
        h, v = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        if key == Qt.Key.Key_Left:
            h.setValue(h.value() - step)
        elif key == Qt.Key.Key_Right:
            h.setValue(h.value() + step)
        elif key == Qt.Key.Key_Up:
            v.setValue(v.value() - step)
        elif key == Qt.Key.Key_Down:
            v.setValue(v.value() + step)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.view.setFocus()
        if self._first_show:  # full size when it fits the window, else fitted to it
            self._first_show = False
            picture, room = self.picture, self.view.viewport().size()
            if (
                picture is not None
                and picture.width <= room.width()
                and (picture.height <= room.height())
            ):
                self.view.actual_size()
            else:
                self.view.fit()
            self._say()


def with_boxes(
    image: Image.Image, words: list[list[object]], size: tuple[int, int]
) -> Image.Image:
    """A copy of ``image`` with a box around each word read in the picture (OCR); the boxes
    are in the picture's own pixels (``size``), scaled to ``image`` (the concealed copy is
    smaller)."""
    from PIL import ImageDraw

    out = image.convert("RGBA")
    sx, sy = out.width / max(size[0], 1), out.height / max(size[1], 1)
    draw = ImageDraw.Draw(out)
    line = max(1, round(2 * min(sx, sy) * max(size) / 800))
    for word in words:
        try:
            left, top, width, height = (float(v) for v in word[2:6])  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        draw.rectangle(
            (left * sx, top * sy, (left + width) * sx, (top + height) * sy),
            outline=BOX_COLOUR,
            width=line,
        )
    return out


def open_viewer(item: MediaItem, revealed: bool, parent: QWidget | None = None) -> ImageViewer:
    """Open the viewer for ``item`` (not modal: the queue stays usable beside it)."""
    viewer = ImageViewer(item, revealed, parent)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.show()
    return viewer
