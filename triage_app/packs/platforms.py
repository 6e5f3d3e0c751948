"""Platforms a pack can be addressed to, read from resources/platforms.toml: the name shown to
the liaison, the policy references a referral cites, and notes for the analyst."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import TriageError
from ..core.resources import resources_dir


@dataclass(frozen=True)
class PolicyReference:
    title: str
    url: str
    text: str = ""


@dataclass(frozen=True)
class Platform:
    key: str
    name: str
    policies: tuple[PolicyReference, ...] = ()
    liaison_notes: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)


def load_platforms(path: Path | None = None) -> dict[str, Platform]:
    """Platforms by key; a broken file is a TriageError naming what is wrong."""
    path = path or resources_dir() / "platforms.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TriageError(f"Platforms file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TriageError(f"Platforms file {path} is not valid TOML: {exc}") from exc
    found: dict[str, Platform] = {}
    for i, entry in enumerate(data.get("platform", []), start=1):
        if "key" not in entry or "name" not in entry:
            raise TriageError(f"Platform #{i} in {path} needs a key and a name")
        policies = tuple(
            PolicyReference(str(p.get("title", "")), str(p.get("url", "")), str(p.get("text", "")))
            for p in entry.get("policy", [])
        )
        platform = Platform(
            key=str(entry["key"]),
            name=str(entry["name"]),
            policies=policies,
            liaison_notes=str(entry.get("liaison_notes", "")).strip(),
            aliases=tuple(str(a) for a in entry.get("aliases", [])),
        )
        found[platform.key] = platform
    return found


def platform_info(key: str) -> Platform:
    """The platform's entry; an unknown platform still gets a pack, with no policy text."""
    platforms = load_platforms()
    if key in platforms:
        return platforms[key]
    for platform in platforms.values():
        if key in platform.aliases:
            return platform
    return Platform(key=key, name=key)
