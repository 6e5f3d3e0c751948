"""The program as a person meets it: `python main.py --demo` in a real X11 window (Qt's xcb
plugin on an Xvfb screen), driven by key presses that come through the X server (xdotool),
not through Qt's test functions. The other window tests run offscreen (one of them shows with
real key presses that typing a search never tags); this one proves the shipped start-up path,
the keyboard focus, the tag keys and undo on a real display.

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


def key_passphrase(folder: Path) -> Path:
    path = folder / "key.pass"
    path.write_text("x11 test personal key passphrase\n")
    return path


def test_the_demo_window_on_a_real_x_display_tags_with_number_keys(
    x_display: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        DISPLAY=x_display,
        QT_QPA_PLATFORM="xcb",
        TRIAGE_DATA_DIR=str(tmp_path / "data"),
        TRIAGE_PLAIN_STORE="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        # no keyring: the personal signing key is protected by a passphrase (not asked for)
        TRIAGE_KEY_PASSPHRASE_FILE=str(key_passphrase(tmp_path)),
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
        def main_window() -> str | None:
            """The main window: Qt also maps a 1×1 helper window with the same title."""
            ids = xdotool("search", "--onlyvisible", "--name", "^Triage workstation$").split()
            for wid in ids:
                shell = dict(
                    line.split("=", 1)
                    for line in xdotool("getwindowgeometry", "--shell", wid).splitlines()
                    if "=" in line
                )
                if int(shell.get("WIDTH", 0)) >= 400 and int(shell.get("HEIGHT", 0)) >= 300:
                    return wid
            return None

        window = str(_wait_for("the main window", main_window))
        store = tmp_path / "data" / "store.db"
        # Keys sent while the program is still starting can be lost (before Qt has the
        # focus), so the first tag is tried until it lands; a lost key changes nothing.
        first: list[tuple[int, str]] = []
        for _attempt in range(15):
            xdotool("windowfocus", "--sync", window)
            # Esc: back to the queue wherever the focus started; 1: Small-boat crossing.
            xdotool("key", "--delay", "150", "Escape", "1")
            try:
                first = _wait_for("the first tag", lambda: _tags(store), seconds=4)  # type: ignore[assignment]
                break
            except AssertionError:
                continue
        assert first and {t for _, t in first} == {"boat_crossing"}, first
        tagged = {p for p, _ in first}
        # The window moved on: 2 tags the next post, not one tagged before.
        xdotool("key", "--delay", "150", "2")
        second = _wait_for(
            "the second tag",
            lambda: [p for p, t in _tags(store) if t == "fake_documents"],
            seconds=30,
        )
        assert len(second) == 1 and second[0] not in tagged  # type: ignore[arg-type, index]
        # Ctrl+Z undoes the last tag and only that.
        xdotool("key", "--delay", "150", "ctrl+z")
        _wait_for("the undo", lambda: _tags(store) == first, seconds=30)
        xdotool("key", "ctrl+q")
        assert app.wait(timeout=30) == 0
    except AssertionError as failure:
        windows = xdotool("search", "--onlyvisible", "--name", "")
        names = [xdotool("getwindowname", wid) for wid in windows.split()]
        logs = [p.read_text() for p in (tmp_path / "data" / "logs").glob("*.log")]
        raise AssertionError(f"{failure}\nwindows: {names}\nlogs: {logs}") from failure
    finally:
        if app.poll() is None:
            app.kill()
        output = app.communicate()[0]
    assert "Traceback" not in output, output
    crashes = sorted((tmp_path / "data" / "logs").glob("crash-*.log"))
    assert not crashes, crashes[0].read_text()  # no "Something went wrong" dialog came up
    assert (tmp_path / "data" / "window.ini").exists()  # the window saved its state on quit
