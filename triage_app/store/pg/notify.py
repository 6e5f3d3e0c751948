"""Hearing of other people's work on a team server: a dedicated session that LISTENs to the
``triage_changes`` channel fed by the triggers on decisions and claims (server-only step 1,
pg_migrations/s001_notify.py).

Why a session of its own rather than a pooled one: a listening session must stay the same
session (LISTEN belongs to it) and must never be inside someone's transaction, or nothing is
delivered until that transaction ends. Reading is non-blocking: :meth:`ChangeListener.drain`
takes whatever the socket already holds, so the window can call it whenever the socket is
readable (QSocketNotifier) without ever waiting on the network."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from ...core.errors import TriageError
from .url import check_transport, describe

CHANNEL = "triage_changes"
CONNECT_TIMEOUT = 5


class ListenerLost(TriageError):
    """The listening session is gone (server restarted, network cut)."""


@dataclass
class Changes:
    """What other sessions committed since the last drain: post ids by table."""

    decisions: set[int] = field(default_factory=set)
    claims: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.decisions or self.claims)

    def merge(self, other: Changes) -> None:
        self.decisions |= other.decisions
        self.claims |= other.claims


class ChangeListener:
    """One LISTEN session on the server at ``url``; ``ignore_pids``: sessions whose own
    notifications are not news (the window's own connection)."""

    def __init__(self, url: str) -> None:
        check_transport(url)
        self.url = url
        self.raw: psycopg.Connection | None = None
        self.ignore_pids: set[int] = set()

    @property
    def connected(self) -> bool:
        return self.raw is not None and not self.raw.closed and not self.raw.broken

    def connect(self) -> None:
        """(Re)open the session and LISTEN; a TriageError in one line when the server is not
        there."""
        self.close()
        try:
            raw = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
            raw.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or ["no reason given"])[-1]
            raise ListenerLost(f"Cannot listen to the {describe(self.url)}: {first}") from exc
        self.raw = raw

    def fileno(self) -> int:
        """The socket to watch for readability (-1 when not connected)."""
        if not self.connected:
            return -1
        assert self.raw is not None
        return int(self.raw.pgconn.socket)

    def drain(self) -> Changes:
        """Every notification already received, without waiting; ListenerLost when the
        session died (then :meth:`connect` again, and treat everything as changed)."""
        changes = Changes()
        raw = self.raw
        if raw is None or raw.closed:
            raise ListenerLost("The team server connection for updates is closed")
        pgconn = raw.pgconn
        try:
            pgconn.consume_input()
        except psycopg.Error as exc:
            self.close()
            raise ListenerLost(f"Lost the connection to the {describe(self.url)}") from exc
        if pgconn.status != psycopg.pq.ConnStatus.OK:
            self.close()
            raise ListenerLost(f"Lost the connection to the {describe(self.url)}")
        while (note := pgconn.notifies()) is not None:
            if note.be_pid in self.ignore_pids:
                continue
            table, _, post = note.extra.decode("utf-8", "replace").partition(" ")
            if not post.isdigit():
                continue
            if table == "decisions":
                changes.decisions.add(int(post))
            elif table == "claims":
                changes.claims.add(int(post))
        return changes

    def close(self) -> None:
        raw, self.raw = self.raw, None
        if raw is not None:
            try:
                raw.close()
            except psycopg.Error:
                pass
