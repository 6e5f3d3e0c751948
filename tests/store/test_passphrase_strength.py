"""New store passphrases are checked for strength (issue 12): zxcvbn's estimate, at least 8
characters and score 3, with the estimator's advice in the message; an empty passphrase file
has its own message (it read as "keyring not available"). Real CLI processes without a keyring;
the library refuses too, leaving no store and no key behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.store.keys_helpers import write_posts
from triage_app.store.opening import open_for_user
from triage_app.store.strength import MIN_SCORE, WeakPassphrase, estimate

FAIL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
STRONG = "heron quilt mango 1987 lantern"


def pass_file(tmp_path: Path, text: str, name: str = "pass.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_empty_passphrase_file_has_its_own_message(tmp_path, isolated_data_dir):
    for text in ("", "\n"):
        empty = pass_file(tmp_path, text)
        code, out, err = run_cli("--passphrase-file", str(empty), "db", "create", env=FAIL_KEYRING)
        assert code == 1 and err.count("\n") == 1, err
        assert f"The passphrase file {empty} is empty" in err
        assert "keyring" not in err
        assert list(isolated_data_dir.iterdir()) == []


@pytest.mark.parametrize(
    "weak, words",
    [
        ("a", "too short: 1 character, at least 8"),
        ("1234567", "too short: 7 characters"),
        ("password1", "This is a very common password"),
        ("12345678", "too easy to guess"),
        ("qwertyuiop", "too easy to guess"),
        ("triagestore", "too easy to guess"),  # the program's own words count against it
    ],
)
def test_a_weak_new_store_passphrase_is_refused_with_advice(
    tmp_path, isolated_data_dir, weak, words
):
    code, out, err = run_cli(
        "--passphrase-file",
        str(pass_file(tmp_path, weak + "\n")),
        "db",
        "create",
        env=FAIL_KEYRING,
    )
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    assert words in err, err
    assert list(isolated_data_dir.iterdir()) == []  # no store, no key file


def test_a_strong_passphrase_creates_and_a_weak_one_cannot_rekey(tmp_path, isolated_data_dir):
    strong = pass_file(tmp_path, STRONG + "\n")
    env = {**FAIL_KEYRING, "TRIAGE_PASSPHRASE_FILE": str(strong)}
    code, out, err = run_cli("db", "create", env=env)
    assert code == 0, err
    assert "key held by passphrase" in out
    code, out, err = run_cli("import", str(write_posts(tmp_path / "p.jsonl", 3)), env=env)
    assert code == 0, err
    before = (isolated_data_dir / "store.db.keyinfo.json").read_bytes()
    weak = pass_file(tmp_path, "letmein\n", "weak.txt")
    code, out, err = run_cli("db", "rekey", "--new-passphrase-file", str(weak), env=env)
    assert code == 1 and "too short" in err and err.count("\n") == 1, err
    assert (isolated_data_dir / "store.db.keyinfo.json").read_bytes() == before
    code, out, err = run_cli("db", "check", env=env)  # still opens with the old passphrase
    assert code == 0, err


def test_the_library_refuses_and_leaves_nothing(tmp_path):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    folder = tmp_path / "lib"
    folder.mkdir()
    path = folder / "store.db"
    with pytest.raises(WeakPassphrase, match="too easy to guess"):
        open_for_user(path, create=True, passphrase="passwordpassword")
    assert sorted(p.name for p in folder.iterdir()) == []
    store = open_for_user(path, create=True, passphrase=STRONG)
    store.close()


def test_the_estimate():
    assert estimate("").score == 0 and estimate("").problem() == "The passphrase is empty"
    assert estimate(STRONG).score >= MIN_SCORE and estimate(STRONG).problem() is None
    long_weak = "a" * 500
    assert estimate(long_weak).problem() is not None  # length alone is not strength
