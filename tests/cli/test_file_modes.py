"""Files 0600, folders 0700 whatever the umask (issue 12): real `triage` processes started with
umask 000 create a store (plain and encrypted), import with media, tag, approve, build and open
a referral pack, export and import a sync pack and fill a demo store; then every file the
program made (data folders and outputs) is 0600 and every folder 0700. The library does the same
when called from Python with umask 000."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.packs.helpers import identity, write_corpus
from tests.support.run_as import launcher_command


def _env(tmp_path: Path, data: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TRIAGE_DATA_DIR=str(tmp_path / data),
        PYTHON_KEYRING_BACKEND="tests.store.file_keyring.FileKeyring",
        TRIAGE_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
    )
    env.pop("TRIAGE_PLAIN_STORE", None)
    return env


def cli(tmp_path: Path, *args: str, data: str = "data", user: str | None = None, **extra: str):
    """`triage ARGS` in a real process started with umask 000."""
    command = (
        launcher_command(user, *args) if user else [sys.executable, "-m", "triage_app.cli", *args]
    )
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**_env(tmp_path, data), **extra},
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=lambda: os.umask(0),
    )
    assert result.returncode == 0, f"triage {' '.join(args)}: {result.stderr}"
    return result


def wrong_modes(*roots: Path) -> list[str]:
    """Every file not 0600 and every folder not 0700 under ``roots`` (roots included)."""
    bad = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for path in [Path(folder)] + [Path(folder) / f for f in files]:
                st = path.lstat()
                want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
                if stat.S_IMODE(st.st_mode) != want:
                    bad.append(f"{oct(stat.S_IMODE(st.st_mode))} {path}")
    return bad


def test_every_file_0600_every_folder_0700_with_umask_000(tmp_path):
    out = tmp_path / "out"  # the person's own output folder (made by the test, not checked)
    out.mkdir()
    corpus = write_corpus(tmp_path / "corpus", n=6)
    pw = tmp_path / "store.pass"
    pw.write_text("correct horse battery staple 42\n")
    cli(tmp_path, "--passphrase-file", str(pw), "db", "create")
    cli(tmp_path, "import", str(corpus))
    cli(tmp_path, "users", "add", "ana", "--role", "analyst")
    cli(tmp_path, "tag", "1", "boat_crossing", user="ana")  # four eyes: an analyst tags
    cli(tmp_path, "tag", "3", "fake_documents", "--note", "seen before", user="ana")
    cli(tmp_path, "review", "1", "approve")
    cli(tmp_path, "review", "3", "approve")
    ident, pub = identity(tmp_path)
    cli(
        tmp_path,
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        pub,
        "--out",
        str(out / "referral.age"),
    )
    cli(tmp_path, "keys", "export-public", "--out", str(out / "signer.pub"))
    cli(
        tmp_path,
        "pack",
        "open",
        str(out / "referral.age"),
        "--signer",
        str(out / "signer.pub"),
        "--identity",
        str(ident),
        "--out",
        str(out / "opened"),
    )
    # a second laptop receives the work through a sync pack
    cli(tmp_path, "db", "create", "--plain", data="peer")
    cli(tmp_path, "keys", "export-personal", "--out", str(tmp_path / "ana.pub"), user="ana")
    cli(
        tmp_path,
        "users",
        "add",
        "ana",
        "--role",
        "analyst",
        "--key",
        str(tmp_path / "ana.pub"),
        data="peer",
    )
    peer = cli(tmp_path, "sync", "id", data="peer").stdout.strip()
    cli(tmp_path, "sync", "export", "--recipient", peer, "--out", str(out / "sync.age"))
    cli(
        tmp_path,
        "sync",
        "import",
        str(out / "sync.age"),
        "--signer",
        str(out / "signer.pub"),
        data="peer",
    )
    cli(tmp_path, "demo", "--posts", "40", data="demo", TRIAGE_PLAIN_STORE="1")

    data, peer_data, demo = tmp_path / "data", tmp_path / "peer", tmp_path / "demo"
    assert (data / "store.db").is_file() and (demo / "store.db").is_file()
    assert any((data / "store.db.evidence").rglob("*")), "no evidence was stored"
    made_outputs = [p for p in out.iterdir()]
    assert {p.name for p in made_outputs} >= {
        "referral.age",
        "referral.age.minisig",
        "signer.pub",
        "opened",
        "sync.age",
        "sync.age.minisig",
    }
    bad = wrong_modes(data, peer_data, demo, *made_outputs)
    assert not bad, "\n".join(bad)


def test_a_plain_store_is_private_too(tmp_path):
    """A plain store made with --plain (it was 0644, or 0666 with umask 000)."""
    cli(tmp_path, "db", "create", "--plain", data="plain")
    assert not wrong_modes(tmp_path / "plain")
    assert stat.S_IMODE((tmp_path / "plain" / "store.db").stat().st_mode) == 0o600


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_the_library_sets_modes_itself(tmp_path, encrypted):
    """Code that calls the library from Python (scripts, tests) with umask 000."""
    from triage_app.store.opening import open_for_user
    from triage_app.store.paths import data_dir

    old = os.umask(0)
    try:
        data = data_dir(tmp_path / "lib" / "data")
        store = open_for_user(
            data / "store.db",
            create=True,
            data_dir=data,
            passphrase="correct horse battery staple 42",
            encrypted=encrypted,
        )
        store.execute("SELECT count(*) FROM posts")
        store.close()
    finally:
        os.umask(old)
    assert not wrong_modes(tmp_path / "lib")
