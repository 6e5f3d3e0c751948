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


# --- 5. CrowdTangle time zones and counts -----------------------------------------------------

_CT_HEADER = (
    "Page Name,User Name,Facebook Id,Likes at Posting,Followers at Posting,Post Created,"
    "Type,Total Interactions,Likes,Comments,Shares,URL,Message\n"
)


def _ct_row(n: int, created: str, likes: str = "1", shares: str = "0", followers: str = "9") -> str:
    return (
        f'Viagens,viagens,1000640000{n:05d},"{followers}","{followers}",{created},Photo,'
        f'"{likes}","{likes}",0,"{shares}",https://www.facebook.com/viagens/posts/{n},msg {n}\n'
    )


def test_crowdtangle_zones_from_the_tz_database(tmp_path: Path) -> None:
    path = tmp_path / "dashboards.csv"
    path.write_text(
        _CT_HEADER
        + _ct_row(1, "2023-07-04 12:00:00 BRT")  # Brazil dashboard, dropped by tzdata in 2017
        + _ct_row(2, "2023-07-04 12:00:00 WAT")
        + _ct_row(3, "2023-07-04 12:00:00 EAT")
        + _ct_row(4, "2023-07-04 12:00:00 CAT")
        + _ct_row(5, "2023-07-04 12:00:00 SAST")
        + _ct_row(6, "2023-07-04 12:00:00 Africa/Tripoli")
        + _ct_row(7, "2012-07-04 12:00:00 MSK")  # Moscow was UTC+4 from 2011 to 2014
        + _ct_row(8, "2023-07-04 12:00:00 QQQ"),
        encoding="utf-8",
    )
    got = read_with("crowdtangle", path)
    stamps = {p.post_id: p.created_at for p in got.posts}
    assert stamps == {
        "viagens_1": utc("2023-07-04T15:00:00"),
        "viagens_2": utc("2023-07-04T11:00:00"),
        "viagens_3": utc("2023-07-04T09:00:00"),
        "viagens_4": utc("2023-07-04T10:00:00"),
        "viagens_5": utc("2023-07-04T10:00:00"),
        "viagens_6": utc("2023-07-04T10:00:00"),
        "viagens_7": utc("2012-07-04T08:00:00"),
    }
    [bad] = got.bad  # an unknown zone: that row to quarantine, never a guess
    assert "unknown time zone 'QQQ'" in bad.reason


@pytest.mark.parametrize(
    ("zone", "choice", "expected"),
    [
        ("IST", "Asia/Kolkata", "2023-07-04T06:30:00"),
        ("IST", "Europe/Dublin", "2023-07-04T11:00:00"),
        ("CST", "Asia/Shanghai", "2023-07-04T04:00:00"),
        ("AST", "Asia/Riyadh", "2023-07-04T09:00:00"),
        ("AST", "America/Halifax", "2023-07-04T16:00:00"),
    ],
)
def test_crowdtangle_ambiguous_abbreviation_refused_then_settled(
    tmp_path: Path, zone: str, choice: str, expected: str
) -> None:
    from triage_app.core.errors import UnreadableFileError
    from triage_app.ingest.base import ReadContext
    from triage_app.ingest.registry import importers

    path = tmp_path / "ambiguous.csv"
    path.write_text(_CT_HEADER + _ct_row(1, f"2023-07-04 12:00:00 {zone}"), encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="--timezone ZONE") as refused:
        read_with("crowdtangle", path)
    assert f"'{zone}' is ambiguous" in str(refused.value) and choice in str(refused.value)
    ctx = ReadContext(path=path, base_dir=tmp_path, timezone=choice)
    [post] = list(importers()["crowdtangle"].read(path, ctx))
    assert post.created_at == utc(expected)  # type: ignore[union-attr]


def _india_csv(tmp_path: Path) -> Path:
    path = tmp_path / "india.csv"
    path.write_text(
        _CT_HEADER + _ct_row(1, "2023-07-04 12:00:00 IST") + _ct_row(2, "2023-07-05 08:00:00 IST"),
        encoding="utf-8",
    )
    return path


