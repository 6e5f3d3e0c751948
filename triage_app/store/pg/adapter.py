"""A psycopg 3 connection that answers like the sqlite3 connection the shared store modules
were written for: ``execute(sql, params)`` with ``?`` placeholders returning a cursor of tuples,
``executemany``, ``in_transaction``, explicit ``BEGIN``/``COMMIT``/``ROLLBACK`` strings,
``lastrowid`` and ``total_changes``.

The psycopg connection runs in autocommit mode, so that the store's own BEGIN ... COMMIT are the
transactions, exactly as with SQLite's ``isolation_level=None``. Errors come back as subclasses
of the SQLite driver's exception classes, so that ``except IntegrityError`` in shared code keeps
meaning the same thing.

SQL written for PostgreSQL only (roles, GRANTs, LISTEN, FOR UPDATE SKIP LOCKED) goes to
``conn.raw``, the psycopg connection itself, so that no translation touches it (the ``user``
quoting would turn ``CREATE USER`` into nonsense)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import psycopg
import psycopg.errors
import sqlcipher3.dbapi2 as sqlite
from psycopg import pq
from psycopg.pq import TransactionStatus

from ...core.errors import PermissionRefused, TriageError
from ..connection import ReadAfterCommit
from .translate import Translated, replace_clause, translate

# PRAGMAs that tune SQLite's engine and mean nothing on a server: accepted and ignored.
IGNORED_PRAGMAS = frozenset(
    {
        "cache_size",
        "foreign_keys",
        "synchronous",
        "busy_timeout",
        "journal_mode",
        "temp_store",
        "mmap_size",
        "locking_mode",
        "wal_checkpoint",
    }
)
T = TypeVar("T")
VERSION_TABLE = "triage_schema"
# The advisory lock every BEGIN IMMEDIATE takes: writing transactions follow one another as on
# SQLite, so that code that reads then writes (the audit chain's head, "already tagged?") sees
# no other writer in between. Paths that can run side by side (claims with SKIP LOCKED) use a
# plain BEGIN instead.
WRITER_LOCK = 0x7472_6961_6765_77  # "triagew"
# The writing transaction commits without waiting for the server's log to reach the disk (SET
# LOCAL: this transaction only), so that the writer lock, released at the COMMIT, is not held
# through a disk sync; right after the COMMIT, in the same round trip and outside the lock,
# _ON_DISK waits for the log, its own record being after the COMMIT's, as the session's
# synchronous_commit says (on: the disk; a standby if the server is set so). Only then is the
# decision acknowledged. A crash in between loses a commit nobody was told of, with every
# later record of the log: the audit chain stays whole. (PostgreSQL writes a commit that made
# no log record of its own without waiting: a transactional message is one that any login may
# write.)
_BEGIN = "BEGIN; SET LOCAL synchronous_commit TO off"
_TAKE_WRITER_LOCK = f"SELECT pg_advisory_xact_lock({WRITER_LOCK})"
_BEGIN_WRITER = f"{_BEGIN}; {_TAKE_WRITER_LOCK}"
_ON_DISK = "SELECT pg_logical_emit_message(true, 'triage', '')"


class _Committing:
    """A COMMIT sent in a pipeline with what follows it in the same round trip: _ON_DISK and
    the reads asked for after the COMMIT (Store.read_after_commit)."""

    def __init__(
        self,
        commit: psycopg.Cursor[Any],
        synced: psycopg.Cursor[Any] | None,
        reads: list[tuple[ReadAfterCommit, list[psycopg.Cursor[Any]]]],
    ) -> None:
        self.commit, self.synced, self.reads = commit, synced, reads

    def stands(self) -> bool:
        """After an error in the pipeline: whether it came after the COMMIT and its wait for
        the disk, both answered (so in one of the reads): the transaction is committed and
        acknowledged, and only the reads go unanswered."""
        return _answered(self.commit, "COMMIT") and (
            self.synced is None or _answered(self.synced, "SELECT 1")
        )

    def answer(self) -> None:
        """Give each read its rows (none when any read of it failed)."""
        for later, cursors in self.reads:
            if all(_answered(cur, "SELECT") for cur in cursors):
                later.answered([cur.fetchall() for cur in cursors])


def _answered(cur: psycopg.Cursor[Any], status: str) -> bool:
    """Whether ``cur``'s statement was answered with ``status`` (its command tag's start)."""
    try:
        return (cur.statusmessage or "").startswith(status)
    except psycopg.Error:
        return False


class PgDatabaseError(sqlite.DatabaseError):
    """A PostgreSQL error, seen by shared code as the SQLite driver's DatabaseError."""


