"""Text in pictures: Tesseract OCR on an image held in memory.

Tesseract runs as the Debian program (``tesseract``, packages ``tesseract-ocr`` and
``tesseract-ocr-<lang>``), fed the image on stdin and read back as TSV on stdout: the picture
is decrypted in memory by the caller and never written to disk in clear (pytesseract would
write it to a temporary file). Pillow first turns whatever format the post had into a grey PNG,
enlarged when small (Tesseract reads text of about 30 pixels best).

Languages come from the post's language (or its script when it has none), English always added
for Latin letters and digits; a language whose data is not installed is left out and named,
with the Debian package that brings it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Post language (detection codes) → Tesseract language data.
LANGUAGES: dict[str, str] = {
    "ar": "ara",
    "fa": "fas",
    "ps": "pus",
    "ur": "urd",
    "ti": "tir",
    "am": "amh",
    "sq": "sqi",
    "tr": "tur",
    "fr": "fra",
    "it": "ita",
    "en": "eng",
    "ku": "kmr",  # Kurmanji in Latin letters; Sorani (Arabic script) reads with ara/fas
    "ckb": "ara",
}
LANGUAGE_NAMES = {
    "ara": "Arabic",
    "fas": "Persian",
    "pus": "Pashto",
    "urd": "Urdu",
    "tir": "Tigrinya",
    "amh": "Amharic",
    "sqi": "Albanian",
    "tur": "Turkish",
    "fra": "French",
    "ita": "Italian",
    "eng": "English",
    "kmr": "Kurmanji Kurdish",
}
MAX_LANGUAGES = 3  # each one slows Tesseract down
TIMEOUT_S = 120


class OcrUnavailable(Exception):
    """Tesseract is not installed (the message names the package)."""


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0-100
    left: int
    top: int
    width: int
    height: int


@dataclass
class OcrResult:
    text: str
    confidence: float | None  # mean word confidence 0-100, None when no word was read
    words: list[Word] = field(default_factory=list)
    languages: str = ""
    engine: str = ""


def package_for(lang: str) -> str:
    return f"tesseract-ocr-{lang}"


@lru_cache(maxsize=1)
def engine() -> tuple[str, frozenset[str]]:
    """(Tesseract version, installed languages); raises OcrUnavailable when not installed."""
    program = shutil.which("tesseract")
    if program is None:
        raise OcrUnavailable(
            "Tesseract is not installed, so text in pictures is not read: install the Debian "
            "package tesseract-ocr (and tesseract-ocr-ara, -fas, -eng… for the languages)"
        )
    try:
        version = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        listed = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"Tesseract does not run ({exc}); reinstall tesseract-ocr") from exc
    first = (version.stdout or version.stderr).splitlines()
    name = first[0].strip() if first else "tesseract"
    langs = frozenset(
        line.strip()
        for line in listed.stdout.splitlines()[1:]
        if line.strip() and " " not in line.strip()
    )
    return name, langs


def script_of(text: str) -> str | None:
    """'arabic', 'ethiopic' or 'latin' from the letters of ``text`` (None when no letters)."""
    counts = {"arabic": 0, "ethiopic": 0, "latin": 0}
    for ch in text[:2000]:
        cp = ord(ch)
        if 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF:
            counts["arabic"] += 1
        elif 0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF:
            counts["ethiopic"] += 1
        elif ch.isalpha() and cp < 0x0250:
            counts["latin"] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else None


def pick_languages(
    language: str | None, text: str, installed: frozenset[str]
) -> tuple[list[str], list[str]]:
    """(languages to read with, languages wanted but not installed) for a post.

    The post's language first, then its script's usual languages, then English (digits and
    Latin letters are in most adverts whatever the language)."""
    wanted: list[str] = []
    if language and language.split("-")[0].lower() in LANGUAGES:
        wanted.append(LANGUAGES[language.split("-")[0].lower()])
    script = script_of(text)
    if script == "arabic":
        wanted += ["ara", "fas"]
    elif script == "ethiopic":
        wanted += ["tir", "amh"]
    elif not wanted:
        wanted.append("ara")  # a picture with no caption: the commonest script of this work
    wanted.append("eng")
    ordered = list(dict.fromkeys(wanted))
    use = [lang for lang in ordered if lang in installed][:MAX_LANGUAGES]
    missing = [lang for lang in ordered if lang not in installed]
    if "eng" in installed and "eng" not in use:
        use[-1:] = ["eng"]
    return use, missing


def prepare_image(data: bytes) -> bytes:
    """The picture as a grey PNG (in memory), enlarged when small, for Tesseract's stdin."""
    return _prepared(data)[0]


