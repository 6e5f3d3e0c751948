"""Opening a store held by a PostgreSQL server: a pooled connection behind the sqlite3-style
adapter, the schema migrated, and the same Store the rest of the program uses.

The person is the server's login (``session_user``): the server has already proved who they
are (password, certificate or Kerberos), so no flag or variable names them, and there is no
store key and no keyring. Files that belong to this machine rather than to the shared data
(scratch space, exports) go in a folder of the local data folder named after the database."""

from __future__ import annotations

import atexit
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import psycopg_pool

from ...core.errors import TriageError
from ...core.workflow import require_role
from ..connection import Store, _initialise, sync_taxonomy
from .adapter import Catalog, PgConnection, schema_version
from .schema import migrate_pg
from .url import check_transport, describe

POOL_SIZE = int(os.environ.get("TRIAGE_PG_POOL", "8") or 8)
CONNECT_TIMEOUT = 10.0
# The server waits this long for a row lock before saying so (SQLite's busy_timeout).
LOCK_TIMEOUT = "5s"


class _Pool:
    """One psycopg pool per address, shared by every Store of this process on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.catalog = Catalog()
        self.users = 0
        _refused_login(url)
        self.pool = psycopg_pool.ConnectionPool(
            url,
            min_size=0,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True},
            configure=_configure,
            reset=_reset,
            # A connection handed out is alive: one cheap round trip instead of an error at
            # the first query after the server restarted.
            check=psycopg_pool.ConnectionPool.check_connection,
            open=True,
            timeout=CONNECT_TIMEOUT,
            name="triage",
        )

    def get(self) -> psycopg.Connection:
        try:
            return self.pool.getconn()
        except psycopg_pool.PoolTimeout:
            raise TriageError(_why_not(self.url)) from None

    def put(self, raw: psycopg.Connection) -> None:
        self.pool.putconn(raw)


def _configure(raw: psycopg.Connection) -> None:
    raw.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")


def _reset(raw: psycopg.Connection) -> None:
    """A connection back in the pool holds nothing of its last user: the claims lock
    (store/pg/claims.py) goes, so a closed store's claims are no longer alive."""
    raw.execute("SELECT pg_advisory_unlock_all()")


# What libpq and the server say when they refuse the person rather than fail to reach the server.
_REFUSALS = (
    "authentication failed",
    "no password supplied",
    "does not exist",
    "not permitted to log in",
    "no pg_hba.conf entry",
    "permission denied for database",
)


def _refused_login(url: str) -> None:
    """Fail at once, in one line, when the server refuses this login (wrong password, no such
    login, another OS account under peer authentication): the pool would retry for
    CONNECT_TIMEOUT seconds and log every attempt. A server that cannot be reached is left to
    the pool, which waits for it to come back."""
    try:
        psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT)).close()
    except psycopg.OperationalError as exc:
        lines = str(exc).strip().splitlines() or ["no reason given"]
        if any(r in line for line in lines for r in _REFUSALS):
            reason = lines[-1].rsplit(" failed: ", 1)[-1].replace("FATAL:", "").strip()
            raise TriageError(f"Cannot log in to the {describe(url)}: {reason}") from None


def _why_not(url: str) -> str:
    """The server's own reason a connection failed (the pool only says it timed out)."""
    try:
        psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT)).close()
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or ["no reason given"])[-1]
        return f"Cannot connect to the {describe(url)}: {first}"
    return f"Cannot connect to the {describe(url)}: no free connection within {CONNECT_TIMEOUT:g}s"


_pools: dict[str, _Pool] = {}
_pools_lock = threading.Lock()


def _acquire(url: str) -> _Pool:
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            pool = _pools[url] = _Pool(url)
        pool.users += 1
        return pool


def _release(pool: _Pool) -> None:
    with _pools_lock:
        pool.users -= 1
        if pool.users > 0:
            return
        _pools.pop(pool.url, None)
    pool.pool.close()


@atexit.register
def _close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.pool.close()


