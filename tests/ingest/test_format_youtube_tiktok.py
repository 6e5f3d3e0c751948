"""YouTube comment threads (links to the video, HTML text) and TikTok Research API responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ingest.format_helpers import FIXTURES, read_with, utc
from triage_app.core.errors import UnreadableFileError
from triage_app.ingest.formats.youtube import duration_seconds
from triage_app.ingest.textfix import html_to_text


def test_youtube_thread_and_reply_linked_and_html_turned_to_text() -> None:
    got = read_with("youtube", FIXTURES / "youtube/threads_with_replies.json")
    top, reply = got.posts
    assert (top.post_id, top.kind, top.parent_post_id) == ("UgzTHREAD1", "comment", "vid00000001")
    # no textOriginal: textDisplay's HTML becomes text, entities decoded, <br> a newline
    assert top.text == "Trips & visas: wa.me/218910000000\nPrice <2000> 'cash'"
    assert top.account is not None
    assert (top.account.account_id, top.account.handle) == ("UCcaptain", "captain_x")
    assert top.url == "https://www.youtube.com/watch?v=vid00000001&lc=UgzTHREAD1"
    assert reply.parent_post_id == "UgzTHREAD1" and reply.extra["video_id"] == "vid00000001"
    assert reply.text == "كم السعر؟"  # textOriginal preferred over the <b> of textDisplay
    assert reply.created_at == utc("2024-02-01T08:30:00")  # +01:00 offset applied
    [bad] = got.bad
    assert bad.reason == "comment thread has no topLevelComment"
    assert json.loads(bad.raw)["id"] == "UgzBROKEN"


def test_youtube_helpers() -> None:
    assert duration_seconds("PT21M7S") == 1267
    assert duration_seconds("P1DT2H") == 93600
    assert duration_seconds("soon") is None
    assert html_to_text("a<br />b &amp; <i>c</i>") == "a\nb & c"


def test_youtube_several_pages_in_one_file(tmp_path: Path) -> None:
    page = (FIXTURES / "youtube/threads_with_replies.json").read_text(encoding="utf-8")
    one_line = json.dumps(json.loads(page), ensure_ascii=False)
    path = tmp_path / "pages.jsonl"
    path.write_text(one_line + "\n" + one_line + "\n", encoding="utf-8")
    got = read_with("youtube", path)
    assert len(got.posts) == 4 and len(got.bad) == 2


def test_tiktok_ids_above_2_53_stay_exact() -> None:
    got = read_with("tiktok", FIXTURES / "tiktok/query_response.json")
    first, older = got.posts
    assert first.post_id == "7234567890123456789"  # float would give ...456768
    assert older.post_id == "7234567890123456791"  # from "video_id"
    assert first.created_at == 1700000000 and older.created_at == 1700000100
    assert first.text == "رحلة إلى لامبيدوزا #travel"
    assert first.extra["voice_to_text"] == "call us on whatsapp"  # kept in extra, not the text
    assert first.extra["view_count"] == 12000
    assert first.account is not None and first.account.account_id == "boat_trips"
    assert first.url == "https://www.tiktok.com/@boat_trips/video/7234567890123456789"
    assert '"id": 7234567890123456789' in first.raw
    [bad] = got.bad
    assert bad.reason == "video has no id or no create_time"
    assert b"7234567890123456793" in bad.raw


def test_tiktok_list_of_videos_and_truncated_response(tmp_path: Path) -> None:
    path = tmp_path / "videos.json"
    path.write_text(
        '[{"id": 9007199254740993, "create_time": 1700000000, "video_description": "x",'
        ' "username": "u"}]'
    )
    [post] = read_with("tiktok", path).posts
    assert post.post_id == "9007199254740993"
    with pytest.raises(UnreadableFileError, match="damaged or truncated JSON"):
        read_with("tiktok", FIXTURES / "tiktok/truncated.json")


def test_youtube_search_results_keep_videos_only(tmp_path: Path) -> None:
    path = tmp_path / "search.json"
    path.write_text(
        json.dumps(
            {
                "kind": "youtube#searchListResponse",
                "items": [
                    {
                        "kind": "youtube#searchResult",
                        "id": {"kind": "youtube#video", "videoId": "abcdefghijk"},
                        "snippet": {
                            "publishedAt": "2024-01-01T00:00:00Z",
                            "channelId": "UCx",
                            "title": "Boats",
                            "description": "",
                        },
                    },
                    {"kind": "youtube#searchResult", "id": {"kind": "youtube#channel"}},
                ],
            }
        )
    )
    got = read_with("youtube", path)
    assert [(p.post_id, p.text) for p in got.posts] == [("abcdefghijk", "Boats")]
    assert len(got.skipped) == 1 and got.bad == []
