"""WhatsApp chat exports: Android/iOS lines, clocks, date order, marks, digits, calendars, media."""

from __future__ import annotations

import datetime as dt
import gc
import zipfile
from pathlib import Path

import pytest

from tests.ingest.format_helpers import FIXTURES, read_with, utc
from triage_app.core.errors import UnreadableFileError
from triage_app.core.records import PostRecord
from triage_app.ingest.base import ReadContext
from triage_app.ingest.formats.whatsapp_lines import full_year, match_header
from triage_app.ingest.registry import importers

WA = FIXTURES / "whatsapp"
ANDROID = WA / "android/WhatsApp Chat with Boats.txt"
IOS = WA / "ios/WhatsApp Chat - Ferry/_chat.txt"


def test_android_24h_day_first_continuations_system_lines_and_media() -> None:
    got = read_with("whatsapp", ANDROID)
    assert len(got.posts) == 6 and got.bad == []
    assert len(got.skipped) == 2  # encryption notice and "created group"
    first = got.posts[0]
    assert first.text == "Departure Friday from Zuwara\nprice 2500 euro\ncall +218 91 000 0000"
    assert first.created_at == utc("2022-03-18T14:57:00")
    assert first.account is not None and first.account.account_id == "Omar"
    assert first.extra["chat"] == "Boats"
    photo = got.posts[1]
    assert photo.text == "the boat"
    [media] = photo.media
    assert media.kind == "photo" and not media.missing
    assert media.path == str((ANDROID.parent / "IMG-20220318-WA0001.jpg").resolve())
    omitted = got.posts[2]
    assert omitted.text == "" and omitted.media[0].missing
    assert omitted.raw == "18.03.22, 15:01 - Sara: <Media omitted>"


def test_duplicate_messages_get_distinct_stable_ids() -> None:
    first = read_with("whatsapp", ANDROID)
    again = read_with("whatsapp", ANDROID)
    ids = [p.post_id for p in first.posts]
    assert ids == [p.post_id for p in again.posts]
    assert len(set(ids)) == len(ids)
    ok1, ok2 = (p for p in first.posts if p.text == "ok")
    assert ok2.post_id == ok1.post_id + "-1"


def test_right_to_left_text_and_marks_survive_byte_for_byte() -> None:
    got = read_with("whatsapp", ANDROID)
    arabic = got.posts[-1]
    expected = "\u200fمرحبا، الرحلة القادمة يوم الجمعة \u200e+218 91 000 0000\u200e"
    assert arabic.text.encode("utf-8") == expected.encode("utf-8")
    assert expected.encode("utf-8") in ANDROID.read_bytes()
    assert arabic.account is not None and arabic.account.account_id == "Omar"  # mark removed
    assert arabic.created_at == utc("2022-04-13T09:05:00")


def test_ios_12h_month_first_attachments_and_system_lines() -> None:
    got = read_with("whatsapp", IOS)
    assert [p.account.account_id for p in got.posts if p.account] == [
        "Ali",
        "Ferry",
        "Ferry",
        "Ali",
        "Ali",
    ]
    assert len(got.skipped) == 2  # encryption notice and a deleted message
    hello, seats, photo, omitted, hebrew = got.posts
    assert hello.created_at == utc("2022-03-27T21:42:10")
    assert seats.text == "Yes. 3 seats\nsecond line"
    assert photo.text == "" and photo.media[0].path == str(
        (IOS.parent / "00000012-PHOTO-2022-03-27-21-41-35.jpg").resolve()
    )
    assert omitted.created_at == utc("2022-03-28T00:05:00")  # 12:05 AM
    assert omitted.media[0].missing
    assert hebrew.text == "שלום, תודה" and hebrew.created_at == utc("2022-03-30T13:07:00")
    assert hello.extra["chat"] == "Ferry"  # from the folder a _chat.txt sits in


def test_arabic_indic_digits_and_arabic_am_pm() -> None:
    got = read_with("whatsapp", WA / "WhatsApp Chat with أحمد.txt")
    first, second = got.posts
    assert first.created_at == utc("2022-03-18T22:30:00")  # ١٠:٣٠ م
    assert second.created_at == utc("2022-03-19T09:05:00")  # ٩:٠٥ ص
    assert second.text == "\u200fكم السعر؟\nالسعر ٣٠٠٠ دولار"
    assert first.extra["chat"] == "أحمد"


