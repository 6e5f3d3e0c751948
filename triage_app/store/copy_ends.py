"""The two ends of `triage db copy` on each engine: reading a consistent snapshot of the source,
and writing the destination in one transaction.

SQLite reads stream from a cursor inside one read transaction (WAL keeps the snapshot) and write
with ``executemany``; PostgreSQL reads through a server-side cursor in a REPEATABLE READ
transaction (so a million-row table is never held in memory) and writes with ``COPY``, then
moves every identity past the ids it was given (``triage_sync_identities()``,
pg_migrations/_compat_sql.py). store/copy.py drives them and knows nothing of the engine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .connection import Store

CHUNK = 5000  # rows per executemany / server-side fetch


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _select(table: str, columns: Sequence[str], where: str, ordered: bool) -> str:
    sql = f'SELECT {_quoted(columns)} FROM "{table}"'
    if where:
        sql += f" WHERE {where}"
    if ordered:
        sql += " ORDER BY rowid"  # insertion order: the founder is users' first row
    return sql


class SqliteEnd:
    """A SQLite store as the source or the destination of a copy."""

    engine = "sqlite"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- both ------------------------------------------------------------------------------
    def tables(self) -> set[str]:
        return {
            str(r[0])
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }

    def columns(self, table: str) -> list[str]:
        """The columns a copy writes (SQLite has no generated columns in this schema)."""
        return [str(r[1]) for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        sql = f'SELECT count(*) FROM "{table}"' + (f" WHERE {where}" if where else "")
        return int(self.conn.execute(sql, tuple(params)).fetchone()[0])

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One statement (``?`` placeholders) inside the copy's transaction."""
        return self.conn.execute(sql, tuple(params))

    # -- as the source ---------------------------------------------------------------------
    def begin_snapshot(self) -> None:
        self.conn.execute("BEGIN")

    def end_snapshot(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def rows(
        self, table: str, columns: Sequence[str], where: str, params: Sequence[Any], ordered: bool
    ) -> Iterator[tuple[Any, ...]]:
        cursor = self.conn.execute(_select(table, columns, where, ordered), tuple(params))
        while batch := cursor.fetchmany(CHUNK):
            yield from batch

    # -- as the destination ----------------------------------------------------------------
    def begin_write(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def delete_all(self, table: str, guarded: bool, where: str = "") -> None:
        """Empty ``table`` (rows matching ``where``); an append-only table's guard triggers are
        dropped and made again around the DELETE, inside the same transaction."""
        triggers = []
        if guarded:
            triggers = self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                (table,),
            ).fetchall()
            for name, _sql in triggers:
                self.conn.execute(f'DROP TRIGGER "{name}"')
        self.conn.execute(f'DELETE FROM "{table}"' + (f" WHERE {where}" if where else ""))
        for _name, sql in triggers:
            self.conn.execute(sql)

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        progress: Any = None,
    ) -> int:
        sql = f'INSERT INTO "{table}" ({_quoted(columns)}) VALUES ({", ".join("?" * len(columns))})'
        done = 0
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                self.conn.executemany(sql, batch)
                done += len(batch)
                batch = []
                if progress is not None:
                    progress(done)
        if batch:
            self.conn.executemany(sql, batch)
            done += len(batch)
        return done

    def after_ids(self) -> None:
        """Nothing to do: an INTEGER PRIMARY KEY continues from the largest id by itself."""

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


