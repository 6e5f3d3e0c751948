"""CrowdTangle CSV exports (Facebook pages/groups and Instagram accounts).

``Post Created`` carries the dashboard's time zone as an abbreviation ("2023-11-05 22:56:36
EST", EDT in summer); it is converted to UTC, and an unknown abbreviation quarantines the row
rather than being guessed. Counts carry thousands commas ("12,345"). CrowdTangle has no post id
column; the id is taken from the post URL (page id and post id for Facebook, the short code for
Instagram), falling back to the URL itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...core.records import AccountRecord, BadRecord, PostRecord, ReadResult
from ..base import Confidence, ReadContext
from ..textfix import parse_count, parse_zoned_datetime
from ._csvrows import CsvRow, header_of, iter_csv

_FB_POST = re.compile(
    r"facebook\.com/(?:groups/)?([^/?#]+)/(?:posts|videos|photos|permalink)/(?:[^/?#]+/)?(\d+)"
)
_IG_POST = re.compile(r"instagram\.com/(?:[^/]+/)?(?:p|reel|tv)/([^/?#]+)")
_COUNTS = (
    "Likes",
    "Comments",
    "Shares",
    "Views",
    "Post Views",
    "Total Views",
    "Total Interactions",
    "Love",
    "Wow",
    "Haha",
    "Sad",
    "Angry",
    "Care",
    "Share",
)


class CrowdTangleImporter:
    name = "crowdtangle"
    description = "CrowdTangle CSV export (Facebook or Instagram)"

    def detect(self, path: Path, head: bytes) -> Confidence:
        columns = set(header_of(head))
        if {"Post Created", "URL"} <= columns and columns & {"Page Name", "Account", "User Name"}:
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        for row in iter_csv(path, ctx):
            yield row if isinstance(row, BadRecord) else _to_post(row)


def post_id_from_url(url: str) -> str:
    match = _FB_POST.search(url)
    if match:
        return f"{match.group(1)}_{match.group(2)}"
    match = _IG_POST.search(url)
    if match:
        return match.group(1)
    return url


def _to_post(row: CsvRow) -> ReadResult:
    values = row.values
    raw = row.raw.encode("utf-8")
    url = values.get("URL", "").strip()
    created = values.get("Post Created", "").strip()
    if row.short or not url or not created:
        return BadRecord(
            "row has no URL or no Post Created (or too few columns)",
            raw,
            row.record_no,
            row.line_no,
        )
    try:
        created_at = parse_zoned_datetime(created)
    except ValueError as exc:
        return BadRecord(
            f"unreadable Post Created {created!r}: {exc}", raw, row.record_no, row.line_no
        )
    instagram = "instagram.com" in url or ("Account" in values and "Page Name" not in values)
    platform = "instagram" if instagram else "facebook"
    if instagram:
        handle = values.get("User Name", "").strip() or None
        account_id, display = handle, values.get("Account", "").strip() or None
        text = values.get("Description", "")
    else:
        handle = values.get("User Name", "").strip() or None
        account_id = (
            values.get("Facebook Id", "").strip() or handle or values.get("Page Name", "").strip()
        )
        display = values.get("Page Name", "").strip() or None
        text = values.get("Message", "")
    account = None
    if account_id:
        account = AccountRecord(
            platform=platform,
            account_id=account_id,
            handle=handle,
            display_name=display,
            followers=parse_count(values.get("Followers at Posting")),
        )
    extra: dict[str, object] = {
        k: parse_count(values[k]) for k in _COUNTS if values.get(k, "").strip()
    }
    for key in (
        "Type",
        "Link",
        "Final Link",
        "Image Text",
        "Link Text",
        "Title",
        "Description",
        "Photo",
        "Sponsor Name",
        "Page Category",
        "Page Admin Top Country",
    ):
        if values.get(key, "").strip() and not (key == "Description" and instagram):
            extra[key] = values[key]
    return PostRecord(
        platform=platform,
        post_id=post_id_from_url(url),
        text=text,
        created_at=created_at,
        account=account,
        url=url,
        raw=row.raw,
        extra=extra,
    )


IMPORTER = CrowdTangleImporter()