def test_crowdtangle_timezone_through_the_pipeline(make_store, tmp_path: Path) -> None:
    import argparse

    from triage_app.commands.importing import _zone
    from triage_app.ingest.pipeline import import_paths

    path = _india_csv(tmp_path)
    store = make_store()
    [refused] = import_paths(store, [path], enrich=False)
    assert refused.error is not None and "--timezone ZONE" in refused.error
    assert store.scalar("SELECT count(*) FROM posts") == 0  # nothing kept from the file
    [summary] = import_paths(store, [path], enrich=False, timezone="Asia/Kolkata")
    assert (summary.error, summary.inserted, summary.quarantined) == (None, 2, 0)
    assert store.scalar("SELECT min(posted_at) FROM posts") == utc("2023-07-04T06:30:00")
    assert _zone("+05:30") == "+05:30"
    with pytest.raises(argparse.ArgumentTypeError, match="not a time zone"):
        _zone("Mars/Olympus")


@pytest.mark.slow
def test_crowdtangle_timezone_option_on_the_command_line(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    path = _india_csv(tmp_path)
    (tmp_path / "ct_data").mkdir()
    env = {"TRIAGE_DATA_DIR": str(tmp_path / "ct_data"), "TRIAGE_PLAIN_STORE": "1"}
    code, out, err = run_cli("import", str(path), "--no-enrich", env=env)
    assert code == 1 and "Traceback" not in err
    assert "refused" in out and "--timezone ZONE" in err and "Asia/Kolkata" in err
    code, out, err = run_cli(
        "import", str(path), "--no-enrich", "--timezone", "Mars/Olympus", env=env
    )
    assert code == 2 and "not a time zone" in err and "Traceback" not in err
    code, out, err = run_cli(
        "import", str(path), "--no-enrich", "--timezone", "Asia/Kolkata", "--json", env=env
    )
    assert code == 0, err
    [summary] = json.loads(out)
    assert (summary["inserted"], summary["quarantined"]) == (2, 0)


def test_crowdtangle_counts_with_thousands_separators(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(
        _CT_HEADER
        # a Brazilian dashboard: dots between thousands ("1.000.000" says so for the column)
        + _ct_row(1, "2023-07-04 12:00:00 BRT", likes="407.137", shares="1.000.000")
        + _ct_row(2, "2023-07-04 12:00:00 BRT", likes="1.234.567", shares="407.137"),
        encoding="utf-8",
    )
    first, second = read_with("crowdtangle", path).posts
    assert (first.extra["Likes"], first.extra["Shares"]) == (407137, 1000000)
    assert (second.extra["Likes"], second.extra["Shares"]) == (1234567, 407137)
    # an English one: commas
    path.write_text(
        _CT_HEADER + _ct_row(3, "2023-07-04 12:00:00 EDT", likes="1,234", followers="12,345,678"),
        encoding="utf-8",
    )
    [third] = read_with("crowdtangle", path).posts
    assert third.extra["Likes"] == 1234
    assert third.account is not None and third.account.followers == 12345678


def test_crowdtangle_count_read_by_the_column_evidence(tmp_path: Path) -> None:
    from triage_app.ingest.formats.crowdtangle import read_count

    # the column shows "," between thousands and "." as the decimal mark: "407.137" is not a
    # whole number there, so it is kept as written rather than cut to 407
    path = tmp_path / "evidence.csv"
    path.write_text(
        _CT_HEADER
        + _ct_row(1, "2023-07-04 12:00:00 EDT", shares="1,234,567")
        + _ct_row(2, "2023-07-04 12:00:00 EDT", shares="407.137"),
        encoding="utf-8",
    )
    first, second = read_with("crowdtangle", path).posts
    assert first.extra["Shares"] == 1234567 and second.extra["Shares"] == "407.137"
    assert read_count("407.137", None) == 407137 and read_count("12.5", None) == "12.5"
    assert read_count("1.234,0", None) == 1234 and read_count("1 234", None) == 1234


# --- 6. Facebook stickers, notes, events and the owner's profile --------------------------------


def _moj(value: object) -> object:
    """Facebook's export writes every UTF-8 byte of a string as its own \\u00XX escape."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [_moj(v) for v in value]
    if isinstance(value, dict):
        return {k: _moj(v) for k, v in value.items()}
    return value


def _facebook_export(root: Path, profile_at: str | None) -> Path:
    posts = [
        {
            "timestamp": 1700000000,
            "attachments": [
                {
                    "data": [
                        {
                            "note": {
                                "title": "Départs de Zuwara",
                                "text": "Appelez le +218 91 000 0000, places limitées",
                                "created_timestamp": 1699990000,
                                "updated_timestamp": 1699995000,
                                "tags": [],
                            }
                        }
                    ]
                }
            ],
            "data": [{"post": "Nouvelle note"}],
            "title": "Zoé Martin a écrit une note.",
        },
        {
            "timestamp": 1700000600,
            "attachments": [
                {
                    "data": [
                        {
                            "event": {
                                "name": "Réunion départ vendredi",
                                "start_timestamp": 1700600000,
                                "end_timestamp": 1700610000,
                                "place": {"name": "Café du port"},
                                "description": "Apportez 2000 euros",
                                "create_timestamp": 1700000500,
                            }
                        }
                    ]
                }
            ],
            "title": "Zoé Martin a créé un évènement.",
        },
        {
            "timestamp": 1700001200,
            "attachments": [{"data": [{"sticker": {"uri": "posts/stickers/boat_sticker.png"}}]}],
            "data": [{"post": "bientôt"}],
        },
    ]
    posts_dir = root / "posts"
    (posts_dir / "stickers").mkdir(parents=True)
    (posts_dir / "stickers/boat_sticker.png").write_bytes(b"\x89PNG\r\n\x1a\nsticker")
    path = posts_dir / "your_posts_1.json"
    path.write_text(json.dumps(_moj(posts)), encoding="utf-8")
    if profile_at:
        profile = {
            "profile_v2": {
                "name": {"full_name": "Zoé Martin", "first_name": "Zoé", "last_name": "Martin"},
                "emails": {"emails": ["zoe@example.org"]},
                "username": "zoe.martin.77",
                "profile_uri": "https://www.facebook.com/zoe.martin.77",
            }
        }
        (root / profile_at).parent.mkdir(parents=True)
        (root / profile_at).write_text(json.dumps(_moj(profile)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "profile_at",
    [
        "profile_information/profile_information.json",
        "personal_information/profile_information/profile_information.json",
    ],
)
def test_facebook_notes_events_stickers_and_owner(tmp_path: Path, profile_at: str) -> None:
    root = tmp_path / "facebook-zoe"
    path = _facebook_export(root, profile_at)
    got = read_with("facebook", path, root=root)
    note, event, sticker = got.posts
    assert note.extra["notes"] == [
        {
            "title": "Départs de Zuwara",
            "text": "Appelez le +218 91 000 0000, places limitées",
            "created_timestamp": 1699990000,
            "updated_timestamp": 1699995000,
        }
    ]
    assert note.text == (
        "Nouvelle note\nDéparts de Zuwara\nAppelez le +218 91 000 0000, places limitées"
    )
    [record] = event.extra["events"]  # type: ignore[misc]
    assert record == {
        "name": "Réunion départ vendredi",
        "description": "Apportez 2000 euros",
        "start_timestamp": 1700600000,
        "end_timestamp": 1700610000,
        "create_timestamp": 1700000500,
        "place": "Café du port",
    }
    assert event.text == "Réunion départ vendredi\nApportez 2000 euros"
    [media] = sticker.media
    assert media.kind == "sticker" and not media.missing and media.path is not None
    for post in got.posts:  # the export's owner, from the profile file
        assert post.account is not None
        assert (post.account.account_id, post.account.display_name) == (
            "zoe.martin.77",
            "Zoé Martin",
        )
    assert any("Zoé Martin" in note_text for note_text in got.notes)


def test_facebook_posts_without_a_profile_file_have_no_author(tmp_path: Path) -> None:
    root = tmp_path / "facebook-anon"
    path = _facebook_export(root, None)
    got = read_with("facebook", path, root=root)
    assert len(got.posts) == 3 and all(p.account is None for p in got.posts)


def test_facebook_profile_outside_the_export_is_not_read(tmp_path: Path) -> None:
    """The profile is looked for only inside the export's root (the folder given)."""
    _facebook_export(tmp_path, "profile_information/profile_information.json")
    root = tmp_path / "posts"
    got = read_with("facebook", root / "your_posts_1.json", root=root)
    assert all(p.account is None for p in got.posts)


def test_messenger_sticker_recorded(tmp_path: Path) -> None:
    thread = tmp_path / "messages/inbox/amira_1"
    (tmp_path / "messages/stickers_used").mkdir(parents=True)
    (tmp_path / "messages/stickers_used/thumbs.png").write_bytes(b"\x89PNG\r\n\x1a\nthumb")
    thread.mkdir(parents=True)
    body = {
        "participants": [{"name": "Amira"}, {"name": "Zoé"}],
        "messages": [
            {
                "sender_name": "Amira",
                "timestamp_ms": 1700000000000,
                "sticker": {"uri": "messages/stickers_used/thumbs.png", "ai_stickers": []},
                "is_geoblocked_for_viewer": False,
            }
        ],
        "title": "Amira",
        "thread_path": "inbox/amira_1",
    }
    path = thread / "message_1.json"
    path.write_text(json.dumps(_moj(body)), encoding="utf-8")
    [message] = read_with("facebook", path, root=tmp_path).posts
    [media] = message.media
    assert media.kind == "sticker" and media.path is not None and not media.missing


# --- 7. Meta Content Library posts, comments and reels -----------------------------------------

# Records shaped by Meta's data dictionary (the API field column: dotted names are expanded
# fields); no public export exists, so these are written from the field lists.
_MCL_POST = {
    "id": "1234567890123456789",
    "creation_time": "2024-05-02T09:15:00+0000",
    "modified_time": "2024-05-02T10:00:00+0000",
    "text": "Boats every week, call +218 91 000 0000",
    "lang": "en",
    "is_branded_content": False,
    "match_type": "keyword",
    "post_owner": {"id": "100000000000042", "type": "page", "name": "Sea Trips"},
    "surface": {"id": "100000000000042", "type": "page", "name": "Sea Trips"},
    "statistics": {
        "reaction_count": 1520,
        "comment_count": 33,
        "share_count": 12,
        "views": 98000,
        "like_count": 1400,
        "love_count": 100,
    },
    "multimedia": [
        {"id": "900000000000001", "type": "photo", "url": "https://scontent.example/p1.jpg"}
    ],
    "link_attachment": {
        "link": "https://wa.me/218910000000",
        "name": "Chat on WhatsApp",
        "caption": "wa.me",
        "description": "Message us",
    },
}
_MCL_COMMENT = {
    "id": "1234567890123456999",
    "creation_time": "2024-05-02T11:00:00+0000",
    "text": "How much to Lampedusa?",
    "lang": "en",
    "post_id": "1234567890123456789",
    "parent_id": "1234567890123456789",
    "comment_owner": {"id": "100000000000777", "type": "user", "name": "Ali"},
    "statistics": {"reaction_count": 2, "comment_count": 1},
}
_MCL_REEL = {
    "id": "17912345678901234",
    "creation_time": "2024-05-03T18:00:00+0000",
    "text": "Night crossing #travel",
    "lang": "ar",
    "post_owner": {
        "id": "17840000000000099",
        "type": "instagram_user",
        "name": "Boat Tours",
        "username": "boat.tours",
    },
    "statistics": {"like_count": 5400, "comment_count": 210, "views": 120000},
    "multimedia": [{"id": "17900000000000777", "type": "video", "url": "https://ig.example/r.mp4"}],
    "url": "https://www.instagram.com/reel/C6abcDEF123/",
    "is_branded_content": False,
}


def _flat_row(record: dict[str, object], prefix: str = "") -> dict[str, str]:
    row: dict[str, str] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            row.update(_flat_row(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            row[prefix + key] = json.dumps(value)
        elif isinstance(value, bool):
            row[prefix + key] = str(value).lower()
        else:
            row[prefix + key] = str(value)
    return row


def _write_mcl(tmp_path: Path, name: str, record: dict[str, object], form: str) -> Path:
    import csv

    path = tmp_path / f"{name}.{form}"
    if form == "json":
        path.write_text(json.dumps([record]), encoding="utf-8")
    else:
        row = _flat_row(record)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
    return path


@pytest.mark.parametrize("form", ["csv", "json"])
def test_meta_content_library_posts_comments_and_reels(tmp_path: Path, form: str) -> None:
    post_path = _write_mcl(tmp_path, "fb_posts", _MCL_POST, form)
    comment_path = _write_mcl(tmp_path, "fb_comments", _MCL_COMMENT, form)
    reel_path = _write_mcl(tmp_path, "ig_reels", _MCL_REEL, form)
    for path in (post_path, comment_path, reel_path):
        assert detect_format(path).name == "meta-cl", path.name

    [post] = read_with("meta-cl", post_path).posts
    assert (post.platform, post.kind, post.post_id) == ("facebook", "post", "1234567890123456789")
    assert post.created_at == utc("2024-05-02T09:15:00")
    assert post.account is not None and post.account.display_name == "Sea Trips"
    assert post.extra["statistics.reaction_count"] == 1520
    assert post.extra["statistics.views"] == 98000
    assert post.extra["links"] == ["https://wa.me/218910000000"]
    assert post.extra["surface.type"] == "page" and "modified_time" in post.extra
    [photo] = post.media
    assert (photo.kind, photo.url, photo.missing) == (
        "photo",
        "https://scontent.example/p1.jpg",
        True,
    )

    [comment] = read_with("meta-cl", comment_path).posts
    assert (comment.kind, comment.parent_post_id) == ("comment", "1234567890123456789")
    assert comment.account is not None and comment.account.account_id == "100000000000777"
    assert comment.text == "How much to Lampedusa?"

    [reel] = read_with("meta-cl", reel_path).posts
    assert (reel.platform, reel.kind) == ("instagram", "video")
    assert reel.account is not None and reel.account.handle == "boat.tours"
    assert reel.extra["statistics.views"] == 120000
    assert [m.kind for m in reel.media] == ["video"]


# --- 8. Gnip activity streams -------------------------------------------------------------------


def _comparable(post) -> tuple:  # type: ignore[no-untyped-def]
    account = post.account
    return (
        post.post_id,
        post.text,
        post.created_at,
        post.kind,
        post.parent_post_id,
        post.url,
        post.language,
        [(m.kind, m.url, m.mime, m.name, m.missing) for m in post.media],
        (
            account.account_id,
            account.handle,
            account.display_name,
            account.created_at,
            account.followers,
            account.url,
        ),
        {k: post.extra.get(k) for k in ("quoted_post_id", "quoted_text", "urls")},
        {k: post.extra.get(k) for k in ("retweet_count", "favorite_count", "lang")},
    )


def test_gnip_activity_streams_give_the_same_posts_as_the_original_format() -> None:
    """25 tweets (long ones, retweets, replies, quotes, photos, videos, escaped and Arabic
    text) written in v1.1 original format and as Gnip activities."""
    activities = FIXTURES / "x/gnip_25_activity.jsonl"
    originals = FIXTURES / "x/gnip_25_original.jsonl"
    assert detect_format(activities).name == "x-activity"
    assert detect_format(originals).name == "x-v1"
    got = read_with("x-activity", activities)
    expected = read_with("x-v1", originals)
    assert len(got.posts) == len(expected.posts) == 25 and not got.bad
    assert len(got.skipped) == 1  # the file's footer ({"info": {"activity_count": 25}})
    assert [_comparable(p) for p in got.posts] == [_comparable(p) for p in expected.posts]
    kinds = [p.kind for p in got.posts]
    assert {"post", "repost", "comment"} <= set(kinds)
    retweet = next(p for p in got.posts if p.kind == "repost")
    assert not retweet.text.endswith("\u2026") and "pay on arrival" in retweet.text
    assert sum(1 for p in got.posts if "quoted_text" in p.extra) >= 3
    assert {m.kind for p in got.posts for m in p.media} == {"photo", "video"}
    assert json.loads(got.posts[0].raw)["objectType"] == "activity"  # raw as written


def test_gnip_activity_without_id_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "activities.jsonl"
    good = (FIXTURES / "x/gnip_25_activity.jsonl").read_text(encoding="utf-8").splitlines()[0]
    broken = json.loads(good)
    del broken["postedTime"]
    path.write_text(good + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    got = read_with("x-activity", path)
    assert len(got.posts) == 1
    [bad] = got.bad
    assert bad.reason == "activity has no tweet id or no postedTime" and bad.line_no == 2
