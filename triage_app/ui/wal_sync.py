"""The window's commits written to disk by a thread of their own, just after the key.

Why: a tag key commits a few rows, and with ``synchronous = FULL`` SQLite's COMMIT waits for
the disk to confirm the write-ahead log (an fsync) before the key can go on to the next post.
On this project's machines that wait was 2-3 ms at the median and ~10 ms at p99 with other
programs using the disk (20 ms beside an import): the largest part of issue 17's tag-key tail
that this process does not control.

What this does: the window's own connection commits with ``synchronous = NORMAL`` (in WAL
mode: the commit is written to the log and the store stays consistent whatever happens; only
the log's fsync is left out), and right after each commit this module's thread fsyncs the
log file (``-wal``) while the window paints the next post. Another thread may do it: fsync acts
on the file, not on the descriptor that wrote it.

What it changes, exactly:
- the window or the program crashing, being killed or the session ending loses nothing:
  the commit is in the operating system's cache the moment the key returns;
- a power cut or an operating-system crash in the few milliseconds between the key and the
  thread's fsync (``sync_times`` in the benchmark: docs/bench-10m.md) may lose that last
  decision; the store comes back consistent (the log's checksums end it at the last whole
  commit, the audit chain with it). With FULL, the same cut a few milliseconds earlier loses
  the same key's decision; a person cannot tell the two apart;
- closing, locking or leaving the store waits for the last sync (``detach``);
- an fsync that fails (a disk error, the log gone) puts the connection back to FULL at once
  (every later commit synced inside its key, as before) and the window says so (a dialog and
  the status bar): the commits since the last good sync may not be on disk.

Commits that bypass ``Store.transaction`` (a single autocommitted statement) are noticed by
the connection's change count, looked at every POLL_MS. Other programs on the store (the
command line, imports and the worker's own connections) keep FULL. A team server (PostgreSQL)
syncs on the server: nothing to do."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from ..store.connection import Store

log = logging.getLogger(__name__)

POLL_MS = 100
# How long leaving the store waits for the last sync before going on (a disk this slow is
# reported, and the connection's close then syncs through SQLite's own checkpoint).
FLUSH_TIMEOUT_S = 10.0
# A descriptor opened for reading is enough for fsync on POSIX; Windows' FlushFileBuffers
# needs write access (nothing is ever written through it). Never through a symbolic link, and
# never waiting on a pipe put in the log's place: the sync then fails, and the connection
# goes back to syncing inside its commits (SQLite's own writes are not this module's to police).
_OPEN_FLAGS = (
    (os.O_RDWR | getattr(os, "O_BINARY", 0))
    if os.name == "nt"
    else os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
)


def fsync_file(path: Path) -> None:
    """fsync the file at ``path`` through a descriptor of its own (opened each time: the log
    may be replaced by a new file of the same name when the last connection closes)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WalSyncer(QObject):
    """Syncs the window's SQLite log on a thread after each commit (see the module)."""

    # The sync failed: the message for the status bar (the connection is back on FULL).
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, sync: Callable[[Path], None] = fsync_file):
        super().__init__(parent)
        self._sync = sync
        self._store: Store | None = None
        self._log: Path | None = None
        self._cond = threading.Condition()
        self._asked = 0  # commits asked to be synced (a count), and
        self._done = 0  # the count the last finished sync covered
        self._error: OSError | None = None
        self._stop = False
        self._thread: threading.Thread | None = None
        self._seen_changes = 0
        # when each asked sync finished (monotonic), for the benchmark's "on disk by"
        self.sync_times: list[tuple[float, float]] = []
        self._asked_at: dict[int, float] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def active(self) -> bool:
        """Whether the window's commits are synced here (False: inside their key, FULL)."""
        return self._store is not None

    def attach(self, store: Store) -> None:
        """Take over the log syncs of ``store``'s connection (a SQLite store only)."""
        self.detach()
        if store.backend != "sqlite":
            return
        self._log = Path(f"{store.path}-wal")
        self._error, self._stop = None, False
        self._asked = self._done = 0
        self._asked_at.clear()
        store.execute("PRAGMA synchronous = NORMAL")
        store.after_commit = self.ask
        self._store = store
        self._seen_changes = store.conn.total_changes
        self._thread = threading.Thread(target=self._run, name="wal-sync", daemon=True)
        self._thread.start()
        self._timer.start()

    def detach(self) -> bool:
        """Stop syncing here: the last commit synced first (up to FLUSH_TIMEOUT_S), the
        connection back to FULL. False when the last sync did not finish or failed."""
        store = self._store
        if store is None:
            return True
        self._timer.stop()
        self.poll()  # an autocommitted write since the last look is synced too
        synced = self.flush(FLUSH_TIMEOUT_S)
        self._let_go(store)
        if self._thread is not None:
            self._thread.join(FLUSH_TIMEOUT_S)
        self._thread = None
        try:
            store.execute("PRAGMA synchronous = FULL")
        except Exception:  # noqa: BLE001 (a store closed under us: nothing left to sync)
            log.debug("store closed before its log sync mode was put back", exc_info=True)
        return synced and self._error is None

    def ask(self) -> None:
        """A commit just returned on the window's connection: sync the log soon."""
        store = self._store
        if store is None:
            return
        self._seen_changes = store.conn.total_changes
        with self._cond:
            self._asked += 1
            self._asked_at[self._asked] = time.monotonic()
            self._cond.notify()

    def poll(self) -> None:
        """Every POLL_MS: a write that did not come through ``Store.transaction`` is synced
        too; a failed sync is reported and the connection goes back to FULL."""
        store = self._store
        if store is None:
            return
        if self._error is not None:
            self._fall_back(store, self._error)
            return
        try:
            changes = store.conn.total_changes
        except Exception:  # noqa: BLE001 (the store was closed without detaching: stop)
            self._let_go(store)
            return
        if changes != self._seen_changes:
            self.ask()

    def flush(self, timeout: float) -> bool:
        """Wait until every commit asked so far is synced (or a sync failed, or ``timeout``)."""
        with self._cond:
            return (
                self._cond.wait_for(
                    lambda: self._done >= self._asked or self._error is not None, timeout
                )
                and self._error is None
            )

    def pending(self) -> int:
        """Commits asked to be synced that are not yet on disk (0: all of them are)."""
        with self._cond:
            return self._asked - self._done

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        """Sync the log whenever commits were asked since the last sync (several asked while
        one sync runs are covered by the next one)."""
        log_path = self._log
        assert log_path is not None
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._asked > self._done)
                if self._asked <= self._done:
                    return  # stopping, and nothing left to sync
                target = self._asked
            try:
                self._sync(log_path)
            except OSError as exc:
                with self._cond:
                    self._error = exc
                    self._cond.notify_all()
                return
            finished = time.monotonic()
            with self._cond:
                for count in range(self._done + 1, target + 1):
                    asked_at = self._asked_at.pop(count, None)
                    if asked_at is not None:
                        self.sync_times.append((asked_at, finished))
                del self.sync_times[:-1000]
                self._done = target
                self._cond.notify_all()

    def _let_go(self, store: Store) -> None:
        """No more syncs asked or looked for on ``store``; the thread ends once it has synced
        what was asked (or at once, after a failed sync)."""
        self._timer.stop()
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._store = None
        store.after_commit = None

    def _fall_back(self, store: Store, error: OSError) -> None:
        """A sync failed: every later commit synced inside its key (FULL), and said once."""
        self._let_go(store)
        store.execute("PRAGMA synchronous = FULL")
        message = (
            f"The store's last changes may not be on disk ({error.strerror or error}). "
            "From now on each change is written to disk before the window moves on."
        )
        log.warning("%s", message)
        self.failed.emit(message)
