"""`triage db copy`: a store, or a slice of it, from one place to another - SQLite file or
PostgreSQL database, in either direction - with every row's id kept, its media files, and the
row counts checked before anything is committed.

A whole copy's destination is the same store, not a new one: the same store id, people, keys,
signatures, decisions and the whole audit chain, so `triage audit verify` holds there exactly as
it held at the source (key registrations and checkpoints are signed over the store id; a
decision names its post by platform and platform id). A slice is a new store, a peer of its
source, whose work comes back by sync pack (store/copy_slice.py). Which rows a slice takes, and
why the audit trail always goes whole: store/copy_plan.py. How each engine reads and writes:
store/copy_ends.py.

Safety. The source is read in one snapshot. The destination must hold no posts (a store made
by `db create`, or none yet: it is then made as `db create` makes it, encrypted unless plain
is asked for). Everything is written in one destination transaction: the counts of every table
are compared with the source's, and only then committed. An error, a mismatch or Ctrl+C rolls
it back and removes the media files the copy wrote, and a store file the copy made itself."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import TriageError
from .connection import Store
from .copy_ends import PgEnd, SqliteEnd, end_for, is_database_error
from .copy_plan import (
    COLUMNS,
    GUARDED,
    LOCAL_META,
    NO_ROWID,
    TABLES,
    Slice,
    is_skipped,
    slice_filters,
)

# progress(what, done, total): what is a table name or "media files".
Progress = Callable[[str, int, int], None]
# keyring_secret(store id, key id): the pack signing key's secret (minisign, base64) that this
# machine's keyring holds for the store, if it holds that key (packs/signing.py keeps it).
KeyringSecret = Callable[[str, str], str | None]

_META_WHERE = "key NOT IN ({})".format(", ".join(f"'{k}'" for k in LOCAL_META))


@dataclass
class TableCount:
    table: str
    source: int
    destination: int


@dataclass
class CopyResult:
    chosen: Slice
    counts: list[TableCount] = field(default_factory=list)
    media_files: int = 0
    media_missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    slice_store_id: str | None = None  # a slice is a new store (store/copy_slice.py)
    source_recipient: str | None = None  # the source's sync key, which a slice's packs go to

    def count(self, table: str) -> int:
        return next(c.destination for c in self.counts if c.table == table)

    def as_dict(self) -> dict[str, Any]:
        return {
            "slice": self.chosen.describe(),
            "tables": {
                c.table: {"source": c.source, "destination": c.destination} for c in self.counts
            },
            "media_files": self.media_files,
            "media_missing": self.media_missing,
            "notes": self.notes,
            "store_id": self.slice_store_id,
            "source_recipient": self.source_recipient,
        }


# -- opening both ends ----------------------------------------------------------------------


@dataclass
class Ends:
    source: Store
    destination: Store
    created: bool  # the copy made the destination (a SQLite file made is removed on failure)

    def close(self) -> None:
        try:
            self.source.close()
        finally:
            self.destination.close()


def same_place(a: str, b: str) -> bool:
    from .pg.url import conninfo_dict, is_postgres_url

    if is_postgres_url(a) and is_postgres_url(b):
        keys = ("host", "port", "dbname", "hostaddr")
        da, db = conninfo_dict(a), conninfo_dict(b)
        return all(da.get(k) == db.get(k) for k in keys)
    if is_postgres_url(a) or is_postgres_url(b):
        return False
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def open_source(
    spec: str, *, data_dir: Path, passphrase: str | None, key_passphrase: str | None
) -> Store:
    """The source store, opened as every command opens a store; it must exist."""
    from .opening import open_for_user, store_exists
    from .pg.url import is_postgres_url

    if is_postgres_url(spec):
        from .pg.opening import open_pg_store

        return open_pg_store(
            spec.strip(), data_dir=data_dir, create=False, key_passphrase=key_passphrase
        )
    path = Path(spec).expanduser()
    if not store_exists(path):
        raise TriageError(f"No store at {path} to copy from")
    return open_for_user(
        path, create=False, passphrase=passphrase, key_passphrase=key_passphrase, quiet_key=True
    )


def open_destination(
    spec: str,
    *,
    data_dir: Path,
    passphrase: str | None,
    key_passphrase: str | None,
    plain: bool,
) -> tuple[Store, bool]:
    """The destination, made as `db create` makes it when there is none yet; refused when it
    already holds posts. Returns (store, made by this call)."""
    from .opening import open_for_user, store_exists
    from .pg.url import describe, is_postgres_url

    if is_postgres_url(spec):
        from .pg.opening import open_pg_store, server_schema_version

        url = spec.strip()
        new = server_schema_version(url) == 0
        store: Store = open_pg_store(
            url, data_dir=data_dir, create=new, key_passphrase=key_passphrase
        )
        where = f"the {describe(url)}"
    else:
        path = Path(spec).expanduser()
        new = not store_exists(path)
        if new and not path.parent.is_dir():
            raise TriageError(f"Folder {path.parent} does not exist")
        store = open_for_user(
            path,
            create=new,
            passphrase=passphrase,
            key_passphrase=key_passphrase,
            encrypted=False if plain else None,
            quiet_key=True,
        )
        where = str(path)
    try:
        posts = int(store.scalar("SELECT count(*) FROM posts") or 0)
    except BaseException:
        store.close()
        raise
    if posts:
        store.close()
        raise TriageError(
            f"{where} already holds {posts:,} posts; db copy writes only into a new store or "
            "one without posts (made by 'triage db create')"
        )
    return store, new


def discard_new_store(store: Store) -> None:
    """Remove a SQLite store the copy made itself and could not fill (file, journals, key
    sidecar, keyring entry, evidence folder), so that a failed copy leaves nothing behind."""
    import shutil

    from ..ingest.evidence import evidence_dir
    from .keys import keyinfo_path, keyring_delete, read_keyinfo

    if store.backend != "sqlite":
        return
    path = Path(store.path)
    info = read_keyinfo(path)
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + extra).unlink(missing_ok=True)
    if info is not None:
        keyring_delete(info.store_id)
    keyinfo_path(path).unlink(missing_ok=True)
    shutil.rmtree(evidence_dir(path), ignore_errors=True)


# -- the copy -------------------------------------------------------------------------------


def _check_tables(source: SqliteEnd | PgEnd, destination: SqliteEnd | PgEnd) -> None:
    known = set(TABLES)
    for end, name in ((source, "source"), (destination, "destination")):
        tables = end.tables()
        unknown = sorted(t for t in tables if t not in known and not is_skipped(t))
        if unknown:
            raise TriageError(
                f"The {name} has tables db copy does not know ({', '.join(unknown)}); "
                "update the program"
            )
        missing = sorted(known - tables)
        if missing:
            raise TriageError(
                f"The {name} lacks the tables {', '.join(missing)}; open it with this version "
                "of the program first"
            )


def _filters(chosen: Slice, dst: Store) -> dict[str, tuple[str, tuple[Any, ...]]]:
    filters = slice_filters(chosen).where
    filters["meta"] = (_META_WHERE, ())
    if dst.backend == "sqlite" and dst.key is None:
        # A secret key never goes into a plain file (migrations/m006_signing.py).
        filters["signing_key"] = ("place <> 'store'", ())
    elif dst.backend == "postgresql":
        # A server keeps its own key (packs/signing.py); one held by this machine's keyring
        # is moved in by _signing_key_from_keyring.
        filters["signing_key"] = ("place = 'store'", ())
    return filters


def _signing_key_from_keyring(
    src: Store,
    destination: SqliteEnd | PgEnd,
    keyring_secret: KeyringSecret | None,
    expected: dict[str, int],
    result: CopyResult,
) -> None:
    """Into a server: the pack signing key that the source keeps in this machine's keyring,
    written into the store as the server keeps its key, so that recipients' copies of the
    public key still match the packs the team builds; without the keyring, a note."""
    row = src.execute(
        "SELECT key_id, public_key, created_at FROM signing_key WHERE place = 'keyring'"
    ).fetchone()
    if row is None:
        return
    secret = keyring_secret(src.store_id, str(row[0])) if keyring_secret is not None else None
    if secret is None:
        result.notes.append(
            f"the pack signing key (key id {row[0]}) is in an OS keyring this copy could not "
            "read; the server makes a new one at its first pack (give recipients its public key)"
        )
        return
    destination.insert(
        "signing_key",
        ("id", "place", "key_id", "public_key", "secret_key", "created_at"),
        [(1, "store", row[0], row[1], secret, row[2])],
    )
    expected["signing_key"] += 1


def _columns(table: str, source: SqliteEnd | PgEnd, destination: SqliteEnd | PgEnd) -> list[str]:
    if table in COLUMNS:
        return list(COLUMNS[table])
    have = source.columns(table)
    room = set(destination.columns(table))
    lost = [c for c in have if c not in room]
    if lost:
        raise TriageError(
            f"The destination's {table} table has no column {', '.join(lost)}; both stores "
            "must be opened with this version of the program first"
        )
    return have


def copy_store(
    src: Store,
    dst: Store,
    chosen: Slice = Slice(),
    progress: Progress | None = None,
    keyring_secret: KeyringSecret | None = None,
) -> CopyResult:
    """Copy ``chosen`` of ``src`` into ``dst`` (which holds no posts) in one transaction."""
    from . import copy_slice
    from .evidence_crypto import evidence_key

    source, destination = end_for(src), end_for(dst)
    _check_tables(source, destination)
    plain = dst.backend == "sqlite" and dst.key is None
    filters = _filters(chosen, dst)
    # A slice is a new peer store of the source (store/copy_slice.py); a whole copy is the store.
    origin = None if chosen.whole else copy_slice.slice_source(src)
    if origin is not None:
        copy_slice.restrict(filters)
    result = CopyResult(chosen)
    src_key, dst_key = evidence_key(src), evidence_key(dst)
    if (
        origin is None
        and plain
        and src.scalar("SELECT count(*) FROM signing_key WHERE place = 'store'")
    ):
        result.notes.append(
            "the pack signing key kept in the source store was not copied into a plain store; "
            "packs built there are signed with a new key"
        )
    written: list[Path] = []
    source.begin_snapshot()
    try:
        expected = {t: source.count(t, *filters.get(t, ("", ()))) for t in TABLES}
        if not chosen.whole and not expected["posts"]:
            raise TriageError(f"No post of the source matches {chosen.describe()}; nothing copied")
        destination.begin_write()
        try:
            for table in reversed(TABLES):
                where = filters["meta"][0] if table == "meta" else ""
                if destination.count(table, where):
                    destination.delete_all(table, table in GUARDED, where)
            for table in TABLES:
                if table == "posts":  # the search index is copied, not rebuilt (copy_plan.py)
                    destination.insert("meta", ("key", "value"), [("fts_bulk", "1")])
                columns = _columns(table, source, destination)
                where, params = filters.get(table, ("", ()))
                total = expected[table]
                if progress is not None:
                    progress(table, 0, total)
                rows = source.rows(table, columns, where, params, table not in NO_ROWID)
                done = destination.insert(
                    table,
                    columns,
                    rows,
                    None if progress is None else lambda n, t=table, m=total: progress(t, n, m),
                )
                if progress is not None:
                    progress(table, done, total)
                if table == "posts_fts":
                    destination.delete_all("meta", False, "key = 'fts_bulk'")
                if table == "media":  # the files with their rows
                    _copy_media(
                        src, dst, source, filters, src_key, dst_key, result, written, progress
                    )
            if origin is not None:
                copy_slice.write_peer_rows(
                    source, destination, filters, expected, origin, chosen, dst.user
                )
            elif dst.backend == "postgresql":
                _signing_key_from_keyring(src, destination, keyring_secret, expected, result)
            destination.after_ids()
            _compare(destination, expected, filters, result)
            destination.commit()
        except BaseException as exc:
            destination.rollback()
            for path in written:
                path.unlink(missing_ok=True)
            if is_database_error(exc):
                raise TriageError(
                    f"The copy stopped: {_first_line(exc)}; the destination was left as it was"
                ) from exc
            raise
    finally:
        source.end_snapshot()
    if isinstance(destination, PgEnd):
        destination.raw.execute("ANALYZE")  # fresh statistics for the planner
    if origin is not None:
        result.source_recipient = origin.recipient
        _introduce(src, dst, chosen, result)
    if dst.scalar("SELECT 1 FROM users WHERE name = ?", (dst.user,)) is None:
        result.notes.append(
            f"{dst.user} (who made the copy) is not one of the copied store's people; a "
            f"supervisor of it adds them with 'triage users add {dst.user} --role ROLE'"
        )
    return result


def _introduce(src: Store, dst: Store, chosen: Slice, result: CopyResult) -> None:
    """After a slice committed: its own keys, registered in the source with what it holds. The
    slice is complete without this; if the source cannot be written (a login that may only
    read), the source trusts the slice's first sync pack on first use instead, which a note
    says."""
    from . import copy_slice

    keys, note = copy_slice.slice_keys(dst)
    if note is not None:
        result.notes.append(note)
    try:
        copy_slice.record_in_source(src, dst, keys, chosen)
    except BaseException as exc:
        if not is_database_error(exc) and not isinstance(exc, TriageError):
            raise
        result.notes.append(
            f"the source could not record the slice as its peer ({_first_line(exc)}); it trusts "
            "the slice's first sync pack on first use"
        )
    result.slice_store_id = dst.store_id


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _compare(
    destination: SqliteEnd | PgEnd,
    expected: dict[str, int],
    filters: dict[str, tuple[str, tuple[Any, ...]]],
    result: CopyResult,
) -> None:
    """Every table's count at the destination against the source's (before COMMIT)."""
    wrong = []
    for table in TABLES:
        where = filters["meta"][0] if table == "meta" else ""
        got = destination.count(table, where)
        result.counts.append(TableCount(table, expected[table], got))
        if got != expected[table]:
            wrong.append(f"{table}: source {expected[table]:,}, destination {got:,}")
    if wrong:
        raise TriageError(
            "Row counts differ after the copy (" + "; ".join(wrong) + "); nothing was written"
        )


def _copy_media(
    src: Store,
    dst: Store,
    source: SqliteEnd | PgEnd,
    filters: dict[str, tuple[str, tuple[Any, ...]]],
    src_key: bytes | None,
    dst_key: bytes | None,
    result: CopyResult,
    written: list[Path],
    progress: Progress | None,
) -> None:
    """The evidence files of the copied media rows, read through the source's key and sealed
    with the destination's (a plain store's or a server's local folder keeps them plain), each
    checked against its SHA-256 as it is written."""
    from ..ingest.evidence import evidence_dir

    where, params = filters.get("media", ("", ()))
    clause = "stored_path IS NOT NULL" + (f" AND ({where})" if where else "")
    files: dict[str, str | None] = {}
    for stored_path, sha in source.rows("media", ("stored_path", "sha256"), clause, params, False):
        files.setdefault(str(stored_path), None if sha is None else str(sha))
    src_dir, dst_dir = evidence_dir(Path(src.path)), evidence_dir(Path(dst.path))
    total = len(files)
    for number, (relative, sha) in enumerate(sorted(files.items()), 1):
        origin, target = src_dir / relative, dst_dir / relative
        if not _inside(origin, src_dir) or not _inside(target, dst_dir):
            raise TriageError(f"A media row names a file outside the evidence folder: {relative}")
        if not origin.is_file():
            result.media_missing.append(relative)
            continue
        if target.exists() and _holds(target, dst_key, sha):
            result.media_files += 1
            continue
        _copy_one(origin, target, src_key, dst_key, sha, written)
        result.media_files += 1
        if progress is not None:
            progress("media files", number, total)


def _inside(path: Path, folder: Path) -> bool:
    return os.path.normpath(path).startswith(os.path.normpath(folder) + os.sep)


def _holds(path: Path, key: bytes | None, sha: str | None) -> bool:
    """Whether an existing file already is this content, readable with the destination's key."""
    from .evidence_crypto import EvidenceDamaged, open_media

    if sha is None:
        return False
    digest = hashlib.sha256()
    try:
        with open_media(path, key) as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except (OSError, EvidenceDamaged):
        return False
    return digest.hexdigest() == sha


def _copy_one(
    origin: Path,
    target: Path,
    src_key: bytes | None,
    dst_key: bytes | None,
    sha: str | None,
    written: list[Path],
) -> None:
    import tempfile

    from ..core.scratch import scratch_name
    from .evidence_crypto import SealingWriter, open_media

    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=scratch_name("copying") + ".")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, open_media(origin, src_key) as handle:
            sink: Any = SealingWriter(out, dst_key) if dst_key is not None else out
            while block := handle.read(1 << 20):
                digest.update(block)
                sink.write(block)
            if isinstance(sink, SealingWriter):
                sink.close()
            out.flush()
            os.fsync(out.fileno())
        if sha is not None and digest.hexdigest() != sha:
            raise TriageError(
                f"The source's media file {origin.name} does not match its SHA-256; run "
                "'triage db check' on the source"
            )
        os.replace(tmp, target)
        written.append(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
