"""Shared test set-up: offscreen Qt, an in-memory keyring, a network guard, store factories."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["TRIAGE_NO_NETWORK_CHECK"] = "1"
# OCR of pictures (store/ocr.py) is slow and the demo's pictures hold no text: off in tests
# except those of OCR itself (tests/store/test_ocr_pictures.py turns it back on).
os.environ.setdefault("TRIAGE_NO_OCR", "1")

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
AGE_TESTKIT = ROOT.parent / "shared" / "age-testkit"

from tests.support import network_guard  # noqa: E402

network_guard.install()

# Outside a test's own fixtures (collection, session- and module-scoped fixtures, every CLI child)
# there is no keyring and no real profile: keyring's fail backend, chosen by name rather than by
# keyring's search (which picks whichever test backend class happens to be imported, e.g. a
# MemoryKeyring or FileKeyring with priority 1, and so made one test's keys another's), and the
# XDG folders (profile: personal keys, store-founder pins) in a throw-away folder, never ~/.config.
_PROFILE = tempfile.mkdtemp(prefix="triage-tests-profile-")
atexit.register(shutil.rmtree, _PROFILE, True)
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = os.path.join(_PROFILE, _var.lower())
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
# Put back after every test as they were before it (restore_keyring_and_env).
GUARDED_ENV_PREFIXES = ("TRIAGE_", "XDG_", "PYTHON_KEYRING", "KEYRING", "HOME", "DBUS_")


def _no_keyring() -> None:
    import keyring
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())


_no_keyring()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A real PostgreSQL server on a Unix socket for this session (tests/support/pg_server.py);
    missing server binaries fail the test with what to install, never skip it."""
    from tests.support.pg_server import running_server

    try:
        server_cm = running_server()
        server = server_cm.__enter__()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server_cm.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def restore_keyring_and_env() -> Iterator[None]:
    """After every test: the environment variables that choose a keyring, a profile or a store
    (GUARDED_ENV_PREFIXES) as they were, no keyring, and no unwrapped personal key kept in memory,
    whatever the test (or a helper such as tests/faults/helpers.py: open_as_cli) set."""
    before = {k: v for k, v in os.environ.items() if k.startswith(GUARDED_ENV_PREFIXES)}
    yield
    for key in [k for k in os.environ if k.startswith(GUARDED_ENV_PREFIXES)]:
        if key not in before:
            del os.environ[key]
    os.environ.update(before)
    _no_keyring()
    from triage_app.store import personal_keys

    personal_keys._UNWRAPPED.clear()


@pytest.fixture(autouse=True)
def memory_keyring(restore_keyring_and_env: None) -> Iterator[object]:
    """Every test gets a fresh in-memory keyring (no daemon needed); no keyring after it."""
    import keyring

    from tests.support.memory_keyring import MemoryKeyring

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    _no_keyring()


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep each test's store, settings and logs in its own folder."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(data))
    monkeypatch.delenv("TRIAGE_DB", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return data


@pytest.fixture(autouse=True)
def acting_person() -> Iterator[str]:
    """In-process code acts as "alice" (tests/support/run_as.py substitutes current_user in this
    test process only; the shipped program has no switch). Subprocesses started with run_cli act
    as the real OS login; run_cli_as(user, ...) runs the CLI as a named person."""
    from tests.support.run_as import as_person

    with as_person("alice") as user:
        yield user


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default=None,
        choices=("default", "both", "sqlite", "postgresql"),
        help="store backends: sqlite (the default) leaves out the tests that need the "
        "PostgreSQL server; postgresql runs store tests on a server the tests start (add "
        "-m postgresql for only those); both runs each store test on both "
        "(also TRIAGE_TEST_BACKEND; tests/support/backends.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about the SQLite file itself (encryption, key, file modes); "
        "runs on SQLite only, listed in the summary",
    )
    config.addinivalue_line(
        "markers",
        "postgresql: needs the PostgreSQL server (set by the tests' conftest on a store "
        "test's PostgreSQL variant and on tests taking pg_server)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests that take a store (the ``store_backend`` fixture, through make_store) run once per
    chosen backend (tests/support/backends.py)."""
    if "store_backend" not in metafunc.fixturenames:
        return
    from tests.support import backends

    only = metafunc.definition.get_closest_marker(backends.SQLITE_ONLY) is not None
    chosen = backends.backends_for(metafunc.config, metafunc.definition.path, only)
    metafunc.parametrize("store_backend", chosen or [backends.SQLITE])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that needs the PostgreSQL server (a store test's PostgreSQL variant, or one
    that takes ``pg_server``) is marked ``postgresql``, so ``-m postgresql`` picks exactly them.
    Under --backend=sqlite (the default) they are left out; under --backend=postgresql the tests
    marked sqlite_only that take a store are. Both are counted in the summary. This runs before
    pytest's own -m/-k selection, which then sees the marker."""
    from tests.support import backends

    choice = backends.chosen(config)
    kept, no_server, sqlite_only = [], [], []
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        on_server = "pg_server" in fixtures or (
            callspec is not None and callspec.params.get("store_backend") == backends.POSTGRESQL
        )
        if on_server:
            item.add_marker(backends.POSTGRESQL)
        if on_server and choice == backends.SQLITE:
            no_server.append(item)
        elif (
            choice == backends.POSTGRESQL
            and item.get_closest_marker(backends.SQLITE_ONLY) is not None
            and "store_backend" in fixtures
        ):
            sqlite_only.append(item)
        else:
            kept.append(item)
    if no_server or sqlite_only:
        config.hook.pytest_deselected(items=no_server + sqlite_only)
        items[:] = kept
    config._triage_left_out = (len(no_server), len(sqlite_only))  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: object, config: pytest.Config) -> None:
    no_server, sqlite_only = getattr(config, "_triage_left_out", (0, 0))
    if no_server:
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"{no_server} PostgreSQL test(s) not run: pytest --backend=postgresql "
            "-m 'postgresql and not slow' runs them on a server the tests start"
        )
    if sqlite_only:
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"{sqlite_only} test(s) marked sqlite_only not run on PostgreSQL "
            "(pytest --backend=sqlite -m sqlite_only lists them)"
        )


