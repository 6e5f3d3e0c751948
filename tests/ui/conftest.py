"""Fixtures for the window tests (tests/ui): a demo-corpus store made once per session and
copied per test, and a factory for main windows on it (synchronous worker, dialogs captured)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DEMO_POSTS = 3000


# The keyring entries made with the template (alice's personal key, registered in it as its
# founder), put into each test's own keyring by demo_store.
_TEMPLATE_KEYRING: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain store with the lead's demo corpus (3,000 posts), made once, by alice with a
    keyring of its own (a session fixture runs outside every test's keyring)."""
    from tests.support.memory_keyring import keyring_for_setup
    from triage_app.commands.demo import make_demo_store
    from triage_app.store import open_store

    folder = tmp_path_factory.mktemp("demo-template")
    with keyring_for_setup() as backend:
        store = open_store(folder / "demo.db", user="alice", create=True)
        summary = make_demo_store(store, posts=DEMO_POSTS, seed=1)
        assert summary.error is None and summary.inserted == DEMO_POSTS
        store.close()
    _TEMPLATE_KEYRING.clear()
    _TEMPLATE_KEYRING.update(backend.secrets)
    return folder / "demo.db"


_PG_TEMPLATE_KEYRING: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="session")
def pg_demo_template(pg_server: Any) -> str:
    """The same demo corpus in a database of the session's PostgreSQL server (its name), made
    once for the tests that run on PostgreSQL (tests/support/backends.py)."""
    from tests.support.backends import PgStores, _database_name
    from tests.support.memory_keyring import keyring_for_setup
    from triage_app.commands.demo import make_demo_store
    from triage_app.store import open_store
    from triage_app.store.personal_keys import register_own_key_on_creation

    database = _database_name(pg_server.fresh_database())
    with keyring_for_setup() as backend:
        store = open_store(PgStores(pg_server).url(database, "alice"), create=True)
        register_own_key_on_creation(store, quiet=True)
        summary = make_demo_store(store, posts=DEMO_POSTS, seed=1)
        assert summary.error is None and summary.inserted == DEMO_POSTS
        store.close()
    _PG_TEMPLATE_KEYRING.clear()
    _PG_TEMPLATE_KEYRING.update(backend.secrets)
    return database


@pytest.fixture
def demo_store(
    demo_template: Path,
    tmp_path: Path,
    memory_keyring: Any,
    store_backend: str,
    request: pytest.FixtureRequest,
) -> Iterator[Any]:
    """A fresh copy of the demo store for this test, opened as alice (its supervisor, whose
    registered personal key is in the test's keyring, as on the machine that made it); on
    PostgreSQL a copy of the demo database, whose store path stands for it in the test."""
    from triage_app.store import open_store

    if store_backend == "postgresql":
        from tests.support.backends import PgStores, store_paths_open_databases

        template = request.getfixturevalue("pg_demo_template")
        memory_keyring.secrets.update(_PG_TEMPLATE_KEYRING)
        stores = PgStores(request.getfixturevalue("pg_server"), tmp_path)
        try:
            with store_paths_open_databases(stores):
                yield stores.copy_of(template, "store.db", "alice", open_store)
        finally:
            stores.close()
        return
    memory_keyring.secrets.update(_TEMPLATE_KEYRING)
    path = tmp_path / "store.db"
    shutil.copyfile(demo_template, path)
    store = open_store(path, user="alice")
    yield store
    try:
        store.close()
    except Exception:
        pass


@pytest.fixture
def team_store(pg_server: Any) -> Iterator[Any]:
    """A team server's store with a small demo corpus, every post new (the tests of "next
    post" and its claims in the window)."""
    from triage_app.commands.demo import make_demo_store
    from triage_app.store import open_store

    store = open_store(pg_server.fresh_database(), create=True)
    try:
        make_demo_store(store, posts=60, seed=1)
        store.execute("UPDATE posts SET status = 'new'")
        store.execute("DELETE FROM post_tags")
        yield store
    finally:
        store.close()


@pytest.fixture
def another_login(pg_server: Any, team_store: Any) -> Iterator[Callable[[str], Any]]:
    """another_login(name) -> team_store's database opened by a new analyst login of the
    server (a colleague; closed and dropped after the test)."""
    from tests.support.pg_logins import Logins
    from triage_app.store import open_store
    from triage_app.store.users import add_user

    logins = Logins(pg_server, team_store.url)
    opened: list[Any] = []

    def open_as(name: str) -> Any:
        address = logins.url_for(name)
        add_user(team_store, logins.login(name), "analyst")
        opened.append(open_store(address))
        return opened[-1]

    try:
        yield open_as
    finally:
        for store in opened:
            store.close()
        logins.drop()


@pytest.fixture(autouse=True)
def no_waiting_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text prompt (QInputDialog.getText: a passphrase asked for) fails the test at once:
    offscreen nobody answers it, and its modal loop would hang the whole run past any timeout."""
    from PySide6.QtWidgets import QInputDialog

    def refuse(_parent: Any, title: str, label: str, *_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError(f"a prompt would wait for an answer: {title}: {label}")

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(refuse))


@pytest.fixture
def problems(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Dialogs the window would have shown (plain problems and crash reports), in order."""
    from triage_app.ui import errors

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(errors, "show_problem", lambda _p, title, text: shown.append((title, text)))
    monkeypatch.setattr(errors, "show_crash", lambda _p, title, text: shown.append((title, text)))
    return shown


@pytest.fixture
def make_window(qtbot: Any, isolated_data_dir: Path, problems: list) -> Callable[..., Any]:
    """make_window(store, runner=None, **kw) -> a shown MainWindow (closed after the test)."""
    from triage_app.ui.main_window import MainWindow
    from triage_app.ui.tasks import SynchronousRunner

    def factory(store: Any, runner: Any = None, **kwargs: Any) -> Any:
        window = MainWindow(
            store, isolated_data_dir, runner=runner or SynchronousRunner(), **kwargs
        )
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        qtbot.waitUntil(lambda: not window.model.loading)
        # The status bar's total is counted on the worker: in before the test looks at the bar.
        qtbot.waitUntil(lambda: window.store is None or window._total is not None)
        return window

    return factory
