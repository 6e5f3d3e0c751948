"""Rewriting a store under a new key: `db encrypt` (plain -> encrypted) and `db rekey`.

Both copy the store with ``sqlcipher_export`` into a new file beside it, check the copy (row
counts of every table and ``integrity_check``), then swap it in with one atomic rename. The
store is locked exclusively the whole time so no other program writes to the old file, and it
is switched out of WAL mode before the swap so no old ``-wal`` file is ever left beside the new
file. A SIGKILL at any point leaves either the old file or the new one, each openable with a
key that keys.py recorded before the swap."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import TriageError, WrongKeyError
from ..core.fileio import fsync_dir
from .connection import OperationalError, connect

TEMP_SUFFIX = ".rewrite-tmp"
OLD_SUFFIX = ".rewrite-old"


def crash_point(name: str) -> None:
    """Tests set TRIAGE_CRASH_AT=<name> to SIGKILL the process at this step (see the
    interrupted-rekey tests); in normal use this does nothing."""
    if os.environ.get("TRIAGE_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _sql_key(key: bytes | None) -> str:
    return "''" if key is None else f"\"x'{key.hex()}'\""


def table_counts(conn: Any, schema: str = "main") -> dict[str, int]:
    """Rows per ordinary table (virtual tables are counted through their shadow tables)."""
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0] for n in names}


def remove_leftovers(store_path: Path) -> None:
    """Delete copies left by a rewrite that was killed (they are encrypted with a key that was
    never promoted, or they are the old file's second name)."""
    for suffix in (TEMP_SUFFIX, OLD_SUFFIX):
        base = store_path.with_name(store_path.name + suffix)
        for extra in ("", "-journal", "-wal", "-shm"):
            leftover = Path(str(base) + extra)
            if not leftover.exists():
                continue
            if suffix == OLD_SUFFIX and extra == "" and not _same_file(leftover, store_path):
                shred(leftover)  # the old store's contents, no longer the live file
            else:
                leftover.unlink()  # a second name of the live file, or a never-used copy


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def shred(path: Path) -> None:
    """Overwrite a file with zeros before unlinking it (best effort: SSDs and copy-on-write
    file systems may keep old blocks; full-disk encryption covers those)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            chunk = b"\0" * (1 << 20)
            left = size
            while left > 0:
                handle.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        pass
    path.unlink(missing_ok=True)


def lock_exclusively(path: Path, key: bytes | None) -> Any:
    """A connection that holds the store's exclusive lock until it is closed."""
    conn = connect(path, key)
    try:
        conn.execute("PRAGMA busy_timeout = 200")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except OperationalError as exc:
        conn.close()
        raise TriageError(
            "The store is in use by another program (the window or another triage command); "
            "close it and try again"
        ) from exc
    return conn


def rewrite_store(
    path: Path,
    old_key: bytes | None,
    new_key: bytes,
    *,
    before_swap: Callable[[], None] = lambda: None,
) -> dict[str, int]:
    """Copy the store at ``path`` under ``new_key``, verify the copy, and swap it in.

    ``before_swap`` runs once the verified copy is on disk and before the rename (keys.py
    records the new key as pending there). Returns the row counts of the copy."""
    remove_leftovers(path)
    tmp = path.with_name(path.name + TEMP_SUFFIX)
    conn = lock_exclusively(path, old_key)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        counts = table_counts(conn)
        conn.execute(f"ATTACH DATABASE ? AS rewritten KEY {_sql_key(new_key)}", (str(tmp),))
        crash_point("export")
        conn.execute("SELECT sqlcipher_export('rewritten')")
        conn.execute(f"PRAGMA rewritten.user_version = {int(version)}")
        copied = table_counts(conn, "rewritten")
        conn.execute("DETACH DATABASE rewritten")
        if copied != counts:
            raise TriageError("The copy of the store lost rows; the store was left unchanged")
        _verify_copy(tmp, new_key)
        os.chmod(tmp, 0o600)  # owner-only, as new stores are
        crash_point("copied")
        before_swap()
        crash_point("before_swap")
        # Leave WAL mode so that no -wal file of the old store outlives the swap.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
        old = path.with_name(path.name + OLD_SUFFIX)
        os.link(path, old)
        os.replace(tmp, path)
        fsync_dir(path.parent)
        crash_point("swapped")
    except BaseException:
        conn.close()
        remove_leftovers(path)
        raise
    conn.close()
    shred(path.with_name(path.name + OLD_SUFFIX))
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    return copied


def _verify_copy(tmp: Path, key: bytes) -> None:
    """The copy opens with the new key and passes integrity_check (and cipher_integrity_check)."""
    import sqlcipher3.dbapi2 as sqlite

    conn = sqlite.connect(f"file:{tmp}?mode=rw", uri=True, isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = {_sql_key(key)}")
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        cipher = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
        conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite.DatabaseError as exc:
        raise WrongKeyError("the new copy of the store cannot be read back") from exc
    finally:
        conn.close()
    if result != ["ok"] or cipher:
        raise TriageError(
            "The new copy of the store failed its integrity check; the store was left unchanged"
        )
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
