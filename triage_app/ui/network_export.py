"""The network picture saved as PNG or SVG, for a report or a referral: every account and link,
with the labels that fit, on white, whatever part of the network is in view.

The file is written owner-only (0600) next to its final name and then moved into place, so a
crash leaves either the old file or the new one, never half a picture."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene

from ..core.errors import TriageError
from ..core.fileio import create_new_private

MARGIN = 40.0
MAX_PNG_SIDE = 6000  # pixels: a 500-account network at a readable scale, not a 100 MB file


def _area(scene: QGraphicsScene) -> QRectF:
    box = QRectF()
    for item in scene.items():
        if item.isVisible() and item.zValue() < 10:  # not the selected name's callout
            box = box.united(item.sceneBoundingRect())
    if box.isEmpty():
        raise TriageError("There is no network to save: no account is shown")
    return box.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a new owner-only file (replacing any old one at once)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        if partial.exists():
            partial.unlink()
        with create_new_private(partial) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except OSError as exc:
        try:
            partial.unlink()
        except OSError:
            pass
        raise TriageError(f"Cannot write {path}: {exc.strerror or exc}") from exc


def _render(scene: QGraphicsScene, painter: QPainter, target: QRectF, source: QRectF) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.fillRect(target, QColor("#FFFFFF"))
    scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)


def png_bytes(scene: QGraphicsScene) -> bytes:
    """The network as PNG, at scale 1 (labels at their drawn size) unless that would be larger
    than MAX_PNG_SIDE pixels a side."""
    source = _area(scene)
    scale = min(1.0, MAX_PNG_SIDE / max(source.width(), source.height()))
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("#FFFFFF"))
    painter = QPainter(image)
    _render(scene, painter, QRectF(0, 0, size.width(), size.height()), source)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # str at run time
        raise TriageError("Cannot make the PNG picture of the network")
    buffer.close()
    return bytes(data.data())


def svg_bytes(scene: QGraphicsScene, title: str) -> bytes:
    """The network as SVG (vector: every label stays sharp when zoomed)."""
    from PySide6.QtSvg import QSvgGenerator

    source = _area(scene)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(round(source.width()), round(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(title)
    generator.setDescription("Accounts linked by what they share (triage workstation)")
    painter = QPainter(generator)
    _render(scene, painter, QRectF(0, 0, source.width(), source.height()), source)
    painter.end()
    buffer.close()
    return bytes(data.data())


def save_png(scene: QGraphicsScene, path: Path) -> None:
    _write_private(path, png_bytes(scene))


def save_svg(scene: QGraphicsScene, path: Path, title: str) -> None:
    _write_private(path, svg_bytes(scene, title))
