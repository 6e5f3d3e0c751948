"""Building blocks for the fault tests: CLI children whose peak memory is measured, stores
opened the way the CLI opens them (plain or SQLCipher with a file keyring), and a snapshot of
everything a refused file or a killed process must leave as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.support.run_as import launcher_command

CLI_USER = "alice"  # the person the CLI children act as

MAX_RSS_MB = 400  # the bound for any single CLI child fed a malformed file
ADDRESS_LIMIT = 1 << 30  # children fed bad input cannot take the machine's memory


def limit_memory() -> None:
    """preexec_fn: cap the child's address space, so a runaway parser gets MemoryError."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_LIMIT, ADDRESS_LIMIT))


@dataclass
class Ran:
    """A finished CLI child: exit code, output, and its peak resident memory in MB."""

    code: int
    out: str
    err: str
    maxrss_mb: float


def cli_env(folder: Path, *, encrypted: bool = False) -> dict[str, str]:
    """Environment for a `triage` child whose store lives in ``folder``/data/store.db.

    The child acts as "alice" (tests/support/as_person.py: the program itself only knows the
    OS login). Both kinds use the JSON file keyring (signing and sync keys live in the keyring);
    a plain store is asked for with TRIAGE_PLAIN_STORE=1."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TRIAGE_DATA_DIR": str(data),
        "TRIAGE_DB": str(data / "store.db"),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(folder / "keyring.json"),
    }
    env.pop("TRIAGE_PLAIN_STORE", None)
    if not encrypted:
        env["TRIAGE_PLAIN_STORE"] = "1"
    return env


def popen_cli(args: Sequence[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[str]:
    """`triage ARGS` as alice (through the test-only launcher that substitutes the person)."""
    return subprocess.Popen(
        launcher_command(CLI_USER, *args),
        cwd=ROOT,
        env=env,
        text=True,
        **kwargs,
    )


def popen_python(
    code: str, args: Sequence[str], env: dict[str, str], **kwargs: Any
) -> subprocess.Popen[str]:
    """A child running ``code`` with the project on its path (for loops the CLI cannot do)."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True, **kwargs
    )


def run_cli(args: Sequence[str], env: dict[str, str], timeout: float = 300) -> Ran:
    """Run `triage ARGS`; its own peak memory comes from the child (VmHWM, written by the
    launcher: tests/support/peak_memory.py says why ru_maxrss from wait4 is not its own)."""
    import tempfile
    import threading

    from tests.support.peak_memory import PEAK_FILE_VARIABLE

    handle, peak_file = tempfile.mkstemp(prefix="triage-peak-")
    os.close(handle)
    env = {**env, PEAK_FILE_VARIABLE: peak_file}
    proc = popen_cli(
        args, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit_memory
    )
    chunks: dict[str, str] = {}

    def drain(name: str, stream: Any) -> None:
        chunks[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=("out", proc.stdout)),
        threading.Thread(target=drain, args=("err", proc.stderr)),
    ]
    for t in readers:
        t.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    try:
        reported = Path(peak_file).read_text().strip()
    finally:
        Path(peak_file).unlink(missing_ok=True)
    peak_kb = int(reported) if reported else usage.ru_maxrss  # killed: only wait4's figure
    if proc.returncode == -9:
        raise AssertionError(f"triage {' '.join(args)} killed after {timeout}s")
    return Ran(proc.returncode, chunks["out"], chunks["err"], peak_kb / 1024)


def assert_plain_outcome(ran: Ran, what: str = "") -> None:
    """Exit 0 or 1, no traceback, no 'unexpected', at most one error line, memory bounded."""
    label = f"{what}: " if what else ""
    assert ran.code in (0, 1), f"{label}exit {ran.code}: {ran.err[-2000:]}"
    assert "Traceback" not in ran.err, f"{label}{ran.err[-3000:]}"
    assert "unexpected" not in ran.err.lower(), f"{label}{ran.err[-2000:]}"
    lines = [ln for ln in ran.err.splitlines() if ln.strip()]
    assert len(lines) <= 1, f"{label}more than one error line: {lines[:5]}"
    if ran.code == 1:
        assert lines and lines[0].startswith("error: "), f"{label}exit 1 without a reason"
    assert ran.maxrss_mb < MAX_RSS_MB, f"{label}peak memory {ran.maxrss_mb:.0f} MB"


def open_as_cli(env: dict[str, str], user: str = "alice") -> Any:
    """Open the child's store in this process with the child's keyring file."""
    import keyring

    from tests.store.file_keyring import FileKeyring
    from triage_app.store.opening import open_for_user

    os.environ["TRIAGE_TEST_KEYRING_FILE"] = env["TRIAGE_TEST_KEYRING_FILE"]
    keyring.set_keyring(FileKeyring())
    return open_for_user(Path(env["TRIAGE_DB"]), user=user)


def table_counts(store: Any) -> dict[str, int]:
    names = [
        r[0]
        for r in store.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: int(store.scalar(f'SELECT count(*) FROM "{n}"')) for n in sorted(names)}


def state(store: Any) -> dict[str, Any]:
    """Row counts of every table, the audit chain's head and whether the chain holds."""
    from triage_app.store.audit import verify_audit

    check = verify_audit(store.conn)
    return {"counts": table_counts(store), "audit_ok": check.ok, "audit_head": check.head}


def assert_sound(store: Any) -> None:
    """integrity_check ok; on a SQLCipher store also cipher_integrity_check (no rows = ok)."""
    assert store.scalar("PRAGMA integrity_check") == "ok"
    if store.key is not None:
        problems = store.execute("PRAGMA cipher_integrity_check").fetchall()
        assert problems == [], problems
    from triage_app.store.audit import verify_audit

    check = verify_audit(store.conn)
    assert check.ok, check


def write_posts(path: Path, count: int, start: int = 0, platform: str = "facebook") -> Path:
    """A generic JSONL export of ``count`` posts (natural ids p<start>...), written fast."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(start, start + count):
            out.write(
                json.dumps(
                    {
                        "platform": platform,
                        "post_id": f"p{i}",
                        "url": f"https://{platform}.example/p{i}",
                        "created_at": "2025-03-01T10:00:00Z",
                        "text": f"Boat to Italy {i}, 1500 euro, call +44 7700 9{i % 100000:05d}",
                        "author_id": f"a{i % 50}",
                        "author_handle": f"boatman{i % 50}",
                        "author_name": f"Agent {i % 50}",
                        "language": "en",
                    }
                )
                + "\n"
            )
    return path
