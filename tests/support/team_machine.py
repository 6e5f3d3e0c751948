"""One machine, three people: a supervisor and two analysts, each a real OS account (made with
useradd), each the server login of the same name through peer authentication on the local
socket (``local all all peer`` in pg_hba.conf), working one queue held by a PostgreSQL server
from the command line. The issue's "done when" as a procedure that runs (docs/team-server.md
"People and roles" describes it for people).

Needs root (useradd, runuser). Run it on its own with ``python -m tests.support.team_machine``
(it prints the audit trail), or through the slow test in tests/store/test_pg_roles.py.

Why the bind mount: the program's Python may live where other accounts cannot reach it (a
pyenv under /root, mode 0700). Each command then runs in a private mount namespace where that
Python is bound at a folder everyone may enter; a Python installed for everyone (/usr, /opt)
is used as it is."""

from __future__ import annotations

import os
import pwd
import shutil
import site
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PEER_HBA = "# tests/support/team_machine.py: every login is the OS account of the same name\n"
PEER_HBA += "local all all peer\n"


@dataclass
class Person:
    login: str
    role: str
    home: Path


@dataclass
class Machine:
    """The OS accounts made here and how to run the program as each of them."""

    socket_dir: Path
    db: str
    people: dict[str, Person] = field(default_factory=dict)
    mount: Path | None = None
    owner_home: Path | None = None
    shots: Path | None = None  # where to keep each window's screenshot (homes are removed)

    @property
    def url(self) -> str:
        """The address every person uses: no user name in it, so libpq sends the OS login's."""
        return f"postgresql:///{self.db}?host={self.socket_dir}"

    def run(self, login: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        """``triage --db URL ARGS`` as the OS account ``login`` (runuser), in their home."""
        return self.run_python(login, "-m", "triage_app.cli", "--db", self.url, *args, stdin=stdin)

    def run_python(
        self, login: str, *python_args: str, stdin: str | None = None
    ) -> tuple[int, str, str]:
        """The program's Python with ``python_args`` as the OS account ``login``."""
        person = self.people[login]
        prefix = Path(sys.prefix)
        python = Path(sys.executable)
        paths = [str(ROOT), *site.getsitepackages()]
        libraries = ""
        if self.mount is not None:
            # The interpreter's own libpython, not the system's (its RPATH names the old place).
            libraries = str(self.mount / "lib")
            python = self.mount / python.relative_to(prefix)
            paths = [str(ROOT)] + [
                str(self.mount / Path(p).relative_to(prefix))
                for p in site.getsitepackages()
                if Path(p).is_relative_to(prefix)
            ]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(person.home),
            "LANG": "C.UTF-8",
            "PYTHONPATH": os.pathsep.join(paths),
            "TRIAGE_DATA_DIR": str(person.home / "triage-data"),
            "TRIAGE_KEY_PASSPHRASE_FILE": str(person.home / "key-passphrase"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "XDG_CONFIG_HOME": str(person.home / ".config"),
            "XDG_DATA_HOME": str(person.home / ".local/share"),
            "QT_QPA_PLATFORM": "offscreen",
            "TRIAGE_NO_OCR": "1",
        }
        if libraries:
            env["LD_LIBRARY_PATH"] = libraries
        command = [
            "runuser",
            "-u",
            login,
            "--",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in env.items()),
            str(python),
            *python_args,
        ]
        if self.mount is not None:
            bind = f'mount --bind {prefix} {self.mount} && exec "$@"'
            command = ["unshare", "--mount", "--", "sh", "-c", bind, "sh", *command]
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            cwd=str(person.home),
            timeout=300,
        )
        return done.returncode, done.stdout, done.stderr


def _reachable_by_others(path: Path) -> bool:
    """Whether every folder above ``path`` lets other accounts through."""
    for folder in [path, *path.parents]:
        if folder.exists() and not os.stat(folder).st_mode & 0o001:
            return False
    return True


