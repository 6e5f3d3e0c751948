"""Starting the window: `triage-app [--db PATH] [--data-dir DIR] [--demo]` (and `python main.py`).

Opens the store the normal way (keyring, or a passphrase asked for in a dialog), fills an empty
store with the demo corpus on the worker when --demo is given, and shows the main window."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QProgressDialog, QWidget

from ..core.errors import TriageError
from ..core.resources import resources_dir
from ..store.connection import Store
from ..store.opening import open_for_user
from ..store.paths import current_user, data_dir, default_store_path
from . import errors
from .tasks import TaskContext, TaskRunner

DEMO_POSTS = 5000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="triage-app", description="The triage workstation window")
    p.add_argument("--db", help="the store file (default: store.db in the data folder)")
    p.add_argument("--data-dir", help="folder for the store, settings and logs")
    p.add_argument(
        "--demo",
        action="store_true",
        help="fill an empty store with the synthetic demo corpus first",
    )
    p.add_argument("--demo-posts", type=int, default=DEMO_POSTS, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def needs_passphrase(exc: TriageError) -> bool:
    """Whether opening failed only for want of a passphrase (then we ask and retry)."""
    from ..store.keys import KeyringUnavailable, PassphraseNeeded

    return isinstance(exc, PassphraseNeeded | KeyringUnavailable) or "passphrase" in str(exc)


def ask_passphrase(message: str, parent: QWidget | None = None) -> str | None:
    text, ok = QInputDialog.getText(
        parent, "Store passphrase", message, QLineEdit.EchoMode.Password
    )
    return text if ok else None


def open_interactive(
    path: Path,
    data: Path,
    *,
    create: bool,
    ask: Callable[[str], str | None] = ask_passphrase,
    ask_new: Callable[[str], str | None] | None = None,
    passphrase: str | None = None,
) -> Store | None:
    """Open the store, asking for a passphrase as long as one is needed; None if declined.

    A new store's passphrase is asked twice with a strength meter (``ask_new``, by default
    the NewPassphraseDialog); an existing store's once (``ask``)."""
    from ..store.opening import store_exists
    from .wording import window_wording

    while True:
        try:
            return open_for_user(
                path, create=create, user=current_user(), data_dir=data, passphrase=passphrase
            )
        except TriageError as exc:
            if not needs_passphrase(exc):
                raise
            if create and not store_exists(path):
                if ask_new is None:
                    from .new_passphrase import ask_new_passphrase

                    ask_new = ask_new_passphrase
                answer = ask_new(window_wording(str(exc)))
                from .team_connect import TeamAddress, open_team_store

                if isinstance(answer, TeamAddress):  # the team's server instead of a new file
                    return open_team_store(
                        str(answer), data, password=answer.password, remember_for=current_user()
                    )
            else:
                answer = ask(f"{window_wording(str(exc))}\n\nPassphrase for {path.name}:")
            if answer is None:
                return None
            passphrase = answer


def ask_key_passphrase(message: str, parent: QWidget | None = None) -> str | None:
    text, ok = QInputDialog.getText(
        parent, "Personal key passphrase", message, QLineEdit.EchoMode.Password
    )
    return text if ok else None


def unlock_personal_key(
    store: Store, ask: Callable[[str], str | None] = ask_key_passphrase
) -> bool:
    """Make sure the person's signing key is at hand (store/personal_keys.py): from the OS
    keyring, else with TRIAGE_KEY_PASSPHRASE_FILE, else by asking for their passphrase. Declining
    keeps the window open for reading; a decision then says in one line what is missing."""
    import os

    from ..store.personal_keys import personal_key_for, set_key_passphrase
    from .wording import window_wording

    chosen = os.environ.get("TRIAGE_KEY_PASSPHRASE_FILE")
    if chosen:
        try:
            set_key_passphrase(store, Path(chosen).read_text(encoding="utf-8").rstrip("\r\n"))
        except OSError:
            pass
    while True:
        try:
            personal_key_for(store)
            return True
        except TriageError as exc:
            answer = ask(
                f"{window_wording(str(exc))}\n\nYour decisions are signed with your personal "
                "key. Passphrase that protects it (a new key is made and protected by it if "
                "you have none yet):"
            )
            if answer is None:
                return False
            set_key_passphrase(store, answer)