@pytest.fixture
def store_backend() -> str:
    """The store backend of this test run ("sqlite" or "postgresql"; see pytest_generate_tests)."""
    return "sqlite"


@pytest.fixture
def make_store(
    tmp_path: Path, store_backend: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., object]]:
    """A factory of stores on tmp_path: make_store(name='store.db', user='alice'); on
    PostgreSQL a new database per name, whose store path stands for it in open_store and the
    CLI's --db for the length of the test (tests/support/backends.py)."""
    from triage_app.store import open_store

    if store_backend == "postgresql":
        from tests.support.backends import PgStores, store_paths_open_databases

        stores = PgStores(request.getfixturevalue("pg_server"), tmp_path)

        def pg_factory(name: str = "store.db", user: str = "alice", **kwargs: object) -> object:
            if kwargs:
                raise TypeError(f"make_store({', '.join(kwargs)}=...) is SQLite-only")
            return stores.make(name, user, open_store)

        try:
            with store_paths_open_databases(stores):
                yield pg_factory
        finally:
            stores.close()
        return

    opened = []

    def factory(name: str = "store.db", user: str = "alice", **kwargs: object) -> object:
        store = open_store(tmp_path / name, user=user, create=True, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield factory
    for store in opened:
        try:
            store.close()
        except Exception:
            pass


def _require_program(program: str, package: str) -> None:
    """A program the project's own tests need is a dependency, not an option: its absence
    fails the test with what to install (.ci/run and the README install it), never a skip."""
    if shutil.which(program) is None:
        pytest.fail(
            f"{program} is not installed: install the Debian package {package} "
            "(.ci/run and the README's package line have it)",
            pytrace=False,
        )


@pytest.fixture
def tesseract_installed() -> None:
    _require_program("tesseract", "tesseract-ocr")


@pytest.fixture
def age_installed() -> None:
    _require_program("age", "age")


@pytest.fixture
def minisign_installed() -> None:
    _require_program("minisign", "minisign")


@pytest.fixture
def realdata() -> Path:
    # The one skip of its kind, as the developers' guide asks: these samples are third-party
    # material kept outside the project (../shared), absent from a fresh clone by design.
    if not REALDATA.is_dir():
        pytest.skip(f"third-party sample exports (not the project's own) not found at {REALDATA}")
    return REALDATA


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `triage` in a subprocess (for exit codes, stderr, SIGKILL tests)."""
    import subprocess

    from tests.support.backends import child_arguments
    from tests.support.run_as import real_login

    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    args, full_env = child_arguments(args, full_env, real_login())  # PostgreSQL: its address
    proc = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=600,
    )
    return proc.returncode, proc.stdout, proc.stderr
