"""The program as a person meets it: `python main.py --demo` in a real X11 window (Qt's xcb
plugin on an Xvfb screen), driven by key presses that come through the X server (xdotool),
not through Qt's test functions. The other window tests run offscreen; this one proves the
shipped start-up path, the keyboard focus and the tag keys on a real display.

Needs Debian's xvfb and xdotool (installed by .ci/run) and the xcb libraries the README lists."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _wait_for(what: str, check: Callable[[], object], seconds: float = 60.0) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what} after {seconds:.0f} s")


@pytest.fixture
def x_display() -> Iterator[str]:
    """A fresh Xvfb screen; Xvfb picks a free display number and tells it on a pipe."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number.isdigit(), "Xvfb did not start"
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _tags(store: Path) -> list[tuple[int, str]]:
    if not store.exists():
        return []
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        try:
            return conn.execute("SELECT post_id, tag FROM post_tags ORDER BY at").fetchall()
        except sqlite3.OperationalError:  # still being created
            return []


def test_the_demo_window_on_a_real_x_display_tags_with_number_keys(
    x_display: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        DISPLAY=x_display,
        QT_QPA_PLATFORM="xcb",
        TRIAGE_DATA_DIR=str(tmp_path / "data"),
        TRIAGE_PLAIN_STORE="1",
        TRIAGE_USER="amira",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    app = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--demo", "--demo-posts", "300"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def xdotool(*args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args], env=env, capture_output=True, text=True, timeout=30
        )
        return done.stdout.strip()

    try:
        window = str(
            _wait_for(
                "the main window",
                lambda: xdotool("search", "--onlyvisible", "--name", "^Triage workstation$"),
            )
        ).split()[0]
        store = tmp_path / "data" / "store.db"
        xdotool("windowfocus", "--sync", window)
        # Esc: back to the queue (wherever the focus started), then 1: Small-boat crossing.
        xdotool("key", "--delay", "150", "Escape", "1")
        first = _wait_for("the first tag", lambda: _tags(store))
        assert [t for _, t in first] == ["boat_crossing"]  # type: ignore[union-attr]
        # The window moved on: 2 tags the next post, not the same one.
        xdotool("key", "--delay", "150", "2")
        both = _wait_for("the second tag", lambda: t if len(t := _tags(store)) == 2 else None)
        (post_a, _), (post_b, tag_b) = both  # type: ignore[misc]
        assert tag_b == "fake_documents" and post_b != post_a
        # Typing in the search box never tags; Ctrl+Z undoes the last tag.
        xdotool("key", "--delay", "150", "ctrl+f")
        xdotool("type", "--delay", "50", "3456")
        xdotool("key", "--delay", "150", "Escape", "ctrl+z")
        _wait_for("the undo", lambda: _tags(store) == [(post_a, "boat_crossing")])
        xdotool("key", "ctrl+q")
        assert app.wait(timeout=30) == 0
    finally:
        if app.poll() is None:
            app.kill()
        output = app.communicate()[0]
    assert "Traceback" not in output, output
    assert (tmp_path / "data" / "window.ini").exists()  # the window saved its state on quit