def fill_demo(store: Store, posts: int, runner: TaskRunner, parent: QWidget | None = None) -> Any:
    """Fill ``store`` with the demo corpus on the worker, with a cancellable progress dialog."""
    from ..commands.demo import make_demo_store

    def job(ctx: TaskContext) -> Any:
        own = store.reopen()
        try:
            return make_demo_store(
                own,
                posts=posts,
                seed=1,
                progress=lambda p: ctx.progress(p.records, p.rate),
                cancelled=ctx.cancelled,
            )
        finally:
            own.close()

    dialog = QProgressDialog("Making the demo corpus…", "Cancel", 0, posts, parent)
    dialog.setWindowTitle("Demo corpus")
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    # The dialog closes when the job says it is over, not when the count reaches the end.
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    task = runner.submit(job, "demo")
    # The worker's signals are queued: one may arrive after the dialog has gone (the job can
    # end before the last report is shown), and must then do nothing. A report after the end
    # would also re-open the dialog (QProgressDialog shows itself on setValue).
    open_ = [True]

    def show(values: tuple[Any, ...]) -> None:
        if open_[0]:
            dialog.setValue(min(posts, int(values[0])))
            dialog.setLabelText(
                f"Importing the demo corpus: {values[0]:,} posts ({values[1]:,.0f}/s)"
            )

    def over(_value: object) -> None:
        if open_[0]:
            open_[0] = False
            dialog.done(0)

    task.progressed.connect(show)
    task.finished.connect(over)
    task.failed.connect(over)
    dialog.canceled.connect(task.cancel)
    if not task.done:
        dialog.exec()
    while not task.done:  # cancelled: wait for the worker to roll the file back
        QApplication.processEvents()
    open_[0] = False
    dialog.hide()
    dialog.deleteLater()
    if task.error is not None:
        raise task.error
    return task.result


def load_stylesheet(app: QApplication) -> None:
    qss = resources_dir() / "app.qss"
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))


def start(argv: Sequence[str]) -> Any:
    """Everything up to the shown window: returns the MainWindow, or an exit status when the
    store could not be opened (or the passphrase prompt was declined)."""
    args = parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Triage workstation")
    app.setOrganizationName("triage-workstation")
    load_stylesheet(app)
    data = data_dir(args.data_dir)
    path = default_store_path(args.db, args.data_dir)
    from .main_window import MainWindow

    holder: dict[str, QWidget | None] = {"window": None}
    errors.install_excepthook(data, lambda: holder["window"])
    runner = TaskRunner()
    try:
        from .team_connect import chosen_server, open_team_store

        # --db / TRIAGE_DB naming a server, or the server this login chose at first start.
        server = chosen_server(args.db, data, current_user())
        if server is not None:
            store = open_team_store(server, data)
        elif first_start(args.db, path) and not args.demo:  # --demo: try it here, at once
            store = start_from_nothing(path, data)
        else:
            store = open_interactive(path, data, create=True)
        if store is None:
            return 1
        unlock_personal_key(store)
        if args.demo and not store.scalar("SELECT 1 FROM posts LIMIT 1"):
            summary = fill_demo(store, args.demo_posts, runner)
            if summary is not None and getattr(summary, "error", None):
                errors.show_problem(None, "Demo corpus", str(summary.error))
    except TriageError as exc:
        errors.show_problem(None, "Cannot open the store", str(exc))
        return 1
    window = MainWindow(store, data, runner=runner, opener=reopener(store, path, data))
    holder["window"] = window
    window.show()
    settle_memory()
    return window


def first_start(db: str | None, path: Path) -> bool:
    """No store named and none in the data folder yet: the window asks where to work."""
    import os

    from ..store.opening import store_exists

    return not (db or os.environ.get("TRIAGE_DB")) and not store_exists(path)


def start_from_nothing(path: Path, data: Path) -> Store | None:
    """The first-start dialog: a new store here (with a passphrase or the keyring alone) or
    the team's server (remembered for this login); None when cancelled."""
    from .new_passphrase import ask_first_start
    from .team_connect import TeamAddress, open_team_store

    answer = ask_first_start()
    if answer is None:
        return None
    if isinstance(answer, TeamAddress):
        return open_team_store(
            str(answer), data, password=answer.password, remember_for=current_user()
        )
    return open_interactive(path, data, create=True, passphrase=answer or None)


def reopener(store: Store, path: Path, data: Path) -> Callable[[str | None], Store]:
    """How the window opens its store again after locking: the file with its passphrase, or
    the same team server (whose login needs no store passphrase)."""
    url = getattr(store, "url", None)
    if store.backend == "postgresql" and url is not None:
        from ..store.pg.opening import open_pg_store

        return lambda _pw: open_pg_store(url, data_dir=data)
    return lambda pw: open_for_user(path, user=current_user(), data_dir=data, passphrase=pw)


def settle_memory() -> None:
    """Set aside what start-up made (Qt wrappers, the taxonomy, the first pages) so that the
    garbage collector's full passes no longer walk it: a full pass over it takes ~20 ms, long
    enough to hold up a key press now and then."""
    gc.collect()
    gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    """`triage-app` / `python main.py`: open the store, show the window, run until closed."""
    import os

    from ..core.fileio import PRIVATE_UMASK

    os.umask(PRIVATE_UMASK)  # every file 0600 and folder 0700 the window makes, whatever umask
    window = start(sys.argv[1:] if argv is None else argv)
    if isinstance(window, int):
        return window
    return int(QApplication.exec())


if __name__ == "__main__":
    sys.exit(main())
