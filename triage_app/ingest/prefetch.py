"""Read records on a helper thread while the importing thread writes to SQLite.

SQLite releases the GIL while it works, so parsing the next records (JSON, dates, text fixes)
overlaps with writing the last ones. Records arrive in order, exceptions are re-raised in the
caller at the point they happened, and closing the generator stops the reader."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
CHUNK = 256


def prefetch(source: Iterator[T], chunks: int = 8) -> Iterator[T]:
    """Yield what ``source`` yields, produced ahead on a daemon thread (at most ``chunks``
    chunks of CHUNK items in memory)."""
    pipe: queue.Queue[object] = queue.Queue(maxsize=chunks)
    stop = threading.Event()

    def reader() -> None:
        chunk: list[T] = []
        try:
            for item in source:
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    if not _put(pipe, chunk, stop):
                        return
                    chunk = []
            if chunk and not _put(pipe, chunk, stop):
                return
            _put(pipe, _DONE, stop)
        except BaseException as exc:  # handed to the consumer, raised there
            if chunk:
                _put(pipe, chunk, stop)
            _put(pipe, exc, stop)

    thread = threading.Thread(target=reader, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            got = pipe.get()
            if got is _DONE:
                return
            if isinstance(got, BaseException):
                raise got
            yield from got  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a reader waiting on a full queue
            try:
                pipe.get_nowait()
            except queue.Empty:
                thread.join(0.05)
        close = getattr(source, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                pass


def _put(pipe: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            pipe.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
