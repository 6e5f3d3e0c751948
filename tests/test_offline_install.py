"""The offline install of docs/security.md works: a wheelhouse made on a connected machine
(`pip download`), then `pip install --no-index --find-links` with no network at all (inside
`unshare -rn`), and the installed `triage` command runs from an unrelated folder."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.store.keys_helpers import write_posts

UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"


def _run(
    args: list[str], *, offline: bool, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [UNSHARE, "-rn", *args] if offline else args
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=900, env=env or dict(os.environ), cwd=cwd
    )
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


def _connected_step(wheelhouse: Path, *requirements: str) -> None:
    """What the connected machine does: fill the wheelhouse from the package index."""
    _run(
        [sys.executable, "-m", "pip", "download", "-q", "-d", str(wheelhouse), *requirements],
        offline=False,
    )


def _offline_install(tmp_path: Path, wheelhouse: Path, *, system_site: bool) -> Path:
    """What the workstation does, with no network: build and install from the wheelhouse."""
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            "--no-deps",
            "-w",
            str(wheelhouse),
            str(ROOT),
        ],
        offline=True,
    )
    venv = tmp_path / "venv"
    _run(
        [
            sys.executable,
            "-m",
            "venv",
            *(["--system-site-packages"] if system_site else []),
            str(venv),
        ],
        offline=True,
    )
    if system_site:
        _see_the_running_environment(venv)
    _run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            # The program itself always goes into the venv, even where the system already has
            # it (CI installs it editable there, which pip would count as "already satisfied");
            # with the system's packages visible, its dependencies come from there.
            "--ignore-installed",
            *(["--no-deps"] if system_site else []),
            "triage-app",
        ],
        offline=True,
    )
    return venv


def _see_the_running_environment(venv: Path) -> None:
    """Let the new venv see the packages of the environment running the tests, as
    --system-site-packages does for the base interpreter's. `python -m venv` always builds on the
    base interpreter, so when the tests themselves run in a venv (dependencies installed there,
    not in the base), --system-site-packages alone would hide them. A .pth file adds the running
    environment's site folders after the new venv's own (the program installed into it still
    comes first)."""
    folders = [*site.getsitepackages()]
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        folders.append(site.getusersitepackages())
    (own,) = (venv / "lib").glob("python3*/site-packages")
    lines = [f"import site; site.addsitedir({folder!r})" for folder in folders]
    (own / "zz_running_environment.pth").write_text("\n".join(lines) + "\n")


def _use_installed(tmp_path: Path, venv: Path) -> None:
    """The installed command works offline from a folder far from the source tree."""
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        TRIAGE_DATA_DIR=str(tmp_path / "usb"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.pop("PYTHONPATH", None)
    (tmp_path / "pass").write_text("stick passphrase\n")
    env["TRIAGE_PASSPHRASE_FILE"] = str(tmp_path / "pass")
    triage = str(venv / "bin" / "triage")
    posts = write_posts(tmp_path / "posts.jsonl", 5)
    _run([triage, "db", "create"], offline=True, env=env, cwd=away)
    _run([triage, "import", str(posts)], offline=True, env=env, cwd=away)
    out = _run([triage, "queue", "--json"], offline=True, env=env, cwd=away).stdout
    assert "Crossing to UK" in out
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import triage_app; print(triage_app.__file__)"],
        offline=True,
        env=env,
        cwd=away,
    ).stdout
    assert str(venv) in where  # the installed copy ran, not the source tree


def test_offline_install_of_the_program_from_a_wheelhouse(tmp_path: Path) -> None:
    """The program's own wheel and its build tools from the wheelhouse; the (large) runtime
    dependencies come from the system here (the slow test below carries them too)."""
    wheelhouse = tmp_path / "wheelhouse"
    _connected_step(wheelhouse, "setuptools>=68", "wheel")
    venv = _offline_install(tmp_path, wheelhouse, system_site=True)
    _use_installed(tmp_path, venv)


@pytest.mark.slow
def test_offline_install_with_every_dependency_in_the_wheelhouse(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    _connected_step(wheelhouse, "setuptools>=68", "wheel", str(ROOT))
    venv = _offline_install(tmp_path, wheelhouse, system_site=False)
    _use_installed(tmp_path, venv)
