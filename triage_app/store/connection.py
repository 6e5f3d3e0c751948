"""Opening the store: one connection per thread, the pragmas of DESIGN.md, migrations, and
explicit transactions.

Every connection goes through :func:`connect`, so the pragmas hold everywhere. The driver is
``sqlcipher3`` (SQLite with SQLCipher built in) for plain and encrypted stores alike, so that every
store sees the same SQLite version and FTS5."""

from __future__ import annotations

import os
import socket
import uuid as uuidlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlite

from ..core.errors import StoreVersionError, TriageError, WrongKeyError
from ..core.fileio import create_private_file, make_private
from ..core.taxonomy import Tag, load_taxonomy
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role
from .migrations import all_migrations

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL
    "foreign_keys": 1,
    "busy_timeout": 5000,
}

DatabaseError = sqlite.DatabaseError
IntegrityError = sqlite.IntegrityError
OperationalError = sqlite.OperationalError


def connect(path: Path | str, key: bytes | None = None, *, create: bool = False) -> Any:
    """A connection with the store's pragmas; ``key`` is the 32-byte SQLCipher key, or None.

    Refuses to create a file unless ``create``; a wrong key or a damaged file raises
    WrongKeyError without writing anything."""
    path = Path(path)
    if not create and not path.exists():
        raise TriageError(f"No store at {path}")
    if create and not path.parent.exists():
        raise TriageError(f"Folder {path.parent} does not exist")
    if create:
        create_private_file(path)  # 0600 before SQLite writes a byte (-wal/-shm inherit it)
    for owned in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        make_private(owned)  # a store made 0644 by an older version is narrowed on open
    uri = f"file:{path}?mode={'rwc' if create else 'rw'}"
    try:
        conn = sqlite.connect(
            uri, uri=True, isolation_level=None, timeout=5.0, check_same_thread=True
        )
    except sqlite.OperationalError as exc:
        raise TriageError(f"Cannot open store {path}: {exc}") from exc
    try:
        if key is not None:
            if len(key) != 32:
                raise TriageError("a store key must be 32 bytes")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        # The first read proves the key (or that the file is a database at all).
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite.DatabaseError as exc:
        conn.close()
        raise WrongKeyError() from exc
    try:
        mode = conn.execute("PRAGMA journal_mode = wal").fetchone()[0]
        if str(mode).lower() != "wal":
            raise TriageError(f"Store {path} cannot use write-ahead logging (got {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {PRAGMAS['busy_timeout']}")
    except sqlite.DatabaseError as exc:
        conn.close()
        raise WrongKeyError() from exc
    from .search_index import register_functions

    register_functions(conn)  # search_fold(), called by the full-text index triggers
    return conn


class ReadAfterCommit:
    """SELECTs, by name, that a writing transaction asks to have answered the moment it
    commits: on a team server in the COMMIT's own round trip (store/pg/adapter.py), so that
    what the window shows next after a tag key (the next post, checked against the preview
    made ahead) costs the key no round trip of its own.

    ``answers`` (each read's rows, by name) stays None when the transaction did not commit or
    a read failed: the transaction stands either way, and the caller reads the usual way."""

    def __init__(self, reads: Mapping[str, tuple[str, Sequence[Any]]]) -> None:
        for sql, _params in reads.values():
            if sql.lstrip()[:6].upper() != "SELECT":
                raise ValueError(f"ReadAfterCommit runs SELECTs only, not: {sql[:60]}")
        self.reads = dict(reads)
        self.answers: dict[str, list[Any]] | None = None

    def answered(self, rows: Sequence[list[Any]]) -> None:
        self.answers = dict(zip(self.reads, rows, strict=True))


