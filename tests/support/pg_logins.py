"""Server logins for tests of several people on one PostgreSQL store: each test gets logins of
its own (unique names, so tests never share a person) with the group role of the part they play
when the server has the triage roles, and the rights on this database's tables; all dropped at
the end, so other tests' listings of the team never see them (logins belong to the server, not
to one database)."""

from __future__ import annotations

import uuid
from typing import Any


class Logins:
    """Makes ``name_<suffix>`` logins on the database at ``url`` of ``server``."""

    def __init__(self, server: Any, url: str) -> None:
        self.server = server
        self.url = url
        self.dbname = url.split("///", 1)[1].split("?", 1)[0]
        self.suffix = uuid.uuid4().hex[:6]
        self.made: list[str] = []

    def _db(self) -> Any:
        import psycopg

        return psycopg.connect(
            host=str(self.server.socket_dir),
            dbname=self.dbname,
            user=self.server.superuser,
            autocommit=True,
        )

    def login(self, name: str) -> str:
        return f"{name}_{self.suffix}"

    def url_for(self, name: str, role: str = "analyst") -> str:
        """The store's address for a new login ``name_<suffix>`` playing ``role``."""
        login = self.login(name)
        with self.server.admin() as admin:
            exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,))
            if exists.fetchone() is None:
                admin.execute(f'CREATE ROLE "{login}" LOGIN')
                self.made.append(login)
        with self._db() as conn:
            group = f"triage_{role}"
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,)).fetchone():
                conn.execute(f'GRANT "{group}" TO "{login}"')
            conn.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{login}"')
            conn.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{login}"')
        base = self.server.url(self.dbname)
        return base.replace(f"user={self.server.superuser}", f"user={login}")

    def drop(self) -> None:
        """Every login made here, with its rights (after the stores using them are closed)."""
        if not self.made:
            return
        with self._db() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(%s)",
                (self.made,),
            )
            for login in self.made:
                conn.execute(f'DROP OWNED BY "{login}"')
        with self.server.admin() as admin:
            for login in self.made:
                admin.execute(f'DROP ROLE IF EXISTS "{login}"')
        self.made.clear()