def test_buddhist_calendar_years() -> None:
    got = read_with("whatsapp", WA / "WhatsApp Chat with Thai.txt")
    assert [p.created_at for p in got.posts] == [
        utc("2022-03-27T21:41:00"),
        utc("2022-03-28T08:00:00"),
    ]
    assert full_year(2565, dt.date(2026, 1, 1)) == 2022
    assert full_year(65, dt.date(2026, 1, 1)) == 2022  # short Buddhist year, not 2065
    assert full_year(22, dt.date(2026, 1, 1)) == 2022


def test_day_month_order_inferred_from_the_whole_file() -> None:
    got = read_with("whatsapp", WA / "WhatsApp Chat with Order.txt")
    # 01/02, 02/01, 02/03 only run forwards in time when read month first
    assert [p.created_at for p in got.posts] == [
        utc("2022-01-02T10:00:00"),
        utc("2022-02-01T10:00:00"),
        utc("2022-02-03T10:00:00"),
    ]


def test_undecidable_order_is_refused_and_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_text("03/04/22, 10:00 - A: one\n03/04/22, 10:05 - B: two\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="--date-order dmy"):
        read_with("whatsapp", path)
    ctx = ReadContext(path, path.parent, date_order="mdy")
    posts = [r for r in importers()["whatsapp"].read(path, ctx) if isinstance(r, PostRecord)]
    assert posts[0].created_at == utc("2022-03-04T10:00:00")
    assert any("month first as asked (--date-order mdy)" in note for note in ctx.notes)
    assert any("no time zone" in note for note in ctx.notes)


def test_header_forms() -> None:
    android = match_header("18.03.2022, 14:56 - Name: text")
    assert android is not None and (android.hour, android.rest) == (14, "Name: text")
    ios = match_header("\u200e[3/27/22, 9:41:35\u202fPM] Name: hi")
    assert ios is not None and ios.ios and (ios.hour, ios.second) == (21, 35)
    assert match_header("just a continuation line") is None
    assert match_header("31/12/2021, 25:00 - Name: impossible hour") is None


def test_damaged_files(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="not UTF-8 text"):
        read_with("whatsapp", WA / "WhatsApp Chat with Latin1.txt")
    junk = tmp_path / "WhatsApp Chat with J.txt"
    junk.write_text(
        "garbage before any message\n18.03.22, 14:57 - A: fine\n31.02.22, 10:00 - A: 31 Feb\n",
        encoding="utf-8",
    )
    got = read_with("whatsapp", junk)
    assert [p.text for p in got.posts] == ["fine"]
    assert [(b.reason, b.line_no) for b in got.bad] == [
        ("text before the first dated line", 1),
        ("impossible date for this file's day/month order", 3),
    ]
    mixed = tmp_path / "WhatsApp Chat with M.txt"
    mixed.write_text("13/01/22, 10:00 - A: x\n01/13/22, 10:00 - A: y\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="mixes formats"):
        read_with("whatsapp", mixed)


def test_the_zip_whatsapp_makes_reads_with_its_media(tmp_path: Path) -> None:
    archive = tmp_path / "WhatsApp Chat - Ferry.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in IOS.parent.iterdir():
            zf.write(file, file.name)
    ctx = ReadContext(archive, archive.parent)
    posts = [r for r in importers()["whatsapp"].read(archive, ctx) if isinstance(r, PostRecord)]
    direct = read_with("whatsapp", IOS)
    assert [p.post_id for p in posts] == [p.post_id for p in direct.posts]
    unpacked = Path(str(posts[2].media[0].path))
    # the media stay readable while the import context lives, and go with it
    assert unpacked.read_bytes() == (IOS.parent / unpacked.name).read_bytes()
    del ctx
    gc.collect()
    assert not unpacked.exists()


def test_ios_captions_and_shared_locations_are_messages(tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat - Cap" / "_chat.txt"
    chat.parent.mkdir()
    (chat.parent / "00000001-PHOTO-2022-03-27-21-41-35.jpg").write_bytes(b"jpeg")
    chat.write_text(
        "[27/03/2022, 21:41:35] Ali: \u200e<attached: 00000001-PHOTO-2022-03-27-21-41-35.jpg>\n"
        "boat leaves at night\n"
        "[27/03/2022, 21:42:00] Ali: \u200eLocation: https://maps.google.com/?q=32.9,13.1\n"
        "[27/03/2022, 21:43:00] Cap: \u200eAli added Sara\n",
        encoding="utf-8",
    )
    got = read_with("whatsapp", chat)
    photo, location = got.posts
    assert photo.text == "boat leaves at night" and not photo.media[0].missing
    assert location.text == "\u200eLocation: https://maps.google.com/?q=32.9,13.1"
    assert location.created_at == utc("2022-03-27T21:42:00")  # 27 first: day first
    assert len(got.skipped) == 1
