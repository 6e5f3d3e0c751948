"""What every subcommand gets: parsed global options, the store opened on first use, output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..store.connection import Store
from ..store.opening import open_for_user
from ..store.paths import current_user, data_dir, default_store_path


@dataclass
class CommandContext:
    db: str | None = None
    data_dir_arg: str | None = None
    passphrase_file: str | None = None
    out: TextIO = field(default_factory=lambda: sys.stdout)
    key_passphrase_file: str | None = None
    _store: Store | None = None

    @property
    def store_path(self) -> Path:
        return default_store_path(self.db, self.data_dir_arg)

    @property
    def server_url(self) -> str | None:
        """The PostgreSQL address when --db (or TRIAGE_DB) names a team server, else None."""
        import os

        from ..store.pg.url import is_postgres_url

        chosen = self.db or os.environ.get("TRIAGE_DB")
        return chosen.strip() if chosen and is_postgres_url(chosen) else None

    @property
    def data_dir(self) -> Path:
        return data_dir(self.data_dir_arg)

    @property
    def user(self) -> str:
        return current_user()

    def passphrase(self) -> str | None:
        if not self.passphrase_file:
            import os

            env = os.environ.get("TRIAGE_PASSPHRASE_FILE")
            if not env:
                return None
            self.passphrase_file = env
        from ..core.errors import TriageError

        try:
            text = Path(self.passphrase_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise TriageError(
                f"Cannot read passphrase file {self.passphrase_file}: {exc.strerror or exc}"
            ) from exc
        passphrase = text.rstrip("\r\n")
        if not passphrase:  # its own message (it used to read as "keyring not available")
            raise TriageError(
                f"The passphrase file {self.passphrase_file} is empty; write the passphrase "
                "in it (one line)"
            )
        return passphrase

    def key_passphrase(self) -> str | None:
        """The passphrase of the person's own signing key (used only where no keyring works):
        --key-passphrase-file, TRIAGE_KEY_PASSPHRASE_FILE, else the store's passphrase."""
        import os

        chosen = self.key_passphrase_file or os.environ.get("TRIAGE_KEY_PASSPHRASE_FILE")
        if not chosen:
            return self.passphrase()
        from ..core.errors import TriageError

        try:
            text = Path(chosen).read_text(encoding="utf-8")
        except OSError as exc:
            raise TriageError(
                f"Cannot read passphrase file {chosen}: {exc.strerror or exc}"
            ) from exc
        return text.rstrip("\r\n")

    def store(self, *, create: bool = False, quiet_key: bool = False) -> Store:
        """The store, opened once; ``create`` makes a new one where none exists (``quiet_key``:
        without a warning when no personal signing key is at hand, for commands that sign
        nothing)."""
        if self._store is None and self.server_url is not None:
            from ..store.pg.opening import open_pg_store

            self._store = open_pg_store(
                self.server_url,
                data_dir=self.data_dir,
                create=create,
                key_passphrase=self.key_passphrase(),
            )
        if self._store is None:
            self._store = open_for_user(
                self.store_path,
                create=create,
                user=self.user,
                data_dir=self.data_dir,
                passphrase=self.passphrase(),
                key_passphrase=self.key_passphrase(),
                quiet_key=quiet_key,
            )
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, value: Any) -> None:
        print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True), file=self.out)


class ProgressLine:
    """A progress line on stderr. On a terminal it is rewritten in place (``\r``); anywhere
    else (a log file, a pipe, CI) each report is a whole line ending in a newline, at most one
    every ``every`` seconds plus the last, so lines never run together."""

    def __init__(self, stream: TextIO | None = None, *, every: float = 1.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.every = every
        self._last = float("-inf")
        self._width = 0
        self._pending: str | None = None

    def update(self, text: str) -> None:
        import time

        if self.tty:
            pad = " " * max(0, self._width - len(text))
            self.stream.write(f"\r{text}{pad}")
            self._width = len(text)
            self.stream.flush()
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last = now
            self._pending = None
        else:
            self._pending = text

    def finish(self) -> None:
        """End the line: a newline on a terminal; elsewhere the last report if not yet shown."""
        if self.tty and self._width:
            self.stream.write("\n")
        elif self._pending is not None:
            self.stream.write(self._pending + "\n")
        self.stream.flush()
        self._width = 0
        self._pending = None
