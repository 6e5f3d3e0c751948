"""The reading side's fast paths (issue 17) decide exactly what the full code decides: the
record check's glance at the common record, the cached day of a timestamp, the inline text
fields of the generic schema. Each is compared with the slow path it stands in front of."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest

from triage_app.core.records import AccountRecord, MediaRecord, PostRecord
from triage_app.ingest.generic_fields import RecordProblem, parse_time, record_from_fields
from triage_app.ingest.jsonstream import CUT_MARK
from triage_app.ingest.lines import MAX_RECORD_BYTES
from triage_app.ingest.record_check import _plainly_storable, full_problem, record_problem


def _by_datetime(value: str) -> int | None:
    """The reading before the fast path: datetime checks every part (no 30 February)."""
    try:
        moment = dt.datetime(
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            int(value[17:19]),
            tzinfo=dt.UTC,
        )
    except ValueError:
        return None
    if value[4] != "-" or value[7] != "-" or value[13] != ":" or value[16] != ":":
        return None
    return int(moment.timestamp())


def _fast(value: str) -> int | None:
    try:
        return parse_time(value)
    except RecordProblem:
        return None


EDGES = [
    "2025-03-01T10:00:00Z",
    "2024-02-29T23:59:59Z",
    "2025-02-29T10:00:00Z",  # no 29 February in 2025
    "2025-04-31T00:00:00Z",
    "2025-03-01T24:00:00Z",
    "2025-03-01T10:60:00Z",
    "2025-03-01T10:00:60Z",
    "2025-13-01T10:00:00Z",
    "2025-00-01T10:00:00Z",
    "2025-03-00T10:00:00Z",
    "2025-03-01T-1:00:00Z",
    "2025-03-01T+1:00:00Z",
    "2025-03-01T 1:00:00Z",
    "2025-03-01T١٠:00:00Z",  # Arabic-Indic digits: int() reads them, as datetime's caller did
    "2025/03/01T10:00:00Z",
    "2025-03-01T10-00-00Z",
    "0000-03-01T10:00:00Z",
    "0001-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "9999-12-31T23:59:59Z",
]


@pytest.mark.parametrize("value", EDGES)
def test_a_timestamp_reads_as_datetime_reads_it(value: str) -> None:
    assert _fast(value) == _by_datetime(value)
    assert _fast(value) == _by_datetime(value)  # again, from the day cache


def test_random_timestamps_read_as_datetime_reads_them() -> None:
    rng = random.Random(17)
    for _ in range(5000):
        value = (
            f"{rng.randint(1, 9999):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}T"
            f"{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}:{rng.randint(0, 61):02d}Z"
        )
        assert _fast(value) == _by_datetime(value), value


def test_a_bad_date_gives_the_same_reason_every_time() -> None:
    for _ in range(2):
        with pytest.raises(RecordProblem, match="created_at is not a date: '2025-02-30"):
            parse_time("2025-02-30T10:00:00Z")
        with pytest.raises(RecordProblem, match="author_created_at is not a date"):
            parse_time("2025-02-30", "author_created_at")


def _post(**changes: object) -> PostRecord:
    post = PostRecord(
        platform="facebook",
        post_id="p1",
        text="Boat to Italy, رحلة آمنة",
        created_at=1_740_823_200,
        account=AccountRecord(
            platform="facebook",
            account_id="a1",
            handle="agent",
            display_name="Agent",
            created_at=1_600_000_000,
            followers=12,
        ),
        url="https://fb.example/p1",
        language="en",
        raw='{"platform": "facebook"}',
    )
    return dataclasses.replace(post, **changes)  # type: ignore[arg-type]


class Text(str):
    pass


def _account(**changes: object) -> AccountRecord:
    account = _post().account
    assert account is not None
    return dataclasses.replace(account, **changes)  # type: ignore[arg-type]


CASES = {
    "plain": _post(),
    "no account": _post(account=None),
    "no optional fields": _post(url=None, language=None, created_at=None),
    "text a list": _post(text=["x"]),
    "platform a number": _post(platform=5),
    "kind None": _post(kind=None),
    "post_id blank": _post(post_id="  "),
    "str subclass": _post(text=Text("x")),
    "NUL": _post(text="a\x00b"),
    "big text": _post(text="x" * (MAX_RECORD_BYTES + 1)),
    "big but under in UTF-8": _post(text="x" * (MAX_RECORD_BYTES // 4 + 1)),
    "cut mark": _post(raw=f"{CUT_MARK}123-"),
    "url a number": _post(url=3),
    "time a float": _post(created_at=1.5),
    "time a bool": _post(created_at=True),
    "time too big": _post(created_at=2**63),
    "time at the edge": _post(created_at=-(2**63)),
    "media": _post(media=[MediaRecord(kind="photo", name="a.jpg", missing=True)]),
    "media bad": _post(media=[MediaRecord(kind=None)]),  # type: ignore[arg-type]
    "media not a list": _post(media=()),
    "extra not a dict": _post(extra=[]),
    "extra": _post(extra={"voice_to_text": "hello"}),
    "account id a number": _post(account=_account(account_id=7)),
    "account handle a list": _post(account=_account(handle=["a"])),
    "followers a bool": _post(account=_account(followers=False)),
    "followers too big": _post(account=_account(followers=2**64)),
    "account created a str": _post(account=_account(created_at="2020")),
}


@pytest.mark.parametrize("name", CASES)
def test_the_glance_passes_only_what_the_full_check_passes(name: str) -> None:
    post = CASES[name]
    assert record_problem(post) == full_problem(post)
    if _plainly_storable(post):
        assert full_problem(post) is None


def test_the_glance_takes_the_common_record() -> None:
    # otherwise it would be correct but no faster
    assert _plainly_storable(_post())
    assert _plainly_storable(_post(account=None, url=None))


def test_a_cut_record_keeps_its_reason_through_the_glance() -> None:
    problem = record_problem(_post(raw=f"x{CUT_MARK}5-"))
    assert problem is not None and "record over" in problem


GOOD = {
    "platform": "Twitter ",
    "post_id": " 42 ",
    "created_at": "2025-03-01T10:00:00Z",
    "text": "",
    "author_id": "a1",
    "author_handle": "agent",
    "author_name": "",
    "author_followers": 12,
    "author_created_at": "2020-02-06",
    "url": "",
    "language": "ar",
    "kind": "",
}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"platform": None}, "missing platform"),
        ({"platform": ["x"]}, "platform must be text, got list"),
        ({"post_id": True}, "post_id must be text, got bool"),
        ({"post_id": ""}, "missing post_id"),
        ({"text": {"a": 1}}, "text must be text, got dict"),
        ({"author_id": 1.5}, "author_id must be text, got float"),
        ({"author_name": []}, "author_name must be text, got list"),
        ({"url": False}, "url must be text, got bool"),
        ({"kind": [1]}, "kind must be text, got list"),
        ({"parent_post_id": {}}, "parent_post_id must be text, got dict"),
        ({"created_at": "2025-02-30T10:00:00Z"}, "created_at is not a date"),
        ({"author_created_at": "2020-13-06"}, "author_created_at is not a date"),
        # the first bad field in schema order gives the reason
        ({"text": [1], "url": [2]}, "text must be text"),
        ({"post_id": [1], "created_at": "x"}, "post_id must be text"),
    ],
)
def test_a_bad_field_gives_its_reason(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(RecordProblem, match=reason):
        record_from_fields({**GOOD, **changes}, Path("."), "{}")


def test_the_common_record_normalised() -> None:
    post = record_from_fields(GOOD, Path("."), "{}")
    assert (post.platform, post.post_id, post.text, post.kind) == ("x", "42", "", "post")
    assert (post.url, post.language, post.created_at) == (None, "ar", 1_740_823_200)
    assert post.account is not None
    assert (post.account.account_id, post.account.display_name) == ("a1", None)
    assert (post.account.followers, post.account.created_at) == (12, 1_580_947_200)
    assert record_problem(post) is None


@pytest.mark.parametrize(
    ("followers", "kept"),
    [(12, 12), (0, 0), ("12", 12), (" 7 ", 7), (-3, None), (True, None), (1.5, None), ("x", None)],
)
def test_followers_as_before(followers: object, kept: int | None) -> None:
    post = record_from_fields({**GOOD, "author_followers": followers}, Path("."), "{}")
    assert post.account is not None and post.account.followers == kept
