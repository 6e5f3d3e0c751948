"""OCR figures (issue 15), picked up by tests/perf/bench.py; needs no store:

    python tests/perf/bench.py --only ocr

Generated 1000x1000 adverts, per script of the printed phone number (Latin digits, Arabic-Indic
digits, Persian digits): a line of advert text in that script, the number in international form
(grouped three ways, on a line of its own drawn left to right, the '+' from Noto Sans where the
Arabic fonts have none), several fonts and sizes, light noise and a small rotation on some. Each
picture is
read by the real Tesseract (core/ocr.py, the languages the enrichment would pick) and the text
run through the indicators: a picture counts when the right E.164 number comes out. Also the
rate, pictures per second on one core (Tesseract runs with OMP_THREAD_LIMIT=1)."""

from __future__ import annotations

import io
import random
import time
from pathlib import Path
from typing import Any

FONTS = Path("/usr/share/fonts/truetype")
PER_SCRIPT = 24
SCRIPTS: dict[str, dict[str, Any]] = {
    "latin": {
        "digits": "0123456789",
        "lines": ["BOAT TO ITALY - 2 PLACES LEFT", "Passage sûr vers la France", "VIP CROSSING"],
        "fonts": ["noto/NotoSans-Regular.ttf", "noto/NotoSans-Bold.ttf", "dejavu/DejaVuSans.ttf"],
        "language": "en",
    },
    "arabic-indic": {
        "digits": "٠١٢٣٤٥٦٧٨٩",
        "lines": ["رحلة الى ايطاليا", "اتصل الآن", "قارب آمن"],
        "fonts": ["noto/NotoSansArabic-Regular.ttf", "noto/NotoSansArabic-Bold.ttf"],
        "language": "ar",
    },
    "persian": {
        "digits": "۰۱۲۳۴۵۶۷۸۹",
        "lines": ["سفر به ایتالیا", "تماس بگیرید", "قایق امن"],
        "fonts": ["noto/NotoSansArabic-Regular.ttf", "noto/NotoNaskhArabic-Regular.ttf"],
        "language": "fa",
    },
}
# Valid numbers (phonenumbers) of the countries these adverts give: (E.164, local form).
NUMBERS = [
    ("+447911123456", "07911 123456"),
    ("+393123456789", "312 345 6789"),
    ("+905321234567", "0532 123 45 67"),
    ("+218912345678", "091 234 5678"),
    ("+33612345678", "06 12 34 56 78"),
]


def _advert(rng: random.Random, script: str, e164: str, local: str) -> tuple[bytes, str, str]:
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    spec = SCRIPTS[script]
    fonts = [FONTS / f for f in spec["fonts"] if (FONTS / f).exists()]
    font_path = rng.choice(fonts) if fonts else None
    size = rng.choice([44, 56, 68])
    cc = 3 if e164[1:3] in ("21",) else 2  # country code length in these numbers
    grouped = [
        e164,
        "+" + e164[1 : cc + 1] + " " + e164[cc + 1 : cc + 4] + " " + e164[cc + 4 :],
        "+" + e164[1 : cc + 1] + " " + local.lstrip("0"),
    ]
    shown = rng.choice(grouped)
    table = str.maketrans("0123456789", spec["digits"])
    printed = shown.translate(table)
    image = Image.new("RGB", (1000, 1000), tuple(rng.randint(225, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path), size) if font_path else ImageFont.load_default(size)
    draw.text((70, 250), rng.choice(spec["lines"]), font=font, fill=(30, 30, 30))
    number_font = font
    if font_path is not None and "Arabic" in font_path.name:  # no '+' glyph (a box): fall back
        number_font = ImageFont.truetype(str(FONTS / "noto/NotoSans-Regular.ttf"), size)
    _draw_number(draw, (70, 520), printed, font, number_font, rng)
    noisy = rng.random() < 0.5
    if noisy:  # light noise and a small rotation
        pixels = image.load()
        for _ in range(6000):
            x, y = rng.randrange(1000), rng.randrange(1000)
            pixels[x, y] = tuple(rng.randint(0, 255) for _ in range(3))
        image = image.rotate(rng.uniform(-3, 3), fillcolor=(255, 255, 255), expand=False)
        image = image.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue(), shown, "noisy" if noisy else "clean"


def _draw_number(
    draw: Any, xy: tuple[int, int], printed: str, digits: Any, other: Any, rng: random.Random
) -> None:
    """The number on a line of its own, as a phone or a browser shows it: left to right (a
    line with no letters), each character in the first font that has it (the Arabic fonts have
    no '+', which Pillow would draw as a box), all on one baseline."""
    fill = (rng.randint(0, 60), 0, rng.randint(0, 90))
    x, y = xy
    for ch in printed:
        font = digits if ch.isdigit() else other
        draw.text((x, y), ch, font=font, fill=fill, anchor="ls", direction="ltr")
        x += int(round(font.getlength(ch, direction="ltr")))


def measure_ocr(b: Any) -> None:
    from triage_app.core.indicators import extract_indicators
    from triage_app.core.ocr import engine, pick_languages, read_image

    _name, installed = engine()
    rng = random.Random(15)
    total_time = 0.0
    pictures = 0
    for script, spec in SCRIPTS.items():
        right = {"clean": 0, "noisy": 0}
        count = {"clean": 0, "noisy": 0}
        for n in range(PER_SCRIPT):
            e164, local = NUMBERS[n % len(NUMBERS)]
            data, _shown, kind = _advert(rng, script, e164, local)
            line = spec["lines"][0]
            languages, _missing = pick_languages(spec["language"], line, installed)
            started = time.perf_counter()
            result = read_image(data, languages)
            total_time += time.perf_counter() - started
            pictures += 1
            found = {
                i.value
                for i in extract_indicators(result.text, language=spec["language"])
                if i.kind == "phone"
            }
            count[kind] += 1
            right[kind] += e164 in found
        for kind in ("clean", "noisy"):
            if not count[kind]:
                continue
            share = 100 * right[kind] / count[kind]
            target = ">= 95%" if kind == "clean" and script in ("latin", "arabic-indic") else "-"
            ok = share >= 95 if target != "-" else None
            b.add(
                f"phone numbers printed in pictures read as the right E.164, {script}, {kind}",
                share,
                "%",
                target,
                ok,
                f"{right[kind]} of {count[kind]} generated adverts",
            )
    b.add(
        "OCR pictures per second per core (1000x1000 adverts)",
        pictures / max(total_time, 1e-6),
        "pictures/s",
        "-",
        None,
        f"{pictures} pictures in {total_time:.1f} s, tesseract with OMP_THREAD_LIMIT=1",
    )


MEASUREMENTS = {"ocr": measure_ocr}
