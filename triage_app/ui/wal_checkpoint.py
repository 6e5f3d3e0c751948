"""The write-ahead log copied back into the store file on a worker, not inside a tag key.

SQLite keeps each commit in the store's write-ahead log (``-wal``) and, by default, the commit
that takes the log past 1,000 pages also copies the log back into the store file and syncs it
(an automatic checkpoint). A tag key writes a few pages, so about one key in fifty paid for
that copy and sync on the window's thread: the slowest keys, the p99 of issue 17's tag-key
figure, and slower the bigger the store file (its pages are scattered through gigabytes).

The window's connection therefore does not checkpoint by itself (``wal_autocheckpoint = 0``).
Once the window has written and then paused for a second (looked at once a second), a
checkpoint runs on the window's read worker, on a connection of its own (``PRAGMA
wal_checkpoint(PASSIVE)``: it copies what no reader still needs and never makes the window
wait). While keys keep coming less than a second apart it waits for the pause, up to
LONGEST_WAIT_S: a checkpoint copies and syncs the store file beside the key (5-20 ms of a
worker's time and the disk), and one every second of a burst landed inside keys. Every
commit is synced to the log just after its key (ui/wal_sync.py), so nothing acknowledged
depends on the checkpoint: it only keeps the log short. Other programs on the
store (the command line, an import on the worker) keep SQLite's automatic checkpoints, and
the last connection to close checkpoints as SQLite always does. A team server (PostgreSQL)
has no such log here: nothing to do."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer

from ..store.connection import Store
from .tasks import TaskContext, TaskRunner, on_own_connection, when_done

CHECK_EVERY_MS = 1000
# A burst of writes without a pause is checkpointed anyway after this long (the log would
# otherwise grow for as long as someone tags without stopping).
LONGEST_WAIT_S = 30.0


class WalCheckpointer(QObject):
    """Checkpoints the window's store on a worker after it has written (see the module)."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: Store | None = None
        self._seen = 0  # the connection's total_changes at the last look
        self._writing_since: float | None = None  # the first write not checkpointed yet
        self._task: Any = None  # the checkpoint under way, if any
        # (busy, log frames, frames checkpointed) of the last checkpoint, as SQLite says it
        self.last_result: tuple[int, int, int] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)

    def attach(self, store: Store) -> None:
        """Take over the checkpoints of ``store``'s connection (a SQLite store only)."""
        self.detach()
        if store.backend != "sqlite":
            return
        store.execute("PRAGMA wal_autocheckpoint = 0")
        self._store = store
        self._seen = store.conn.total_changes
        self._writing_since = None
        self._timer.start()

    def detach(self) -> None:
        """Stop looking (the store is about to close, or the window locks)."""
        self._timer.stop()
        self._store = None
        self._task = None

    def check(self) -> None:
        """Checkpoint on the worker once the window's connection has written and then written
        nothing since the last look (a pause), or has kept writing for LONGEST_WAIT_S."""
        store = self._store
        if store is None or self._task is not None:
            return
        changes = store.conn.total_changes
        now = time.monotonic()
        if changes != self._seen:
            self._seen = changes
            if self._writing_since is None:
                self._writing_since = now
            if now - self._writing_since < LONGEST_WAIT_S:
                return  # still writing: the first pause will do
        elif self._writing_since is None:
            return  # nothing written since the last checkpoint
        self._writing_since = None

        def checkpoint(other: Store, _ctx: TaskContext) -> tuple[int, int, int]:
            row = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return int(row[0]), int(row[1]), int(row[2])

        self._task = self._runner.submit(on_own_connection(store, checkpoint), "store checkpoint")
        when_done(self._task, self._done, self._failed)

    def _done(self, result: tuple[int, int, int]) -> None:
        self._task = None
        self.last_result = result

    def _failed(self, _exc: BaseException) -> None:
        """A checkpoint that could not run (the store locked meanwhile, the disk busy) is
        tried again after the next write; SQLite's log stays whole until then."""
        self._task = None
