"""CrowdTangle CSV (zones, thousands commas) and Meta Content Library CSV/JSON (dotted names)."""

from __future__ import annotations

import pytest

from tests.ingest.format_helpers import FIXTURES, read_with, utc
from triage_app.core.errors import UnreadableFileError
from triage_app.ingest.textfix import parse_count, parse_zoned_datetime


def test_crowdtangle_est_edt_to_utc_commas_and_multiline_rtl() -> None:
    got = read_with("crowdtangle", FIXTURES / "crowdtangle/facebook_pages.csv")
    winter, summer = got.posts
    assert winter.created_at == utc("2023-11-06T03:56:36")  # 22:56:36 EST = UTC-5
    assert summer.created_at == utc("2023-07-04T16:00:00")  # 12:00 EDT = UTC-4
    assert winter.post_id == "100064000000001_987654321012345"
    assert summer.post_id == "https://www.facebook.com/seatrips/posts/pfbid02abc"
    assert winter.text == "رحلات يومية\nDepartures daily, call +218 91 000 0000"
    assert winter.account is not None
    assert (winter.account.account_id, winter.account.handle) == ("100064000000001", "seatrips")
    assert winter.account.followers == 13001
    assert winter.extra["Total Interactions"] == 1204 and winter.extra["Likes"] == 1000
    assert winter.platform == "facebook"
    assert winter.raw.startswith("Sea Trips,seatrips,100064000000001")
    assert winter.raw.count("\n") == 2  # the record's two physical lines, as in the file
    [bad] = got.bad
    assert "unknown time zone 'XYZ'" in bad.reason and bad.line_no == 5  # rows 2-3, 4, 5


def test_crowdtangle_instagram() -> None:
    [post] = read_with("crowdtangle", FIXTURES / "crowdtangle/instagram.csv").posts
    assert post.platform == "instagram" and post.post_id == "C2abcDEF123"
    assert post.text == "Italy in 3 days 🚤 DM us"
    assert post.account is not None
    assert (post.account.account_id, post.account.display_name) == ("boat.tours", "Boat Tours")
    assert post.account.followers == 45000
    assert post.created_at == utc("2024-01-15T13:30:00")


def test_crowdtangle_wrong_encoding_is_refused() -> None:
    with pytest.raises(UnreadableFileError, match="latin1.csv: not UTF-8 text"):
        read_with("crowdtangle", FIXTURES / "crowdtangle/latin1.csv")


def test_zone_and_count_helpers() -> None:
    assert parse_zoned_datetime("2023-11-05 22:56:36 EST") == utc("2023-11-06T03:56:36")
    assert parse_zoned_datetime("2023-11-05 22:56:36 UTC") == utc("2023-11-05T22:56:36")
    with pytest.raises(ValueError):
        parse_zoned_datetime("2023-11-05 22:56:36 QQQ")
    assert parse_count("12,345") == 12345 and parse_count("") is None and parse_count(7) == 7


def test_meta_content_library_csv_dotted_columns() -> None:
    got = read_with("meta-cl", FIXTURES / "meta_cl/posts.csv")
    first, second = got.posts
    assert first.post_id == "9007199254740993123"
    assert first.text == "Trips to Italy, «safe» — رحلات آمنة"
    assert first.created_at == utc("2024-03-01T12:00:00")
    assert first.language == "ar" and first.platform == "facebook"
    assert first.account is not None
    assert (first.account.account_id, first.account.handle) == ("100000000000001", "seatrips")
    assert first.extra["statistics.reaction_count"] == 1234
    assert second.created_at == 1709294400
    [bad] = got.bad
    assert bad.reason == "record has no id or no creation_time" and bad.line_no == 4


def test_meta_content_library_json_nested() -> None:
    got = read_with("meta-cl", FIXTURES / "meta_cl/posts.json")
    insta, numeric = got.posts
    assert insta.platform == "instagram" and insta.post_id == "17900000000000001"
    assert insta.account is not None and insta.account.handle == "boat.tours"
    assert insta.extra["statistics.like_count"] == 250
    assert insta.created_at == utc("2024-03-02T08:00:00")
    assert numeric.post_id == "9007199254740993123" and numeric.platform == "facebook"
    assert numeric.account is not None and numeric.account.account_id == "100000000000001"
    assert len(got.bad) == 1


def test_numeric_offsets_are_read_too() -> None:
    assert parse_zoned_datetime("2023-11-05 22:56:36 -0500") == utc("2023-11-06T03:56:36")
    assert parse_zoned_datetime("2024-03-01T12:00:00+0000") == utc("2024-03-01T12:00:00")
