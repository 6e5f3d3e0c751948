"""SIGKILL at random moments during an import, a burst of tagging, a pack build, and a sync
import and export, on SQLCipher stores. After every kill: integrity_check and
cipher_integrity_check are ok, the audit chain holds, every decision the child acknowledged
(printed after its commit) is stored, the import or merge is all or nothing, and no
half-written pack or export sits under its final name.

Short variants (3 kills each) always run; the long ones (30 kills each, a 100,000-post import)
are marked slow: `pytest -m slow tests/faults`. Kill moments come from a seeded generator so
a failure names a reproducible delay."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pyrage
import pytest
from pyrage import x25519

from tests.faults.helpers import (
    assert_sound,
    cli_env,
    open_as_cli,
    popen_cli,
    popen_python,
    run_cli,
    write_posts,
)

SHORT, LONG = 3, 30
SEED_POSTS = 50


def kill_after(proc: subprocess.Popen[Any], delay: float) -> bool:
    """SIGKILL ``proc`` after ``delay`` seconds; False when it had already finished."""
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def copy_folder(template: Path, target: Path) -> dict[str, str]:
    """A fresh copy of a template folder (store, key sidecar, keyring file) and its env."""
    shutil.copytree(template, target)
    return cli_env(target, encrypted=True)


# -- import ----------------------------------------------------------------------------------


def import_template(root: Path, posts: int) -> tuple[Path, Path, float]:
    """An encrypted store holding SEED_POSTS posts, a big export of ``posts`` more, and how
    long importing it takes when nothing stops it."""
    template = root / "template"
    env = cli_env(template, encrypted=True)
    seed = run_cli(
        ["import", str(write_posts(root / "seed.jsonl", SEED_POSTS)), "--no-enrich"], env
    )
    assert seed.code == 0, seed.err
    big = write_posts(root / "big.jsonl", posts, start=10_000_000)
    probe = copy_folder(template, root / "probe")
    started = time.monotonic()
    ran = run_cli(["import", str(big), "--no-enrich"], probe)
    assert ran.code == 0, ran.err
    return template, big, time.monotonic() - started


def index_names(store: Any) -> list[str]:
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'posts' "
            "ORDER BY name"
        )
    ]


def kill_imports(root: Path, posts: int, kills: int, seed: int) -> list[tuple[float, int]]:
    template, big, duration = import_template(root, posts)
    probe = open_as_cli(cli_env(template, encrypted=True))
    try:
        expected_indexes = index_names(probe)
    finally:
        probe.close()
    assert len(expected_indexes) >= 7
    rng = random.Random(seed)
    seen = []
    for n in range(kills):
        env = copy_folder(template, root / f"kill{n}")
        delay = rng.uniform(0.05, duration)
        proc = popen_cli(
            ["import", str(big), "--no-enrich"],
            env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kill_after(proc, delay)
        store = open_as_cli(env)
        try:
            assert_sound(store)
            count = store.scalar("SELECT count(*) FROM posts")
            assert count in (SEED_POSTS, SEED_POSTS + posts), (delay, count)
            imports = store.scalar("SELECT count(*) FROM imports")
            assert imports == (1 if count == SEED_POSTS else 2), (delay, imports)
            assert store.scalar("SELECT count(*) FROM post_raw") == count
            assert store.scalar("SELECT count(*) FROM posts_fts") == count
            # a big import into a small store drops the posts indexes until its end, in its
            # own transaction (ingest/bulk_load.py): a kill must leave every one of them
            assert index_names(store) == expected_indexes, (delay, index_names(store))
        finally:
            store.close()
        seen.append((delay, count))
        if count != SEED_POSTS or any(c == SEED_POSTS for _, c in seen[:-1]):
            shutil.rmtree(root / f"kill{n}")
            continue
        # The store is usable afterwards: the same import runs to the end (checked once).
        again = run_cli(["import", str(big), "--no-enrich"], env)
        assert again.code == 0, (delay, again.err)
        store = open_as_cli(env)
        try:
            assert store.scalar("SELECT count(*) FROM posts") == SEED_POSTS + posts
        finally:
            store.close()
        shutil.rmtree(root / f"kill{n}")
    return seen


def test_killed_import_is_all_or_nothing_short(tmp_path):
    # 60,000 posts (17 MB): read in a second process, indexes built at the end (issue 17)
    kill_imports(tmp_path, 60_000, SHORT, seed=1)


@pytest.mark.slow
def test_killed_import_is_all_or_nothing_long(tmp_path):
    outcomes = kill_imports(tmp_path, 100_000, LONG, seed=2)
    assert any(c == SEED_POSTS for _, c in outcomes), "no kill landed inside the import"


# -- tagging ---------------------------------------------------------------------------------

TAGGER = """
import os
import sys
from tests.faults.helpers import open_as_cli
from triage_app.store.decisions import apply_tags, toggle_tag
store = open_as_cli(dict(os.environ), user=sys.argv[1])
# FULL as the command line commits, NORMAL as the window's connection does (ui/wal_sync.py:
# the log's fsync after the key, on a thread): a kill must lose nothing either way
store.execute(f"PRAGMA synchronous = {sys.argv[4] if len(sys.argv) > 4 else 'FULL'}")
for n, post in enumerate(range(int(sys.argv[2]), int(sys.argv[3]))):
    if n % 5 == 4:
        toggle_tag(store, [post], "fake_documents")
        print(f"toggle {post}", flush=True)
    else:
        apply_tags(store, [post], add=["boat_crossing"], note=f"n{n}")
        print(f"tag {post}", flush=True)