@contextmanager
def os_accounts(roles: dict[str, str], socket_dir: Path, db: str) -> Iterator[Machine]:
    """OS accounts ``t<role letters><suffix>`` for each wanted name -> role, removed (with
    their homes) at the end; their personal keys are protected by a passphrase file each."""
    if os.geteuid() != 0:
        raise PermissionError("making OS accounts needs root (useradd, runuser)")
    suffix = uuid.uuid4().hex[:6]
    machine = Machine(socket_dir, db)
    machine.owner_home = Path(tempfile.mkdtemp(prefix="triage-owner-"))
    (machine.owner_home / "key-passphrase").write_text("the owner's key passphrase\n")
    mount_dir: Path | None = None
    if not _reachable_by_others(Path(sys.prefix)):
        mount_dir = Path(tempfile.mkdtemp(prefix="triage-py-", dir="/tmp"))
        os.chmod(mount_dir, 0o755)
        machine.mount = mount_dir
    try:
        for name, role in roles.items():
            login = f"{name}{suffix}"
            subprocess.run(
                ["useradd", "--create-home", "--shell", "/bin/sh", login],
                check=True,
                capture_output=True,
                text=True,
            )
            entry = pwd.getpwnam(login)
            home = Path(entry.pw_dir)
            secret = home / "key-passphrase"
            secret.write_text(f"the personal key passphrase of {login}\n", encoding="utf-8")
            os.chown(secret, entry.pw_uid, entry.pw_gid)
            os.chmod(secret, 0o600)
            machine.people[login] = Person(login, role, home)
        yield machine
    finally:
        for login in machine.people:
            subprocess.run(["pkill", "-KILL", "-u", login], capture_output=True)
            subprocess.run(["userdel", "--remove", login], capture_output=True)
        if mount_dir is not None:
            shutil.rmtree(mount_dir, ignore_errors=True)
        shutil.rmtree(machine.owner_home, ignore_errors=True)


def main() -> int:
    """The whole procedure on a server of its own; prints the audit trail (``--shots DIR``
    keeps the windows' screenshots)."""
    from tests.support.pg_server import running_server

    shots = Path(sys.argv[sys.argv.index("--shots") + 1]) if "--shots" in sys.argv else None

    with running_server(hba=PEER_HBA) as server:
        url = server.empty_database()
        db = url.split("///", 1)[1].split("?", 1)[0]
        with os_accounts({"sup": "supervisor", "ana": "analyst", "bea": "analyst"},
                         server.socket_dir, db) as machine:  # fmt: skip
            machine.shots = shots
            trail = work_one_queue(machine, server)
    print("\n".join(f"{actor}\t{action}\t{obj}" for actor, action, obj in trail))
    return 0


def owner(machine: Machine, *args: str) -> str:
    """A command as the store's owner: this process's login (root), also through peer."""
    home = machine.owner_home
    assert home is not None
    env = {
        **os.environ,
        "TRIAGE_DATA_DIR": str(home / "triage-data"),
        "TRIAGE_KEY_PASSPHRASE_FILE": str(home / "key-passphrase"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "TRIAGE_NO_OCR": "1",
    }
    env.pop("TRIAGE_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", "--db", machine.url, *args],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        env=env,
        timeout=300,
    )
    if done.returncode != 0:
        raise AssertionError(f"owner: triage {' '.join(args)} -> {done.stderr or done.stdout}")
    return done.stdout


# The window as each person opens it (their own OS account, their own login, offscreen): the
# analyst tags the post at the top of the queue with key 1; the supervisor approves a post from
# the supervisor tab. Each saves what their window shows and prints what it did.
WINDOW_STEP = r"""
import json, sys, time
from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
app = QApplication([])
from triage_app.store import open_store
from triage_app.store.paths import data_dir
from triage_app.ui.actions import ActionId
from triage_app.ui.app import unlock_personal_key
from triage_app.ui.main_window import MainWindow
from triage_app.ui.tasks import SynchronousRunner
url, shot, what = sys.argv[1:4]
store = open_store(url)
assert unlock_personal_key(store, ask=lambda _m: None), "no personal key"
w = MainWindow(store, data_dir(), runner=SynchronousRunner())
w.resize(1280, 720)
w.show()
w.activateWindow()  # the tag keys are the window's shortcuts: they need it active
end = time.monotonic() + 30
while (w.model.loading or not w.isActiveWindow()) and time.monotonic() < end:
    QTest.qWait(20)
done = {"person": store.user, "role": store.role_of()}
if what == "tag":
    w.select_row(0)
    w.view.setFocus()  # the analyst is in the queue (the search box has the focus at first)
    QTest.qWait(300)
    done["post"] = w.current_post_id()
    QTest.keyClick(w.view, Qt.Key.Key_1)
    QTest.qWait(300)
    done["said"] = w.statusBar().currentMessage()
else:
    w.actions_by_id[ActionId.SUPERVISOR_VIEW].trigger()
    view = w.tabs.currentWidget()
    post = int(what)
    view.select_posts([post])
    view.review_actions["approve"].trigger()
    done["post"] = post
    done["said"] = w.statusBar().currentMessage()
QTest.qWait(300)
done["status"] = store.scalar("SELECT status FROM posts WHERE id = ?", (done["post"],))
w.grab().save(shot)
w.close()
store.close()
print(json.dumps(done))
"""


