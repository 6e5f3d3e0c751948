"""A second reading of Arabic-Indic (٠-٩) and Persian (۰-۹) digits in pictures.

Tesseract's Arabic-script language data in Debian cannot read these digits: ``ara`` knows only
٠ and ١ (its character set has no other Arabic-Indic digit), ``fas`` and the ``Arabic`` script
model read them as Latin look-alikes (٤٤ ٧٩١ as "EE VAI"). Tesseract still finds the line, so
each line it found in an Arabic-script picture is read again here: the line's ink is split into
its pieces (each of these digits is drawn in one stroke), each piece is compared with the
digits drawn by the Arabic fonts installed on this machine (and '+'), and a line whose pieces
are all close to a digit, seven digits or more, gives its digits (ASCII, spaced as printed),
for the indicators to read as a phone number. A line with a piece unlike any digit (letters)
gives nothing."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
_SIZE = 20  # pieces and templates are compared at 20x20
_MAX_DISTANCE = 0.09  # above this a piece is not a digit
_BLUR = 1.0  # pixels of blur on the 20x20 shapes
MIN_DIGITS = 7
# Fonts with these digits in Debian's fonts-noto-core and fonts-dejavu-core; those present
# are drawn from (fc-list :charset=0660 lists more on a given machine).
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu"))
FONT_FILES = (
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoNaskhArabic-Regular.ttf",
    "NotoNaskhArabic-Bold.ttf",
    "NotoKufiArabic-Regular.ttf",
    "NotoKufiArabic-Bold.ttf",
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
)
PLUS_FONT = "NotoSans-Regular.ttf"


def _fonts(names: tuple[str, ...]) -> list[Path]:
    return [d / n for n in names for d in FONT_DIRS if (d / n).is_file()]


def _normalised(mask: Any) -> tuple[Any, int, int]:
    """The piece cropped to its ink, centred in a square, at 20x20 (0-1), with its height and
    width in pixels."""
    import numpy as np
    from PIL import Image, ImageFilter

    ys, xs = np.nonzero(mask)
    piece = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = piece.shape
    side = max(h, w)
    square = np.zeros((side, side), np.uint8)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = piece
    small = Image.fromarray(square * 255).resize((_SIZE, _SIZE), Image.Resampling.BILINEAR)
    # a little blur: strokes of another weight or font still overlap
    small = small.filter(ImageFilter.GaussianBlur(_BLUR))
    return np.asarray(small, np.float32) / 255.0, h, w


@lru_cache(maxsize=4)
def templates(fonts: tuple[str, ...] = FONT_FILES) -> list[tuple[str, Any, float, float]]:
    """(character as ASCII, 20x20 shape, height relative to the font's digit one, width/height)
    for every Arabic-Indic and Persian digit of every font found, and '+'."""
    from PIL import ImageFont

    out: list[tuple[str, Any, float, float]] = []
    plus_fonts = _fonts((PLUS_FONT,))
    for path in _fonts(fonts):
        font = ImageFont.truetype(str(path), 64)
        one = _ink(font, ARABIC_INDIC[1])
        if one is None:
            continue
        one_height = one.shape[0]
        glyphs = [(c, str(i), font) for i, c in enumerate(ARABIC_INDIC)]
        glyphs += [(c, str(i), font) for i, c in enumerate(PERSIAN)]
        if plus_fonts:
            glyphs.append(("+", "+", ImageFont.truetype(str(plus_fonts[0]), 64)))
        for char, value, face in glyphs:
            ink = _ink(face, char)
            if ink is None:
                continue
            shape, h, w = _normalised(ink)
            out.append((value, shape, h / one_height, w / max(h, 1)))
    return out


def _ink(font: Any, char: str) -> Any:
    """The biggest piece of ink of ``char`` drawn in ``font`` (a bool array), or None."""
    import numpy as np
    from PIL import Image, ImageDraw
    from scipy import ndimage

    image = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(image).text((50, 150), char, font=font, fill=255, anchor="ls")
    mask = np.asarray(image) > 127
    if not mask.any():
        return None
    labels, count = ndimage.label(mask)
    if count > 1:
        sizes = ndimage.sum(mask, labels, range(1, count + 1))
        mask = labels == 1 + int(np.argmax(sizes))
    ys, xs = np.nonzero(mask)
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _otsu(grey: Any) -> int:
    import numpy as np

    hist = np.bincount(grey.ravel(), minlength=256).astype(float)
    p = hist / hist.sum()
    w = np.cumsum(p)
    mu = np.cumsum(p * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * w - mu) ** 2 / (w * (1 - w))
    return int(np.nanargmax(between))


def read_digit_line(grey: Any, fonts: tuple[str, ...] = FONT_FILES) -> str | None:
    """The digits of a line of a picture (a 2-D uint8 array, the line's crop), as ASCII with
    '+' and the spaces between groups; None when the line is not a row of such digits."""
    from scipy import ndimage

    shapes = templates(fonts)
    if not shapes or grey.size == 0:
        return None
    mask = grey < _otsu(grey)
    if mask.mean() > 0.5:  # light digits on a dark ground
        mask = ~mask
    labels, count = ndimage.label(mask)
    if count < MIN_DIGITS or count > 80:
        return None
    pieces = []
    for i, found in enumerate(ndimage.find_objects(labels)):
        if found is None:
            continue
        ink = labels[found] == i + 1
        pieces.append((found[1].start, found[1].stop, found[0].stop - found[0].start, ink))
    pieces.sort(key=lambda p: p[0])
    heights = sorted(p[2] for p in pieces)
    tall = heights[(3 * len(heights)) // 4]  # a tall digit's height (most digits are tall)
    text: list[str] = []
    last_end: int | None = None
    for left, right, height, ink in pieces:
        if height < tall * 0.12 and right - left < tall * 0.12:
            continue  # a speck of noise (٠ is bigger than this)
        shape, h, w = _normalised(ink)
        best = min(
            (
                float(((shape - t) ** 2).mean())
                + 0.05 * abs(h / tall - rel)
                + 0.05 * abs(w / max(h, 1) - aspect),
                value,
            )
            for value, t, rel, aspect in shapes
        )
        if best[0] > _MAX_DISTANCE:
            return None  # not a digit: a line of letters, or too noisy to be sure
        if last_end is not None and left - last_end > tall * 0.45:
            text.append(" ")
        text.append(best[1])
        last_end = right
    read = "".join(text).strip()
    return read if sum(c.isdigit() for c in read) >= MIN_DIGITS else None
