"""Issue 15: phone numbers printed in Arabic-Indic (٠-٩) or Persian (۰-۹) digits in a picture
come out as the right E.164 indicator. Debian's Tesseract data cannot read these digits (``ara``
has only ٠ and ١ in its character set; ``fas`` reads them as look-alikes), so each line
Tesseract finds in an Arabic-script picture is read again (core/ocr_digits.py). Real Tesseract
on PNGs drawn here with the Noto Arabic fonts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("tesseract_installed")

NOTO = Path("/usr/share/fonts/truetype/noto")
E164 = "+447911123456"


def flyer(digits: str, font: str = "NotoSansArabic-Regular.ttf") -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    assert (NOTO / font).exists(), f"{font} is missing: install the Debian package fonts-noto-core"
    arabic = ImageFont.truetype(str(NOTO / font), 56)
    latin = ImageFont.truetype(str(NOTO / "NotoSans-Regular.ttf"), 56)
    image = Image.new("RGB", (1000, 700), (245, 240, 235))
    draw = ImageDraw.Draw(image)
    draw.text((70, 150), "رحلة الى ايطاليا", font=arabic, fill=(30, 30, 30))
    printed = "+44 7911 123456".translate(str.maketrans("0123456789", digits))
    x = 70
    for ch in printed:  # a line of its own, left to right, '+' from Noto Sans
        face = arabic if ch.isdigit() else latin
        draw.text((x, 450), ch, font=face, fill=(20, 0, 40), anchor="ls", direction="ltr")
        x += int(round(face.getlength(ch, direction="ltr")))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("digits", "font", "language"),
    [
        ("٠١٢٣٤٥٦٧٨٩", "NotoSansArabic-Regular.ttf", "ar"),
        ("٠١٢٣٤٥٦٧٨٩", "NotoNaskhArabic-Regular.ttf", "ar"),
        ("۰۱۲۳۴۵۶۷۸۹", "NotoSansArabic-Regular.ttf", "fa"),
    ],
)
def test_arabic_indic_and_persian_digits_give_the_e164_phone(digits, font, language):
    from triage_app.core.indicators import extract_indicators
    from triage_app.core.ocr import engine, pick_languages, read_image

    _name, installed = engine()
    languages, _missing = pick_languages(language, "رحلة الى ايطاليا", installed)
    result = read_image(flyer(digits, font), languages)
    phones = {
        i.value for i in extract_indicators(result.text, language=language) if i.kind == "phone"
    }
    assert phones == {E164}, result.text
    # one word for the printed line, its digits in ASCII (groups spaced as the gaps suggest)
    [word] = [w for w in result.words if w.text.replace(" ", "") == E164]
    assert 430 < word.top + word.height < 470 and 60 < word.left < 90


def test_a_line_of_letters_is_not_read_as_digits():
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from triage_app.core.ocr_digits import read_digit_line

    font = ImageFont.truetype(str(NOTO / "NotoSansArabic-Regular.ttf"), 56)
    image = Image.new("L", (900, 110), 245)
    ImageDraw.Draw(image).text((20, 80), "تماس بگیرید قایق امن", font=font, fill=20, anchor="ls")
    assert read_digit_line(np.asarray(image)) is None
    image = Image.new("L", (900, 110), 245)
    latin = ImageFont.truetype(str(NOTO / "NotoSans-Regular.ttf"), 56)
    ImageDraw.Draw(image).text((20, 80), "BOAT TO ITALY NOW", font=latin, fill=20, anchor="ls")
    assert read_digit_line(np.asarray(image)) is None


def test_the_enrichment_stores_the_phone_read_in_arabic_indic_digits(
    make_store, tmp_path, monkeypatch
):
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.ocr import ocr_pending

    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "flyer.png").write_bytes(flyer("٠١٢٣٤٥٦٧٨٩"))
    record = {
        "platform": "telegram",
        "post_id": "p1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "رحلة الى ايطاليا، التفاصيل في الصورة",
        "language": "ar",
        "media": ["flyer.png"],
    }
    (export / "posts.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    assert ocr_pending(store).read == 1
    phones = store.execute(
        "SELECT value FROM indicators WHERE kind = 'phone' AND media_id IS NOT NULL"
    ).fetchall()
    assert phones == [(E164,)]
