"""On a team server, the check of the preview made ahead is read on a connection of its own,
started as soon as the tag key's transaction has committed.

Why: before a preview made ahead (preview_ahead.py) is shown, the post is read again and
compared with what the pane holds. On a team server that read is a round trip with eight
queries (1.5-1.9 ms at the median, 2026-12-05), and it came last on the key's path, after the
tagged row was read again and the next post claimed (two more round trips). Here it is sent
on a second session of the same login right after the COMMIT, so it travels while those two
are answered; the key then only collects it.

What it keeps: the read starts after this person's tag is committed, so it sees that tag and
everything committed before it, as the read it replaces did a few milliseconds later (a change
by someone else in those milliseconds reaches the window as every later change does, by the
live updates). The same login reads, so the server's row-level security is the same. If the
read is not back in time, failed, or was for another post (the next post chosen was held by
someone else), the key reads as before. On a store of one's own (SQLite) the read is local and
quick: not used there."""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any

from ..store.connection import Store

log = logging.getLogger(__name__)

# How long the key waits for the read sent after the commit before reading itself (the read
# normally arrives before the key asks for it; a slower one would be as slow read again).
WAIT_S = 1.0


class ParallelCheck:
    """One thread and one connection of its own that read a post as the preview reads it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._jobs: queue.Queue[tuple[int, Future[dict[str, Any]]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._asked: tuple[int, Future[dict[str, Any]]] | None = None
        self._closed = False

    def start(self, post_id: int) -> None:
        """Read ``post_id`` as the preview does, now, on the other connection."""
        if self._closed:
            return
        future: Future[dict[str, Any]] = Future()
        self._asked = (post_id, future)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="preview-check", daemon=True)
            self._thread.start()
        self._jobs.put((post_id, future))

    def result(self, post_id: int) -> dict[str, Any] | None:
        """The post as read after the commit, or None when no read of it was started, or it
        failed or is late (the caller then reads it itself)."""
        asked, self._asked = self._asked, None
        if asked is None or asked[0] != post_id:
            return None
        try:
            return asked[1].result(timeout=WAIT_S)
        except Exception:  # noqa: BLE001 (late, or the read failed: the caller reads it)
            log.debug("preview check read not used", exc_info=True)
            return None

    def close(self) -> None:
        """Stop the thread and close its connection (the store is locked or left)."""
        self._closed = True
        self._asked = None
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        from .preview_ahead import read_for_preview

        other: Store | None = None
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                post_id, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if other is None:
                        other = self._store.reopen()
                    future.set_result(read_for_preview(other, post_id))
                except BaseException as exc:  # handed to the key, which reads it itself
                    future.set_exception(exc)
        finally:
            if other is not None:
                try:
                    other.close()
                except Exception:  # noqa: BLE001 (a connection the server already closed)
                    log.debug("preview check connection close failed", exc_info=True)
