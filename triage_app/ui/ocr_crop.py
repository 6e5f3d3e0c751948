"""The crop of a picture where an indicator was read (OCR, issue 15), for the preview's
indicator list: the words of the picture's text that hold the indicator (core/ocr.span_box),
a little margin around them, greyscale (the crop is the printed line, not the scene: it is
shown as the indicator's icon and, larger, in its tooltip). The evidence copy is decrypted in
memory (store/evidence_crypto.open_media); nothing is written to disk."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QPixmap

from ..core.ocr import span_box
from ..ingest.evidence import evidence_dir
from ..store.connection import Store
from ..store.evidence_crypto import evidence_key, open_media
from .media_view import _to_qimage

ICON_HEIGHT = 22  # the crop as the indicator's icon in the list
TIP_HEIGHT = 72  # and in its tooltip


def crop_box(
    detail: dict[str, Any], indicator: dict[str, Any]
) -> tuple[dict[str, Any], tuple[int, int, int, int]] | None:
    """(the media row, the box in its pixels) where ``indicator`` was read, or None."""
    media_id = indicator.get("media_id")
    media = next((m for m in detail.get("media", []) if m.get("id") == media_id), None)
    read = next((t for t in detail.get("picture_text", []) if t["media_id"] == media_id), None)
    if media is None or read is None or not media.get("ocr_words") or not read.get("text"):
        return None
    box = span_box(read["text"], media["ocr_words"], indicator["start"], indicator["end"])
    return None if box is None else (media, box)


def indicator_crop(
    store: Store, detail: dict[str, Any], indicator: dict[str, Any]
) -> QImage | None:
    """The crop of the post's picture around ``indicator`` (greyscale), or None."""
    found = crop_box(detail, indicator)
    if found is None:
        return None
    media, (left, top, width, height) = found
    path = _evidence_file(store, media)
    if path is None:
        return None
    margin = max(4, height // 4)
    try:
        with open_media(path, evidence_key(store)) as source, Image.open(source) as opened:
            image: Image.Image = ImageOps.exif_transpose(opened)
            if getattr(image, "is_animated", False):
                image.seek(0)
            crop = image.crop(
                (
                    max(0, left - margin),
                    max(0, top - margin),
                    min(image.width, left + width + margin),
                    min(image.height, top + height + margin),
                )
            ).convert("L")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    return _to_qimage(crop) if crop.width and crop.height else None


def _evidence_file(store: Store, media: dict[str, Any]) -> Path | None:
    stored = media.get("stored_path")
    if stored:
        candidate = evidence_dir(Path(store.path)) / stored
        if candidate.is_file():
            return candidate
    source = media.get("source_path")
    return Path(source) if source and Path(source).is_file() else None


def icon_and_tip(image: QImage) -> tuple[QPixmap, str]:
    """The crop scaled for the list (its icon) and a tooltip showing it larger."""
    from PySide6.QtCore import Qt

    icon = QPixmap.fromImage(
        image.scaledToHeight(ICON_HEIGHT, Qt.TransformationMode.SmoothTransformation)
    )
    big = image.scaledToHeight(
        min(TIP_HEIGHT, max(image.height(), ICON_HEIGHT)),
        Qt.TransformationMode.SmoothTransformation,
    )
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    big.save(buffer, "PNG")  # type: ignore[call-overload]  # (the stub says bytes; str runs)
    encoded = base64.b64encode(bytes(data.data())).decode("ascii")
    tip = f'Where it was read in the picture:<br><img src="data:image/png;base64,{encoded}">'
    return icon, tip