def _prepared(data: bytes) -> tuple[bytes, float]:
    """(grey PNG bytes, how much it was enlarged)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        if getattr(image, "is_animated", False):
            image.seek(0)
        grey = image.convert("L")
    shortest = min(grey.size)
    factor = 1.0
    if 0 < shortest < 600:
        factor = min(3.0, 900 / shortest)
        grey = grey.resize(
            (int(grey.width * factor), int(grey.height * factor)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    grey.save(out, format="PNG")
    return out.getvalue(), factor


def read_image(data: bytes, languages: list[str]) -> OcrResult:
    """OCR of an image given as bytes (any format Pillow reads); nothing touches the disk."""
    name, installed = engine()
    langs = [lang for lang in languages if lang in installed] or sorted(installed - {"osd"})[:1]
    if not langs:
        raise OcrUnavailable(
            "Tesseract has no language data: install tesseract-ocr-eng (and -ara, -fas…)"
        )
    png, factor = _prepared(data)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per image; enrichment is parallel
    try:
        proc = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", "+".join(langs), "--psm", "3", "tsv"],
            input=png,
            capture_output=True,
            timeout=TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ValueError(f"Tesseract took longer than {TIMEOUT_S} s on this picture") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(f"Tesseract could not read the picture: {message[-1] if message else ''}")
    tsv = proc.stdout.decode("utf-8", "replace")
    if ARABIC_SCRIPT & set(langs):
        tsv = _read_digits_again(png, tsv)
    result = _parse_tsv(tsv, "+".join(langs), name)
    if factor != 1.0:  # boxes in the picture's own pixels
        result.words = [
            Word(
                w.text,
                w.confidence,
                round(w.left / factor),
                round(w.top / factor),
                round(w.width / factor),
                round(w.height / factor),
            )
            for w in result.words
        ]
    return result


# Languages whose pictures may print Arabic-Indic or Persian digits, which their Tesseract
# data cannot read (core/ocr_digits.py reads those lines again).
ARABIC_SCRIPT = {"ara", "fas", "urd", "pus", "Arabic"}


def _read_digits_again(png: bytes, tsv: str) -> str:
    """Each line Tesseract found, read again for Arabic-Indic/Persian digits; a line read as
    such digits replaces Tesseract's words for it (which are look-alike letters, or digits
    half read that would make a wrong number) with one word: the digits in ASCII, the line's
    box. Returns the TSV so amended."""
    try:
        import numpy as np
        from PIL import Image

        from .ocr_digits import read_digit_line
    except ImportError:  # scipy missing: the first reading stands
        return tsv
    with Image.open(io.BytesIO(png)) as opened:
        grey = np.asarray(opened.convert("L"))
    rows = [row.split("\t") for row in tsv.splitlines()]
    latin_numbers = _lines_read_as_latin_numbers(rows)
    read: dict[tuple[str, ...], list[str]] = {}
    for cols in rows[1:]:
        if len(cols) < 12 or cols[0] != "4" or tuple(cols[1:5]) in latin_numbers:
            continue
        try:
            left, top, width, height = (int(c) for c in cols[6:10])
        except ValueError:
            continue
        pad = max(2, height // 5)
        crop = grey[max(0, top - pad) : top + height + pad, max(0, left - pad) : left + width + pad]
        digits = read_digit_line(crop)
        if digits is not None:
            read[tuple(cols[1:5])] = ["5", *cols[1:5], "1", *cols[6:10], "90", digits]
    if not read:
        return tsv
    out = [rows[0]]
    for cols in rows[1:]:
        key = tuple(cols[1:5]) if len(cols) >= 5 else ()
        if key in read and cols[0] == "5":
            continue  # Tesseract's words for a line read here as digits
        out.append(cols)
        if key in read and cols[0] == "4":
            out.append(read[key])
    return "\n".join("\t".join(cols) for cols in out)


def _lines_read_as_latin_numbers(rows: list[list[str]]) -> set[tuple[str, ...]]:
    """Lines Tesseract itself read, with confidence, as a number in ASCII digits (a Latin phone
    number): those need no second reading, which could only make them worse."""
    digits: dict[tuple[str, ...], int] = {}
    confidences: dict[tuple[str, ...], list[float]] = {}
    for cols in rows[1:]:
        if len(cols) < 12 or cols[0] != "5":
            continue
        key = tuple(cols[1:5])
        digits[key] = digits.get(key, 0) + sum(ch in "0123456789" for ch in cols[11])
        try:
            confidences.setdefault(key, []).append(float(cols[10]))
        except ValueError:
            continue
    return {
        key
        for key, count in digits.items()
        if count >= 7 and min(confidences.get(key) or [0.0]) >= LATIN_NUMBER_CONFIDENCE
    }


#: Tesseract's lowest word confidence on a line for its ASCII digits to stand as read.
LATIN_NUMBER_CONFIDENCE = 80.0


def _parse_tsv(tsv: str, languages: str, name: str) -> OcrResult:
    lines: dict[tuple[int, int, int, int], list[str]] = {}
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        try:
            conf = float(cols[10])
            left, top, width, height = (int(c) for c in cols[6:10])
        except ValueError:
            continue
        key = (int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4]))
        lines.setdefault(key, []).append(text)
        words.append(Word(text, max(conf, 0.0), left, top, width, height))
    text = "\n".join(" ".join(ws) for _k, ws in sorted(lines.items()))
    confidence = sum(w.confidence for w in words) / len(words) if words else None
    return OcrResult(text, confidence, words, languages, name)


def span_box(
    text: str, words: list[list[Any]] | list[Word], start: int, end: int
) -> tuple[int, int, int, int] | None:
    """The box (left, top, width, height, in the picture's pixels) around the words of ``text``
    (what :func:`read_image` returned) that hold the characters ``start:end`` (an indicator's
    span); ``words`` are the result's words, or their stored form [text, confidence, left, top,
    width, height]. The text is the words in reading order, so each word is found after the
    one before it. None when no word overlaps the span."""
    boxes: list[tuple[int, int, int, int]] = []
    at = 0
    for word in words:
        if isinstance(word, Word):
            token, box = word.text, (word.left, word.top, word.width, word.height)
        else:
            token, box = str(word[0]), (int(word[2]), int(word[3]), int(word[4]), int(word[5]))
        found = text.find(token, at)
        if found < 0:
            continue
        at = found + len(token)
        if found < end and at > start:
            boxes.append(box)
    if not boxes:
        return None
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[0] + b[2] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    return left, top, right - left, bottom - top
