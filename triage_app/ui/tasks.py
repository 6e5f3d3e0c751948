"""Background work: one serial worker thread for long store jobs (imports, demo corpus), with
progress and cancel reported back on the UI thread.

SQLite connections belong to one thread, so a job gets its own connection (``Store.reopen``)
inside the worker. Tests swap in :class:`SynchronousRunner`, which runs the same jobs inline."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from ..store.connection import Store

T = TypeVar("T")


class TaskCancelled(Exception):
    """Raised inside a job when the user pressed Cancel; the job's current unit is rolled back."""


@dataclass
class TaskContext:
    """What a running job sees: a way to report progress and to ask whether to stop."""

    _report: Callable[[tuple[Any, ...]], None]
    _cancel: threading.Event = field(default_factory=threading.Event)

    def progress(self, *values: Any) -> None:
        self._report(values)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def stop_if_cancelled(self) -> None:
        """Raise TaskCancelled if Cancel was asked for (a long job calls it between units)."""
        if self._cancel.is_set():
            raise TaskCancelled()


class Task(QObject):
    """One submitted job; its signals arrive on the UI thread."""

    progressed = Signal(tuple)
    finished = Signal(object)  # the job's return value
    failed = Signal(object)  # the exception (TaskCancelled when cancelled)

    def __init__(self, fn: Callable[[TaskContext], Any], name: str) -> None:
        super().__init__()
        self.fn: Callable[[TaskContext], Any] | None = fn
        self.name = name
        self.context = TaskContext(self.progressed.emit)
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self.context.cancel()

    def _run(self) -> None:
        fn, self.fn = self.fn, None  # what the job holds (a cached 10M-id queue) is let go of
        # when it ends, even while the task lives on in its callbacks' reference cycle until
        # the garbage collector's next full pass: at 10M posts such cycles kept two or three
        # copies of the queue (90 MB) alive after a search. (A failed job's traceback still
        # reaches what it held, until the task is collected: kept for the crash report.)
        assert fn is not None, "a task runs once"
        try:
            self.result = fn(self.context)
        except BaseException as exc:  # handed to the UI thread, which decides what to show
            self.error = exc
            self.done = True
            self.failed.emit(exc)
        else:
            self.done = True
            self.finished.emit(self.result)
        finally:
            del fn


class TaskRunner:
    """A single worker thread running jobs one after another (one writer at a time)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Task | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._keep: set[Task] = set()

    def submit(self, fn: Callable[[TaskContext], Any], name: str = "task") -> Task:
        task = Task(fn, name)
        self._keep.add(task)
        task.finished.connect(lambda _r, t=task: self._keep.discard(t))
        task.failed.connect(lambda _e, t=task: self._keep.discard(t))
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="triage-worker", daemon=True)
            self._thread.start()
        self._jobs.put(task)
        return task

    def _loop(self) -> None:
        while True:
            task = self._jobs.get()
            if task is None:
                return
            task._run()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop the worker after the job in hand (cancelling it first)."""
        for task in list(self._keep):
            task.cancel()
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout)
        self._thread = None


class SynchronousRunner(TaskRunner):
    """Runs each job at once on the calling thread (tests): same signals, no thread."""

    def submit(self, fn: Callable[[TaskContext], Any], name: str = "task") -> Task:
        task = Task(fn, name)
        self._keep.add(task)
        # Let go of it once it has run, as the threaded runner does (a finished job's result
        # may be the ten million ids of a queue read long ago).
        task.finished.connect(lambda _r, t=task: self._keep.discard(t))
        task.failed.connect(lambda _e, t=task: self._keep.discard(t))
        # Let the caller connect its signals before the job runs.
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, task._run)
        return task

    def shutdown(self, timeout: float = 10.0) -> None:
        self._keep.clear()


def on_own_connection(
    store: Store, read: Callable[[Store, TaskContext], T]
) -> Callable[[TaskContext], T]:
    """A job that runs ``read(connection, context)`` on a connection of its own to ``store``
    (connections belong to one thread; on a team server a pooled one), closed when it is done
    or stopped."""

    def job(ctx: TaskContext) -> T:
        other = store.reopen()
        try:
            return read(other, ctx)
        finally:
            other.close()

    return job


def when_done(
    task: Task,
    finished: Callable[[Any], None],
    failed: Callable[[BaseException], None] | None = None,
) -> Task:
    """Connect ``finished`` (and ``failed``) to ``task``; if it finished before they could be
    connected (a worker thread can be that quick), call the right one now. A reply that also
    arrives by its signal comes twice: the callers' replies are all safe to repeat."""
    task.finished.connect(finished)
    if failed is not None:
        task.failed.connect(failed)
    if task.done:
        if task.error is None:
            finished(task.result)
        elif failed is not None:
            failed(task.error)
    return task
