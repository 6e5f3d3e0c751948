"""Where the shipped data files (taxonomy, platforms, lexicon, weights) live."""

from __future__ import annotations

import os
from pathlib import Path


def resources_dir() -> Path:
    """The `resources/` folder: TRIAGE_RESOURCES overrides, else beside the package."""
    override = os.environ.get("TRIAGE_RESOURCES")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent.parent
    # Installed from a wheel: triage_app/resources; from a checkout: the top-level resources/.
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    return here.parent / "resources"
