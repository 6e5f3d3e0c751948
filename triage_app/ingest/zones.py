"""Time zones written next to a time ("2023-11-05 22:56:36 EST", "... Africa/Lagos"), read
with the tz database and never guessed.

A zone name ("Africa/Lagos", "America/Sao_Paulo") is looked up in the tz database. An
abbreviation is looked up among the abbreviations the tz database's zones use (WAT, EAT, CAT,
SAST, EST, CET …) plus a short table of abbreviations in common use that the tz database no
longer writes (it replaced BRT, ART, GST … by numeric names in 2017). An abbreviation that
stands for one UTC offset at the time given is read as that offset; one that stands for
several (IST: India, Ireland or Israel; CST: US Central, China or Cuba; AST: Atlantic or
Arabia; PST: US Pacific or the Philippines) raises ``AmbiguousZone``, which names the
candidates: the person says which with ``--timezone ZONE``, and that zone is then used for the
abbreviation when its offset at that time is one of the abbreviation's meanings.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import defaultdict
from functools import lru_cache

# Abbreviations the tz database stopped writing (2017) or never wrote, which dashboards and
# research tools still print: (offset in hours, a zone that used it, for the message).
EXTRA_ABBREVIATIONS: dict[str, list[tuple[float, str]]] = {
    "BRT": [(-3, "America/Sao_Paulo")],
    "BRST": [(-2, "America/Sao_Paulo")],
    "ART": [(-3, "America/Argentina/Buenos_Aires")],
    "CLT": [(-4, "America/Santiago")],
    "CLST": [(-3, "America/Santiago")],
    "COT": [(-5, "America/Bogota")],
    "PET": [(-5, "America/Lima")],
    "VET": [(-4, "America/Caracas")],
    "UYT": [(-3, "America/Montevideo")],
    "BOT": [(-4, "America/La_Paz")],
    "ECT": [(-5, "America/Guayaquil")],
    "TRT": [(3, "Europe/Istanbul")],
    "AST": [(3, "Asia/Riyadh")],  # Arabia Standard Time, besides the tz database's Atlantic
    "GST": [(4, "Asia/Dubai"), (-2, "Atlantic/South_Georgia")],
    "IRST": [(3.5, "Asia/Tehran")],
    "AFT": [(4.5, "Asia/Kabul")],
    "NPT": [(5.75, "Asia/Kathmandu")],
    "ICT": [(7, "Asia/Bangkok")],
    "SGT": [(8, "Asia/Singapore")],
    "MYT": [(8, "Asia/Kuala_Lumpur")],
    "UTC": [(0, "UTC")],
    "Z": [(0, "UTC")],
}
_SCAN_YEARS = range(2000, 2036)  # the abbreviations in use since social media exports exist


class UnknownZone(ValueError):
    """A zone name or abbreviation the tz database does not know."""


class AmbiguousZone(ValueError):
    """An abbreviation that stands for more than one UTC offset at the time given."""

    def __init__(self, abbreviation: str, candidates: list[tuple[dt.timedelta, str]]) -> None:
        self.abbreviation = abbreviation
        self.candidates = candidates  # (offset, an example zone), by offset
        meanings = ", ".join(f"{zone} ({offset_text(off)})" for off, zone in candidates)
        super().__init__(
            f"the time zone {abbreviation!r} is ambiguous (it could be {meanings}); "
            f"say which with --timezone ZONE, e.g. --timezone {candidates[0][1]}"
        )


def offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


@lru_cache(maxsize=1)
def _abbreviation_zones() -> dict[str, tuple[str, ...]]:
    """Every alphabetic abbreviation the tz database's zones use, with those zones."""
    found: dict[str, set[str]] = defaultdict(set)
    for name in sorted(zoneinfo.available_timezones()):
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
        for year in _SCAN_YEARS:
            for month in (1, 7):
                abbreviation = dt.datetime(year, month, 15, 12, tzinfo=zone).tzname()
                if abbreviation and abbreviation[0].isalpha():
                    found[abbreviation.upper()].add(name)
    return {key: tuple(sorted(value)) for key, value in found.items()}


