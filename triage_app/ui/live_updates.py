"""Other people's work appears in the window without a refresh, on a team server.

A LISTEN session (store/pg/notify.py) is watched by a QSocketNotifier, so nothing polls and
nothing waits: when the socket is readable the notifications are drained, gathered for a
moment (a colleague's batch of 500 tags is one repaint, not 500), and the window repaints the
rows named in place (``MainWindow.others_changed``): the current row and the selection stay
where the analyst left them.

When the server goes away the socket says so too: the status bar tells the person, a timer
tries again every second, and once back every shown row is read again (what was missed while
away). The store's own connection reconnects by itself on its next statement
(store/pg/adapter.py). A SQLite store is one person's file: nothing to listen to."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from ..core.errors import TriageError
from ..store.connection import DatabaseError, Store

GATHER_MS = 150
RETRY_MS = 500  # a try starts every other tick: about once a second


class _Attempt(threading.Thread):
    """One try at listening again, off the UI thread: a server that is down over a network
    can take seconds to refuse, and the window must stay usable meanwhile."""

    def __init__(self, listener: Any) -> None:
        super().__init__(name="triage-listen", daemon=True)
        self.listener = listener
        self.error: TriageError | None = None
        self.cancelled = False

    def run(self) -> None:
        try:
            self.listener.connect()
        except TriageError as exc:
            self.error = exc
            return
        if self.cancelled:  # the window moved on while this try was under way
            self.listener.close()


class LiveUpdates(QObject):
    """Listens for a Store on a server; ``changed(decided, claimed)`` with post ids (``None``
    for both: read everything shown again), ``connection(message, ms)`` for the status bar
    (0 ms: until replaced)."""

    changed = Signal(object, object)
    connection = Signal(str, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.listener: Any = None
        self.pending: Any = None
        self.lost = False
        self._attempt: _Attempt | None = None
        self._notifier: QSocketNotifier | None = None
        self._gather = QTimer(self)
        self._gather.setSingleShot(True)
        self._gather.setInterval(GATHER_MS)
        self._gather.timeout.connect(self._deliver)
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._reconnect)

    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.connected

    def set_store(self, store: Store | None) -> None:
        """Listen to ``store``'s server (nothing for a SQLite store, or None)."""
        self.stop()
        if store is None or store.backend != "postgresql":
            return
        from ..store.pg.notify import ChangeListener, Changes

        self.pending = Changes()
        self.listener = ChangeListener(str(getattr(store, "url")))  # noqa: B009 (PgStore only)
        # The window's own work is already on screen: its session's notifications are not news.
        self.listener.ignore_pids = {store.conn.raw.info.backend_pid}
        self._store = store
        try:
            self.listener.connect()
        except TriageError as exc:
            self._went_away(str(exc))
            return
        self._watch()

    def stop(self) -> None:
        self._gather.stop()
        self._retry.stop()
        if self._attempt is not None:
            self._attempt.cancelled = True
            self._attempt = None
        self._unwatch()
        if self.listener is not None:
            self.listener.close()
        self.listener = None
        self.lost = False

    # -- inside ---------------------------------------------------------------------------
    def _watch(self) -> None:
        self._unwatch()
        notifier = QSocketNotifier(self.listener.fileno(), QSocketNotifier.Type.Read, self)
        notifier.activated.connect(self.read_now)
        self._notifier = notifier

    def _unwatch(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None

    def read_now(self) -> None:
        """Take what the socket holds (the notifier's slot; tests may call it)."""
        if self.listener is None or self.lost:
            return
        from ..store.pg.notify import ListenerLost

        try:
            fresh = self.listener.drain()
        except ListenerLost as exc:
            self._went_away(str(exc))
            return
        if fresh:
            self.pending.merge(fresh)
            if not self._gather.isActive():
                self._gather.start()

    def _deliver(self) -> None:
        pending, self.pending = self.pending, type(self.pending)()
        if pending:
            self.changed.emit(sorted(pending.decisions), sorted(pending.claims))

    def _went_away(self, why: str) -> None:
        self._unwatch()
        if not self.lost:
            self.lost = True
            self.connection.emit(f"{why}. Reconnecting…", 0)
        self._retry.start()

    def _reconnect(self) -> None:
        """A tick of the retry timer: start a try, or take the result of the last one."""
        if self.listener is None:
            self._retry.stop()
            return
        attempt = self._attempt
        if attempt is None:
            self._attempt = _Attempt(self.listener)
            self._attempt.start()
            return
        if attempt.is_alive():
            return
        self._attempt = None
        if attempt.error is not None:
            return  # still away: the next tick tries again
        self._retry.stop()
        self.lost = False
        try:  # the window's own session is replaced now rather than at the next key press
            self._store.scalar("SELECT 1")
        except (TriageError, DatabaseError):
            pass
        self._refresh_ignored()
        self._watch()
        self.connection.emit(
            "Reconnected to the team server; the queue shows its latest state", 8000
        )
        self.changed.emit(None, None)

    def _refresh_ignored(self) -> None:
        """The window's session may have been replaced too (adapter reconnect)."""
        raw = getattr(self._store.conn, "raw", None)
        if raw is not None and not raw.broken:
            self.listener.ignore_pids = {raw.info.backend_pid}
