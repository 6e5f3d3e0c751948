"""Make the documentation screenshots of the supervisor view and the statistics view from a
demo store with two years of history.

Run from the repository root:
``QT_QPA_PLATFORM=offscreen python -m tests.ui.supervision_screenshots``
(writes docs/screenshots/supervisor_view.png, stats_view.png and blind_review.png)."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        os.environ["TRIAGE_DATA_DIR"] = str(Path(tmp) / "data")
        import keyring  # personal signing keys need a keyring: an in-memory one, as in tests

        from tests.support.memory_keyring import MemoryKeyring

        keyring.set_keyring(MemoryKeyring())
        from PySide6.QtWidgets import QApplication

        from triage_app.commands.demo import make_demo_store
        from triage_app.store import open_store
        from triage_app.store.blind_review import analyst_tags
        from triage_app.store.decisions import apply_tags
        from triage_app.store.demo_history import OFFENCE_TAGS, seed_history
        from triage_app.ui.blind_review_view import BlindReviewView
        from triage_app.ui.stats_view import StatsView
        from triage_app.ui.supervisor_view import SupervisorView

        app = QApplication.instance() or QApplication(sys.argv)
        store = open_store(Path(tmp) / "store.db", user="alice", create=True)
        make_demo_store(store, posts=1500, seed=1)
        seed_history(store, seed=1, awaiting_review=20)
        # Analysts tag some of the demo corpus, so the queue shows its texts and clusters.
        rng = random.Random(1)
        new = [r[0] for r in store.execute("SELECT id FROM posts WHERE status = 'new' ORDER BY id")]
        ids = rng.sample(new, 60)
        for name in ("bob", "carol"):
            analyst = open_store(store.path, user=name)
            for post_id in ids[: 30] if name == "bob" else ids[30:]:
                apply_tags(analyst, [post_id], add=[rng.choice(OFFENCE_TAGS)])
            analyst.close()
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)

        review = SupervisorView(store)
        review.resize(1400, 860)
        review.show()
        review.select_posts([review.model.rows[1].post_id])
        app.processEvents()
        review.grab().save(str(out / "supervisor_view.png"))

        stats = StatsView(store)
        stats.resize(1500, 1320)
        stats.show()
        app.processEvents()
        stats.grab().save(str(out / "stats_view.png"))

        # Blind review: alice re-tags a sample of bob's posts without seeing his tags; she
        # agrees on most, and the disagreements are listed under the agreement figures.
        blind = BlindReviewView(store)
        blind.resize(1400, 860)
        blind.show()
        blind.analyst.setCurrentText("bob")
        blind.reviewer.setCurrentText("alice")
        blind.sample_size.setValue(12)
        blind.sample()
        for n in range(8):
            item = blind.current()
            if item is None:
                break
            first = sorted(analyst_tags(store, "bob", [item.post_id]).get(item.post_id, set()))
            blind.choose(first if n % 3 else [OFFENCE_TAGS[n % len(OFFENCE_TAGS)]])
            blind.answer()
        app.processEvents()
        blind.grab().save(str(out / "blind_review.png"))
        store.close()
    print(f"wrote supervisor_view.png, stats_view.png and blind_review.png in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
