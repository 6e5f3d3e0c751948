"""A real PostgreSQL server for the tests: Debian's ``initdb`` into a temporary folder, a Unix
socket only (no TCP), fsync off, started once per test session (per pytest-xdist worker) and
stopped at its end. PostgreSQL refuses to run as root, so under root it runs as the system user
``triage-pg-test`` (made with useradd when absent).

``fresh_database()`` gives each test its own database, copied from a template that already holds
the migrated schema (CREATE DATABASE ... TEMPLATE is far cheaper than migrating every time). A
later ``store`` fixture parametrised over both backends builds on ``fresh_database()``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _server_bin() -> Path:
    """Debian's newest installed server (``/usr/lib/postgresql/<major>/bin``), 15 if none yet."""
    if os.environ.get("TRIAGE_TEST_PG_BIN"):
        return Path(os.environ["TRIAGE_TEST_PG_BIN"])
    installed = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
    )
    return installed[-1] if installed else Path("/usr/lib/postgresql/15/bin")


BIN = _server_bin()
SERVER_USER = "triage-pg-test"
TEMPLATE = "triage_template"
INSTALL_HINT = (
    "PostgreSQL 15+ server binaries not found in {bin}: install Debian's postgresql "
    "(apt-get install postgresql), as .ci/run does"
)


class PgServer:
    """One running server: its socket folder, the superuser (the OS login of the tests), and
    databases made on demand."""

    def __init__(self, base: Path, run_as: list[str], hba: str | None = None) -> None:
        self.base = base
        self.hba = hba  # pg_hba.conf for this server (default: initdb's, trust on the socket)
        self.data = base / "data"
        self.socket_dir = base / "sock"
        self.log = base / "server.log"
        self._run_as = run_as
        self._template_lock = threading.Lock()
        self._template_ready = False
        self.superuser = _login()

    # -- addresses ---------------------------------------------------------------------------
    def url(self, dbname: str) -> str:
        """The address the program takes in ``--db``: local socket, so no TLS needed."""
        return f"postgresql:///{dbname}?host={self.socket_dir}&user={self.superuser}"

    def admin(self) -> object:
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir), dbname="postgres", user=self.superuser, autocommit=True
        )

    # -- databases ---------------------------------------------------------------------------
    def empty_database(self) -> str:
        """A new empty database (no schema): what `triage db create` starts from."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self.admin() as conn:  # type: ignore[attr-defined]
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return self.url(name)

    def fresh_database(self) -> str:
        """A new database holding the migrated schema but no rows: open it with
        open_store(url, create=True) (or `triage db create`), which adds the first rows."""
        self._ensure_template()
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self.admin() as conn:  # type: ignore[attr-defined]
            # FILE_COPY: 0.3 s to make and 0.05 s to drop, against 0.6 s and 1.1 s for the
            # default WAL_LOG (which writes every page to the WAL; fsync is off here anyway).
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE} STRATEGY FILE_COPY')
        return self.url(name)

    def fresh_store(self) -> object:
        """An opened store on a new database (the first rows made, the login its supervisor):
        what a ``store`` fixture parametrised over both backends gives a PostgreSQL test."""
        from triage_app.store.connection import open_store

        return open_store(self.fresh_database(), create=True)

    def _ensure_template(self) -> None:
        with self._template_lock:
            if self._template_ready:
                return
            import psycopg

            from triage_app.store.pg.adapter import Catalog, PgConnection
            from triage_app.store.pg.schema import migrate_pg

            with self.admin() as conn:  # type: ignore[attr-defined]
                conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
                conn.execute(f"CREATE DATABASE {TEMPLATE} TEMPLATE template0")
            raw = psycopg.connect(
                host=str(self.socket_dir), dbname=TEMPLATE, user=self.superuser, autocommit=True
            )
            adapter = PgConnection(raw, Catalog())
            try:
                migrate_pg(adapter, "test template", progress=lambda done, total: None)
            finally:
                adapter.close()
            with self.admin() as conn:  # type: ignore[attr-defined]
                conn.execute(f"ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE true")
            self._template_ready = True

    # -- life --------------------------------------------------------------------------------
    def _pg_ctl(self, *args: str) -> None:
        command = [*self._run_as, str(BIN / "pg_ctl"), "-D", str(self.data), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl {args[-1]} failed: {done.stderr.strip()}\n{log}")

    def start(self) -> None:
        command = [
            *self._run_as,
            str(BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
        if self.hba is not None:
            self._write_hba(self.hba)
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c shared_buffers=32MB -c max_connections=100"
        )
        self._pg_ctl("-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def restart(self, mode: str = "fast") -> None:
        """Stop and start the server again with the same options (pg_ctl keeps them): "fast"
        as an administrator's restart, "immediate" as a crash (acknowledged commits of a
        database with synchronous_commit on survive it; fsync is off but the OS keeps the
        files)."""
        self._pg_ctl("-l", str(self.log), "-m", mode, "-w", "-t", "60", "restart")

    def _write_hba(self, text: str) -> None:
        """Replace pg_hba.conf (e.g. peer or SCRAM logins, tests/store/test_pg_roles.py)."""
        path = self.data / "pg_hba.conf"
        path.write_text(text, encoding="utf-8")
        if self._run_as:
            import pwd

            entry = pwd.getpwnam(SERVER_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(path, 0o600)

    def stop(self) -> None:
        try:
            self._pg_ctl("-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def _login() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _server_account() -> list[str]:
    """The command prefix that runs the server's programs: nothing for an ordinary user, and
    ``runuser -u triage-pg-test --`` under root (made here when it does not exist yet)."""
    if os.geteuid() != 0:
        return []
    import pwd

    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        pwd.getpwnam(SERVER_USER)  # a clear KeyError if even useradd could not make it
    return ["runuser", "-u", SERVER_USER, "--"]


@contextmanager
def running_server(hba: str | None = None) -> Iterator[PgServer]:
    """A started server for the length of the block (a test session); ``hba`` replaces its
    pg_hba.conf (``{superuser}`` in it is the tests' own login)."""
    if not (BIN / "initdb").exists() or not (BIN / "pg_ctl").exists():
        raise FileNotFoundError(INSTALL_HINT.format(bin=BIN))
    run_as = _server_account()
    # Short path: a Unix socket's full name must stay under 108 bytes.
    base = Path(tempfile.mkdtemp(prefix="tpg-", dir="/tmp"))
    (base / "sock").mkdir()
    if run_as:
        import pwd

        entry = pwd.getpwnam(SERVER_USER)
        for path in (base, base / "sock"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(base, 0o755)
    os.chmod(base / "sock", 0o755)
    server = PgServer(base, run_as)
    if hba is not None:
        server.hba = hba.replace("{superuser}", server.superuser)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    try:
        yield server
    finally:
        server.stop()


def end_session(store: Any) -> None:
    """The server ends ``store``'s session, as a restart or a cut network does, and the store's
    next statement takes a new one (its connection's ``reconnects`` counts it)."""
    other = store.reopen()
    try:
        other.execute("SELECT pg_terminate_backend(?)", (store.conn.raw.info.backend_pid,))
    finally:
        other.close()
    store.execute("SELECT 1")
