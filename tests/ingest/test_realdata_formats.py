"""Every real export in ../shared/realdata reads with the right count and exact field values.

The expected values were read off the files by hand (ids, texts, authors, UTC times)."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.format_helpers import read_with, utc


def test_twarc2_edited_tweet(realdata: Path) -> None:
    got = read_with("x-v2", realdata / "twitter/twarc2_v2_lookup_edited.jsonl")
    assert (len(got.posts), got.bad, got.skipped) == (1, [], [])
    post = got.posts[0]
    assert post.post_id == "1576994789110992896"
    assert post.text == "hey :) https://t.co/rnwEIoNuqd"
    assert post.created_at == utc("2022-10-03T17:57:11")
    assert post.account is not None
    assert (post.account.account_id, post.account.handle) == ("337119125", "wongmjane")
    assert post.account.display_name == "Jane Manchun Wong"
    assert post.account.followers == 138097
    assert post.extra["edit_history_tweet_ids"] == ["1576994746135764992", "1576994789110992896"]
    assert post.language is None  # "qst" is X's pseudo-language, not a language
    assert post.url == "https://x.com/wongmjane/status/1576994789110992896"


def test_twarc2_media_tweet_takes_best_video_variant(realdata: Path) -> None:
    got = read_with("x-v2", realdata / "twitter/twarc2_v2_lookup_media_tweet.jsonl")
    assert (len(got.posts), got.bad) == (1, [])
    post = got.posts[0]
    assert post.post_id == "1558553189766631429"
    assert post.text == "She's GOING with it! \U0001f40d https://t.co/uXqSAGWkWJ"
    assert post.created_at == utc("2022-08-13T20:36:51")
    assert post.account is not None and post.account.handle == "IgorBrigadir"
    assert post.language == "en"
    [media] = post.media
    assert media.kind == "video" and media.missing and media.mime == "video/mp4"
    assert media.url == (
        "https://video.twimg.com/ext_tw_video/1558552952549277696/pu/vid/1280x720/"
        "WiZrNZKT2lMzK5zA.mp4?tag=12"
    )


def test_twarc2_search_page_retweet(realdata: Path) -> None:
    got = read_with("x-v2", realdata / "twitter/twarc2_v2_search_all_two_tweets.jsonl")
    assert (len(got.posts), got.bad) == (1, [])
    post = got.posts[0]
    assert post.post_id == "1394735776701816833"
    assert post.kind == "repost" and post.parent_post_id == "1391677057810288641"
    assert post.text == "RT @bibaigna96: #POIUYTREWQ"
    assert post.created_at == utc("2021-05-18T19:24:56")
    assert post.account is not None
    assert (post.account.account_id, post.account.handle) == (
        "1379899464345923590",
        "LachiVeronica",
    )
    assert post.account.display_name == "Veronica Lachi"


def test_v1_original_format_examples(realdata: Path) -> None:
    got = read_with("x-v1", realdata / "twitter/v1.1_original_format_examples.jsonl")
    assert (len(got.posts), got.bad, got.skipped) == (25, [], [])
    assert len({p.post_id for p in got.posts}) == 25
    first = got.posts[0]
    assert first.post_id == "887453193294282752"
    assert first.text == "N) A Tweet with explicit geo coordinates https://t.co/XkcFAgHhsj"
    assert first.created_at == utc("2017-07-18T23:25:04")
    assert first.account is not None
    assert (first.account.account_id, first.account.handle) == (
        "815279070241955840",
        "RobotPrincessFi",
    )
    # extended_tweet.full_text with its zero-width joiners, unchanged
    zwj = got.by_id("867479301360205824")
    assert zwj.text.startswith('Try using "xxd" on this \U0001f643:\n(Notice the "joiner"')
    assert "\U0001f46e\u200d\u2640\ufe0f" in zwj.text and zwj.text.endswith(
        "Magic! https://t.co/5PU0FLFRYz"
    )
    # HTML entities decoded, full text from extended_tweet
    html = got.by_id("867472736871866368")
    assert html.text.startswith("@notFromShrek @ericmbudd G) 140 chars & replies. Here")
    assert html.text.endswith("\U0001f37e\U0001f37d")
    assert html.kind == "comment"
    # a retweet takes the retweeted status's full text
    rt = got.by_id("867478524235366400")
    assert rt.kind == "repost" and rt.parent_post_id == "861651727614746624"
    assert rt.text == (
        "RT @notFromShrek: Since I feel like I shouldn't be someone who is condescending on "
        "the internet without offering a little help: https://t.co/bN4xcn4l2n"
    )
    two_photos = got.by_id("867833721579122688")
    assert [m.kind for m in two_photos.media] == ["photo", "photo"]


def test_telegram_2020_saved_messages(realdata: Path) -> None:
    path = realdata / "telegram/innerdvations_saved_messages_2020format.json"
    got = read_with("telegram", path)
    assert (len(got.posts), got.bad) == (20, [])
    assert [s.reason for s in got.skipped] == ["Telegram service message (join, pin, call …)"]
    photo = got.by_id("9999999999:173429")
    assert photo.text == "I'm a photo message sent straight to saved."
    assert photo.created_at == utc("2020-08-01T22:01:49")  # local date read as UTC, noted
    assert photo.account is not None
    assert (photo.account.account_id, photo.account.display_name) == ("9999999999", "Ben")
    [media] = photo.media
    assert media.kind == "photo" and media.missing and media.path is None
    assert media.name == "photos/photo_1@01-08-2020_22-01-49.jpg"
    entities = got.by_id("9999999999:173430")
    assert entities.text == (
        "bold italic strikethrough underline @person http://google.com monospace "
        "http://mystery.knightlab.com/"
    )
    assert entities.extra["links"] == ["http://google.com/"]
    forwarded = got.by_id("9999999999:176390")
    assert forwarded.extra["forwarded_from"] == "Other Person"
    too_big = got.by_id("9999999999:318170")
    assert too_big.media[0].missing and too_big.media[0].kind == "video"
    reply = got.by_id("9999999999:7")
    assert reply.parent_post_id == "9999999999:6" and reply.text == "reply to quiz"
    assert any("read as UTC" in note for note in got.notes)


def test_telegram_chatminer_single_and_batch(realdata: Path) -> None:
    single = read_with("telegram", realdata / "telegram/chatminer_single_export.json")
    batch = read_with("telegram", realdata / "telegram/chatminer_batch_export.json")
    for got in (single, batch):
        assert (len(got.posts), got.bad, got.skipped) == (2, [], [])
        first, second = got.posts
        assert (first.text, first.created_at) == ("Minimal Message", 1544006350)
        assert first.account is not None and first.account.account_id == "Author 1"
        assert second.text == "Link:https://telegram.org/"
        assert second.created_at == 1544006964
        assert not got.notes  # date_unixtime was there: no time-zone guess
    assert batch.posts[0].extra["chat"] == "Chatname"
    assert batch.posts[0].post_id.startswith("Chatname:h")


def test_youtube_videos_list(realdata: Path) -> None:
    path = realdata / "youtube/videos_list_snippet_contentDetails_statistics.json"
    got = read_with("youtube", path)
    assert (len(got.posts), got.bad) == (1, [])
    video = got.posts[0]
    assert (video.post_id, video.kind) == ("D-lhorsDlUQ", "video")
    assert video.text.startswith("What are Actions on Google (Assistant on Air)\n\nIn the first")
    assert video.created_at == utc("2019-03-21T20:37:49")
    assert video.account is not None
    assert video.account.account_id == "UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert video.account.display_name == "Google Developers"
    assert video.extra["statistics"] == {
        "viewCount": 7920,
        "likeCount": 190,
        "dislikeCount": 23,
        "favoriteCount": 0,
        "commentCount": 32,
    }
    assert video.extra["duration_seconds"] == 21 * 60 + 7
    assert video.url == "https://www.youtube.com/watch?v=D-lhorsDlUQ"


def test_youtube_comment_threads(realdata: Path) -> None:
    got = read_with("youtube", realdata / "youtube/commentThreads_list_by_video_page1.json")
    assert (len(got.posts), got.bad) == (5, [])
    assert {p.parent_post_id for p in got.posts} == {"F1UP7wRCPH8"}
    assert {p.kind for p in got.posts} == {"comment"}
    link = got.by_id("UgyZ1jqkHKYvi1-ruOZ4AaABAg")
    assert link.text == "Google.com"  # textOriginal, not the <a> of textDisplay
    assert link.created_at == utc("2019-11-26T15:51:44")
    assert link.account is not None
    assert (link.account.account_id, link.account.display_name) == (
        "UCzj-CjKYmGlZ7vTL-vOe57A",
        "himani agarwal",
    )
    apostrophe = got.by_id("UgwI_ylXVnzPS8Q-oAV4AaABAg")
    assert apostrophe.text.startswith("Lot's of good light coming in from here #ChromeDevSummit")
