"""A Python audit hook that fails any test that opens a network connection or resolves a name.

Local (AF_UNIX) sockets are allowed: Qt and multiprocessing use them and they never leave the
machine. The hook cannot be removed once installed, so it guards the whole test run."""

from __future__ import annotations

import socket
import sys
from typing import Any

NETWORK_EVENTS = {
    "socket.connect",
    "socket.bind",
    "socket.sendto",
    "socket.sendmsg",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
}

attempts: list[str] = []
_installed = False


class NetworkUsed(RuntimeError):
    pass


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in NETWORK_EVENTS:
        return
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        sock = args[0]
        if getattr(sock, "family", None) == socket.AF_UNIX:
            return
    attempts.append(f"{event} {args[1:]!r}")
    raise NetworkUsed(f"network use refused in tests: {event} {args[1:]!r}")


def install() -> None:
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
