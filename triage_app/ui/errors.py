"""How the window reports problems: a TriageError is a plain dialog (the person can act on it);
anything else is a bug, logged with its traceback to a file in the data folder and shown as a
crash dialog naming that file, after which the program carries on where it safely can."""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.errors import TriageError
from ..core.fileio import open_private, private_dir

# Tests replace these to see what would have been shown without a modal dialog blocking them.
Shower = Callable[[QWidget | None, str, str], object]


def _plain(parent: QWidget | None, title: str, text: str) -> object:
    from .wording import window_wording

    return QMessageBox.warning(parent, title, window_wording(text))


def _crash(parent: QWidget | None, title: str, text: str) -> object:
    return QMessageBox.critical(parent, title, text)


show_problem: Shower = _plain
show_crash: Shower = _crash


def log_folder(data_dir: Path) -> Path:
    return private_dir(data_dir / "logs")  # 0700; the logs in it are 0600


def write_crash_log(
    data_dir: Path, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> Path:
    """Append the traceback to today's crash log and return its path."""
    now = dt.datetime.now(dt.UTC)
    path = log_folder(data_dir) / f"crash-{now:%Y%m%d}.log"
    with open_private(path, append=True) as handle:
        handle.write(f"==== {now:%Y-%m-%dT%H:%M:%SZ}\n")
        handle.write("".join(traceback.format_exception(exc_type, exc, tb)))
        handle.write("\n")
    return path


def report(
    parent: QWidget | None, exc: BaseException, data_dir: Path, title: str = "Problem"
) -> Path | None:
    """Show ``exc`` the right way; returns the crash log path for a bug, None otherwise."""
    if isinstance(exc, TriageError):
        from .wording import window_wording

        show_problem(parent, title, window_wording(str(exc)))
        return None
    path = write_crash_log(data_dir, type(exc), exc, exc.__traceback__)
    show_crash(
        parent,
        "Something went wrong",
        f"An unexpected error happened: {type(exc).__name__}: {exc}\n\n"
        f"The details are in {path}. Please send that file to your support contact.\n"
        "Your decisions so far are saved; the program will keep running.",
    )
    return path


def install_excepthook(data_dir: Path, parent: Callable[[], QWidget | None]) -> None:
    """Route uncaught exceptions (in slots and event handlers too) to :func:`report`."""
    previous = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        try:
            exc.__traceback__ = tb
            report(parent(), exc, data_dir)
        except Exception:  # the reporter itself failed: fall back to stderr, never recurse
            previous(exc_type, exc, tb)

    sys.excepthook = hook