def zone_by_name(name: str) -> dt.tzinfo | None:
    """A tz database zone ("Africa/Lagos", "UTC") or a fixed offset ("+03:00", "-0530")."""
    text = name.strip()
    match = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", text)
    if match:
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes > 59:
            return None
        offset = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-offset if match.group(1) == "-" else offset)
    if "/" not in text and text.upper() not in ("UTC", "GMT"):
        return None  # an abbreviation, not a name
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _meanings(
    abbreviation: str, local: dt.datetime
) -> list[tuple[dt.timedelta, str, tuple[str, ...]]]:
    """(offset, zone) for each distinct offset ``abbreviation`` stands for around ``local``:
    in each zone that uses it, its offset at that moment, or (when the zone is on its other
    time then) the offset it has under that abbreviation in the same year. So "PST" in July
    is both US Pacific and the Philippines, "EDT" written in January is still UTC-4, and
    "MSK" in 2012 is UTC+4 (Moscow's offset then)."""
    zones = _abbreviation_zones().get(abbreviation, ())
    found: dict[dt.timedelta, list[str]] = defaultdict(list)
    for years in ((local.year,), _SCAN_YEARS):
        for name in zones:
            zone = zoneinfo.ZoneInfo(name)
            moments = [local.replace(tzinfo=zone, fold=fold) for fold in (0, 1)]
            moments += [dt.datetime(y, m, 15, 12, tzinfo=zone) for y in years for m in (1, 7)]
            for moment in moments:
                offset = moment.utcoffset()
                if offset is not None and (moment.tzname() or "").upper() == abbreviation:
                    found[offset].append(name)
                    break
        if found:
            break
    for hours, name in EXTRA_ABBREVIATIONS.get(abbreviation, []):
        found[dt.timedelta(hours=hours)].append(name)
    return [(off, _example(found[off]), tuple(found[off])) for off in sorted(found)]


def _example(names: list[str]) -> str:
    """The zone to name in a message: a well-known one, else a region/city name."""
    for name in names:
        if name in WELL_KNOWN:
            return name
    regional = [n for n in names if "/" in n and not n.startswith(_ALIASES)]
    return sorted(regional or names)[0]


_ALIASES = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
WELL_KNOWN = {
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Halifax",
    "America/Havana",
    "America/Mexico_City",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Jerusalem",
    "Asia/Manila",
    "Asia/Riyadh",
    "Asia/Seoul",
    "Asia/Pyongyang",
    "Asia/Dubai",
    "Europe/Dublin",
    "Europe/London",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Maputo",
    "Africa/Johannesburg",
    "Atlantic/South_Georgia",
}


@lru_cache(maxsize=4096)
def _offset_for(abbreviation: str, local: dt.datetime, chosen: str | None) -> dt.timedelta:
    meanings = _meanings(abbreviation, local)
    if not meanings:
        raise UnknownZone(f"unknown time zone {abbreviation!r}")
    if len(meanings) == 1:
        return meanings[0][0]
    candidates = [(offset, example) for offset, example, _names in meanings]
    if chosen is None:
        raise AmbiguousZone(abbreviation, candidates)
    for offset, _example_name, names in meanings:  # a zone that writes this abbreviation
        if chosen in names:
            return offset
    zone = zone_by_name(chosen)  # else a zone (or offset) whose offset is one of its meanings
    given = local.replace(tzinfo=zone).utcoffset() if zone is not None else None
    if given is None or given not in {off for off, _ in candidates}:
        meanings_text = ", ".join(f"{name} ({offset_text(off)})" for off, name in candidates)
        raise UnknownZone(
            f"--timezone {chosen} is not one of the meanings of {abbreviation!r} ({meanings_text})"
        )
    return given


def localise(local: dt.datetime, zone_text: str, chosen: str | None = None) -> dt.datetime:
    """``local`` (naive) in the zone written next to it; ``chosen`` is the --timezone given,
    used only to settle an ambiguous abbreviation."""
    by_name = zone_by_name(zone_text)
    if by_name is not None:
        return local.replace(tzinfo=by_name)
    abbreviation = zone_text.strip().upper()
    if not re.fullmatch(r"[A-Z]{1,6}", abbreviation):
        raise UnknownZone(f"unknown time zone {zone_text!r}")
    # by the hour: the offset of an abbreviation does not change within one
    hour = local.replace(minute=0, second=0, microsecond=0)
    offset = _offset_for(abbreviation, hour, chosen)
    return local.replace(tzinfo=dt.timezone(offset))
