"""X API v2 and v1.1 pitfalls: retweet full text, HTML entities, extended_tweet, damaged lines."""

from __future__ import annotations

import json

from tests.ingest.format_helpers import FIXTURES, read_with, utc

ARABIC_FULL = (
    "\u0631\u062d\u0644\u0627\u062a \u064a\u0648\u0645\u064a\u0629 & \u0645\u0636\u0645\u0648\u0646"
    "\u0629 \u0644\u0644\u0648\u0635\u0648\u0644 \u0625\u0644\u0649 \u0625\u064a\u0637\u0627\u0644"
    "\u064a\u0627 \u0639\u0628\u0631 \u0644\u064a\u0628\u064a\u0627 \u2014 "
    "\u0627\u062a\u0635\u0644 \u0648\u0627\u062a\u0633\u0627\u0628"
)


def test_v2_retweet_takes_full_right_to_left_text_from_includes() -> None:
    got = read_with("x-v2", FIXTURES / "x/v2_pitfalls.jsonl")
    rt = got.by_id("1790000000000000001")
    assert rt.kind == "repost" and rt.parent_post_id == "1789999999999999999"
    assert rt.text == "RT @sea_routes: " + ARABIC_FULL  # byte for byte, entity decoded
    assert rt.text.encode("utf-8") == ("RT @sea_routes: " + ARABIC_FULL).encode("utf-8")
    assert rt.account is not None
    assert (rt.account.handle, rt.account.display_name) == (
        "boats_r_us",
        "\u0642\u0648\u0627\u0631\u0628",
    )
    assert rt.account.followers == 1234 and rt.account.created_at == utc("2020-01-01T00:00:00")
    assert rt.language == "ar"


def test_v2_entities_media_reply_and_note_tweet() -> None:
    got = read_with("x-v2", FIXTURES / "x/v2_pitfalls.jsonl")
    reply = got.by_id("1790000000000000002")
    assert reply.text == "Crossing <safe> & fast https://t.co/abc"
    assert reply.kind == "comment" and reply.parent_post_id == "1789000000000000000"
    assert reply.extra["urls"] == ["https://example.org/boats"]
    [photo] = reply.media
    assert (photo.kind, photo.url, photo.missing) == (
        "photo",
        "https://pbs.twimg.com/media/boat.jpg",
        True,
    )
    long = got.by_id("1790000000000000003")
    assert long.text.endswith("the note has it all: call +39 333 000 0000")
    assert long.created_at == utc("2024-05-14T10:00:00")


def test_v2_damaged_records_are_quarantined_and_error_pages_skipped() -> None:
    got = read_with("x-v2", FIXTURES / "x/v2_pitfalls.jsonl")
    assert len(got.posts) == 3
    reasons = sorted((b.reason.split(" (")[0], b.line_no) for b in got.bad)
    assert reasons == [("not valid JSON", 3), ("tweet has no id or no text", 1)]
    assert all(b.raw for b in got.bad)
    assert [s.reason for s in got.skipped] == ["X page with no tweets (errors or empty result)"]


def test_v1_retweet_full_text_from_extended_tweet_and_exact_ids() -> None:
    got = read_with("x-v1", FIXTURES / "x/v1_pitfalls.jsonl")
    rt = got.by_id("9007199254740995")  # above 2**53: a float would make it ...996
    assert rt.kind == "repost" and rt.parent_post_id == "9007199254740993"
    assert rt.text == (
        "RT @notFromShrek: F) Tweet with 140 characters & more text that only the extended "
        "tweet holds: \u05e9\u05dc\u05d5\u05dd"
    )
    assert [m.url for m in rt.media] == ["https://pbs.twimg.com/media/x.jpg"]
    assert rt.created_at == utc("2017-05-24T20:19:05")
    plain = got.by_id("9007199254740997")
    assert plain.text == '"quoted" <3 \u0633\u0644\u0627\u0645'  # full_text, entities decoded
    assert plain.kind == "comment" and plain.parent_post_id == "9007199254740993"
    assert plain.raw.startswith('{"id": 9007199254740997, "id_str": "9007199254740997"')


def test_v1_damaged_lines_and_stream_notices() -> None:
    got = read_with("x-v1", FIXTURES / "x/v1_pitfalls.jsonl")
    assert len(got.posts) == 2
    assert [(b.reason.split(" (")[0], b.line_no) for b in got.bad] == [
        ("tweet has no id_str or no created_at", 4),
        ("not valid JSON", 5),
    ]
    assert len(got.skipped) == 1 and "delete" in got.skipped[0].reason


def test_v2_flattened_twarc_lines(tmp_path) -> None:
    flat = {
        "id": "1790000000000000009",
        "text": "RT @orig: cut \u2026",
        "author_id": "5",
        "created_at": "2024-05-13T09:15:00.000Z",
        "edit_history_tweet_ids": ["1790000000000000009"],
        "author": {"id": "5", "username": "flatuser", "name": "Flat"},
        "referenced_tweets": [
            {"type": "retweeted", "id": "17", "tweet": {"id": "17", "text": "the whole text"}}
        ],
        "__twarc": {"version": "2.14.0"},
    }
    path = tmp_path / "flat.jsonl"
    path.write_text(json.dumps(flat) + "\n", encoding="utf-8")
    from triage_app.ingest.registry import detect_format

    assert detect_format(path).name == "x-v2"
    [post] = read_with("x-v2", path).posts
    assert post.text == "RT @orig: the whole text"
    assert post.account is not None and post.account.handle == "flatuser"
