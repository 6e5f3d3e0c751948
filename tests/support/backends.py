"""Which store backends the tests run on, and the PostgreSQL side of the ``make_store`` fixture.

``--backend`` (or TRIAGE_TEST_BACKEND) chooses:

- ``sqlite`` (``default`` is the same): every store test on SQLite; the tests that need the
  PostgreSQL server are left out and counted in the summary, so a plain ``pytest`` keeps within
  its 6 minutes on two cores;
- ``postgresql``: every store test on PostgreSQL (tests marked ``sqlite_only`` are left out,
  and counted), with the server-only tests; ``-m 'postgresql and not slow'`` keeps only the
  quick tests that use the server (the marker is set in tests/conftest.py): .ci/run's second
  command (a new -m replaces pyproject's ``-m 'not slow'``, hence the ``and not slow``);
- ``both``: every test that takes a store on both backends, and the server-only tests.

A test takes a store through ``make_store`` (tests/conftest.py), which on PostgreSQL makes a new
database on the session's server (tests/support/pg_server.py) for each store name. The shared
tests were written with store *paths* (``open_store(store.path, user="ana")``, ``main(["--db",
str(store.path), ...])``), so for the length of a PostgreSQL test the path of each store made
here is an address of its database: ``open_store`` and ``open_for_user`` given that path open
the database instead, logged in as the person asked for (``user=`` or the person the test acts
as), because on a server the person *is* the login. Each person gets a login role on the test
server the first time. Nothing else is substituted: the store, its SQL and the server are real.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
CHOICES = ("default", "both", SQLITE, POSTGRESQL)
SQLITE_ONLY = "sqlite_only"
# The PostgreSQL stores of the test running now (None on SQLite): for CLI children.
ACTIVE: PgStores | None = None


def chosen(config: pytest.Config) -> str:
    value = config.getoption("backend") or os.environ.get("TRIAGE_TEST_BACKEND") or SQLITE
    value = value.strip().lower()
    if value not in CHOICES:
        raise pytest.UsageError(f"--backend must be one of {', '.join(CHOICES)}, not {value!r}")
    return SQLITE if value == "default" else value


def backends_for(config: pytest.Config, item_path: Path, sqlite_only: bool) -> list[str]:
    """The backends one test that takes a store runs on (``item_path``: kept for callers)."""
    choice = chosen(config)
    if choice == POSTGRESQL:
        return [] if sqlite_only else [POSTGRESQL]
    if choice == "both" and not sqlite_only:
        return [SQLITE, POSTGRESQL]
    return [SQLITE]


class PgStores:
    """The PostgreSQL stores of one test: a database per store name, the logins used, the
    stores opened (closed at the end), and the store paths that stand for their databases."""

    def __init__(self, server: Any, folder: Path | None = None) -> None:
        self.server = server
        self.folder = folder  # make_store(name)'s SQLite file would be folder / name
        self.by_name: dict[str, str] = {}  # make_store name -> database
        self.by_path: dict[str, str] = {}  # str(store.path) -> database
        self.opened: list[Any] = []
        self._logins: set[str] = set()

    # -- addresses and people ------------------------------------------------------------
    def login(self, person: str) -> None:
        """A login role for ``person`` on the test server (superuser: the tests of the shared
        code are not about the server's own GRANTs, which have tests of their own)."""
        if person in self._logins:
            return
        from psycopg import sql

        with self.server.admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (person,))
            if exists.fetchone() is None:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN SUPERUSER").format(sql.Identifier(person))
                )
        self._logins.add(person)

    def url(self, database: str, person: str) -> str:
        from urllib.parse import quote

        self.login(person)
        return f"postgresql:///{database}?host={self.server.socket_dir}&user={quote(person)}"

    def database_of(self, path: object) -> str | None:
        if isinstance(path, str | os.PathLike) and not str(path).startswith("postgres"):
            return self.by_path.get(str(Path(path).resolve()))
        return None

    # -- stores ----------------------------------------------------------------------------
    def make(self, name: str, person: str, open_store: Callable[..., Any]) -> Any:
        """make_store(name, user=person) on PostgreSQL: a new migrated database for a new
        name, the same one again for a name already used in this test."""
        database = self.by_name.get(name)
        if database is not None:
            return self.opening(open_store(self.url(database, person), create=True))
        database = _database_name(self.server.fresh_database())
        self.by_name[name] = database
        if self.folder is not None:  # tests that name the file itself (TRIAGE_DB=tmp/store.db)
            self.by_path[str((self.folder / name).resolve())] = database
        store = self.opening(open_store(self.url(database, person), create=True))
        # The template already holds the schema, so opening did not take this for a new store:
        # its maker becomes its first supervisor with a registered key, as a new SQLite file's
        # maker does (and as `triage db create` on an empty database does).
        from triage_app.store.personal_keys import register_own_key_on_creation

        register_own_key_on_creation(store, quiet=True)
        return store

    def copy_of(self, template: str, name: str, person: str, open_store: Callable[..., Any]) -> Any:
        """make_store(name) as a copy of the database ``template`` (nobody connected to it),
        opened as ``person``."""
        from psycopg import sql

        database = f"t_{uuid.uuid4().hex[:16]}"
        with self.server.admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(database), sql.Identifier(template)
                )
            )
        self.by_name[name] = database
        if self.folder is not None:
            self.by_path[str((self.folder / name).resolve())] = database
        return self.opening(open_store(self.url(database, person)))

    def address(self, value: str, person: str) -> str:
        """What a child process is given for --db or TRIAGE_DB: the database's address when
        ``value`` is the path of a store of this test, else ``value`` itself."""
        database = self.database_of(value)
        return value if database is None else self.url(database, person)

    def opening(self, store: Any) -> Any:
        self.opened.append(store)
        self.by_path[str(Path(store.path).resolve())] = _database_name(store.url)
        return store

    def close(self) -> None:
        for store in reversed(self.opened):
            try:
                store.close()
            except Exception:
                pass
        self.opened.clear()
        if not self.by_name:
            return
        from psycopg import sql

        with self.server.admin() as conn:
            for database in self.by_name.values():
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )
            # Logins belong to the whole server: those of this test (made here, or by `users
            # add` as an analyst without superuser rights) would change who the next test's
            # people are. Dropped, so every test starts from the same server.
            logins = conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolcanlogin AND rolname <> current_user "
                "AND rolname NOT LIKE 'pg\\_%'"
            ).fetchall()
            for (login,) in logins:
                try:
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(login)))
                except Exception:
                    pass  # still owning something elsewhere: left for the server's end


