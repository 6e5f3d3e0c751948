"""Screenshots of the first-start dialog's "Connect to team server", offscreen, against a real
PostgreSQL server started for the purpose (tests/support/pg_server.py): the address of a store
typed in and Test connection pressed, so the one-line result shows.

    python tests/ui/team_connect_screenshots.py [--out docs/screenshots] [--screen 1280x720]
        [--scale 1.5] [--error]

Writes team-connect_<W>x<H>[_<scale>x].png (with --error: team-connect-refused_...png, a
plain-TCP address refused before connecting). The dialog is shown as it opens on that screen."""

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
    parser.add_argument("--error", action="store_true", help="a refused address instead")
    args = parser.parse_args()
    out = use_screen(args)
    stem = "team-connect-refused" if args.error else "team-connect"
    name = f"{stem}_{args.screen}" + (f"_{args.scale}x" if args.scale else "") + ".png"

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    import keyring

    from tests.support.memory_keyring import MemoryKeyring
    from tests.support.pg_server import running_server
    from triage_app.store.connection import open_store
    from triage_app.ui.app import load_stylesheet
    from triage_app.ui.new_passphrase import NewPassphraseDialog

    load_stylesheet(app)
    keyring.set_keyring(MemoryKeyring())
    os.environ["TRIAGE_DATA_DIR"] = tempfile.mkdtemp(prefix="triage-shots-")
    with running_server() as server:
        store = open_store(server.fresh_database(), create=True)
        url = store.url
        store.close()
        dialog = NewPassphraseDialog("", optional=True)
        dialog.setWindowTitle("First start")
        dialog.show()
        app.processEvents()
        dialog.team_choice.setChecked(True)
        if args.error:
            dialog.team.address.setText("postgresql://triage.example.org/triage")
        else:
            dialog.team.address.setText(url)
            dialog.team.test_connection()
        dialog.team.address.setFocus()
        for _ in range(5):
            app.processEvents()
        dialog.grab().save(str(out / name))
        dialog.close()
    print(f"screenshot written to {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