class PgIntegrityError(sqlite.IntegrityError):
    """A constraint violation (unique, foreign key, not null, check)."""


class PgOperationalError(sqlite.OperationalError):
    """The server went away, a lock timed out, a statement was cancelled, or the SQL names
    something that does not exist (as sqlite3's OperationalError)."""


class PgPermissionError(PgOperationalError, PermissionRefused):
    """The server refused the login a right (store/pg/roles.py): shared code sees the SQLite
    driver's OperationalError, the command line a one-line PermissionRefused."""


def _refusal(exc: psycopg.Error) -> str:
    first = (str(exc).strip().splitlines() or ["permission denied"])[0]
    return f"The server refused: {first} (the roles of your login do not allow it)"


class PgConnectionLost(PgOperationalError, TriageError):
    """The session died under a statement (server restarted, network cut): what was under way
    was not acknowledged. A TriageError too, so the window and the CLI say it in one line; the
    next statement takes a new session (PgConnection.renew_if_lost)."""


LOST = "Lost the connection to the team server; that action was not saved (the next reconnects)"


def _mapped(exc: psycopg.Error) -> Exception:
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return PgPermissionError(_refusal(exc))
    if isinstance(exc, psycopg.errors.IntegrityError):
        return PgIntegrityError(str(exc).strip())
    # SQLite reports a missing table or column and bad SQL as OperationalError too.
    if isinstance(exc, psycopg.OperationalError | psycopg.ProgrammingError):
        return PgOperationalError(str(exc).strip())
    return PgDatabaseError(str(exc).strip())