def _database_name(url: str) -> str:
    return url.split("///", 1)[1].split("?", 1)[0]


@contextmanager
def store_paths_open_databases(stores: PgStores) -> Iterator[None]:
    """For the block: ``open_store(path)`` / ``open_for_user(path)`` of a path that stands for a
    database of ``stores`` open that database, logged in as the person asked for."""
    from triage_app.store import connection, opening, paths
    from triage_app.store.pg.opening import open_pg_store

    real_open_store = connection.open_store
    real_open_for_user = opening.open_for_user

    def open_store(path: Path | str, *, user: str | None = None, **kwargs: Any) -> Any:
        database = stores.database_of(path)
        if database is None:
            return real_open_store(path, user=user, **kwargs)
        person = user or paths.current_user()
        return stores.opening(
            real_open_store(stores.url(database, person), create=kwargs.get("create", False))
        )

    def open_for_user(path: Path, *, user: str | None = None, **kwargs: Any) -> Any:
        database = stores.database_of(path)
        if database is None:
            return real_open_for_user(path, user=user, **kwargs)
        person = user or paths.current_user()
        passphrase = kwargs.get("key_passphrase")
        if passphrase is None:
            passphrase = kwargs.get("passphrase")
        return stores.opening(
            open_pg_store(
                stores.url(database, person),
                data_dir=kwargs.get("data_dir") or paths.data_dir(),
                create=bool(kwargs.get("create", False)),
                key_passphrase=passphrase,
            )
        )

    global ACTIVE
    before, ACTIVE = ACTIVE, stores
    replaced = _replace(
        {
            "open_store": (real_open_store, open_store),
            "open_for_user": (real_open_for_user, open_for_user),
        }
    )
    try:
        yield
    finally:
        ACTIVE = before
        for module, name, original in replaced:
            setattr(module, name, original)


def child_address(path: Path | str, person: str) -> str:
    """What a child process opens for the store at ``path``: the path itself, or on PostgreSQL
    its database's address, logged in as ``person``."""
    return str(path) if ACTIVE is None else ACTIVE.address(str(path), person)


def child_arguments(
    args: tuple[str, ...], env: dict[str, str], person: str
) -> tuple[tuple[str, ...], dict[str, str]]:
    """A CLI child's arguments and environment with the path of a PostgreSQL store of the
    running test (``--db PATH``, ``--db=PATH``, TRIAGE_DB) given as its database's address,
    logged in as ``person`` (who the child acts as); unchanged on SQLite."""
    stores = ACTIVE
    if stores is None:
        return args, env
    out: list[str] = []
    for i, arg in enumerate(args):
        if i > 0 and args[i - 1] == "--db":
            arg = stores.address(arg, person)
        elif arg.startswith("--db="):
            arg = "--db=" + stores.address(arg[5:], person)
        out.append(arg)
    if env.get("TRIAGE_DB"):
        env = {**env, "TRIAGE_DB": stores.address(env["TRIAGE_DB"], person)}
    return tuple(out), env


def _replace(swaps: dict[str, tuple[Any, Any]]) -> list[tuple[Any, str, Any]]:
    """Put each new function in place of the original in every module (the program's and the
    tests') that imported it by name; what was replaced, to put back."""
    replaced: list[tuple[Any, str, Any]] = []
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith(("triage_app", "tests")):
            continue
        for name, (original, new) in swaps.items():
            if getattr(module, name, None) is original:
                setattr(module, name, new)
                replaced.append((module, name, original))
    return replaced
