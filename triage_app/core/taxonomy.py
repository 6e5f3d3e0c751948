"""The tag taxonomy, read from resources/taxonomy.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import TriageError
from .resources import resources_dir

KINDS = ("offence", "disposition")
NOT_RELEVANT = "not_relevant"


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag a post can carry; ``number_key`` is the one key that toggles it."""

    key: str
    label: str
    number_key: str
    colour: str
    description: str
    kind: str


def load_taxonomy(path: Path | None = None) -> list[Tag]:
    """Read and check the taxonomy; a broken file is a TriageError naming what is wrong."""
    path = path or resources_dir() / "taxonomy.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TriageError(f"Taxonomy file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TriageError(f"Taxonomy file {path} is not valid TOML: {exc}") from exc
    tags: list[Tag] = []
    seen_keys: set[str] = set()
    seen_numbers: set[str] = set()
    for i, entry in enumerate(data.get("tag", []), start=1):
        try:
            tag = Tag(
                key=str(entry["key"]),
                label=str(entry["label"]),
                number_key=str(entry.get("number_key", "")),
                colour=str(entry.get("colour", "#888888")),
                description=str(entry.get("description", "")),
                kind=str(entry.get("kind", "offence")),
            )
        except KeyError as exc:
            raise TriageError(f"Taxonomy tag #{i} has no {exc.args[0]!r}") from exc
        if not re.fullmatch(r"[a-z0-9_]+", tag.key):
            raise TriageError(f"Taxonomy tag key {tag.key!r} must be lower-case letters, digits, _")
        if tag.kind not in KINDS:
            raise TriageError(f"Taxonomy tag {tag.key!r} has kind {tag.kind!r}; use one of {KINDS}")
        if tag.key in seen_keys:
            raise TriageError(f"Taxonomy tag key {tag.key!r} appears twice")
        if tag.number_key and tag.number_key in seen_numbers:
            raise TriageError(f"Taxonomy number key {tag.number_key!r} is used twice")
        seen_keys.add(tag.key)
        if tag.number_key:
            seen_numbers.add(tag.number_key)
        tags.append(tag)
    if not tags:
        raise TriageError(f"Taxonomy file {path} defines no tags")
    return tags
