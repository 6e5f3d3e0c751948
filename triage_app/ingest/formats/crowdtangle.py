"""CrowdTangle CSV exports (Facebook pages/groups and Instagram accounts).

``Post Created`` carries the dashboard's time zone as an abbreviation ("2023-11-05 22:56:36
EST", EDT in summer, BRT, WAT …) or a tz database name; it is read with the tz database
(ingest/zones.py). An unknown zone quarantines the row; an ambiguous abbreviation (IST, CST,
AST …) refuses the whole file with a message naming ``--timezone ZONE`` (every row of an export
carries the dashboard's zone), and with ``--timezone`` the abbreviation is read in that zone.

Counts carry thousands separators by the dashboard's locale ("12,345", "407.137"): a count is a
whole number, so a separator between groups of three digits is a thousands separator, and a
column whose values show the separator used otherwise (a decimal "2.5" or "1,234.5" beside it) is
read by that evidence, gathered over the whole file first; a value that is still not a whole
number is kept as written, never truncated. CrowdTangle has no post id column; the id is taken
from the post URL (page id and post id for Facebook, the short code for Instagram), falling back
to the URL itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...core.errors import UnreadableFileError
from ...core.records import AccountRecord, BadRecord, PostRecord, ReadResult
from ..base import Confidence, ReadContext
from ..textfix import parse_zoned_datetime
from ..zones import AmbiguousZone
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
_COUNT_COLUMNS = (*_COUNTS, "Followers at Posting", "Likes at Posting")
_GROUPED = {  # a value that can only be grouped with this separator
    ".": re.compile(r"\d{1,3}(\.\d{3}){2,}|\d{1,3}(\.\d{3})+,\d+"),
    ",": re.compile(r"\d{1,3}(,\d{3}){2,}|\d{1,3}(,\d{3})+\.\d+"),
}
_DECIMAL = {  # a value where this separator can only be a decimal mark
    ".": re.compile(r"\d+\.(\d{1,2}|\d{4,})|\d{4,}\.\d+|0\.\d+"),
    ",": re.compile(r"\d+,(\d{1,2}|\d{4,})|\d{4,},\d+|0,\d+"),
}
_SPACES = str.maketrans("", "", " \u00a0\u202f'")


class CrowdTangleImporter:
    name = "crowdtangle"
    description = "CrowdTangle CSV export (Facebook or Instagram)"

    def detect(self, path: Path, head: bytes) -> Confidence:
        columns = set(header_of(head))
        if {"Post Created", "URL"} <= columns and columns & {"Page Name", "Account", "User Name"}:
            return Confidence.SURE
        return Confidence.NO

    def read(self, path: Path, ctx: ReadContext) -> Iterator[ReadResult]:
        separators = _count_separators(path)
        for row in iter_csv(path, ctx):
            if isinstance(row, BadRecord):
                yield row
                continue
            try:
                yield _to_post(row, separators, ctx.timezone)
            except AmbiguousZone as exc:
                raise UnreadableFileError(
                    f"{path.name}: Post Created on line {row.line_no}: {exc}"
                ) from exc


def _count_separators(path: Path) -> dict[str, str | None]:
    """Each count column's thousands separator by the evidence of all its values (a first
    pass over the file, streamed): "." or ",", or None when the values do not say."""
    seen: dict[str, set[str]] = {}
    ctx = ReadContext(path=path, base_dir=path.parent)
    for row in iter_csv(path, ctx):
        if isinstance(row, BadRecord):
            continue
        for column in _COUNT_COLUMNS:
            value = row.values.get(column, "").strip().translate(_SPACES)
            if not value or value.isdigit():
                continue
            evidence = seen.setdefault(column, set())
            for sep, other in ((".", ","), (",", ".")):
                if _GROUPED[sep].fullmatch(value) or _DECIMAL[other].fullmatch(value):
                    evidence.add(sep)
    return {
        column: next(iter(found)) if len(found) == 1 else None for column, found in seen.items()
    }


def read_count(text: str, separator: str | None) -> int | str | None:
    """A count as a whole number: "1,234" and "407.137" are 1234 and 407137, "1.234,0" is 1234
    (``separator``: the column's thousands separator, None when unknown). A value that is not
    a whole number is returned as written, never truncated; an empty one is None."""
    value = text.strip().translate(_SPACES)
    if not value:
        return None
    if value.isdigit():
        return int(value)
    for sep in (separator,) if separator else (",", "."):
        whole, _, fraction = value.partition("." if sep == "," else ",")
        if fraction and not (fraction.isdigit() and set(fraction) == {"0"}):
            continue  # a decimal part that is not zero: not a whole number this way
        if whole.isdigit():
            return int(whole)  # "12.0"
        groups = whole.split(sep)
        if (
            1 <= len(groups[0]) <= 3
            and all(g.isdigit() for g in groups)
            and all(len(g) == 3 for g in groups[1:])
        ):
            return int("".join(groups))
    return text.strip()


def post_id_from_url(url: str) -> str:
    match = _FB_POST.search(url)
    if match:
        return f"{match.group(1)}_{match.group(2)}"
    match = _IG_POST.search(url)
    if match:
        return match.group(1)
    return url


def _to_post(row: CsvRow, separators: dict[str, str | None], timezone: str | None) -> ReadResult:
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
        created_at = parse_zoned_datetime(created, timezone)
    except AmbiguousZone:
        raise
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
            followers=_whole(
                read_count(
                    values.get("Followers at Posting", ""), separators.get("Followers at Posting")
                )
            ),
        )
    extra: dict[str, object] = {
        k: read_count(values[k], separators.get(k)) for k in _COUNTS if values.get(k, "").strip()
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


def _whole(value: int | str | None) -> int | None:
    return value if isinstance(value, int) else None


IMPORTER = CrowdTangleImporter()
