"""Take the README's screenshots of the review window on the demo corpus, offscreen.

    python tests/ui/make_screenshots.py [--out docs/screenshots] [--posts 5000]
        [--screen 1920x1080] [--scale 1.5]

Writes main_window.png (the queue with an Arabic post and its picture in the preview),
main_window_search.png (a malformed search with its inline message), main_window_no_hits.png
(a misspelt search: the message, then the searches that would find posts, counted on the
window's read worker) and main_window_locked.png (the lock screen), the window filling a
1920x1080 screen. With another --screen or a --scale the window is shown as it opens on that
screen and only main_window_<W>x<H>[_<scale>x].png is written (docs: main_window_1280x720.png,
main_window_1920x1080_1.5x.png)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    from tests.ui.screen_probe import add_screen_options, use_screen

    add_screen_options(parser)
    parser.add_argument("--posts", type=int, default=5000)
    args = parser.parse_args()
    out = use_screen(args)
    only_main = args.screen != "1920x1080" or bool(args.scale)
    name = "main_window.png"
    if only_main:
        name = f"main_window_{args.screen}" + (f"_{args.scale}x" if args.scale else "") + ".png"

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from triage_app.commands.demo import make_demo_store
    from triage_app.store import open_store
    from triage_app.store.decisions import apply_tags
    from triage_app.store.queue import QueueQuery
    from triage_app.ui.app import load_stylesheet
    from triage_app.ui.main_window import MainWindow
    from triage_app.ui.tasks import SynchronousRunner

    assert isinstance(app, QApplication)
    load_stylesheet(app)
    import keyring

    from tests.support.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # decisions are signed: the key goes in a keyring
    work = Path(tempfile.mkdtemp(prefix="triage-shots-"))
    os.environ["TRIAGE_DATA_DIR"] = str(work)
    store = open_store(work / "demo.db", user="amira", create=True)
    make_demo_store(store, posts=args.posts, seed=1)
    window = MainWindow(
        store,
        work,
        runner=SynchronousRunner(),
        opener=lambda _pw: open_store(work / "demo.db", user="amira"),
    )
    if not only_main:
        window.resize(window.screen().availableGeometry().size())
    window.show()
    app.processEvents()
    # A few decisions so that tags and statuses show in the queue.
    window.apply_query(QueueQuery())
    for row, tag in (
        (1, "boat_crossing"),
        (2, "fake_documents"),
        (4, "not_relevant"),
        (6, "moved_to_messaging"),
    ):
        post_id = window.model.post_id(row)
        if post_id is not None:
            apply_tags(store, [post_id], add=[tag])
    window.model.refresh()
    with_media = {
        int(r[0]) for r in store.execute("SELECT DISTINCT post_id FROM media WHERE kind = 'photo'")
    }
    rtl_rows = [
        r
        for r in range(2000)
        if (row_data := window.model.row_data(r)) is not None
        and row_data.rtl
        and row_data.language in ("ar", "ckb", "fa")
    ]
    media_rows = [r for r in rtl_rows if window.model.post_id(r) in with_media]
    window.select_row((media_rows or rtl_rows or [0])[0])
    window.view.setFocus()
    window.pane_schedule.finish()
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / name))
    if only_main:
        window.close()
        print(f"screenshot written to {out / name}")
        return 0

    window.filter_bar.search.setText('"speedboat AND')
    window.filter_bar.search.returnPressed.emit()
    app.processEvents()
    window.grab().save(str(out / "main_window_search.png"))

    window.filter_bar.search.setText("speedbot")  # misspelt: no post has it
    window.filter_bar.search.returnPressed.emit()
    app.processEvents()
    label = window.filter_bar.search_error
    for _ in range(200):  # the suggestions come from the read worker
        if "href" in label.text():
            break
        app.processEvents()
    window.pane_schedule.finish()  # both panes show the empty list, as a moment later
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / "main_window_no_hits.png"))

    window.lock()
    app.processEvents()
    window.grab().save(str(out / "main_window_locked.png"))
    window.close()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
