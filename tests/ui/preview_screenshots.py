"""Make the documentation screenshots of the preview and compare panes from the sample posts.

Run from the repository root: ``QT_QPA_PLATFORM=offscreen python -m tests.ui.preview_screenshots``
(writes docs/screenshots/preview_arabic.png and docs/screenshots/compare_pane.png)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        os.environ["TRIAGE_DATA_DIR"] = str(Path(tmp) / "data")
        from PySide6.QtWidgets import QApplication

        from tests.ui.post_samples import import_samples
        from triage_app.store import open_store
        from triage_app.ui.compare_pane import ComparePane
        from triage_app.ui.preview_pane import PreviewPane

        app = QApplication.instance() or QApplication(sys.argv)
        store = open_store(Path(tmp) / "store.db", user="alice", create=True)
        ids = import_samples(store, Path(tmp) / "export")
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)

        preview = PreviewPane(store)
        preview.resize(640, 860)
        preview.show_post(ids["fb-1"])
        preview.media.tiles[0].set_revealed(True)  # one revealed, one still concealed
        preview.show()
        app.processEvents()
        preview.grab().save(str(out / "preview_arabic.png"))

        compare = ComparePane(store)
        compare.resize(760, 640)
        compare.set_current(ids["fb-1"])
        compare.show()
        app.processEvents()
        compare.grab().save(str(out / "compare_pane.png"))
        store.close()
    print(f"wrote {out / 'preview_arabic.png'} and {out / 'compare_pane.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
