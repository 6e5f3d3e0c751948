"""Acting as a named person in tests, without any switch in the shipped program.

The program's person is the OS login (`triage_app.store.paths.current_user`). Tests that need
alice, bob and a supervisor on one OS account substitute that function in the test's own process:

- `run_cli_as(user, *args, env=None)` runs the CLI in a subprocess through the test-only launcher
  `python -m tests.support.as_person USER -- ARGS` and returns (rc, stdout, stderr).
- `as_person(user)` is a context manager for in-process code (`substitute_person` without the
  restore); conftest's autouse fixture uses it so in-process tests act as "alice" by default.
- `real_login()` is the name the real program uses (the OS account running the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_ORIGINAL: Callable[[], str] | None = None


def real_login() -> str:
    """The OS login the shipped program acts as (whatever a test substituted in-process)."""
    from triage_app.store import paths

    return (_ORIGINAL or paths.current_user)()


def _replace_everywhere(new: Callable[[], str]) -> Callable[[], str]:
    """Put ``new`` in place of current_user in paths and in every triage_app module that imported
    it by name; returns the function that was there before."""
    global _ORIGINAL
    from triage_app.store import paths

    before = paths.current_user
    if _ORIGINAL is None:
        _ORIGINAL = before
    for name, module in list(sys.modules.items()):
        if (name == "triage_app" or name.startswith("triage_app.")) and getattr(
            module, "current_user", None
        ) is before:
            module.current_user = new  # type: ignore[attr-defined]
    paths.current_user = new  # type: ignore[assignment]
    return before


def substitute_person(user: str) -> None:
    """From now on this process acts as ``user`` (for the launcher; no restore)."""

    def current_user() -> str:
        return user

    _replace_everywhere(current_user)


@contextmanager
def as_person(user: str) -> Iterator[str]:
    """Act as ``user`` in this process for the duration of the block."""

    def current_user() -> str:
        return user

    before = _replace_everywhere(current_user)
    try:
        yield user
    finally:
        _replace_everywhere(before)


def launcher_command(user: str, *args: str) -> list[str]:
    """argv that runs `triage ARGS` as ``user`` (cwd must be the project root)."""
    return [sys.executable, "-m", "tests.support.as_person", user, "--", *args]


def run_cli_as(
    user: str, *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> tuple[int, str, str]:
    """Run `triage ARGS` in a subprocess acting as ``user``: (exit code, stdout, stderr)."""
    from tests.support.backends import child_arguments

    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    args, full_env = child_arguments(args, full_env, user)  # a PostgreSQL store: its address
    proc = subprocess.run(
        launcher_command(user, *args),
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout, proc.stderr


def personal_public_key(name: str) -> str | None:
    """``name``'s personal public signing key (made on first use in the test's keyring), for a
    supervisor to register; None where this tree has no personal keys."""
    try:
        from triage_app.store.personal_keys import load_personal_key
    except ImportError:
        return None
    return load_personal_key(name).public_text()


@contextmanager
def colleague(store: Any, name: str, role: str = "analyst") -> Iterator[Any]:
    """The same store file opened by another person (added with ``role`` by ``store``'s user
    when not yet a user), for tests where someone else tags what a supervisor approves."""
    from triage_app.store.connection import open_store
    from triage_app.store.users import add_user

    if store.role_of(name) is None:
        add_user(store, name, role, public_key=personal_public_key(name))
    other = open_store(store.path, user=name, key=store.key)
    try:
        yield other
    finally:
        other.close()


def tag_as(store: Any, name: str, post_ids: Any, tags: Any, role: str = "analyst") -> str:
    """Tag ``post_ids`` with ``tags`` as colleague ``name`` (an analyst unless said)."""
    from triage_app.store.decisions import apply_tags

    with colleague(store, name, role) as other:
        return apply_tags(other, list(post_ids), add=list(tags))
