"""Image files for the demo corpus: boat adverts, document offers and everyday photos.

Drawn with Pillow so the demo needs no downloaded pictures. Some images also exist as a smaller
re-encoded JPEG and as a cropped, recompressed JPEG: the near-duplicate images an analyst sees when
one advert picture is reposted by many accounts. File names are fixed, so the generator can refer
to them before (or without) drawing them.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BOATS = 16
DOCUMENTS = 12
EVERYDAY = 12
_BOAT_VARIANTS = 10  # the first N boats and documents also get two near-duplicate variants
_DOCUMENT_VARIANTS = 8
_SIZE = (640, 480)


def _with_variants(stem: str, base_ext: str, has_variants: bool) -> tuple[str, ...]:
    names = [f"{stem}.{base_ext}"]
    if has_variants:
        names += [f"{stem}_small.jpg", f"{stem}_edit.jpg"]
    return tuple(names)


BOAT_MEDIA: tuple[tuple[str, ...], ...] = tuple(
    _with_variants(f"boat_{i:02d}", "png", i < _BOAT_VARIANTS) for i in range(BOATS)
)
DOCUMENT_MEDIA: tuple[tuple[str, ...], ...] = tuple(
    _with_variants(f"document_{i:02d}", "png", i < _DOCUMENT_VARIANTS) for i in range(DOCUMENTS)
)
EVERYDAY_MEDIA: tuple[str, ...] = tuple(f"everyday_{i:02d}.jpg" for i in range(EVERYDAY))

_BOAT_CAPTIONS = ("VIP 100% SAFE", "ITALIA", "UK", "GREECE", "SPEEDBOAT", "NEW ENGINE")
_DOC_TITLES = ("PASSPORT", "RESIDENCE PERMIT", "TITRE DE SEJOUR", "VISA", "IDENTITY CARD")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


def draw_boat(index: int) -> Image.Image:
    """A crowded boat on the sea with an advert caption, price and phone number."""
    rng = random.Random(1000 + index)
    img = Image.new("RGB", _SIZE, (120 + rng.randrange(60), 170 + rng.randrange(50), 230))
    d = ImageDraw.Draw(img)
    sea = (10 + rng.randrange(40), 60 + rng.randrange(60), 120 + rng.randrange(80))
    d.rectangle((0, 260, 640, 480), fill=sea)
    for y in range(280, 480, 24):
        d.arc((rng.randrange(-40, 40), y, 640 + rng.randrange(-40, 40), y + 30), 0, 180, "white")
    hull = (rng.randrange(60, 200), rng.randrange(20, 80), rng.randrange(20, 80))
    left = 90 + rng.randrange(60)
    d.polygon([(left, 250), (560, 250), (520, 320), (left + 40, 320)], fill=hull)
    d.rectangle((530, 225, 560, 255), fill=(40, 40, 40))  # outboard engine
    for _ in range(8 + rng.randrange(20)):
        x = rng.randrange(left + 20, 510)
        d.ellipse((x, 222, x + 16, 238), fill=(240, 140 + rng.randrange(80), 0))  # life jackets
        d.ellipse((x + 3, 206, x + 13, 220), fill=(90, 60, 40))
    d.text((30, 30), rng.choice(_BOAT_CAPTIONS), fill="white", font=_font(48))
    d.text((30, 100), f"{rng.randrange(15, 60) * 100} EUR", fill="yellow", font=_font(40))
    d.text((30, 400), f"+44 7700 900{rng.randrange(1000):03d}", fill="white", font=_font(32))
    return img


def draw_document(index: int) -> Image.Image:
    """A specimen identity document (ICAO's fictional 'Utopia'), as sold in fake-papers offers."""
    rng = random.Random(2000 + index)
    img = Image.new("RGB", _SIZE, (60 + rng.randrange(40), 50, 40))
    d = ImageDraw.Draw(img)
    card = (200 + rng.randrange(40), 210 + rng.randrange(30), 190 + rng.randrange(50))
    d.rounded_rectangle((40, 60, 600, 420), radius=18, fill=card, outline=(90, 90, 90), width=3)
    d.text((70, 80), rng.choice(_DOC_TITLES), fill=(20, 40, 110), font=_font(34))
    d.rectangle((70, 140, 220, 320), fill=(200, 200, 205))
    d.ellipse((115, 165, 175, 235), fill=(150, 120, 100))
    d.ellipse((95, 240, 195, 330), fill=(150, 120, 100))
    small = _font(20)
    d.text((250, 150), "SURNAME: SPECIMEN", fill="black", font=small)
    d.text((250, 185), f"GIVEN NAMES: SAMPLE {rng.randrange(100)}", fill="black", font=small)
    d.text((250, 220), f"NO: X{rng.randrange(10**7):07d}", fill="black", font=small)
    d.text(
        (250, 255),
        f"EXPIRY: 20{rng.randrange(27, 35)}-0{rng.randrange(1, 9)}-1{rng.randrange(10)}",
        fill="black",
        font=small,
    )
    mrz = _font(18)
    d.text((70, 345), "P<UTOSPECIMEN<<SAMPLE<<<<<<<<<<<<<<<<<<", fill="black", font=mrz)
    d.text(
        (70, 375), f"X{rng.randrange(10**8):08d}<0UTO8001014F3001019<<<<<", fill="black", font=mrz
    )
    return img


def draw_everyday(index: int) -> Image.Image:
    """An ordinary picture: a plate of food, a ball on a pitch or a sunny sky."""
    rng = random.Random(3000 + index)
    kind = index % 3
    if kind == 0:
        img = Image.new("RGB", _SIZE, (180 + rng.randrange(60), 140, 100))
        d = ImageDraw.Draw(img)
        d.ellipse((160, 80, 480, 400), fill="white", outline=(200, 200, 200), width=6)
        for _ in range(12):
            x, y = rng.randrange(220, 400), rng.randrange(140, 320)
            colour = (rng.randrange(150, 256), rng.randrange(60, 200), rng.randrange(0, 90))
            d.ellipse((x, y, x + 40, y + 30), fill=colour)
    elif kind == 1:
        img = Image.new("RGB", _SIZE, (40, 140 + rng.randrange(60), 50))
        d = ImageDraw.Draw(img)
        d.line((320, 0, 320, 480), fill="white", width=4)
        d.ellipse((240, 160, 400, 320), outline="white", width=4)
        x = rng.randrange(100, 480)
        d.ellipse((x, 300, x + 60, 360), fill="white", outline="black", width=3)
    else:
        img = Image.new("RGB", _SIZE, (90, 160 + rng.randrange(60), 240))
        d = ImageDraw.Draw(img)
        d.ellipse((420, 40, 540, 160), fill=(255, 220, 60))
        d.rectangle((0, 380, 640, 480), fill=(60, 150, 60))
    return img


def _save_with_variants(img: Image.Image, folder: Path, names: tuple[str, ...]) -> None:
    img.save(folder / names[0])
    if len(names) > 1:
        small = img.resize((img.width * 3 // 5, img.height * 3 // 5), Image.Resampling.BILINEAR)
        small.save(folder / names[1], quality=70)
        cropped = img.crop((12, 10, img.width - 12, img.height - 10))
        cropped.save(folder / names[2], quality=50)


def write_media(folder: Path) -> list[Path]:
    """Draw every demo image into ``folder`` and return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, names in enumerate(BOAT_MEDIA):
        _save_with_variants(draw_boat(i), folder, names)
    for i, names in enumerate(DOCUMENT_MEDIA):
        _save_with_variants(draw_document(i), folder, names)
    for i, name in enumerate(EVERYDAY_MEDIA):
        draw_everyday(i).save(folder / name, quality=80)
    every = [n for group in BOAT_MEDIA + DOCUMENT_MEDIA for n in group] + list(EVERYDAY_MEDIA)
    return [folder / n for n in every]
