""" "Test connection" for a team server address: connect once, say in one line what is there,
and change nothing.

The window's first-start dialog calls it before the person commits to a server, so that a
typo, a refused login or a plain-TCP address is found while they can still fix it. TLS is
checked before any connection is tried (url.py), exactly as when the store is opened."""

from __future__ import annotations

import psycopg
import psycopg.conninfo

from ...core.errors import TriageError
from .adapter import schema_version
from .url import check_transport, describe

CONNECT_TIMEOUT = 5


def with_password(url: str, password: str | None) -> str:
    """``url`` with ``password`` added (as libpq conninfo); unchanged when there is none."""
    if not password:
        return url
    return psycopg.conninfo.make_conninfo(url, password=password)


def without_password(url: str) -> str:
    """``url`` as it may be remembered on disk: no password in it."""
    params = psycopg.conninfo.conninfo_to_dict(url)
    if "password" not in params:
        return url
    params.pop("password")
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items()})


def first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    # libpq puts the reason last ("connection to server ... failed: FATAL: ...").
    return lines[-1] if lines else "no reason given"


def needs_password(exc: BaseException) -> bool:
    """Whether a failed connection only lacked a password."""
    text = str(exc).lower()
    return "no password supplied" in text or "password authentication failed" in text


class PasswordNeeded(TriageError):
    """The server wants a password for this login (none given, or a wrong one)."""


def try_login(url: str) -> None:
    """Connect once and leave: PasswordNeeded, or a one-line TriageError, when refused (the
    pool would retry a refused login for seconds before saying why)."""
    check_transport(url)
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
    except psycopg.Error as exc:
        if needs_password(exc):
            raise PasswordNeeded(first_line(exc)) from exc
        raise TriageError(f"Cannot connect to the {describe(url)}: {first_line(exc)}") from exc


def probe(url: str) -> str:
    """One line on what is at ``url``; a one-line TriageError when nothing usable is."""
    check_transport(url)
    try:
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True)
    except psycopg.Error as exc:
        raise TriageError(f"Cannot connect to the {describe(url)}: {first_line(exc)}") from exc
    try:
        login = conn.execute("SELECT session_user").fetchone()[0]  # type: ignore[index]
        version = conn.info.server_version
        schema = schema_version(conn)
    except psycopg.Error as exc:
        raise TriageError(f"Connected, but the server said: {first_line(exc)}") from exc
    finally:
        conn.close()
    server = f"PostgreSQL {version // 10000}.{version % 10000}"
    if schema:
        return f"Connected as {login} to {server}: a triage store is there (schema {schema})"
    return (
        f"Connected as {login} to {server}, but the database holds no triage store yet: "
        "a supervisor creates it with 'triage db create'"
    )
