"""End to end through the `triage` command and the real tools a platform liaison would use:
import → tag → approve → `triage pack build` → `minisign -Vm`, `age -d`, `unzip`,
`sha256sum -c`, and `triage pack open`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.packs.helpers import identity, write_corpus
from tests.support.run_as import run_cli_as

APPROVED = [1, 2, 3, 5]  # store ids approved; 4 and 6 stay tagged and must not be referred


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        "TRIAGE_DB": str(tmp_path / "store.db"),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }


def cli(env: dict[str, str], *args: str) -> str:
    code, out, err = run_cli(*args, env=env)
    assert code == 0, f"triage {' '.join(args)} -> {code}: {err}"
    return out


def make_prepared(tmp_path: Path, env: dict[str, str]) -> None:
    corpus = write_corpus(tmp_path / "corpus", n=6)
    cli(env, "import", str(corpus))  # the real OS login makes the store: its supervisor
    key = str(Path(env["TRIAGE_DB"]).parent / "ana.pub")
    code, _, err = run_cli_as("ana", "keys", "export-personal", "--out", key, env=env)
    assert code == 0, err
    cli(env, "users", "add", "ana", "--role", "analyst", "--key", key)
    for post in range(1, 7):  # four eyes: an analyst tags, the supervisor approves
        tag = "boat_crossing" if post % 2 else "fake_documents"
        code, _, err = run_cli_as("ana", "tag", str(post), tag, env=env)
        assert code == 0, err
    for post in APPROVED:
        cli(env, "review", str(post), "approve")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make_prepared's store (thirteen CLI runs), made once for the module: the store, its
    evidence, its key sidecar and the keyring file holding the store key and both people's keys."""
    folder = tmp_path_factory.mktemp("prepared")
    make_prepared(folder, {
        "TRIAGE_DB": str(folder / "store.db"),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(folder / "keyring.json"),
    })  # fmt: skip
    return folder


def prepare(tmp_path: Path, env: dict[str, str], template: Path) -> None:
    """A copy of the prepared store where ``env`` (this test's) looks for it."""
    assert Path(env["TRIAGE_DB"]).parent == tmp_path
    for path in template.iterdir():
        if path.name.startswith("store.db") or path.name in ("keyring.json", "ana.pub"):
            copy = shutil.copytree if path.is_dir() else shutil.copy2
            copy(path, tmp_path / path.name)


