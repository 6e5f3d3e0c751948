"""Hand-made posts for the preview, compare-pane and post-detail tests, imported through the real
pipeline from a generic JSONL file (with media files beside it), so that indicators, clusters and
media rows are the ones an analyst would see after an import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

# An Arabic small-boat advert and its repost with a changed price and phone number on another
# platform and account: the pair the compare pane must line up word by word.
ARABIC_AD = (
    "رحلات بحرية مضمونة من تركيا إلى اليونان كل أسبوع قارب سريع ومريح والسعر 2500 يورو "
    "للشخص الواحد مع سترة نجاة للحجز تواصل واتساب +90 532 111 22 33"
)
ARABIC_REPOST = (
    "رحلات بحرية مضمونة من تركيا إلى اليونان كل أسبوع قارب سريع ومريح والسعر 1800 يورو "
    "للشخص الواحد مع سترة نجاة للحجز تواصل واتساب +90 532 999 88 77"
)
KURDISH_AD = (
    "گەشتی دڵنیا بۆ ئیتاڵیا بە بەلەمی خێرا، نرخ ٣٥٠٠ یۆرۆ\n"
    "پەیوەندی بکە: +964 750 123 4567 یان t.me/safe_trip_krd"
)
ENGLISH_SAME_PHONE = "Documents ready in 3 days, passports and visas. Call +90 532 111 22 33 now"
ENGLISH_OTHER = "Lovely sunset at the beach today, family picnic with the kids"
SAME_ACCOUNT = "New group opening next week, join us on t.me/safe_trip_group for details"

POSTS: list[dict[str, Any]] = [
    {
        "platform": "facebook",
        "post_id": "fb-1",
        "created_at": "2024-05-01T09:30:00Z",
        "text": ARABIC_AD,
        "author_id": "100",
        "author_handle": "trips_turkey",
        "author_name": "رحلات آمنة",
        "author_followers": 1520,
        "author_created_at": "2023-11-02T00:00:00Z",
        "language": "ar",
        "url": "https://facebook.example/posts/fb-1",
        "media": ["boat.jpg", "clip.mp4"],
    },
    {
        "platform": "x",
        "post_id": "x-2",
        "created_at": "2024-05-03T18:05:00Z",
        "text": ARABIC_REPOST,
        "author_id": "200",
        "author_handle": "sea_trips_2024",
        "author_name": "Sea Trips",
        "language": "ar",
        "media": ["nostill.mp4"],
    },
    {
        "platform": "telegram",
        "post_id": "tg-3",
        "created_at": "2024-05-04T07:00:00Z",
        "text": ENGLISH_SAME_PHONE,
        "author_id": "300",
        "author_handle": "docs_fast",
        "language": "en",
        "media": ["https://cdn.example/passport.jpg"],  # named by the export, not collected
    },
    {
        "platform": "facebook",
        "post_id": "fb-4",
        "created_at": "2024-05-05T12:00:00Z",
        "text": SAME_ACCOUNT,
        "author_id": "100",
        "author_handle": "trips_turkey",
        "author_name": "رحلات آمنة",
        "language": "en",
    },
    {
        "platform": "facebook",
        "post_id": "fb-5",
        "created_at": "2024-05-06T12:00:00Z",
        "text": ENGLISH_OTHER,
        "author_id": "400",
        "author_handle": "happy_family",
        "language": "en",
    },
    {
        "platform": "tiktok",
        "post_id": "tt-6",
        "created_at": "2024-05-07T21:45:00Z",
        "text": KURDISH_AD,
        "author_id": "500",
        "author_handle": "krd_travel",
        "author_name": "گەشت",
        "language": "ckb",
        "author_followers": 88,
    },
]


def write_media(folder: Path) -> None:
    """A photo, a video with a poster image beside it, and a video with no still frame."""
    boat = Image.new("RGB", (320, 200), "#1e88e5")
    draw = ImageDraw.Draw(boat)
    draw.rectangle((40, 120, 280, 160), fill="#ff7043")
    draw.ellipse((230, 20, 290, 80), fill="#ffee58")
    boat.save(folder / "boat.jpg", quality=90)
    (folder / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(200)))
    poster = Image.new("RGB", (320, 180), "#43a047")
    ImageDraw.Draw(poster).rectangle((100, 50, 220, 130), fill="#ffffff")
    poster.save(folder / "clip.jpg", quality=90)
    (folder / "nostill.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(100))


def write_sample_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_media(folder)
    path = folder / "posts.jsonl"
    path.write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in POSTS) + "\n", encoding="utf-8"
    )
    return path


def import_samples(store: Any, folder: Path) -> dict[str, int]:
    """Import the sample posts; returns store post ids by platform post id."""
    from triage_app.ingest.pipeline import import_paths

    summaries = import_paths(store, [write_sample_file(folder)])
    assert [s.error for s in summaries] == [None], summaries
    assert summaries[0].inserted == len(POSTS)
    rows = store.execute("SELECT platform_post_id, id FROM posts").fetchall()
    return {r[0]: int(r[1]) for r in rows}
