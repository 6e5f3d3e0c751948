"""A local store changed by another program (an import or an enrichment run in a terminal, a
second window): noticed while the window is open, said once in the status bar, and the
window's copy of the queue read again once that program has stopped committing.

Why: the copy a search is filtered from (ui/queue_model.py) is trusted only while no other
connection has committed; after an import in a terminal every search's first page came from
the store until the analyst pressed F5 (at 10M posts 130-190 ms at the 95th percentile against
70-115 ms from the copy, issue 17). SQLite tells each connection when others have committed
(``PRAGMA data_version``, about a microsecond: Store.others_changes), so the window asks
once a second; a program still committing (an enrichment commits a batch every second or
two) is left to finish first: the copy is read again (on the worker, ten million ids in a few
seconds) only after the count has stood still for SETTLE_SECONDS.

Nothing on screen moves: the list shown stays as it was read (F5 reads it again, as before);
the status bar says that the store has changed. A team server has its own way
(ui/live_updates.py): colleagues' work arrives by NOTIFY, and the copy keeps its own time."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from ..store.connection import DatabaseError, Store
from .queue_model import QueueModel

TICK_MS = 1000
SETTLE_SECONDS = 2.0
NOTICE = "The store has changed since this list was read: F5 shows the queue as it is now"


class OthersWatch(QObject):
    """Watches a local store for other connections' commits (see the module's docstring);
    ``changed(message)`` once for each settled change the window's copy had not seen."""

    changed = Signal(str)

    def __init__(self, model: QueueModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._store: Store | None = None
        self._seen: int | None = None  # the count last read, and since when it stands
        self._since = 0.0
        self._settled: int | None = None  # the last count acted on
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    def set_store(self, store: Store | None) -> None:
        """Watch ``store`` (a local one; nothing for a team server or None)."""
        self._timer.stop()
        self._store = store if store is not None and store.backend != "postgresql" else None
        self._seen = self._settled = None
        if self._store is not None:
            self._timer.start()

    def stop(self) -> None:
        self.set_store(None)

    def tick(self, now: float | None = None) -> None:
        """One look at the store (the timer's; ``now`` for tests)."""
        store = self._store
        if store is None or store is not self.model.store:
            return
        try:
            changes = store.others_changes()
        except DatabaseError:
            return  # the store is closing or locked: the next tick, or none
        moment = time.monotonic() if now is None else now
        if changes != self._seen:
            self._seen, self._since = changes, moment
            return
        if changes == self._settled or moment - self._since < SETTLE_SECONDS:
            return
        self._settled = changes
        if self.model.copy_outdated_by(changes):
            self.model.renew_copy()
            self.changed.emit(NOTICE)
