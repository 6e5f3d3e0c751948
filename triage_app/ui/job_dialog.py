"""What the pack and sync dialogs share: one job at a time on the window's worker, its
progress and end delivered on the UI thread, and Cancel (or Esc, or the close box) that stops
a running job instead of closing over it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from .tasks import Task, TaskContext, TaskRunner


class JobDialog(QDialog):
    """A dialog that runs jobs on the worker. Subclasses build ``stage`` (a label) and
    ``cancel_button`` and answer ``_progress``, ``_finished`` and ``_failed``."""

    stage: QLabel
    cancel_button: QPushButton

    def __init__(self, parent: QWidget | None, runner: TaskRunner | None) -> None:
        super().__init__(parent)
        self.runner = runner or getattr(parent, "runner", None) or TaskRunner()
        self.task: Task | None = None
        self.error: BaseException | None = None
        self._ended = True

    def start_job(self, job: Callable[[TaskContext], Any], name: str) -> Task:
        """Run ``job`` on the worker; its reports arrive at ``_progress``, ``_finished``,
        ``_failed`` on this thread."""
        self.error = None
        self._ended = False
        self.task = self.runner.submit(job, name)
        queued = Qt.ConnectionType.QueuedConnection
        self.task.progressed.connect(self._progress, queued)
        self.task.finished.connect(self._job_finished, queued)
        self.task.failed.connect(self._job_failed, queued)
        return self.task

    @property
    def is_running(self) -> bool:
        return self.task is not None and not self._ended

    def reject(self) -> None:
        """Cancel (or Esc, or the close box): stop a running job where it can, else close."""
        if self.is_running:
            assert self.task is not None
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self._say(f"{self.stage.text()} — cancelling…")
            return
        super().reject()

    def _say(self, text: str) -> None:
        self.stage.setText(text)

    def _job_finished(self, result: object) -> None:
        self._ended = True
        self._finished(result)

    def _job_failed(self, exc: BaseException) -> None:
        self._ended = True
        self.error = exc
        self._failed(exc)

    # -- what a subclass answers -----------------------------------------------------------
    def _progress(self, values: tuple[Any, ...]) -> None:
        raise NotImplementedError

    def _finished(self, result: Any) -> None:
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> None:
        raise NotImplementedError
