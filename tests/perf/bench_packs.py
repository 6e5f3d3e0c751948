"""Referral pack figures (issue 7): a 10,000-post pack with media built, encrypted and signed in
<= 5 s, and a 100,000-post pack with peak memory <= 300 MB. Uses tests/packs/bench_pack.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _test_keyring(folder: Path) -> None:
    """Signing keys in a file-backed test keyring (this machine has no OS keyring), for this
    process and the build process it starts, as bench_encryption.py does."""
    import keyring

    from tests.store.file_keyring import FileKeyring

    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.store.file_keyring.FileKeyring"
    os.environ["TRIAGE_TEST_KEYRING_FILE"] = str(folder / "pack-keyring.json")
    keyring.set_keyring(FileKeyring())


def measure_packs(b: Any) -> None:
    from tests.packs.bench_pack import measure

    _test_keyring(Path(b.out))

    small: dict[str, Any] = measure(10_000, 2)
    b.add(
        "pack of 10,000 posts (with media): build+encrypt+sign",
        small["seconds"],
        "s",
        "<= 5",
        small["seconds"] <= 5,
        f"{small['media_files']} media, {small['pack_bytes'] / 2**20:.0f} MB, "
        f"cpu {small['cpu_seconds']:.1f} s",
    )
    big: dict[str, Any] = measure(100_000, 20)
    b.add(
        "pack of 100,000 posts: peak memory",
        big["peak_rss_mb"],
        "MB",
        "<= 300",
        big["peak_rss_mb"] <= 300,
        f"{big['seconds']:.0f} s, {big['media_files']} media",
    )


# In a child: 100,000 posts of the store's largest platform tagged by an analyst (dana) and
# approved by the store's founder (a supervisor), as four eyes ask. Not timed: set-up.
APPROVE = r"""
import getpass, json, sys
from pathlib import Path
from tests.support.run_as import tag_as
from triage_app.store import open_store
from triage_app.store.decisions import review
from triage_app.store.personal_keys import set_key_passphrase
store = open_store(sys.argv[1], user=getpass.getuser())
set_key_passphrase(store, Path(sys.argv[2]).read_text(encoding="utf-8").rstrip("\r\n"))
platform = store.scalar(
    "SELECT platform FROM posts GROUP BY platform ORDER BY count(*) DESC LIMIT 1")
ids = [r[0] for r in store.execute(
    "SELECT id FROM posts WHERE platform = ? AND status = 'new' ORDER BY id LIMIT ?",
    (platform, int(sys.argv[3])))]
tag_as(store, "dana", ids, ["boat_crossing"])
review(store, ids, "approve")
print(json.dumps({"platform": platform, "posts": len(ids)}))
"""

# In a fresh child, so that its peak is the build's own: the pack of every approved post of
# the platform, from the big store.
BUILD_FROM_STORE = r"""
import getpass, json, resource, sys, time
from pathlib import Path
from pyrage import x25519
from triage_app.packs.build import build_referral_pack
from triage_app.store import open_store
from triage_app.store.personal_keys import set_key_passphrase
store = open_store(sys.argv[1], user=getpass.getuser())
set_key_passphrase(store, Path(sys.argv[2]).read_text(encoding="utf-8").rstrip("\r\n"))
start, cpu = time.perf_counter(), time.process_time()
result = build_referral_pack(store, sys.argv[3], sys.argv[4],
                             recipients=[str(x25519.Identity.generate().to_public())])
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "posts": result.posts, "bytes": result.size,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

PACK_POSTS = 100_000


def measure_pack_from_store(b: Any) -> None:
    """Issue 17: a 100,000-post pack built from the benchmark's own (10M) store, peak <= 300 MB.
    The ``packs`` figures above build from a store of the pack's own size."""
    import json
    import sys

    from bench import run_child  # type: ignore[import-not-found]

    store = b.context.get("store_plain")
    if not store:
        raise RuntimeError("run the import measurement first (it makes the store)")
    data = Path(str(store)).parent / "window-data"
    passphrase = data / "key-passphrase"
    if not passphrase.exists():
        raise RuntimeError("run the window measurement first (it makes the signing keys)")
    _test_keyring(Path(b.out))
    env = {"TRIAGE_PLAIN_STORE": "1", "TRIAGE_DATA_DIR": str(data)}
    n = min(PACK_POSTS, b.posts // 2)
    _, _, out = run_child(
        [sys.executable, "-c", APPROVE, str(store), str(passphrase), str(n)], env=env, timeout=3600
    )
    chosen = json.loads(out.strip().splitlines()[-1])
    pack = Path(str(store)).parent / "bench-from-store.age"
    signature = pack.with_name(pack.name + ".minisig")
    signature.unlink(missing_ok=True)  # a run's pack is removed, its signature was left
    _, _, out = run_child(
        [sys.executable, "-c", BUILD_FROM_STORE, str(store), str(passphrase)]
        + [chosen["platform"], str(pack)],
        env=env,
        timeout=3600,
    )
    r = json.loads(out.strip().splitlines()[-1])
    pack.unlink(missing_ok=True)
    signature.unlink(missing_ok=True)
    b.add(
        f"pack of {r['posts']:,} approved posts from this store: peak memory",
        r["peak_mb"],
        "MB",
        "<= 300",
        r["peak_mb"] <= 300,
        f"{r['seconds']:.1f} s (cpu {r['cpu']:.1f} s), {r['bytes'] / 2**20:.0f} MB, "
        f"{chosen['platform']}",
    )


MEASUREMENTS = {"packs": measure_packs, "packs_store": measure_pack_from_store}
