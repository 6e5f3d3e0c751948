"""The PostgreSQL schema: one module per SQLite migration, with the same number and name
(``mNNN_name.py`` with ``VERSION``, ``SQL`` in PostgreSQL 15 dialect, executed as one
multi-statement string, and an optional ``run(conn, progress)``).

Every SQLite migration must have its counterpart here (tests/store/test_pg_schema.py fails
otherwise), so the two schemas keep the same tables, columns and meaning; m001_core.py lists
what differs on purpose.

What only a server needs (LISTEN/NOTIFY triggers, say) lives in ``sNNN_name.py`` modules: the
server-only steps, numbered on their own counter and recorded apart from the schema's number,
so a later SQLite migration can never take a number a server-only step already holds (the
schema's version would then claim a migration that never ran). Where the versions are kept is
the connection adapter's business (store/pg/adapter.py); :func:`apply_migration` runs one
migration inside the caller's transaction."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

from ..migrations import Migration

_MODULE = re.compile(r"m\d{3}_\w+")
_SERVER_STEP = re.compile(r"s\d{3}_\w+")


def all_pg_migrations() -> list[Migration]:
    """Every migration module in this package (the SQLite migrations' twins), in version order."""
    return _modules(_MODULE)


def server_only_steps() -> list[Migration]:
    """The server-only steps (``sNNN_*``), in their own order."""
    return _modules(_SERVER_STEP)


def _modules(pattern: re.Pattern[str]) -> list[Migration]:
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        if not pattern.fullmatch(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(
            Migration(int(module.VERSION), info.name, str(module.SQL), getattr(module, "run", None))
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two PostgreSQL steps share a version: {versions}")
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
