"""What X API v1.1 and v2 importers share: language codes, media variants, links."""

from __future__ import annotations

from typing import Any

from ...core.records import MediaRecord

# X marks tweets it could not classify with pseudo language codes; they are not languages.
PSEUDO_LANGUAGES = {"und", "qam", "qct", "qht", "qme", "qst", "zxx", "art"}


def language(code: object) -> str | None:
    if not isinstance(code, str) or not code or code in PSEUDO_LANGUAGES:
        return None
    return code


def best_video_variant(variants: object) -> tuple[str | None, str | None]:
    """(url, content type) of the highest bit-rate MP4 among a video's variants."""
    best: tuple[int, str, str] | None = None
    if isinstance(variants, list):
        for variant in variants:
            if not isinstance(variant, dict) or not variant.get("url"):
                continue
            mime = str(variant.get("content_type") or "")
            if mime != "video/mp4":
                continue
            rate = int(variant.get("bit_rate") or variant.get("bitrate") or 0)
            if best is None or rate > best[0]:
                best = (rate, str(variant["url"]), mime)
    if best is None:
        return None, None
    return best[1], best[2]


def media_kind(x_type: object) -> str:
    return "photo" if x_type == "photo" else "video"


def remote_media(kind: str, url: str | None, mime: str | None, name: str | None) -> MediaRecord:
    """Media X only links to: it is not beside the export, so it is recorded as missing."""
    return MediaRecord(kind=kind, url=url, missing=True, mime=mime, name=name)


def post_url(handle: str | None, post_id: str) -> str:
    if handle:
        return f"https://x.com/{handle}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"


def expanded_urls(entities: Any) -> list[str]:
    """The real addresses behind t.co links (kept for indicator extraction)."""
    found: list[str] = []
    if isinstance(entities, dict):
        for item in entities.get("urls") or []:
            if isinstance(item, dict):
                url = item.get("unwound_url") or item.get("expanded_url")
                if isinstance(url, str) and url and url not in found:
                    found.append(url)
    return found
