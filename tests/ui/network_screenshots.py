"""Take the network view's screenshots (docs/networks.md, README) on the demo corpus, offscreen.

    python tests/ui/network_screenshots.py [--out docs/screenshots] [--posts 8000]
        [--screen 1920x1080] [--scale 1.5]

The demo's largest network gets a history first: a third of its accounts referred in the middle
of its posts' time, some of those taken down and some still live (outcomes recorded as a
supervisor does), so that posts after the takedowns are marked returning. The window then opens
the network of a returning post with Ctrl+7, as an analyst would. Writes
network-view_<W>x<H>[_<scale>x].png, and at 1920x1080 without a scale also network-view.png and
network-view-list.png (the list of every network)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def give_history(store: object, account_ids: list[int]) -> None:
    """Refer a third of ``account_ids`` mid-way through their posts; take down half of those a
    week later and find two still live; then mark the posts that came back."""
    from triage_app.store.networks import recheck_returning
    from triage_app.store.outcomes import record_outcome

    times = sorted(
        int(r[0])
        for r in store.execute(  # type: ignore[attr-defined]
            "SELECT posted_at FROM posts WHERE posted_at IS NOT NULL AND account_id IN "
            f"({','.join(str(a) for a in account_ids)})"
        )
    )
    middle = dt.datetime.fromtimestamp(times[len(times) // 3], dt.UTC)
    referred = account_ids[::3]
    with store.transaction() as conn:  # type: ignore[attr-defined]
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('shots', 'telegram', '[]', ?, 'p.age', "
            "'amira', ?, ?)",
            ("0" * 64, middle.strftime("%Y-%m-%dT%H:%M:%SZ"), len(referred)),
        )
        for account in referred:
            conn.execute(
                "INSERT INTO referral_items SELECT ?, id, account_id FROM posts "
                "WHERE account_id = ? LIMIT 1",
                (cur.lastrowid, account),
            )
            conn.execute("UPDATE accounts SET referred = 1 WHERE id = ?", (account,))
    day = (middle + dt.timedelta(days=7)).date().isoformat()
    for i, account in enumerate(referred):
        if i % 4 in (0, 1):
            record_outcome(store, account, "taken-down", day)  # type: ignore[arg-type]
        elif i % 4 == 2:
            record_outcome(store, account, "still-live", day)  # type: ignore[arg-type]
    recheck_returning(store)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    from tests.ui.screen_probe import add_screen_options, use_screen

    add_screen_options(parser)
    parser.add_argument("--posts", type=int, default=8000)
    parser.add_argument("--store", default="", help="reuse this demo store (made if missing)")
    args = parser.parse_args()
    out = use_screen(args)
    os.environ["TRIAGE_PLAIN_STORE"] = "1"

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    import keyring

    from tests.support.memory_keyring import MemoryKeyring
    from triage_app.commands.demo import make_demo_store
    from triage_app.store import open_store
    from triage_app.store.networks import account_network, list_networks
    from triage_app.ui.actions import ActionId
    from triage_app.ui.app import load_stylesheet
    from triage_app.ui.main_window import MainWindow
    from triage_app.ui.network_view import NetworkView
    from triage_app.ui.tasks import SynchronousRunner

    load_stylesheet(app)
    keyring.set_keyring(MemoryKeyring())
    path = Path(args.store) if args.store else None
    work = path.parent if path else Path(tempfile.mkdtemp(prefix="triage-shots-"))
    os.environ["TRIAGE_DATA_DIR"] = str(work)
    path = path or work / "demo.db"
    fresh = not path.exists()
    store = open_store(path, user="amira", create=fresh)
    if fresh:
        make_demo_store(store, posts=args.posts, seed=1)
        largest = list_networks(store)[0]
        first = int(str(largest["id"]).lstrip("N"))
        give_history(store, [int(a["id"]) for a in account_network(store, first)["accounts"]])
    window = MainWindow(store, work, runner=SynchronousRunner())
    window.resize(window.screen().availableGeometry().size())
    window.show()
    app.processEvents()
    returning = store.scalar("SELECT post_id FROM returning_posts ORDER BY post_id LIMIT 1")
    row = window.model.row_of(int(returning)) if returning is not None else 0
    window.select_row(max(0, row))
    window.view.setFocus()
    window.actions_by_id[ActionId.NETWORK_VIEW].trigger()
    view = window.tabs.currentWidget()
    assert isinstance(view, NetworkView)
    for _ in range(5):
        app.processEvents()
    suffix = f"_{args.screen}" + (f"_{args.scale}x" if args.scale else "")
    window.grab().save(str(out / f"network-view{suffix}.png"))
    written = [f"network-view{suffix}.png"]
    if args.screen == "1920x1080" and not args.scale:
        window.grab().save(str(out / "network-view.png"))
        view.show_overview()
        app.processEvents()
        window.grab().save(str(out / "network-view-list.png"))
        written += ["network-view.png", "network-view-list.png"]
    window.close()
    print(f"written to {out}: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