def window_step(machine: Machine, login: str, what: str) -> dict[str, object]:
    """The window's step ``what`` ("tag", or a post id to approve) as ``login``; its screenshot
    lands in their home as window.png."""
    import json

    shot = machine.people[login].home / "window.png"
    code, out, err = machine.run_python(login, "-c", WINDOW_STEP, machine.url, str(shot), what)
    if code != 0:
        raise AssertionError(f"{login}'s window: {what} -> {code}: {err or out}")
    if machine.shots is not None:
        role = machine.people[login].role
        shutil.copyfile(shot, machine.shots / f"team-{role}-{login}.png")
    return dict(json.loads(out.strip().splitlines()[-1]))


def work_one_queue(machine: Machine, server: object) -> list[tuple[str, str, str]]:
    """db create, people added, keys registered, two analysts tag, one tries to approve and is
    refused, the supervisor approves; the audit trail (actor, action, object) at the end."""
    import json

    def ok(login: str, *args: str) -> str:
        code, out, err = machine.run(login, *args)
        if code != 0:
            raise AssertionError(f"{login}: triage {' '.join(args)} -> {code}: {err or out}")
        return out

    owner(machine, "db", "create")
    owner(machine, "demo", "--posts", "30")
    people = machine.people
    for login, person in people.items():
        owner(machine, "users", "add", login, "--role", person.role)
    for login, person in people.items():
        pub = person.home / "me.pub"
        ok(login, "keys", "export-personal", "--out", str(pub))
        owner(machine, "users", "add", login, "--role", person.role, "--key", str(pub))
    supervisor = next(p.login for p in people.values() if p.role == "supervisor")
    analysts = [p.login for p in people.values() if p.role == "analyst"]
    listed = json.loads(ok(analysts[0], "queue", "--status", "new", "--limit", "4", "--json"))
    posts = [str(p["id"]) for p in (listed["posts"] if isinstance(listed, dict) else listed)]
    for analyst, post in zip(analysts, posts, strict=False):
        ok(analyst, "tag", post, "boat_crossing")
    code, _out, err = machine.run(analysts[0], "review", posts[0], "approve")
    if code != 1 or err.count("\n") != 1 or "needs the supervisor role" not in err:
        raise AssertionError(f"an analyst's approval was not refused in one line: {code} {err}")
    for post in posts[: len(analysts)]:
        ok(supervisor, "review", post, "approve")
    # The same queue from the window: an analyst tags with one key, the supervisor approves it.
    tagged = window_step(machine, analysts[1], "tag")
    if tagged["person"] != analysts[1] or tagged["role"] != "analyst":
        raise AssertionError(f"the window opened as someone else: {tagged}")
    if tagged["status"] != "tagged":
        raise AssertionError(f"the analyst's key 1 did not tag the post: {tagged}")
    approved = window_step(machine, supervisor, str(tagged["post"]))
    if approved["role"] != "supervisor" or approved["status"] != "approved":
        raise AssertionError(f"the supervisor's window did not approve: {approved}")
    verify = owner(machine, "audit", "verify")
    if "Audit chain intact" not in verify:
        raise AssertionError(verify)
    import psycopg

    with psycopg.connect(
        host=str(machine.socket_dir),
        dbname=machine.db,
        user=server.superuser,  # type: ignore[attr-defined]
    ) as conn:
        rows = conn.execute("SELECT actor, action, coalesce(object_id, '') FROM audit ORDER BY id")
        return [(str(a), str(b), str(c)) for a, b, c in rows]


if __name__ == "__main__":
    sys.exit(main())
