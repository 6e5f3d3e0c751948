"""Issue 13, "Other formats": twarc2 flatten, byte-order marks, YouTube search entities, TikTok
control characters, CrowdTangle zones and counts, Facebook attachments and profile, Meta
Content Library fields, Gnip activity streams. Every file here was written for these tests from
the formats' documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ingest.format_helpers import FIXTURES, read_with, utc
from triage_app.ingest.registry import detect_format

BOM = b"\xef\xbb\xbf"

# --- 1. twarc2 flatten ------------------------------------------------------------------------

FULL = (
    "Departures every Friday from Zuwara. Price 2000 EUR per person, children half. "
    "Life jackets included. Contact on WhatsApp +218 91 000 0000 or Telegram @sea_routes_bot. "
    "Places are limited, book now & pay on arrival. No questions asked."
)


@pytest.mark.parametrize("name", ["twarc2_flat_2021.jsonl", "twarc2_flat_2023.jsonl"])
def test_twarc2_flatten_detected_and_read(name: str) -> None:
    """Before twarc's 2022 change (no edit_history_tweet_ids, no __twarc) and after it."""
    path = FIXTURES / "x" / name
    assert detect_format(path).name == "x-v2"
    got = read_with("x-v2", path)
    assert not got.bad and len(got.posts) == 5
    original = got.by_id("1600000000000000010")
    assert original.text == FULL  # &amp; unescaped
    assert original.account is not None and original.account.handle == "sea_routes"
    assert original.account.followers == 5120
    assert [m.url for m in original.media] == [
        "https://pbs.twimg.com/media/FakePhoto1.jpg",
        "https://video.twimg.com/ext_tw_video/1/pu/vid/1280x720/high.mp4",  # best variant
    ]
    retweet = got.by_id("1600000000000000020")
    assert (retweet.kind, retweet.parent_post_id) == ("repost", "1600000000000000010")
    assert retweet.text == "RT @sea_routes: " + FULL  # not the cut "... or Tele…"
    assert retweet.account is not None and retweet.account.handle == "boat_agent"
    assert [m.kind for m in retweet.media] == ["photo", "video"]  # the original's media
    quote = got.by_id("1600000000000000030")
    assert quote.extra["quoted_post_id"] == "1600000000000000010"
    assert quote.extra["quoted_text"] == FULL
    reply = got.by_id("1600000000000000040")
    assert (reply.kind, reply.parent_post_id) == ("comment", "1600000000000000010")
    gone = got.by_id("1600000000000000050")  # the retweeted tweet was not found by X
    assert gone.kind == "repost" and gone.text == "RT @gone: a deleted tweet cut sh\u2026"


# --- 2. byte-order marks ----------------------------------------------------------------------