class Store:
    """An open store: the connection, who is working, and the helpers every query module uses."""

    # Which engine holds the store: queries that must differ (search, claims) ask this.
    backend = "sqlite"
    # Called after each COMMIT of ``transaction`` (the window syncs its log then, off the
    # key's path: ui/wal_sync.py); None: nothing to do.
    after_commit: Callable[[], None] | None = None

    def __init__(self, conn: Any, path: Path, user: str, key: bytes | None = None) -> None:
        self.conn = conn
        self.path = path
        self.user = user
        self.key = key  # kept so that worker threads can open their own connection
        self.workstation = socket.gethostname() if hasattr(socket, "gethostname") else ""
        self._taxonomy: dict[str, Tag] | None = None
        self._reads_after_commit: list[ReadAfterCommit] = []

    # -- basics -------------------------------------------------------------------------------
    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql, params)

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def read_together(self, reads: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        """The rows of each read of ``reads`` (SQL, parameters), in order. On a team server
        they are sent together and answered in one round trip (store/pg/adapter.py), where
        each statement alone is one: what a post's preview reads, eight statements, cost
        ~2 ms of a tag key's path that way. Locally they simply run one after another.
        Only SELECTs: a write's effect on the reads after it would depend on the backend."""
        for sql, _params in reads:
            if sql.lstrip()[:6].upper() != "SELECT":
                raise ValueError(f"read_together runs SELECTs only, not: {sql[:60]}")
        together = getattr(self.conn, "read_together", None)
        if together is not None:
            return list(together(reads))
        return [self.conn.execute(sql, params).fetchall() for sql, params in reads]

    def writes_answered_at_commit(self) -> None:
        """Inside a transaction: on a team server, its writes from here on are sent without
        waiting for each answer and answered together by its COMMIT (store/pg/adapter.py:
        ``defer_until_commit``); locally, where a write is no round trip, nothing changes.
        The caller must not need the writes' row counts or generated ids, and learns of a
        failed write from the COMMIT (nothing is committed then)."""
        defer = getattr(self.conn, "defer_until_commit", None)
        if defer is not None:
            defer()

    def read_after_commit(self, later: ReadAfterCommit) -> None:
        """Inside :meth:`transaction`: answer ``later``'s reads right after its COMMIT (on a
        team server, sent with the COMMIT: no round trip of their own). Not answered when the
        transaction rolls back."""
        send_with_commit = getattr(self.conn, "read_after_commit", None)
        if send_with_commit is not None:
            send_with_commit(later)
        else:
            self._reads_after_commit.append(later)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception, the COMMIT's own included
        (a write answered only at the COMMIT on a team server, SQLite busy at the COMMIT):
        either way the connection is left outside any transaction."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self._reads_after_commit.clear()
            # SQLite may already have rolled back by itself (disk full, I/O error): then a
            # second ROLLBACK would hide the real error behind "no transaction is active".
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if self.after_commit is not None:
            self.after_commit()  # first: the window's log sync starts while the reads run
        self._answer_reads_after_commit()

    def _answer_reads_after_commit(self) -> None:
        laters, self._reads_after_commit = self._reads_after_commit, []
        for later in laters:
            try:
                later.answered(
                    [
                        self.conn.execute(sql, params).fetchall()
                        for sql, params in later.reads.values()
                    ]
                )
            except sqlite.DatabaseError:
                pass  # committed all the same; the caller reads the usual way

    @contextmanager
    def decision_transaction(self, action: str) -> Iterator[tuple[Any, str]]:
        """The writing transaction of a decision (``action``, as core/workflow.py names it)
        by the current person, yielding (connection, their role): PermissionRefused, and
        nothing written, unless the role allows the action. Here the role is a row read
        before BEGIN; a team server reads it in BEGIN's own round trip (PgStore)."""
        role = self.role_of()
        require_role(self.user, role, action)
        assert role is not None  # require_role refuses a person without one
        with self.transaction() as conn:
            yield conn, role

    def others_changes(self) -> int | None:
        """A number that changes whenever another connection commits to this store (SQLite's
        ``PRAGMA data_version``: another program, or this window's worker on its own
        connection), and that this connection's own commits leave as it is: what the window
        keeps a copy of the queue by (ui/queue_model.py). About a microsecond to ask."""
        return int(self.scalar("PRAGMA data_version"))

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.key = None

    def reopen(self) -> Store:
        """A new Store on the same file for another thread (connections belong to one thread)."""
        conn = connect(self.path, self.key)
        other = Store(conn, self.path, self.user, self.key)
        other._taxonomy = self._taxonomy
        return other

    # -- store identity -----------------------------------------------------------------------
    @property
    def store_id(self) -> str:
        return str(self.scalar("SELECT value FROM meta WHERE key = 'store_id'"))

    def meta(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    @property
    def taxonomy(self) -> dict[str, Tag]:
        """Tags by key, as stored in the `tags` table (loaded from taxonomy.toml at open)."""
        if self._taxonomy is None:
            rows = self.execute(
                "SELECT key, label, number_key, colour, description, kind FROM tags ORDER BY rowid"
            ).fetchall()
            self._taxonomy = {r[0]: Tag(*r) for r in rows}
        return self._taxonomy

    def role_of(self, user: str | None = None) -> str | None:
        return self.scalar("SELECT role FROM users WHERE name = ?", (user or self.user,))


def migrate(conn: Any, path: Path, progress: Any = None) -> None:
    """Bring the schema up to date; refuse a store written by a newer program.

    ``progress(done, total)`` hears from migrations that rewrite data (default: a line on
    stderr every few seconds for big stores)."""
    migrations = all_migrations()
    latest = migrations[-1].version
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > latest:
        raise StoreVersionError(
            f"Store {path} was written by a newer version of the program (schema {current}, "
            f"this program knows up to {latest}); update the program to open it"
        )
    for migration in migrations:
        if migration.version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(migration.sql):
                conn.execute(statement)
            if migration.run is not None:
                from .search_index import stderr_progress

                migration.run(conn, progress or stderr_progress())
            conn.execute(f"PRAGMA user_version = {migration.version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements; sqlite3.complete_statement keeps triggers whole."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _initialise(conn: Any, user: str) -> None:
    """First-time rows: store id, creation time, and the creator as supervisor."""
    now = utc_now_iso()
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM meta WHERE key = 'store_id'").fetchone() is None:
            conn.execute("INSERT INTO meta VALUES ('store_id', ?)", (str(uuidlib.uuid4()),))
            conn.execute("INSERT INTO meta VALUES ('created', ?)", (now,))
        if conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0:
            conn.execute(
                "INSERT INTO users(name, role, added_by, added_at) VALUES (?, 'supervisor', ?, ?)",
                (user, user, now),
            )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def sync_taxonomy(store: Store, tags: list[Tag] | None = None) -> None:
    """Insert or update the taxonomy's tags (tags are never deleted: decisions refer to them)."""
    tags = tags if tags is not None else load_taxonomy()
    with store.transaction() as conn:
        for t in tags:
            conn.execute(
                "INSERT INTO tags(key, label, number_key, colour, description, kind) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET label=excluded.label, "
                "number_key=excluded.number_key, colour=excluded.colour, "
                "description=excluded.description, kind=excluded.kind",
                (t.key, t.label, t.number_key, t.colour, t.description, t.kind),
            )
        # A number key now belongs to another tag: clear it on the tags that lost it.
        keys = [t.key for t in tags]
        conn.execute(
            f"UPDATE tags SET number_key = NULL WHERE key NOT IN ({','.join('?' * len(keys))})",
            keys,
        )
    store._taxonomy = None


def open_store(
    path: Path | str,
    *,
    user: str | None = None,
    key: bytes | None = None,
    create: bool = False,
) -> Store:
    """Open (or with ``create`` make) a store, migrate it and load the taxonomy.

    The first user of a new store becomes its supervisor. A ``postgresql://`` address opens
    the team's store on that server instead (store/pg), where the person is the login."""
    from .paths import current_user

    if isinstance(path, str) and path.strip().lower().startswith(("postgresql://", "postgres://")):
        from .paths import data_dir
        from .pg.opening import open_pg_store

        return open_pg_store(path.strip(), data_dir=data_dir(), create=create)
    path = Path(path)
    user = user or current_user()
    is_new = not path.exists() or path.stat().st_size == 0
    if is_new and not create:
        raise TriageError(f"No store at {path}; create one with 'triage demo' or 'triage import'")
    conn = connect(path, key, create=create)
    try:
        migrate(conn, path)
        from .search_index import ensure_current, stderr_progress

        ensure_current(conn, stderr_progress())  # a newer fold table re-folds the index
        _initialise(conn, user)
    except BaseException:
        conn.close()
        raise
    store = Store(conn, path, user, key)
    sync_taxonomy(store)
    from .evidence_crypto import prepare_evidence

    try:
        prepare_evidence(store)  # evidence key; no plain media; killed work's leftovers
    except BaseException:
        store.close()
        raise
    if is_new:
        from .personal_keys import register_own_key_on_creation

        register_own_key_on_creation(store, quiet=True)  # the maker is the first supervisor
    if os.environ.get("TRIAGE_DEBUG_SQL"):
        conn.set_trace_callback(print)
    return store