class Catalog:
    """What the adapter needs to know about tables (primary keys, columns, an identity ``id``),
    asked of the server once per table and shared by every connection of a pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {}

    def describe(
        self, raw: psycopg.Connection, table: str
    ) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        """(primary key columns, the columns a row may be given (not generated ones), whether
        ``id`` takes a generated value)."""
        with self._lock:
            known = self._tables.get(table)
        if known is not None:
            return known
        cur = raw.execute(
            "SELECT a.attname, a.attidentity <> '' "
            "OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%%', "
            "coalesce(a.attnum = ANY(i.indkey), false), "
            "a.attidentity = '' AND a.attgenerated = '' "
            "FROM pg_attribute a "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
            "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum",
            (table,),
        )
        rows = cur.fetchall()
        info = (
            tuple(r[0] for r in rows if r[2]),
            tuple(r[0] for r in rows if r[3]),
            any(r[0] == "id" and r[1] for r in rows),
        )
        with self._lock:
            self._tables[table] = info
        return info

    def forget(self) -> None:
        """After a migration changed tables."""
        with self._lock:
            self._tables.clear()


# The results that carry rows (psycopg's own test for a description; TUPLES_CHUNK is newer).
_ROW_RESULTS = frozenset(
    getattr(pq.ExecStatus, name)
    for name in ("TUPLES_OK", "SINGLE_TUPLE", "TUPLES_CHUNK")
    if hasattr(pq.ExecStatus, name)
)


def returns_rows(cur: psycopg.Cursor[Any]) -> bool:
    """Whether the statement ``cur`` ran returned rows: ``cur.description is not None``
    without its cost. psycopg builds the description's column objects afresh each time it is
    asked (a post's row has 36 columns): asked twice for every statement, that was 204 column
    objects per tag key on a team server, ~0.5 ms, and per row fetched (as this adapter once
    did) a 200-row page of nine columns built 1,800."""
    result = cur.pgresult
    return result is not None and (result.nfields > 0 or result.status in _ROW_RESULTS)


class PgCursor:
    """The part of sqlite3.Cursor the store uses; rows are tuples."""

    def __init__(
        self,
        cur: psycopg.Cursor[Any] | None,
        lastrowid: int | None = None,
        rows: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self._cur = cur
        self._rows = rows
        self.lastrowid = lastrowid
        self.rowcount = cur.rowcount if cur is not None else -1
        self._returns_rows = cur is not None and returns_rows(cur)

    @property
    def description(self) -> Any:
        return self._cur.description if self._cur is not None else None

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        if not self._returns_rows:
            return None
        assert self._cur is not None
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        if not self._returns_rows:
            return []
        assert self._cur is not None
        return self._cur.fetchall()

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        if self._rows is not None:
            rows, self._rows = self._rows[:size], self._rows[size:]
            return rows
        if not self._returns_rows:
            return []
        assert self._cur is not None
        return self._cur.fetchmany(size)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        if self._rows is not None:
            while self._rows:
                yield self._rows.pop(0)
            return
        if self._returns_rows:
            assert self._cur is not None
            yield from self._cur

    def close(self) -> None:
        if self._cur is not None:
            self._cur.close()


class SentCursor(PgCursor):
    """A write sent while writes wait for the COMMIT (PgConnection.defer_until_commit): no
    rows, and neither its row count (-1, as sqlite3 says of a count it does not know) nor its
    generated id is known yet; asking for the id is a mistake, said at once."""

    def __init__(self) -> None:
        super().__init__(None, rows=[])

    @property  # type: ignore[override]
    def lastrowid(self) -> int | None:
        raise PgDatabaseError("A write answered at the COMMIT has no generated id yet")

    @lastrowid.setter
    def lastrowid(self, _value: int | None) -> None:
        pass


class PgConnection:
    """One pooled psycopg connection behind the sqlite3 connection interface."""

    def __init__(
        self,
        raw: psycopg.Connection,
        catalog: Catalog,
        release: Callable[[psycopg.Connection], None] | None = None,
        reconnect: Callable[[], psycopg.Connection] | None = None,
    ) -> None:
        self._raw = raw
        self.catalog = catalog
        self._release = release
        # A new session after the server restarted or the network dropped (the pool's getconn).
        self._reconnect = reconnect
        self.reconnects = 0  # how many times the session was replaced (the window says so)
        self._trace: Callable[[str], Any] | None = None
        self._final: dict[str, str] = {}
        self.total_changes = 0
        # A transaction's writes waiting for its COMMIT (defer_until_commit): the pipeline they
        # were sent in and their cursors.
        self._deferred: tuple[AbstractContextManager[Any], list[psycopg.Cursor[Any]]] | None = None
        # A writing transaction is open, whose COMMIT is followed by _ON_DISK.
        self._writing = False
        # A parameterless SELECT the next writer BEGIN also sends (read_with_next_begin) and,
        # once it was sent, its rows.
        self._with_begin: str | None = None
        self._begin_answer: list[tuple[Any, ...]] = []
        # Reads to send after the writing transaction's COMMIT (Store.read_after_commit).
        self._reads_after: list[ReadAfterCommit] = []

    @property
    def raw(self) -> psycopg.Connection:
        """The psycopg connection, for SQL written for PostgreSQL only (roles, claims, search).

        Between transactions it is first checked without waiting (the socket read for what the
        server sent: a restarting server closes it): a session the server has ended is replaced
        before the caller's statement, instead of failing it."""
        raw = self._raw
        if (
            raw is not None
            and self._reconnect is not None
            and not raw.closed
            and raw.info.transaction_status == TransactionStatus.IDLE
        ):
            try:
                raw.pgconn.consume_input()
            except psycopg.Error:
                pass  # the status below says whether the session is gone
            if raw.pgconn.status != psycopg.pq.ConnStatus.OK:
                self.renew_if_lost()
        return self._raw

    @raw.setter
    def raw(self, value: psycopg.Connection) -> None:
        self._raw = value

    # -- the sqlite3 surface ----------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        self._check_open()
        if self._deferred is not None:
            return True  # its writes are in flight: the status says ACTIVE meanwhile
        return self._raw.info.transaction_status in (
            TransactionStatus.INTRANS,
            TransactionStatus.INERROR,
        )

    def _check_open(self) -> None:
        """After close(), sqlite3's own error (the window's idle lock closes the store under
        code that may still ask it something)."""
        if self._raw is None:
            raise sqlite.ProgrammingError("Cannot operate on a closed database.")

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> PgCursor:
        self._check_open()
        done = translate(sql)
        if self._deferred is not None:
            deferred = self._deferring(done, params)
            if deferred is not None:
                return deferred
        if done.pragma is not None:
            return self._pragma(*done.pragma)
        if done.writer:
            return self._begin_writer()
        if self._writing:
            verb = done.sql.lstrip()[:8].upper()
            if verb.startswith(("COMMIT", "ROLLBACK")):
                self._writing = False
                if verb.startswith("COMMIT"):
                    return self._commit_on_disk()
                self._reads_after.clear()
        text = self._final_sql(done)
        returning_id = self._returns_id(done, text)
        if returning_id:
            text += " RETURNING id"
        values = self._params(done, params)
        if self._trace is not None:
            self._trace(text)
        idle = not self.in_transaction
        try:
            cur = self._raw.cursor()
            cur.execute(text, values)
        except psycopg.Error as exc:
            if not (idle and self.renew_if_lost()):
                raise self._error(exc) from exc
            cur = self._raw.cursor()  # nothing was under way: the same statement, new session
            try:
                cur.execute(text, values)
            except psycopg.Error as again:
                raise self._error(again) from again
        if returning_id or (not returns_rows(cur) and cur.rowcount > 0):
            self.total_changes += max(cur.rowcount, 0)
        if returning_id:
            row = cur.fetchone()
            return PgCursor(cur, int(row[0]) if row else None, rows=[])
        return PgCursor(cur)

    def read_together(self, reads: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        """Each read's rows, the reads sent in one pipeline (psycopg's pipeline mode): the
        server answers them all after one round trip instead of one each (Store.read_together).
        A session found dead before anything began is replaced and the reads sent again."""
        self._check_open()
        self._end_deferral()
        statements = []
        for sql, params in reads:
            done = translate(sql)
            statements.append((self._final_sql(done), self._params(done, params)))
        return self.on_live_session(lambda: self._pipelined(statements))

    def _pipelined(self, statements: list[tuple[str, Any]]) -> list[list[Any]]:
        cursors = []
        with self._raw.pipeline():
            for text, values in statements:
                if self._trace is not None:
                    self._trace(text)
                cur = self._raw.cursor()
                cur.execute(text, values)
                cursors.append(cur)
        # The pipeline's end waited for every answer: the rows are here.
        return [cur.fetchall() if returns_rows(cur) else [] for cur in cursors]

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        self._check_open()
        self._end_deferral()
        done = translate(sql)
        text = self._final_sql(done)
        rows = [self._params(done, p) for p in seq]
        if self._trace is not None:
            self._trace(text)
        cur = self._raw.cursor()
        if not rows:
            return PgCursor(None)
        try:
            cur.executemany(text, rows)
        except psycopg.Error as exc:
            raise self._error(exc) from exc
        self.total_changes += max(cur.rowcount, 0)
        return PgCursor(cur)

    # -- writes answered at the COMMIT -------------------------------------------------------
    def defer_until_commit(self) -> None:
        """From now until this transaction's COMMIT, send its writes without waiting for each
        one's answer (psycopg's pipeline mode); the COMMIT waits for them all. One round trip
        where each write was one: a tag key's four writes and its COMMIT, under the writer lock
        every other analyst's decision waits for.

        The writes' row counts and generated ids are not known (the caller knows what it
        writes). An error in any of them is raised by the COMMIT, nothing is committed, and the
        caller rolls back as after any failed statement. A read, a ROLLBACK or anything else
        first waits for the writes sent so far (their errors raised there)."""
        self._check_open()
        if self._deferred is None and self.in_transaction:
            pipeline = self._raw.pipeline()
            pipeline.__enter__()
            self._deferred = (pipeline, [])

    def _deferring(self, done: Translated, params: Sequence[Any] | None) -> PgCursor | None:
        """A statement while writes wait for the COMMIT: a write is sent and answered later
        (its cursor, no rows); the COMMIT ends the wait; None for anything else, sent as usual
        once the writes are answered (a ROLLBACK drops them)."""
        verb = done.sql.lstrip()[:8].upper()
        if verb.startswith("COMMIT"):
            self._end_deferral(committing=True)
            return PgCursor(None, rows=[])
        if verb.startswith("ROLLBACK"):
            self._end_deferral(dropping=True)
            return None
        if (
            done.pragma is not None
            or done.writer
            or not verb.startswith(("INSERT", "UPDATE", "DELETE"))
        ):
            self._end_deferral()
            return None
        assert self._deferred is not None
        text = self._final_sql(done)
        if self._trace is not None:
            self._trace(text)
        cur = self._raw.cursor()
        try:
            cur.execute(text, self._params(done, params))
        except psycopg.Error as exc:
            self._end_deferral(dropping=True)
            raise self._error(exc) from exc
        self._deferred[1].append(cur)
        return SentCursor()

    def _end_deferral(self, committing: bool = False, dropping: bool = False) -> None:
        """Wait for the writes sent since defer_until_commit (``committing``: the COMMIT sent
        after them), raising the first error, unless ``dropping`` (a rollback follows). The
        pipeline is left in every case: an error can come back while the COMMIT is being sent,
        and a connection left in pipeline mode would hold back the ROLLBACK that follows."""
        deferred, self._deferred = self._deferred, None
        if deferred is None:
            return
        pipeline, cursors = deferred
        error: psycopg.Error | None = None
        on_disk = self._writing and committing and not dropping
        if committing or dropping:
            self._writing = False  # the transaction ends here; a read only waits for the writes
        committed: _Committing | None = None
        if committing and not dropping:
            try:
                committed = self._send_commit(on_disk)
            except psycopg.Error as exc:
                error = exc
        if dropping:
            self._reads_after.clear()
        try:
            pipeline.__exit__(None, None, None)
        except psycopg.Error as exc:
            error = error or exc
        if error is not None and not (committed is not None and committed.stands()):
            if dropping:
                return
            raise self._error(error) from error
        self.total_changes += sum(max(c.rowcount, 0) for c in cursors)
        if committed is not None:
            committed.answer()

    def bulk_rows(self, *args: Any, **kwargs: Any) -> Any:
        """An import's row writer that uses COPY (store/pg/bulk_copy.CopyRows; the pipeline
        asks for it through ingest/batch_rows.row_writer)."""
        from .bulk_copy import CopyRows

        return CopyRows(self, *args, **kwargs)

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.execute("ROLLBACK")

    def set_trace_callback(self, callback: Callable[[str], Any] | None) -> None:
        """Each statement as sent to the server (TRIAGE_DEBUG_SQL)."""
        self._trace = callback

    def close(self) -> None:
        """Back to the pool (an open transaction is rolled back first, as SQLite does on
        close)."""
        if self._raw is not None:
            self._end_deferral(dropping=True)
        raw, self._raw = self._raw, None  # type: ignore[assignment]
        if raw is None:
            return
        try:
            if raw.info.transaction_status != TransactionStatus.IDLE and not raw.closed:
                raw.rollback()
        except psycopg.Error:
            pass  # the server went away: the pool discards the connection below
        finally:
            if self._release is not None:
                self._release(raw)
            else:
                raw.close()

    def renew_if_lost(self) -> bool:
        """After an error: when the session itself is gone (server restarted, network cut),
        take a new one from the pool and say True, so that a statement that began nothing
        can be sent again. A transaction that was under way is lost with its session: it was
        never acknowledged, and the caller hears of the error."""
        raw = self._raw
        if self._reconnect is None or raw is None:
            return False
        if not (raw.broken or raw.closed or raw.pgconn.status != psycopg.pq.ConnStatus.OK):
            return False
        lost = self._raw
        self._writing = False  # a transaction under way went with the session
        self._raw = self._reconnect()
        self.reconnects += 1
        if self._release is not None:
            self._release(lost)  # the pool sees it is broken and discards it
        return True

    def on_live_session(self, step: Callable[[], T]) -> T:
        """Run ``step`` (SQL sent to ``raw``), once more on a new session when the session died
        under it while no transaction was under way; its errors as the shared code's (a lost
        session is PgConnectionLost: one line, never a traceback)."""
        idle = not self.in_transaction
        try:
            try:
                return step()
            except psycopg.OperationalError:
                if not (idle and self.renew_if_lost()):
                    raise
                return step()
        except psycopg.Error as exc:
            raise self._error(exc) from exc

    def _error(self, exc: psycopg.Error) -> Exception:
        """The shared code's exception for ``exc``; a lost session says so in one line."""
        if self._raw is not None and (self._raw.broken or self._raw.closed):
            return PgConnectionLost(LOST)
        return _mapped(exc)

    # -- inside -----------------------------------------------------------------------------
    def _final_sql(self, done: Translated) -> str:
        if done.replace_table is None:
            return done.sql
        final = self._final.get(done.sql)
        if final is None:
            key, columns, _ = self.catalog.describe(self._raw, done.replace_table)
            if not key:
                raise PgDatabaseError(
                    f"INSERT OR REPLACE into {done.replace_table}, which has no primary key"
                )
            from .translate import _append_clause

            final = _append_clause(done.sql, replace_clause(done.replace_columns, key, columns))
            self._final[done.sql] = final
        return final

    def _returns_id(self, done: Translated, text: str) -> bool:
        """A plain INSERT into a table with a generated ``id`` reports it, as SQLite's
        lastrowid does."""
        if done.insert_table is None or "RETURNING" in text.upper():
            return False
        return self.catalog.describe(self._raw, done.insert_table)[2]

    @staticmethod
    def _params(done: Translated, params: Sequence[Any] | None) -> Any:
        values = tuple(params or ())
        if done.numbered:
            return {f"p{i}": v for i, v in enumerate(values, 1)}
        if done.json_params:
            listed = list(values)
            for at in done.json_params:
                decoded = json.loads(listed[at])
                listed[at] = decoded if isinstance(decoded, list) else [decoded]
            values = tuple(listed)
        return values

    def _commit_on_disk(self) -> PgCursor:
        """A writing transaction's COMMIT, then _ON_DISK (and any reads asked for after the
        COMMIT), in one round trip."""
        if self._trace is not None:  # TRIAGE_DEBUG_SQL still shows both
            self._trace("COMMIT")
            self._trace(_ON_DISK)
        committed: _Committing | None = None
        try:
            with self._raw.pipeline():
                committed = self._send_commit(on_disk=True)
        except psycopg.Error as exc:
            if committed is None or not committed.stands():
                raise self._error(exc) from exc
        if committed is not None:
            committed.answer()
        return PgCursor(None, rows=[])

    def read_after_commit(self, later: ReadAfterCommit) -> None:
        """Send ``later``'s reads in the round trip of this writing transaction's COMMIT,
        after it and after _ON_DISK: they see what was just committed, outside the writer
        lock (Store.read_after_commit)."""
        self._reads_after.append(later)

    def _send_commit(self, on_disk: bool) -> _Committing:
        """COMMIT, then (a writing transaction) _ON_DISK, then the reads asked for after the
        COMMIT, sent in the pipeline under way: answered when it ends."""
        commit = self._raw.cursor()
        commit.execute("COMMIT")
        synced = None
        if on_disk:
            synced = self._raw.cursor()
            synced.execute(_ON_DISK)
        laters, self._reads_after = self._reads_after, []
        reads = []
        for later in laters:
            cursors = []
            for sql, params in later.reads.values():
                done = translate(sql)
                text = self._final_sql(done)
                if self._trace is not None:
                    self._trace(text)
                cur = self._raw.cursor()
                cur.execute(text, self._params(done, params))
                cursors.append(cur)
            reads.append((later, cursors))
        return _Committing(commit, synced, reads)

    def read_with_next_begin(self, select: str) -> None:
        """Send ``select`` (one SELECT without parameters) with the next writer BEGIN, in its
        round trip, in the transaction, before the writer lock is taken (it needs none, and
        every other writer waits while the lock is held); its rows are :meth:`begin_answer`.
        What a decision must know before it writes (the login's role) costs no round trip of
        its own that way."""
        self._with_begin = select

    def begin_answer(self) -> list[tuple[Any, ...]]:
        """The rows of the SELECT the last writer BEGIN carried (read_with_next_begin)."""
        return self._begin_answer

    def _begin_writer(self) -> PgCursor:
        """BEGIN, then wait (up to lock_timeout, SQLite's busy_timeout) for the writer lock.

        Both go in one round trip (statements without parameters are one simple query), with
        the SELECT of read_with_next_begin if one was asked for: on a busy server every round
        trip is a wait for a CPU, and this one opens every decision. A session found dead
        before anything began is replaced and asked again."""
        also, self._with_begin = self._with_begin, None
        self._begin_answer = []
        self._reads_after.clear()  # asked for by a transaction that did not commit
        # The SELECT before the lock: it needs none, and the other writers wait for the lock.
        text = _BEGIN_WRITER if also is None else f"{_BEGIN}; {also}; {_TAKE_WRITER_LOCK}"
        try:
            try:
                cur = self._raw.execute(text)
            except psycopg.Error:
                if self.in_transaction or not self.renew_if_lost():
                    raise
                cur = self._raw.execute(text)
            if also is not None:
                cur.nextset()  # BEGIN's answer, then SET's
                cur.nextset()  # then the SELECT's rows
                self._begin_answer = list(cur.fetchall())
        except psycopg.Error as exc:
            if self.in_transaction and not self._raw.closed and not self._raw.broken:
                self._raw.execute("ROLLBACK")
            raise self._error(exc) from exc
        self._writing = True
        return PgCursor(None, rows=[])

    def _pragma(self, name: str, value: str | None) -> PgCursor:
        if name == "user_version":
            if value is None:
                return PgCursor(None, rows=[(schema_version(self._raw),)])
            set_schema_version(self._raw, int(value))
            return PgCursor(None, rows=[])
        if name in IGNORED_PRAGMAS:
            return PgCursor(None, rows=[])
        raise PgOperationalError(f"PRAGMA {name} has no PostgreSQL equivalent")


def schema_version(raw: psycopg.Connection, part: str = "schema") -> int:
    """The schema's migration number (SQLite's PRAGMA user_version); 0 for an empty database.
    ``part="server"`` is the server-only steps' own counter (pg_migrations/sNNN_*)."""
    if raw.execute("SELECT to_regclass(%s)", (VERSION_TABLE,)).fetchone() == (None,):
        return 0
    row = raw.execute(f"SELECT version FROM {VERSION_TABLE} WHERE part = %s", (part,)).fetchone()
    return int(row[0]) if row else 0


def set_schema_version(raw: psycopg.Connection, version: int, part: str = "schema") -> None:
    raw.execute(
        f"INSERT INTO {VERSION_TABLE}(part, version) VALUES (%s, %s) "
        "ON CONFLICT (part) DO UPDATE SET version = EXCLUDED.version",
        (part, version),
    )