store.close()
"""


def tagging_template(root: Path, posts: int) -> Path:
    template = root / "template"
    env = cli_env(template, encrypted=True)
    ran = run_cli(["import", str(write_posts(root / "seed.jsonl", posts)), "--no-enrich"], env)
    assert ran.code == 0, ran.err
    return template


def kill_tagging(
    root: Path, kills: int, seed: int, modes: tuple[str, ...], posts: int = 5000
) -> None:
    """``kills`` bursts, each killed at a random moment; their commits' sync ``modes`` in turn."""
    template = tagging_template(root, posts)
    rng = random.Random(seed)
    for n in range(kills):
        env = copy_folder(template, root / f"kill{n}")
        mode = modes[n % len(modes)]
        proc = popen_python(
            TAGGER,
            ["alice", "1", str(posts + 1), mode],
            env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first commit is through: start the clock
        assert first, proc.stderr.read() if proc.stderr else ""
        delay = rng.uniform(0.0, 1.5)
        assert kill_after(proc, delay), "the burst ended before the kill; tag more posts"
        acknowledged = [first, *proc.stdout.read().splitlines()]
        store = open_as_cli(env)
        try:
            assert_sound(store)
            for line in acknowledged:
                kind, post = line.split()
                if kind == "tag":
                    assert store.scalar(
                        "SELECT count(*) FROM post_tags WHERE post_id = ? AND tag = ?",
                        (int(post), "boat_crossing"),
                    ), f"acknowledged tag on post {post} is lost"
                    assert store.scalar("SELECT note FROM posts WHERE id = ?", (int(post),))
                else:
                    assert store.scalar(
                        "SELECT count(*) FROM decisions WHERE post_id = ? AND tag = ?",
                        (int(post), "fake_documents"),
                    ), f"acknowledged toggle on post {post} is lost"
            tagged = store.scalar("SELECT count(DISTINCT post_id) FROM post_tags")
            # At most the one batch in flight at the kill may be in the store unprinted.
            assert len(acknowledged) <= tagged <= len(acknowledged) + 1
            print(
                f"{mode}, killed after {delay:.2f}s: "
                f"{len(acknowledged)} acknowledged, {tagged} stored"
            )
        finally:
            store.close()
        shutil.rmtree(root / f"kill{n}")


def test_killed_tagging_keeps_every_acknowledged_decision_short(tmp_path):
    """The window's mode (NORMAL: no fsync in the COMMIT) is the one a kill could hurt, if any."""
    kill_tagging(tmp_path, SHORT, seed=3, modes=("NORMAL",))


@pytest.mark.slow
def test_killed_tagging_keeps_every_acknowledged_decision_long(tmp_path):
    kill_tagging(tmp_path, LONG, seed=4, modes=("FULL", "NORMAL"))


# -- pack build ------------------------------------------------------------------------------

PACK_POSTS = 600


@pytest.fixture(scope="module")
def pack_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An encrypted store with PACK_POSTS approved posts (half with an image), made once."""
    from tests.packs.helpers import approved_store

    root = tmp_path_factory.mktemp("pack-template")
    template = root / "template"
    env = cli_env(template, encrypted=True)
    created = run_cli(["db", "create"], env)
    assert created.code == 0, created.err
    saved = os.environ.get("TRIAGE_TEST_KEYRING_FILE")
    store = open_as_cli(env)
    try:
        approved_store(lambda: store, root, n=PACK_POSTS, media_every=2)
    finally:
        store.close()
        if saved is None:
            os.environ.pop("TRIAGE_TEST_KEYRING_FILE", None)
        else:
            os.environ["TRIAGE_TEST_KEYRING_FILE"] = saved
    return template


def build_args(recipient: str, pack: Path) -> list[str]:
    return ["pack", "build", "--platform", "facebook", "--recipient", recipient, "--out", str(pack)]


def kill_pack_builds(template: Path, root: Path, kills: int, seed: int) -> None:
    ident = x25519.Identity.generate()
    recipient = str(ident.to_public())
    probe = copy_folder(template, root / "probe")
    started = time.monotonic()
    ran = run_cli(build_args(recipient, root / "probe.age"), probe)
    assert ran.code == 0, ran.err
    duration = time.monotonic() - started
    rng = random.Random(seed)
    for n in range(kills):
        env = copy_folder(template, root / f"kill{n}")
        out = root / f"out{n}"
        out.mkdir()
        pack = out / "p.age"
        proc = popen_cli(
            build_args(recipient, pack), env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        delay = rng.uniform(0.05, duration)
        kill_after(proc, delay)
        store = open_as_cli(env)
        try:
            assert_sound(store)
            referrals = store.execute("SELECT pack_sha256 FROM referrals").fetchall()
            referred = store.scalar("SELECT count(*) FROM posts WHERE status = 'referred'")
        finally:
            store.close()
        if referrals:
            assert referred == PACK_POSTS and pack.is_file(), delay
            assert hashlib.sha256(pack.read_bytes()).hexdigest() == referrals[0][0]
        else:
            assert referred == 0, delay
        if pack.exists():
            pyrage.decrypt(pack.read_bytes(), [ident])  # whole and authentic, or not there
        finals = {p.name for p in out.iterdir() if not p.name.startswith(".")}
        assert finals <= {"p.age", "p.age.minisig"}, (delay, finals)
        if not referrals:  # a later build still works: nothing half-made is in its way
            for leftover in out.iterdir():
                if leftover.name.startswith("."):
                    assert leftover.name.endswith(".partial"), leftover
            again = run_cli(build_args(recipient, out / "again.age"), env)
            assert again.code == 0, (delay, again.err)
        shutil.rmtree(root / f"kill{n}")


def test_killed_pack_build_leaves_a_whole_pack_or_none_short(pack_template, tmp_path):
    kill_pack_builds(pack_template, tmp_path, SHORT, seed=5)


@pytest.mark.slow
def test_killed_pack_build_leaves_a_whole_pack_or_none_long(pack_template, tmp_path):
    kill_pack_builds(pack_template, tmp_path, LONG, seed=6)


# -- sync import and export ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sync_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    """A field store with tagged posts, its sync pack to HQ, and HQ's store (all encrypted).

    Returns (field folder, hq folder, pack, field's signer key file)."""
    root = tmp_path_factory.mktemp("sync-pair")
    field, hq = root / "field", root / "hq"
    fenv = cli_env(field, encrypted=True)
    henv = cli_env(hq, encrypted=True)
    assert (
        run_cli(["import", str(write_posts(root / "a.jsonl", 1500)), "--no-enrich"], fenv).code == 0
    )
    for post in (1, 2, 3):
        assert run_cli(["tag", str(post), "boat_crossing"], fenv).code == 0
    tagger = popen_python(TAGGER, ["alice", "4", "400"], fenv, stdout=subprocess.DEVNULL)
    assert tagger.wait() == 0
    # alice's personal key (which signs her decisions and is registered in both stores, since
    # she makes both) is one key in her keyring: HQ's keyring starts as a copy of hers.
    shutil.copy(field / "keyring.json", hq / "keyring.json")
    assert (
        run_cli(["import", str(write_posts(root / "b.jsonl", 100)), "--no-enrich"], henv).code == 0
    )
    hq_id = run_cli(["sync", "id"], henv)
    assert hq_id.code == 0, hq_id.err
    pack = root / "to-hq.age"
    exported = run_cli(
        ["sync", "export", "--recipient", hq_id.out.strip(), "--out", str(pack)], fenv
    )
    assert exported.code == 0, exported.err
    signer = root / "field.pub"
    assert run_cli(["keys", "export-public", "--out", str(signer)], fenv).code == 0
    return field, hq, pack, signer


def kill_sync_imports(pair: tuple[Path, Path, Path, Path], root: Path, kills: int, seed: int):
    _field, hq, pack, signer = pair
    args = ["sync", "import", str(pack), "--signer", str(signer)]
    probe = copy_folder(hq, root / "probe")
    started = time.monotonic()
    ran = run_cli(args, probe)
    assert ran.code == 0, ran.err
    duration = time.monotonic() - started
    store = open_as_cli(probe)
    try:
        merged = (
            store.scalar("SELECT count(*) FROM posts"),
            store.scalar("SELECT count(*) FROM decisions"),
        )
    finally:
        store.close()
    env0 = cli_env(hq, encrypted=True)
    store = open_as_cli(env0)
    try:
        before = (
            store.scalar("SELECT count(*) FROM posts"),
            store.scalar("SELECT count(*) FROM decisions"),
        )
    finally:
        store.close()
    assert merged != before
    rng = random.Random(seed)
    for n in range(kills):
        env = copy_folder(hq, root / f"kill{n}")
        proc = popen_cli(args, env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.05, duration)
        kill_after(proc, delay)
        store = open_as_cli(env)
        try:
            assert_sound(store)
            now = (
                store.scalar("SELECT count(*) FROM posts"),
                store.scalar("SELECT count(*) FROM decisions"),
            )
            done = store.scalar("SELECT count(*) FROM sync_imports")
            assert now in (before, merged), (delay, now)
            assert bool(done) == (now == merged), (delay, done)
        finally:
            store.close()
        again = run_cli(args, env)  # after a kill the same pack merges, or says it already did
        assert again.code == 0, (delay, again.err)
        store = open_as_cli(env)
        try:
            assert (
                store.scalar("SELECT count(*) FROM posts"),
                store.scalar("SELECT count(*) FROM decisions"),
            ) == merged
        finally:
            store.close()
        shutil.rmtree(root / f"kill{n}")


def test_killed_sync_import_merges_all_or_nothing_short(sync_pair, tmp_path):
    kill_sync_imports(sync_pair, tmp_path, SHORT, seed=7)


@pytest.mark.slow
def test_killed_sync_import_merges_all_or_nothing_long(sync_pair, tmp_path):
    kill_sync_imports(sync_pair, tmp_path, LONG, seed=8)


def kill_sync_exports(pair: tuple[Path, Path, Path, Path], root: Path, kills: int, seed: int):
    field, hq, _pack, signer = pair
    recipient = run_cli(["sync", "id"], cli_env(hq, encrypted=True)).out.strip()
    rng = random.Random(seed)
    for n in range(kills):
        env = copy_folder(field, root / f"kill{n}")
        out = root / f"out{n}"
        out.mkdir()
        target = out / "again.age"
        args = ["sync", "export", "--all", "--recipient", recipient, "--out", str(target)]
        proc = popen_cli(args, env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_after(proc, rng.uniform(0.05, 1.5))
        store = open_as_cli(env)
        try:
            assert_sound(store)
        finally:
            store.close()
        finals = {p.name for p in out.iterdir() if not p.name.startswith(".")}
        assert finals <= {"again.age", "again.age.minisig"}, finals
        if target.exists():  # whole: its signature verifies and HQ can merge it
            hq_env = copy_folder(hq, root / f"hq{n}")
            ran = run_cli(["sync", "import", str(target), "--signer", str(signer)], hq_env)
            assert ran.code == 0, ran.err
            shutil.rmtree(root / f"hq{n}")
        shutil.rmtree(root / f"kill{n}")


def test_killed_sync_export_leaves_a_whole_pack_or_none_short(sync_pair, tmp_path):
    kill_sync_exports(sync_pair, tmp_path, SHORT, seed=9)


@pytest.mark.slow
def test_killed_sync_export_leaves_a_whole_pack_or_none_long(sync_pair, tmp_path):
    kill_sync_exports(sync_pair, tmp_path, LONG, seed=10)
