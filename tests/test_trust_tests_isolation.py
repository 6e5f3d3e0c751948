"""No test leaves a keyring, a keyring file or a profile behind it (issue 12 follow-up).

Before, keyring's own search chose the process-wide backend among every backend class imported
so far, so a test MemoryKeyring or FileKeyring (priority 1) became the keyring of every
session- and module-scoped fixture, which then registered one person's key in a template that
the next test, with its own keyring, could not use; a test that pointed TRIAGE_TEST_KEYRING_FILE
at its keyring file left it set; and fixtures outside a test wrote into the real ~/.config.
The order of the tests in this file matters (pytest keeps it): a test leaks, the next checks."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import keyring.backends.fail
import platformdirs
import pytest

from tests.store.file_keyring import FileKeyring  # noqa: F401 - imported before any search
from tests.support.memory_keyring import MemoryKeyring  # noqa: F401 - as in the suite
from triage_app.store.personal_keys import load_personal_key

REAL_PROFILE = Path("~/.config").expanduser()


@pytest.fixture(scope="module")
def outside_a_test() -> tuple[object, str]:
    """What a module-scoped fixture meets: the keyring in force and the profile folder."""
    return keyring.get_keyring(), platformdirs.user_config_dir("triage-workstation")


def test_a_module_fixture_meets_no_keyring_and_no_real_profile(outside_a_test) -> None:
    backend, profile = outside_a_test
    assert isinstance(backend, keyring.backends.fail.Keyring)
    assert not Path(profile).is_relative_to(REAL_PROFILE)
    assert not Path(profile).is_relative_to(Path.home() / ".local")


def test_a_test_leaves_a_file_keyring_and_a_key_behind(tmp_path: Path) -> None:
    # What tests/faults/helpers.py: open_as_cli does, without undoing it.
    os.environ["TRIAGE_TEST_KEYRING_FILE"] = str(tmp_path / "keyring.json")
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.store.file_keyring.FileKeyring"
    keyring.set_keyring(FileKeyring())
    assert load_personal_key("alice").source == "keyring"  # alice's key now in that file


def test_the_next_test_starts_from_its_own_empty_keyring(memory_keyring) -> None:
    assert "TRIAGE_TEST_KEYRING_FILE" not in os.environ
    assert os.environ["PYTHON_KEYRING_BACKEND"] == "keyring.backends.fail.Keyring"
    assert keyring.get_keyring() is memory_keyring and memory_keyring.secrets == {}
    with pytest.raises(Exception, match="no personal signing key"):
        load_personal_key("alice", create=False)

