"""Which ``--db`` values name a PostgreSQL server, and whether a connection to it may be opened:
TLS is required unless every host is a local (Unix) socket, so that a password, a decision or
a post never crosses a network in clear."""

from __future__ import annotations

import os

from ...core.errors import TriageError

SCHEMES = ("postgresql://", "postgres://")
TLS_MODES = frozenset({"require", "verify-ca", "verify-full"})


def is_postgres_url(value: str | os.PathLike[str] | None) -> bool:
    return value is not None and str(value).strip().lower().startswith(SCHEMES)


def conninfo_dict(url: str) -> dict[str, str]:
    """The URL's parameters as libpq reads them; a malformed URL is a one-line error."""
    import psycopg.conninfo

    try:
        return {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(url).items()}
    except psycopg.ProgrammingError as exc:
        raise TriageError(f"Not a valid PostgreSQL address: {str(exc).strip()}") from exc


def _is_socket(host: str) -> bool:
    return host.startswith("/") or host.startswith("@")


def check_transport(url: str) -> dict[str, str]:
    """The parsed URL, or a TriageError when it would reach a server over TCP without TLS.

    A host that is a folder (``host=/run/postgresql``) is a local socket; no host at all means
    libpq's default socket unless PGHOST or PGHOSTADDR say otherwise."""
    params = conninfo_dict(url)
    hosts = params.get("host") or os.environ.get("PGHOST", "")
    if params.get("hostaddr") or (not params.get("host") and os.environ.get("PGHOSTADDR")):
        hosts = hosts or "tcp"
    names = [h for h in hosts.split(",") if h.strip()] or []
    over_network = [h for h in names if not _is_socket(h.strip())]
    if params.get("hostaddr") and not over_network:
        over_network = [params["hostaddr"]]
    if not over_network:
        return params
    mode = (params.get("sslmode") or os.environ.get("PGSSLMODE") or "prefer").lower()
    if mode not in TLS_MODES:
        raise TriageError(
            f"Refusing to connect to {', '.join(over_network)} without TLS: add "
            "sslmode=verify-full (or require) to the address, or use a local socket"
        )
    return params


def describe(url: str) -> str:
    """The address without its password, for messages."""
    params = conninfo_dict(url)
    where = params.get("host") or "local socket"
    return f"postgresql database {params.get('dbname', '?')} on {where}"
