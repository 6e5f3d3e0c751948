"""The PostgreSQL schema: one module per SQLite migration, with the same number and name
(``mNNN_name.py`` with ``VERSION``, ``SQL`` in PostgreSQL 15 dialect, executed as one
multi-statement string, and an optional ``run(conn, progress)``).

Every SQLite migration must have its counterpart here (tests/store/test_pg_schema.py fails
otherwise), so the two schemas keep the same tables, columns and meaning; m001_core.py lists
what differs on purpose. Where the schema version is kept is the connection adapter's business
(store/pg/adapter.py); :func:`apply_migration` runs one migration inside the caller's
transaction."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

from ..migrations import Migration

_MODULE = re.compile(r"m\d{3}_\w+")


def all_pg_migrations() -> list[Migration]:
    """Every migration module in this package, in version order."""
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        if not _MODULE.fullmatch(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(
            Migration(int(module.VERSION), info.name, str(module.SQL), getattr(module, "run", None))
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two PostgreSQL migrations share a version: {versions}")
    return found


def latest_pg_version() -> int:
    return max(m.version for m in all_pg_migrations())


def apply_migration(conn: Any, migration: Migration, progress: Any = None) -> None:
    """Run one migration on a psycopg connection (or the adapter's, through its ``raw``) in the
    caller's transaction: the SQL as one string, then ``run(conn, progress)``."""
    raw = getattr(conn, "raw", conn)
    raw.execute(migration.sql)
    if migration.run is not None:
        migration.run(raw, progress)
