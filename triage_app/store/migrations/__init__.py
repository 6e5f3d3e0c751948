"""Ordered schema migrations, one module each: ``mNNN_name.py`` with ``VERSION`` and ``SQL``.

Numbers are reserved per area so areas can grow their tables independently:
1 core, 2 indicators and clusters, 3 referral packs, 4 keys and sync, 5 supervisor review,
6 pack signing key; 7 and up: take the next free number.
Never edit a migration that has shipped; add a new one."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    # Optional ``run(conn, progress)`` after the SQL, in the same transaction (data rewrites
    # that need Python, e.g. m016 re-folding the search index); progress(done, total) or None.
    run: Callable[..., Any] | None = None


def all_migrations() -> list[Migration]:
    """Every migration module in this package, in version order."""
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(
            Migration(int(module.VERSION), info.name, str(module.SQL), getattr(module, "run", None))
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version: {versions}")
    return found


def latest_version() -> int:
    return max(m.version for m in all_migrations())
