"""Take the README's screenshots of the review window on the demo corpus, offscreen.

    python tests/ui/make_screenshots.py [--out docs/screenshots] [--posts 5000]

Writes main_window.png (the queue with an Arabic post in the preview), main_window_search.png
(a malformed search with its inline message) and main_window_locked.png (the lock screen)."""

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
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--posts", type=int, default=5000)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

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
    window.resize(1920, 1080)
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
    rtl_row = next(
        (
            r
            for r in range(200)
            if (row_data := window.model.row_data(r)) is not None
            and row_data.rtl
            and row_data.language in ("ar", "ckb")
        ),
        0,
    )
    window.select_row(rtl_row)
    window.view.setFocus()
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / "main_window.png"))

    window.filter_bar.search.setText('"speedboat AND')
    window.filter_bar.search.returnPressed.emit()
    app.processEvents()
    window.grab().save(str(out / "main_window_search.png"))

    window.lock()
    app.processEvents()
    window.grab().save(str(out / "main_window_locked.png"))
    window.close()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
