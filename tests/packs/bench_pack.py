"""Pack build figures for the benchmark (issue 7): build time of a pack with media, and the
peak memory of the process that builds a big one.

    python -m tests.packs.bench_pack --posts 10000 --media-every 2
    python -m tests.packs.bench_pack --posts 100000 --media-every 10

The store is filled through the real importer, tagged and approved through the real decisions;
the build then runs in a fresh process (so its peak RSS is the build's own) with the signing key
in a file-backed test keyring."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGE_BYTES = 40_000  # a typical compressed phone screenshot is 40-200 KB


def fill_store(folder: Path, posts: int, media_every: int) -> Path:
    from tests.support.run_as import tag_as
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store import open_store
    from triage_app.store.decisions import review

    media = folder / "media"
    media.mkdir(parents=True)
    export = folder / "export.jsonl"
    with open(export, "w", encoding="utf-8") as out:
        for i in range(posts):
            names = []
            if media_every and i % media_every == 0:
                name = f"media/img{i}.jpg"
                (folder / name).write_bytes(b"\xff\xd8\xff" + os.urandom(IMAGE_BYTES))
                names.append(name)
            out.write(
                json.dumps(
                    {
                        "platform": "facebook",
                        "post_id": f"p{i}",
                        "url": f"https://fb.example/p{i}",
                        "created_at": "2025-03-01T10:00:00Z",
                        "text": f"Boat to Italy {i}, 2000 euro, call +44 7700 9{i % 100000:05d} "
                        "رحلة آمنة إلى أوروبا",
                        "author_id": f"a{i % 997}",
                        "author_handle": f"agent{i % 997}",
                        "author_name": "Agent",
                        "language": "en",
                        "media": names,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    db = folder / "store.db"
    store = open_store(db, user="alice", create=True)
    import_paths(store, [export])
    ids = [r[0] for r in store.execute("SELECT id FROM posts")]
    tag_as(store, "dana", ids, ["boat_crossing"])  # four eyes: an analyst tags
    review(store, ids, "approve")
    store.close()
    return db


BUILD = """
import json, sys, time, resource
from pyrage import x25519
from triage_app.store import open_store
from triage_app.packs.build import build_referral_pack
store = open_store(sys.argv[1], user="alice")
start = time.perf_counter()
cpu = time.process_time()
result = build_referral_pack(store, "facebook", sys.argv[2],
                             recipients=[str(x25519.Identity.generate().to_public())])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "cpu_seconds": time.process_time() - cpu,
                  "posts": result.posts, "media_files": result.media_files,
                  "pack_bytes": result.size,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(posts: int, media_every: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="pack-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        db = fill_store(folder, posts, media_every)
        setup = time.perf_counter() - t0
        env = dict(os.environ)
        env.update(
            {
                "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
                "TRIAGE_TEST_KEYRING_FILE": str(folder / "keyring.json"),
            }
        )
        proc = subprocess.run(
            [sys.executable, "-c", BUILD, str(db), str(folder / "p.age")],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(proc.stderr)
        figures = json.loads(proc.stdout)
        figures["setup_seconds"] = round(setup, 1)
        figures["media_every"] = media_every
        figures["load_average"] = os.getloadavg()[0]
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--media-every", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(measure(args.posts, args.media_every), indent=2))


if __name__ == "__main__":
    main()
