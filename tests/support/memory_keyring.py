"""An in-memory keyring backend so tests never need a keyring daemon."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.secrets[(service, username)]
        except KeyError as exc:
            raise PasswordDeleteError(username) from exc


@contextmanager
def keyring_for_setup() -> Iterator[MemoryKeyring]:
    """A memory keyring for a session- or module-scoped fixture's own set-up (outside a test's
    fixtures there is none, tests/conftest.py); the keyring in force before comes back after."""
    import keyring

    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)
