"""Measure the review window on a large store, offscreen (the figures of docs/window.md).

    python tests/ui/measure_window.py /tmp/1m.db --build --posts 1000000   # first time, ~1 min
    python tests/ui/measure_window.py /tmp/1m.db

The store is filled through SQL by tests/ui/fill.py (twelve texts in six languages, five
platforms) so that it takes a minute, not an hour. Prints: window open to first page painted;
a jump to a random far row and its repaint (median); a tag key to the decision committed and
the next row shown (p50/p99), each also with the preview and compare panes rendered; a
search's first page (p50/p95); and the peak memory of the process."""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

WORDS = [
    "passports",
    "boat",
    "italy",
    "whatsapp",
    "hawala",
    "sunset",
    "friend",
    '"half price"',
    "transfer",
    "harbour",
    "رحلة",
    "España",
    "bateau",
    "safely",
    "DM",
    "places",
    "residence",
    "delivery",
    "guaranteed",
    "testimonial",
]


def build(path: Path, posts: int) -> None:
    from tests.ui.fill import fill_posts
    from triage_app.store import open_store

    store = open_store(path, user="alice", create=True)
    step = 100_000
    for start in range(0, posts, step):
        fill_posts(store, min(step, posts - start), seed=start, start=start)
        print(f"{start + step:,} posts", file=sys.stderr)
    store.execute("ANALYZE")
    store.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def measure(path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from triage_app.store import open_store
    from triage_app.store.queue import QueueQuery
    from triage_app.ui.main_window import MainWindow
    from triage_app.ui.tasks import SynchronousRunner

    data = Path(tempfile.mkdtemp(prefix="triage-measure-"))
    store = open_store(path, user="alice")
    t0 = time.perf_counter()
    w = MainWindow(store, data, runner=SynchronousRunner())
    w.resize(1920, 1080)
    w.show()
    w.view.viewport().repaint()
    t1 = time.perf_counter()
    while w.model.loading:
        app.processEvents()
    app.processEvents()
    t2 = time.perf_counter()
    print(
        f"open -> first page painted: {(t1 - t0) * 1000:.0f} ms "
        f"(whole queue of {w.model.rowCount():,} and panes: {(t2 - t0) * 1000:.0f} ms)"
    )

    rng = random.Random(1)
    core: list[float] = []
    full: list[float] = []
    for _ in range(60):
        row = rng.randrange(w.model.rowCount())
        t = time.perf_counter()
        w.select_row(row)
        w.view.viewport().repaint()
        a = time.perf_counter()
        app.processEvents()
        core.append(a - t)
        full.append(time.perf_counter() - t)
    print(
        f"jump to a far row + repaint: median {pct(core, 0.5):.1f} ms "
        f"(with panes {pct(full, 0.5):.1f} ms)"
    )

    w.select_row(1000)
    app.processEvents()
    core, full = [], []
    for _ in range(200):
        t = time.perf_counter()
        w.tag_actions["boat_crossing"].trigger()
        w.view.viewport().repaint()
        a = time.perf_counter()
        app.processEvents()
        core.append(a - t)
        full.append(time.perf_counter() - t)
    print(
        f"tag key -> committed, next row shown: p50 {pct(core, 0.5):.1f} ms, p99 "
        f"{pct(core, 0.99):.1f} ms (with panes p50 {pct(full, 0.5):.1f}, p99 {pct(full, 0.99):.1f})"
    )

    times: list[float] = []
    for word in WORDS:
        t = time.perf_counter()
        w.apply_query(QueueQuery(status="new", search=word))
        w.view.viewport().repaint()
        times.append(time.perf_counter() - t)
        app.processEvents()
    print(f"search, first page: p50 {pct(times, 0.5):.1f} ms, p95 {pct(times, 0.95):.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB; load average {os.getloadavg()[0]:.1f}")
    w.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("store", type=Path)
    parser.add_argument("--build", action="store_true", help="make the store first")
    parser.add_argument("--posts", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.build:
        build(args.store, args.posts)
    measure(args.store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