_BOM_FILES: dict[str, tuple[str, str, int]] = {
    # file name: (content, expected format, expected posts)
    "message_1.json": (
        json.dumps(
            {
                "participants": [{"name": "Amira"}, {"name": "Me"}],
                "messages": [
                    {"sender_name": "Amira", "timestamp_ms": 1700000000000, "content": "hi"},
                    {"sender_name": "Me", "timestamp_ms": 1700000060000, "content": "price?"},
                ],
                "title": "Amira",
                "thread_path": "inbox/amira_1",
            }
        ),
        "facebook",
        2,
    ),
    "your_posts_1.json": (
        json.dumps([{"timestamp": 1700000000, "data": [{"post": "boats on Friday"}]}]),
        "facebook",
        1,
    ),
    "result.json": (
        json.dumps(
            {
                "name": "Trips",
                "type": "public_channel",
                "id": 99,
                "messages": [
                    {
                        "id": 1,
                        "type": "message",
                        "date": "2024-01-01T10:00:00",
                        "date_unixtime": "1704103200",
                        "from": "Trips",
                        "from_id": "channel99",
                        "text": "leaving soon",
                    }
                ],
            }
        ),
        "telegram",
        1,
    ),
    "videos.json": (
        json.dumps(
            {
                "kind": "youtube#videoListResponse",
                "items": [
                    {
                        "kind": "youtube#video",
                        "id": "abcdefghijk",
                        "snippet": {
                            "publishedAt": "2024-01-01T10:00:00Z",
                            "channelId": "UCx",
                            "title": "Trip",
                            "description": "call us",
                            "channelTitle": "X",
                        },
                    }
                ],
            }
        ),
        "youtube",
        1,
    ),
    "tiktok.json": (
        json.dumps(
            {
                "data": {
                    "videos": [
                        {
                            "id": 7300000000000000001,
                            "create_time": 1700000000,
                            "username": "trips",
                            "video_description": "go",
                            "region_code": "LY",
                        }
                    ]
                }
            }
        ),
        "tiktok",
        1,
    ),
    "mcl.json": (
        json.dumps(
            [
                {
                    "id": "1",
                    "creation_time": "2024-03-02T08:00:00",
                    "text": "x",
                    "post_owner": {"id": "5", "name": "N"},
                }
            ]
        ),
        "meta-cl",
        1,
    ),
    "flat.jsonl": (
        (FIXTURES / "x/twarc2_flat_2023.jsonl").read_text(encoding="utf-8"),
        "x-v2",
        5,
    ),
    "ct.csv": (
        "Page Name,User Name,Facebook Id,Post Created,Type,Message,URL,Likes\n"
        "Trips,trips,100,2023-07-04 12:00:00 EDT,Status,leaving,https://facebook.com/1,3\n",
        "crowdtangle",
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(_BOM_FILES))
def test_utf8_bom_accepted_everywhere(tmp_path: Path, name: str) -> None:
    content, fmt, posts = _BOM_FILES[name]
    path = tmp_path / name
    path.write_bytes(BOM + content.encode("utf-8"))
    assert detect_format(path).name == fmt
    got = read_with(fmt, path)
    assert not got.bad, got.bad
    assert len(got.posts) == posts
    assert got.posts[0].created_at is not None and got.posts[0].created_at > utc("2020-01-01")


# --- 3. YouTube search.list -------------------------------------------------------------------


def test_youtube_search_results_have_html_entities_decoded(tmp_path: Path) -> None:
    # search.list returns snippet.title/description HTML-escaped (the API's documented quirk)
    page = {
        "kind": "youtube#searchListResponse",
        "etag": "x",
        "regionCode": "IT",
        "pageInfo": {"totalResults": 2, "resultsPerPage": 2},
        "items": [
            {
                "kind": "youtube#searchResult",
                "etag": "a",
                "id": {"kind": "youtube#video", "videoId": "Vid00000001"},
                "snippet": {
                    "publishedAt": "2024-02-01T08:00:00Z",
                    "channelId": "UCboats",
                    "title": "Boats &amp; visas: Libya &#39;express&#39; &quot;VIP&quot;",
                    "description": "Call &lt;now&gt; &#8211; 2000&euro;",
                    "thumbnails": {"high": {"url": "https://i.ytimg.com/vi/Vid00000001/hq.jpg"}},
                    "channelTitle": "Boats &amp; Co",
                    "liveBroadcastContent": "none",
                    "publishTime": "2024-02-01T08:00:00Z",
                },
            },
            {
                "kind": "youtube#searchResult",
                "etag": "b",
                "id": {"kind": "youtube#channel", "channelId": "UCboats"},
                "snippet": {"publishedAt": "2020-01-01T00:00:00Z", "title": "Boats"},
            },
        ],
    }
    path = tmp_path / "search.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert detect_format(path).name == "youtube"
    got = read_with("youtube", path)
    [video] = got.posts
    assert video.text == "Boats & visas: Libya 'express' \"VIP\"\n\nCall <now> \u2013 2000\u20ac"
    assert video.extra["title"] == "Boats & visas: Libya 'express' \"VIP\""
    assert "&amp;" in video.raw  # the raw record is kept as the API gave it
    assert len(got.skipped) == 1  # the channel result


# --- 4. TikTok control characters -------------------------------------------------------------


def test_tiktok_control_characters_stripped_from_identifiers(tmp_path: Path) -> None:
    body = {
        "data": {
            "videos": [
                {
                    "id": 7300000000000000123,
                    "create_time": 1700000000,
                    "username": "boat\u0000trips\u0000",
                    "video_description": "rides",
                    "region_code": "LY",
                },
                {
                    "id": 7300000000000000124,
                    "create_time": 1700000100,
                    "username": "boattrips",
                    "video_description": "more",
                    "region_code": "LY",
                },
            ],
            "cursor": 2,
            "has_more": False,
        },
        "error": {"code": "ok", "message": "", "log_id": "x"},
    }
    path = tmp_path / "tiktok.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    got = read_with("tiktok", path)
    first, second = got.posts
    assert first.account is not None and second.account is not None
    assert first.account.account_id == first.account.handle == "boattrips"
    assert first.account.account_id == second.account.account_id  # one account, not two
    assert first.url == "https://www.tiktok.com/@boattrips/video/7300000000000000123"
    assert "\x00" not in (first.url or "")
    assert json.loads(first.raw)["username"] == "boat\u0000trips\u0000"  # raw kept as it was


def test_tiktok_with_nul_imports_through_the_pipeline(make_store, tmp_path: Path) -> None:
    from triage_app.ingest.pipeline import import_paths

    body = {
        "data": {
            "videos": [
                {
                    "id": 7300000000000000125,
                    "create_time": 1700000000,
                    "username": "\u0000sea_trips",
                    "video_description": "go",
                    "region_code": "LY",
                }
            ]
        }
    }
    path = tmp_path / "tiktok_nul.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    store = make_store()
    [summary] = import_paths(store, [path], enrich=False)
    assert (summary.format, summary.inserted, summary.quarantined) == ("tiktok", 1, 0)
    handle = store.scalar("SELECT handle FROM accounts WHERE platform = 'tiktok'")
    assert handle == "sea_trips"
