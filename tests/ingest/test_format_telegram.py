"""Telegram Desktop exports: schemas, entity lists, media, service messages, \\xNN repair."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ingest.format_helpers import FIXTURES, read_with
from triage_app.core.errors import UnreadableFileError
from triage_app.ingest.jsonstream import EscapeRepairingReader

EXPORT = FIXTURES / "telegram/export/result.json"
CHAT = "1152921504606846977"  # 2**60 + 1: exact only if never parsed as a float


def test_current_schema_channel_export() -> None:
    got = read_with("telegram", EXPORT)
    assert [p.post_id for p in got.posts] == [f"{CHAT}:2", f"{CHAT}:3", f"{CHAT}:4"]
    advert = got.posts[0]
    assert advert.text == ("رحلات يومية إلى إيطاليا مضمونة — احجز هنا @captain_x\nline two\x01end")
    assert advert.extra["links"] == ["https://t.me/+AbCdEf"]
    assert advert.created_at == 1715591700  # date_unixtime, not the local "date"
    assert advert.account is not None
    assert advert.account.account_id == "channel1152921504606846977"
    assert advert.extra["chat"] == "طرق البحر | Sea routes"
    assert advert.extra["chat_type"] == "public_channel"
    assert not any("read as UTC" in n for n in got.notes)


def test_right_to_left_text_survives_byte_for_byte() -> None:
    got = read_with("telegram", EXPORT)
    on_disk = EXPORT.read_bytes()
    for piece in ("رحلات يومية إلى إيطاليا ", "مضمونة", "احجز هنا"):
        assert piece.encode("utf-8") in on_disk
        assert piece.encode("utf-8") in got.posts[0].text.encode("utf-8")
    assert got.posts[0].text.encode("utf-8").startswith("رحلات يومية".encode())


def test_photos_resolved_or_missing_and_skipped_files_recorded() -> None:
    got = read_with("telegram", EXPORT)
    [present] = got.posts[0].media
    assert present.kind == "photo" and not present.missing
    assert present.path == str((EXPORT.parent / "photos/photo_1@13-05-2024_09-15-00.jpg").resolve())
    [absent] = got.posts[1].media
    assert absent.missing and absent.path is None
    assert absent.name == "photos/photo_2@13-05-2024_09-20-00.jpg"
    [placeholder] = got.posts[2].media
    assert (placeholder.kind, placeholder.missing, placeholder.mime) == ("video", True, "video/mp4")


def test_from_null_forwarded_reply_and_escapes() -> None:
    got = read_with("telegram", EXPORT)
    message = got.posts[1]
    assert message.account is not None
    assert (message.account.account_id, message.account.display_name) == ("user5551234", None)
    assert message.extra["forwarded_from"] == "Captain X"
    assert message.parent_post_id == f"{CHAT}:2"
    # \\x41 is an escaped backslash followed by "x41" and stays; \x09 is a repaired tab
    assert message.text == "backslash stays \\x41 and tab\there"


def test_service_messages_skipped_and_dateless_message_quarantined() -> None:
    got = read_with("telegram", EXPORT)
    assert len(got.skipped) == 1 and "service" in got.skipped[0].reason
    [bad] = got.bad
    assert bad.reason == "message has no date" and bad.record_no == 5
    assert json.loads(bad.raw)["text"] == "no date at all"


def test_full_account_export_keeps_chats_apart() -> None:
    got = read_with("telegram", FIXTURES / "telegram/account_export.json")
    assert [p.post_id for p in got.posts] == ["111:10", "222:10", "333:1"]
    assert [p.extra["chat"] for p in got.posts] == ["Group A", "Group B", "Old"]
    assert len(got.skipped) == 1 and got.bad == []


def test_truncated_export_is_refused_with_one_line() -> None:
    with pytest.raises(UnreadableFileError) as err:
        read_with("telegram", FIXTURES / "telegram/truncated_result.json")
    assert "truncated_result.json: damaged or truncated JSON" in str(err.value)
    assert "\n" not in str(err.value)


def _repair(data: bytes, sizes: list[int]) -> bytes:
    reader = EscapeRepairingReader(io.BytesIO(data))
    out = bytearray()
    i = 0
    while True:
        buffer = bytearray(sizes[i % len(sizes)])
        n = reader.readinto(buffer)
        if n == 0:
            return bytes(out)
        out += buffer[:n]
        i += 1


@given(
    st.lists(
        st.sampled_from(["a", "\\", "\\x1f", "\\\\x41", "x", '"', "\\u00e9", "\\n"]), max_size=40
    ),
    st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=5),
)
def test_escape_repair_is_the_same_whatever_the_chunk_boundaries(
    pieces: list[str], sizes: list[int]
) -> None:
    data = "".join(pieces).encode()
    # reference: an "x" after an odd run of backslashes becomes "u00"
    expected = re.sub(rb"(?<!\\)((?:\\\\)*\\)x", rb"\1u00", data)
    assert _repair(data, sizes) == expected


def test_escape_repair_turns_xnn_into_valid_json() -> None:
    raw = b'{"t": "a\\x01b \\\\x41 \\\\\\x02"}'
    fixed = _repair(raw, [3])
    assert json.loads(fixed) == {"t": "a\x01b \\x41 \\\x02"}


def test_big_export_is_streamed_not_loaded(tmp_path: Path) -> None:
    """A 30 000-message export reads with ids exact and the escape repaired in every message."""
    path = tmp_path / "result.json"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            '{"name": "big", "type": "public_channel", "id": 9007199254740993, "messages": ['
        )
        for i in range(30_000):
            sep = "," if i else ""
            handle.write(
                f'{sep}{{"id": {i}, "type": "message", "date_unixtime": "{1700000000 + i}", '
                f'"from": "A", "from_id": "user1", "text": "m{i}\\x0a"}}'
            )
        handle.write("]}")
    got = read_with("telegram", path)
    assert len(got.posts) == 30_000 and got.bad == []
    assert got.posts[-1].post_id == "9007199254740993:29999"
    assert got.posts[-1].text == "m29999\n"