class PgStore(Store):
    """A Store whose connection is a pooled PostgreSQL session."""

    def __init__(self, conn: PgConnection, path: Path, user: str, url: str, pool: _Pool) -> None:
        super().__init__(conn, path, user, None)
        self.login = user  # the server's session_user: who the server holds to every right
        self.url = url
        self._pool = pool
        self._released = False

    backend = "postgresql"

    def others_changes(self) -> int | None:
        """None: on a server other sessions' commits are not counted for this connection
        (their decisions arrive by LISTEN/NOTIFY instead: ui/live_updates.py)."""
        return None

    def role_of(self, user: str | None = None) -> str | None:
        """The role the server grants the login (store/pg/roles.py), not a row of a table."""
        from .roles import work_role

        # Asked before decisions (a tag's role is read with its BEGIN: decision_transaction):
        # a server restarted since the last one is reconnected to here, not reported as a
        # crash (PgConnection.on_live_session).
        return self.conn.on_live_session(lambda: work_role(self, user or self.user))

    @contextmanager
    def decision_transaction(self, action: str) -> Iterator[tuple[Any, str]]:
        """:meth:`Store.decision_transaction` in one round trip fewer: the login's role is read
        in the round trip of BEGIN and the writer lock, just before the lock (a tag key was four
        round trips, the role the first), and checked before anything is written; a refusal
        rolls back. A server restarted since the last statement is reconnected to by the
        BEGIN, as by the role's own read before. A store acting for another name than its
        login (tests of the shared code) asks the usual way."""
        if self.user != self.login:
            with super().decision_transaction(action) as both:
                yield both
            return
        from .roles import SESSION_ROLE_AND_GROUPS, role_from_grants

        self.conn.read_with_next_begin(SESSION_ROLE_AND_GROUPS)
        with self.transaction() as conn:
            answer = self.conn.begin_answer()
            role = role_from_grants(self, self.user, answer[0] if answer else None)
            require_role(self.user, role, action)
            assert role is not None
            yield conn, role

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            if not self._released:
                self._released = True
                _release(self._pool)

    def reopen(self) -> PgStore:
        """Another pooled connection for another thread."""
        pool = _acquire(self.url)
        try:
            conn = PgConnection(pool.get(), pool.catalog, pool.put, pool.get)
        except BaseException:
            _release(pool)
            raise
        other = PgStore(conn, self.path, self.user, self.url, pool)
        other.login = self.login
        other._taxonomy = self._taxonomy
        return other


def _may_write_tags(conn: PgConnection) -> bool:
    """Whether this login may update the taxonomy (the owner and admins: store/pg/roles.py)."""
    row = conn.raw.execute("SELECT has_table_privilege('tags', 'UPDATE')").fetchone()
    return bool(row and row[0])


def local_folder(url: str, data_dir: Path) -> Path:
    """This machine's folder for the database at ``url`` (scratch files, exports)."""
    from .url import conninfo_dict

    params = conninfo_dict(url)
    dbname = params.get("dbname") or params.get("user") or "postgres"
    name = f"{dbname}@{params.get('host') or 'local'}"
    safe = re.sub(r"[^A-Za-z0-9._@-]+", "_", name).strip("_")[:120]
    folder = data_dir / "team" / safe
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def server_schema_version(url: str) -> int:
    """The triage schema's version in the database at ``url`` (0: none)."""
    check_transport(url)
    pool = _acquire(url)
    try:
        raw = pool.get()
        try:
            return schema_version(raw)
        finally:
            pool.put(raw)
    finally:
        _release(pool)


def _refold_if_owner(conn: PgConnection, progress: Any) -> None:
    """A program whose fold tables are newer than the server's search functions (FOLD_VERSION,
    another Unicode version) makes them again and re-folds the index, as SQLite does on open;
    only the schema's owner may replace functions, so others search with the owner's until the
    owner opens the store with this version."""
    from ..search_index import ensure_current, fold_is_current, stderr_progress
    from .roles import may_apply

    if not fold_is_current(conn) and may_apply(conn.raw):
        ensure_current(conn, progress or stderr_progress())


def open_pg_store(
    url: str,
    *,
    data_dir: Path,
    create: bool = False,
    progress: Any = None,
    key_passphrase: str | None = None,
) -> PgStore:
    """Open the triage schema in the database at ``url`` (with ``create``, make it in an empty
    database); refuses a TCP connection without TLS before connecting.

    ``key_passphrase`` protects the person's own signing key where no keyring works
    (store/personal_keys.py): decisions are signed on a server as on a laptop."""
    check_transport(url)
    pool = _acquire(url)
    try:
        conn = PgConnection(pool.get(), pool.catalog, pool.put, pool.get)
    except BaseException:
        _release(pool)
        raise
    try:
        user = str(conn.raw.execute("SELECT session_user").fetchone()[0])  # type: ignore[index]
        is_new = schema_version(conn.raw) == 0
        if is_new and not create:
            raise TriageError(
                f"The {describe(url)} holds no triage store; create it with 'triage db create'"
            )
        migrate_pg(conn, describe(url), progress)
        _refold_if_owner(conn, progress)
        _initialise(conn, user)
        store = PgStore(conn, local_folder(url, data_dir) / "store.pg", user, url, pool)
    except BaseException:
        conn.close()
        _release(pool)
        raise
    try:
        if _may_write_tags(conn):  # others use the taxonomy the server holds
            sync_taxonomy(store)
        from ..evidence_crypto import prepare_evidence

        prepare_evidence(store)  # no key on a server: only this machine's leftovers are cleared
    except BaseException:
        store.close()
        raise
    from ..personal_keys import register_own_key_on_creation, set_key_passphrase

    set_key_passphrase(store, key_passphrase)
    if is_new:
        register_own_key_on_creation(store, quiet=True)  # the maker is the first supervisor
    if os.environ.get("TRIAGE_DEBUG_SQL"):
        conn.set_trace_callback(print)
    return store
