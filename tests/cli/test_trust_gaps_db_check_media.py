"""`triage db check` checks the evidence media too (issue 12): every file decrypts under the
store's evidence key and has the SHA-256 recorded at collection. A missing file, a damaged one
and one swapped for another post's (it decrypts, but is other evidence) are each named by post,
one line each, and the command exits 1; --json lists them, --progress shows the media check on
stderr. A real encrypted store, made and checked by the real command in subprocesses."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tests.conftest import run_cli
from tests.packs.helpers import PNG, write_corpus


def _env(tmp_path: Path) -> dict[str, str]:
    phrase = tmp_path / "pass.txt"
    phrase.write_text("a long field phrase\n")
    return {
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "TRIAGE_PASSPHRASE_FILE": str(phrase),
    }


def _ok(env: dict[str, str], *args: str) -> str:
    code, out, err = run_cli(*args, env=env)
    assert code == 0, f"triage {' '.join(args)} -> {code}: {err}"
    return out


def _evidence_file(data: Path, i: int) -> Path:
    """The stored copy of corpus post p<i>'s picture (named by its plain SHA-256)."""
    sha = hashlib.sha256(PNG + i.to_bytes(4, "big")).hexdigest()
    return data / "store.db.evidence" / sha[:2] / f"{sha}.png"


def test_db_check_names_every_post_whose_media_is_missing_or_altered(
    tmp_path: Path, isolated_data_dir: Path
) -> None:
    env = _env(tmp_path)
    data = isolated_data_dir
    _ok(env, "db", "create")
    _ok(env, "import", str(write_corpus(tmp_path / "corpus", n=6, media_every=2)))
    files = {i: _evidence_file(data, i) for i in (0, 2, 4)}
    assert all(
        f.is_file() and f.read_bytes().startswith(b"triage-evidence v1\n") for f in files.values()
    )

    code, out, err = run_cli("db", "check", "--progress", "--json", env=env)
    assert code == 0, err
    result = json.loads(out)
    assert result["ok"] is True and result["media"]["files"] == 3
    assert result["media"]["problems"] == []
    assert "checking media: 3/3 files" in err

    shutil.copyfile(files[0], tmp_path / "p0.sealed")
    files[0].unlink()  # missing
    damaged = bytearray(files[2].read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    files[2].write_bytes(bytes(damaged))  # does not authenticate
    shutil.copyfile(tmp_path / "p0.sealed", files[4])  # decrypts, but is p0's picture

    code, out, err = run_cli("db", "check", env=env)
    assert code == 1
    lines = [ln for ln in out.splitlines() if ln.startswith("post ")]
    assert len(lines) == 3, out
    by_post = {ln.split("(")[1].split(")")[0]: ln for ln in lines}
    assert "missing from the evidence folder" in by_post["facebook:p0"]
    assert "does not decrypt: it is damaged or was altered" in by_post["facebook:p2"]
    assert "does not match its recorded SHA-256" in by_post["facebook:p4"]
    assert "media: 3 files checked" in out and "3 problems" in out
    assert err.strip() == (
        "error: Evidence media of 3 posts are missing or damaged; restore the evidence folder "
        "from a backup"
    )
    assert "Traceback" not in err