class PgEnd:
    """A store on a PostgreSQL server as the source or the destination of a copy (the raw
    psycopg connection under the store's adapter)."""

    engine = "postgresql"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.raw = store.conn.raw
        self._types: dict[str, dict[str, str]] = {}

    @staticmethod
    def _sql(sql: str) -> str:
        from .pg.translate import translate

        return translate(sql).sql

    # -- both ------------------------------------------------------------------------------
    def tables(self) -> set[str]:
        return {
            str(r[0])
            for r in self.raw.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        }

    def _column_types(self, table: str) -> dict[str, str]:
        """Writable columns and their types: not the generated ``rowid`` (nor any other
        generated column, such as ``posts_fts.document``)."""
        if table not in self._types:
            rows = self.raw.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "AND is_generated = 'NEVER' AND coalesce(identity_generation, '') <> 'ALWAYS' "
                "ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            self._types[table] = {str(r[0]): str(r[1]) for r in rows}
        return self._types[table]

    def columns(self, table: str) -> list[str]:
        return list(self._column_types(table))

    def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        sql = f'SELECT count(*) FROM "{table}"' + (f" WHERE {where}" if where else "")
        row = self.raw.execute(self._sql(sql), tuple(params)).fetchone()
        return int(row[0]) if row else 0

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One statement (SQLite's dialect, ``?`` placeholders) inside the copy's transaction."""
        return self.raw.execute(self._sql(sql), tuple(params))

    # -- as the source ---------------------------------------------------------------------
    def begin_snapshot(self) -> None:
        self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def end_snapshot(self) -> None:
        self.raw.execute("ROLLBACK")

    def rows(
        self, table: str, columns: Sequence[str], where: str, params: Sequence[Any], ordered: bool
    ) -> Iterator[tuple[Any, ...]]:
        from contextlib import nullcontext

        from psycopg.pq import TransactionStatus

        # A server-side cursor lives in a transaction: the snapshot's, or one of its own.
        idle = self.raw.info.transaction_status == TransactionStatus.IDLE
        with self.raw.transaction() if idle else nullcontext():
            cursor = self.raw.cursor(name=f"triage_copy_{table}")
            cursor.itersize = CHUNK
            try:
                cursor.execute(self._sql(_select(table, columns, where, ordered)), tuple(params))
                yield from cursor
            finally:
                cursor.close()

    # -- as the destination ----------------------------------------------------------------
    def begin_write(self) -> None:
        from .pg.adapter import WRITER_LOCK

        self.raw.execute("BEGIN")
        # The store's writer lock, as every writing transaction of the program takes it.
        self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))

    def delete_all(self, table: str, guarded: bool, where: str = "") -> None:
        if guarded:
            self.raw.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        self.raw.execute(self._sql(f'DELETE FROM "{table}"' + (f" WHERE {where}" if where else "")))
        if guarded:
            self.raw.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        progress: Any = None,
    ) -> int:
        types = self._column_types(table)
        convert = [_converter(types.get(c, "text")) for c in columns]
        done = 0
        statement = f'COPY "{table}" ({_quoted(columns)}) FROM STDIN'
        with self.raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row([f(v) for f, v in zip(convert, row, strict=True)])
                done += 1
                if progress is not None and done % CHUNK == 0:
                    progress(done)
        return done

    def after_ids(self) -> None:
        self.raw.execute("SELECT triage_sync_identities()")

    def commit(self) -> None:
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        from psycopg.pq import TransactionStatus

        if self.raw.info.transaction_status != TransactionStatus.IDLE:
            self.raw.execute("ROLLBACK")


def _converter(data_type: str) -> Any:
    """SQLite keeps what it is given whatever a column's declared type; COPY parses text by
    the column's real type, so the few values that would read differently are put right."""
    if data_type == "bytea":
        return lambda v: v.encode("utf-8") if isinstance(v, str) else v
    if data_type in ("bigint", "integer", "smallint"):
        return lambda v: int(v) if isinstance(v, float) and v.is_integer() else v
    return lambda v: v


def is_database_error(exc: BaseException) -> bool:
    """An error of either engine (SQLite's, or the server's: a lost connection, a right the
    login lacks), which the copy reports in one line."""
    import psycopg

    from .connection import DatabaseError

    return isinstance(exc, (psycopg.Error, DatabaseError))


def end_for(store: Store) -> SqliteEnd | PgEnd:
    return PgEnd(store) if store.backend == "postgresql" else SqliteEnd(store)
