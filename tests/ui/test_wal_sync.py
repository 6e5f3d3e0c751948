"""The window's commits are written to disk by a thread of their own just after the key
(ui/wal_sync.py): the COMMIT's fsync was the largest part of the tag key's tail that the
process does not control. What each test pins:

- the window's connection commits without the fsync (``synchronous = NORMAL``) and the log
  file is fsynced by the thread after each tag key, and after a write that did not come
  through ``Store.transaction``;
- leaving the store waits for the last sync and puts the connection back to FULL;
- a sync that fails puts the connection back to FULL at once and says so in the status bar;
  the next key is tagged (and synced inside its key);
- (a process killed at random moments of a burst committed this way loses no decision it
  acknowledged: tests/faults/test_crash_kills.py, the tagging burst in the window's mode);
- a team server syncs on the server: the window does nothing of this there."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from triage_app.ui.wal_sync import fsync_file

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
sqlite_only = pytest.mark.sqlite_only("SQLite's write-ahead log; a team server syncs its own")


class RecordingSync:
    """The real fsync, recording which file it synced and how long the file was then."""

    def __init__(self, delay: threading.Event | None = None) -> None:
        self.synced: list[tuple[Path, int]] = []
        self.delay = delay

    def __call__(self, path: Path) -> None:
        if self.delay is not None:
            self.delay.wait(5)
        size = path.stat().st_size
        fsync_file(path)
        self.synced.append((path, size))


def _wal(store: Any) -> Path:
    return Path(f"{store.path}-wal")


def _tag_key(w: Any, qtbot: Any) -> None:
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_1)


def _tags_of(store: Any, post_id: int) -> list[str]:
    return [r[0] for r in store.execute("SELECT tag FROM post_tags WHERE post_id = ?", (post_id,))]


@sqlite_only
def test_a_tag_key_commits_unsynced_and_the_thread_syncs_the_log(
    demo_store, make_window, qtbot
) -> None:
    w = make_window(demo_store)
    assert w.wal_sync.active
    assert demo_store.scalar("PRAGMA synchronous") == 1  # NORMAL: no fsync in the COMMIT
    recorder = RecordingSync()
    w.wal_sync._sync = recorder
    w.select_row(0)
    post = w.current_post_id()
    _tag_key(w, qtbot)
    size_after_key = _wal(demo_store).stat().st_size
    assert _tags_of(demo_store, post)  # committed when the key returned
    w.wal_sync.poll()  # any write of the key outside a transaction is asked for too
    assert w.wal_sync.flush(5)
    assert w.wal_sync.pending() == 0
    # the log itself, synced at least as long as it was once the key had committed
    assert recorder.synced and recorder.synced[-1][0] == _wal(demo_store)
    assert recorder.synced[-1][1] >= size_after_key
    # the benchmark's "on disk by": the sync finished after it was asked
    asked, finished = w.wal_sync.sync_times[-1]
    assert finished >= asked


@sqlite_only
def test_a_write_outside_a_transaction_is_synced_too(demo_store, make_window, qtbot) -> None:
    w = make_window(demo_store)
    recorder = RecordingSync()
    w.wal_sync._sync = recorder
    qtbot.waitUntil(lambda: w.wal_sync.pending() == 0)
    before = len(recorder.synced)
    demo_store.execute("INSERT INTO meta(key, value) VALUES ('test_wal_sync', 'x')")  # autocommit
    w.wal_sync.poll()  # the timer's look (every POLL_MS)
    assert w.wal_sync.flush(5)
    assert len(recorder.synced) == before + 1


@sqlite_only
def test_leaving_the_store_waits_for_the_last_sync_and_restores_full(
    demo_store, make_window, qtbot
) -> None:
    w = make_window(demo_store)
    release = threading.Event()
    recorder = RecordingSync(delay=release)
    w.wal_sync._sync = recorder
    w.select_row(0)
    _tag_key(w, qtbot)
    assert w.wal_sync.pending() >= 1 and not recorder.synced  # the sync is held back
    threading.Timer(0.3, release.set).start()
    assert w.wal_sync.detach()  # waits for it
    assert recorder.synced and w.wal_sync.pending() == 0
    assert not w.wal_sync.active
    assert demo_store.scalar("PRAGMA synchronous") == 2  # FULL again
    assert demo_store.after_commit is None


@sqlite_only
def test_a_failed_sync_goes_back_to_full_and_says_so(
    demo_store, make_window, qtbot, problems
) -> None:
    w = make_window(demo_store)

    def broken(_path: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    w.wal_sync._sync = broken
    w.select_row(0)
    first = w.current_post_id()
    _tag_key(w, qtbot)
    assert _tags_of(demo_store, first)
    qtbot.waitUntil(lambda: "may not be on disk" in w.statusBar().currentMessage(), timeout=3000)
    assert "Input/output error" in w.statusBar().currentMessage()
    assert [title for title, _text in problems] == ["Writing to disk"]  # and a dialog, once
    assert not w.wal_sync.active
    assert demo_store.scalar("PRAGMA synchronous") == 2  # each commit synced in its key again
    second = w.current_post_id()
    assert second != first
    _tag_key(w, qtbot)
    assert _tags_of(demo_store, second)  # the next key is tagged as before


def test_a_team_server_is_left_to_sync_its_own(demo_store, make_window, store_backend) -> None:
    w = make_window(demo_store)
    assert w.wal_sync.active == (store_backend == "sqlite")


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="POSIX open flags")
def test_the_sync_never_follows_a_link_nor_waits_on_a_pipe(tmp_path) -> None:
    """A link or a pipe in the log's place makes the sync fail at once (and the window go back
    to syncing inside its commits), never sync another file or hang the thread."""
    target = tmp_path / "elsewhere"
    target.write_bytes(b"x")
    link = tmp_path / "store.db-wal"
    link.symlink_to(target)
    with pytest.raises(OSError):
        fsync_file(link)
    pipe = tmp_path / "other.db-wal"
    os.mkfifo(pipe)
    with pytest.raises(OSError):  # opened without waiting for a writer; its fsync refused
        fsync_file(pipe)
