"""Someone with direct access to the store's data edits it by hand, on either backend: tests of
the audit chain and the signatures prove such edits are caught.

On SQLite that person has the file and the sqlite3 shell; on PostgreSQL a login with rights on
the tables (psql; here a psycopg session of the server's superuser). The script's SQL is the
same; dropping a guard trigger first is spelled as each engine wants it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def edit_by_hand(store_or_path: Any, script: str, drop: tuple[str, ...] = ()) -> None:
    """Run ``script`` (SQL statements) against the store, after dropping the guard triggers
    ``drop`` (those that exist); committed."""
    from tests.support import backends

    path = Path(getattr(store_or_path, "path", store_or_path))
    stores = backends.ACTIVE
    database = stores.database_of(path) if stores is not None else None
    if stores is None or database is None:
        drops = "".join(f"DROP TRIGGER IF EXISTS {name};\n" for name in drop)
        subprocess.run(
            ["sqlite3", str(path)], input=drops + script, text=True, check=True, capture_output=True
        )
        return
    import psycopg

    with psycopg.connect(stores.server.url(database)) as raw:
        for name in drop:
            row = raw.execute(
                "SELECT tgrelid::regclass::text FROM pg_trigger "
                "WHERE tgname = %s AND NOT tgisinternal",
                (name,),
            ).fetchone()
            if row is not None:
                raw.execute(f"DROP TRIGGER {name} ON {row[0]}")
        raw.execute(script)