def run(
    *cmd: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def age_with_tty(args: str, answers: str) -> subprocess.CompletedProcess:
    """age reads passphrases only from a terminal: give it one with script(1)."""
    return run("script", "-qec", args, "/dev/null", stdin=answers)


def check_contents(folder: Path) -> dict:
    sums = run("sha256sum", "-c", "--strict", "SHA256SUMS", cwd=folder)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert on_disk - listed == {"SHA256SUMS"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(p["post_id"] for p in manifest["posts"]) == [f"p{i - 1}" for i in APPROVED]
    # p0, p1, p2, p4 belong to accounts a0, a1, a2, a1
    assert sorted(a["account_id"] for a in manifest["accounts"]) == ["a0", "a1", "a2"]
    assert manifest["counts"]["posts"] == 4 and manifest["counts"]["accounts"] == 3
    assert manifest["counts"]["media_files"] == 3  # p0, p2 and p4 carry an image
    for required in (
        "referral.html",
        "accounts.csv",
        "posts.csv",
        "posts.jsonl",
        "custody.jsonl",
        "evidence/p0/raw.json",
        "evidence/p0/media/01-boat0.png",
    ):
        assert (folder / required).is_file(), required
    html = (folder / "referral.html").read_text()
    assert 'dir="auto"' in html and "<script>" not in html and "&lt;script&gt;" in html
    assert "transparency.meta.com" in html  # the platform's policy reference
    return manifest


def test_pack_to_recipients_opens_with_minisign_age_unzip_and_sha256sum(
    tmp_path, cli_env, prepared
):
    prepare(tmp_path, cli_env, prepared)
    id1, pub1 = identity(tmp_path, "liaison1.txt")
    id2, pub2 = identity(tmp_path, "liaison2.txt")
    cli(cli_env, "recipients", "add", "meta-liaison", pub1, "--platform", "facebook")
    assert "meta-liaison" in cli(cli_env, "recipients", "list")
    out = tmp_path / "out"
    out.mkdir()
    result = json.loads(
        cli(
            cli_env,
            "pack",
            "build",
            "--platform",
            "facebook",
            "--recipient",
            "meta-liaison",
            "--recipient",
            pub2,
            "--out",
            str(out / "referral.age"),
            "--json",
        )
    )
    assert result["posts"] == 4 and result["accounts"] == 3
    assert sorted(p.name for p in out.iterdir()) == ["referral.age", "referral.age.minisig"]
    cli(cli_env, "keys", "export-public", "--out", str(tmp_path / "signer.pub"))

    verified = run("minisign", "-Vm", str(out / "referral.age"), "-p", str(tmp_path / "signer.pub"))
    assert verified.returncode == 0, verified.stderr
    for ident in (id1, id2):
        plain = tmp_path / f"{ident.stem}.zip"
        dec = run("age", "-d", "-i", str(ident), "-o", str(plain), str(out / "referral.age"))
        assert dec.returncode == 0, dec.stderr
    unzipped = tmp_path / "unzipped"
    assert run("unzip", "-q", str(tmp_path / "liaison1.zip"), "-d", str(unzipped)).returncode == 0
    manifest = check_contents(unzipped)
    assert manifest["pack_id"] == result["pack_id"]

    opened = tmp_path / "opened"
    cli(
        cli_env,
        "pack",
        "open",
        str(out / "referral.age"),
        "--signer",
        str(tmp_path / "signer.pub"),
        "--identity",
        str(id2),
        "--out",
        str(opened),
    )
    check_contents(opened)

    status = json.loads(cli(cli_env, "queue", "--status", "referred", "--json"))
    assert len(status if isinstance(status, list) else status["posts"]) == 4
    still = json.loads(cli(cli_env, "queue", "--status", "tagged", "--json"))
    assert len(still if isinstance(still, list) else still["posts"]) == 2
    cli(cli_env, "audit", "verify")
    # Everything approved is referred now: a second pack has nothing to send.
    code, _, err = run_cli(
        "pack",
        "build",
        "--platform",
        "facebook",
        "--recipient",
        pub1,
        "--out",
        str(out / "again.age"),
        env=cli_env,
    )
    assert code == 1 and "No approved posts" in err and not (out / "again.age").exists()


def test_pack_with_a_passphrase_opens_with_the_real_age(tmp_path, cli_env, prepared):
    prepare(tmp_path, cli_env, prepared)
    secret = tmp_path / "pack-passphrase.txt"
    secret.write_text("correct horse battery staple\n")
    pack = tmp_path / "referral.age"
    cli(
        cli_env,
        "pack",
        "build",
        "--platform",
        "facebook",
        "--pack-passphrase-file",
        str(secret),
        "--out",
        str(pack),
    )
    cli(cli_env, "keys", "export-public", "--out", str(tmp_path / "signer.pub"))
    assert run("minisign", "-Vm", str(pack), "-p", str(tmp_path / "signer.pub")).returncode == 0
    plain = tmp_path / "plain.zip"
    dec = age_with_tty(f"age -d -o {plain} {pack}", "correct horse battery staple\n")
    assert dec.returncode == 0 and plain.is_file(), dec.stdout
    unzipped = tmp_path / "unzipped"
    assert run("unzip", "-q", str(plain), "-d", str(unzipped)).returncode == 0
    check_contents(unzipped)

    opened = tmp_path / "opened"
    cli(
        cli_env,
        "pack",
        "open",
        str(pack),
        "--signer",
        str(tmp_path / "signer.pub"),
        "--pack-passphrase-file",
        str(secret),
        "--out",
        str(opened),
    )
    check_contents(opened)


def test_demo_store_to_pack_to_the_real_tools(tmp_path, cli_env):
    """The demo corpus (many languages, right-to-left text, media) → tag → approve → pack."""
    cli(cli_env, "demo", "--posts", "300")
    listed = json.loads(cli(cli_env, "queue", "--platform", "telegram", "--limit", "4", "--json"))
    ids = [str(p["id"]) for p in listed["posts"]]
    assert len(ids) == 4
    # A one-person team: the real OS login tags and approves, with self-approval switched on.
    code, _, err = run_cli("review", ids[0], "approve", env=cli_env)
    assert code == 1 and "no offence tag" in err
    cli(cli_env, "tag", ids[0], "boat_crossing")
    code, _, err = run_cli("review", ids[0], "approve", env=cli_env)
    assert code == 1 and "Four eyes" in err and "self-approval on" in err, err
    cli(cli_env, "settings", "self-approval", "on")
    for post in ids:
        cli(cli_env, "tag", post, "boat_crossing")
        cli(cli_env, "review", post, "approve")
    id_file, pub = identity(tmp_path)
    pack = tmp_path / "telegram.age"
    result = json.loads(
        cli(
            cli_env,
            "pack",
            "build",
            "--platform",
            "telegram",
            "--recipient",
            pub,
            "--out",
            str(pack),
            "--json",
        )
    )
    assert result["posts"] == 4
    cli(cli_env, "keys", "export-public", "--out", str(tmp_path / "signer.pub"))
    assert run("minisign", "-Vm", str(pack), "-p", str(tmp_path / "signer.pub")).returncode == 0
    plain = tmp_path / "telegram.zip"
    assert run("age", "-d", "-i", str(id_file), "-o", str(plain), str(pack)).returncode == 0
    folder = tmp_path / "telegram"
    assert run("unzip", "-q", str(plain), "-d", str(folder)).returncode == 0
    assert run("sha256sum", "-c", "--strict", "SHA256SUMS", cwd=folder).returncode == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len({p["post_uuid"] for p in manifest["posts"]}) == 4
    assert manifest["platform"] == "telegram"
    html = (folder / "referral.html").read_text(encoding="utf-8")
    assert "Referral to Telegram" in html and 'dir="auto"' in html
    # Every post says it was self-approved, in the page and in the chain of custody.
    assert html.count("self-approved:") == 4
    custody = [json.loads(line) for line in (folder / "custody.jsonl").read_text().splitlines()]
    marked = [r for r in custody if r["type"] == "self_approval"]
    assert len(marked) == 4 and all(r["self_approved"] for r in marked)
