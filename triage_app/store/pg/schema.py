"""The schema on PostgreSQL: the migrations of store/pg_migrations (the same numbers as the
SQLite ones in store/migrations), each in its own transaction (migration 1 also makes the
SQLite-compatible functions the shared queries call: pg_migrations/_compat_sql.py). The
version lives in the ``triage_schema`` table (SQLite keeps it in PRAGMA user_version); a
transaction-scoped advisory lock keeps two programs opening an empty database at once from
migrating it twice."""

from __future__ import annotations

from typing import Any

import psycopg

from ...core.errors import StoreVersionError, TriageError
from ..migrations import Migration
from .adapter import VERSION_TABLE, PgConnection, schema_version, set_schema_version

MIGRATION_LOCK = 0x7472_6961_6765  # "triage": the advisory lock held while migrating
SERVER_PART = "server"  # triage_schema's row for the server-only steps (pg_migrations/sNNN_*)


def pg_migrations() -> list[Migration]:
    """Every module of store/pg_migrations named mNNN_*, in version order."""
    from ..pg_migrations import all_pg_migrations

    return all_pg_migrations()


def _version_table(raw: psycopg.Connection) -> None:
    raw.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} "
        "(part text PRIMARY KEY, version integer NOT NULL)"
    )


def migrate_pg(conn: PgConnection, where: str, progress: Any = None) -> None:
    """Bring the server's schema up to date; refuse a schema written by a newer program."""
    raw = conn.raw
    migrations = pg_migrations()
    if not migrations:
        raise TriageError("This program has no PostgreSQL schema (store/pg_migrations is empty)")
    latest = migrations[-1].version
    current = schema_version(raw)
    if current > latest:
        raise StoreVersionError(
            f"The {where} was written by a newer version of the program (schema {current}, "
            f"this program knows up to {latest}); update the program to open it"
        )
    from ..pg_migrations import server_only_steps

    steps = server_only_steps()
    done_steps = schema_version(raw, SERVER_PART)
    if steps and done_steps > steps[-1].version:
        raise StoreVersionError(
            f"The {where} was set up by a newer version of the program (server step "
            f"{done_steps}, this program knows up to {steps[-1].version}); update the program"
        )
    steps_due = bool(steps) and done_steps < steps[-1].version
    if current > 0 and (current < latest or steps_due):
        from .roles import may_apply

        if not may_apply(raw):
            owner = raw.execute(
                "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('posts')"
            ).fetchone()
            raise StoreVersionError(
                f"The {where} needs upgrading to this program's schema ({current} -> {latest}), "
                f"which only its owner can do: {owner[0] if owner else 'the owner'} opens it "
                "once with this version"
            )
    if current < latest or steps_due:
        _in_transaction(conn, lambda: _version_table(raw))
        for migration in migrations:
            _in_transaction(conn, lambda m=migration: _apply(conn, m, progress))  # type: ignore[misc]
        for step in steps:
            _in_transaction(conn, lambda m=step: _apply(conn, m, progress, SERVER_PART))  # type: ignore[misc]
        conn.catalog.forget()
    # Who may do what (store/pg/roles.py): set by the schema's owner, again after an upgrade.
    from .roles import ensure_roles

    ensure_roles(conn)


def _in_transaction(conn: PgConnection, step: Any) -> None:
    conn.raw.execute("BEGIN")
    try:
        conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        step()
    except BaseException:
        if not conn.raw.closed:
            conn.raw.execute("ROLLBACK")
        raise
    conn.raw.execute("COMMIT")


def _apply(conn: PgConnection, migration: Migration, progress: Any, part: str = "schema") -> None:
    """One migration, unless another program applied it while this one waited for the lock."""
    if schema_version(conn.raw, part) >= migration.version:
        return
    try:
        conn.raw.execute(migration.sql)  # no parameters: psycopg sends the whole script at once
    except psycopg.Error as exc:
        raise TriageError(
            f"PostgreSQL migration {migration.name} failed: {str(exc).strip()}"
        ) from exc
    if migration.run is not None:
        from ..search_index import stderr_progress

        conn.catalog.forget()
        migration.run(conn, progress or stderr_progress())
    set_schema_version(conn.raw, migration.version, part)
