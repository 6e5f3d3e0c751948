"""The import pipeline: detect a file's format, stream its records into the store in batches,
quarantine what cannot be read, keep provenance, and commit each file all or nothing.

Re-importing the same data adds nothing: posts and accounts are keyed by their natural keys
(platform + the platform's id) and their uuids are derived from those keys, so every store gives
the same post the same uuid (which is what lets sync packs merge)."""

from __future__ import annotations

import json
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import TriageError, UnreadableFileError
from ..core.records import BadRecord, Notice, PostRecord, ReadResult, Skipped
from ..core.search_normal import fold
from ..core.timeutil import utc_now_iso
from ..store.audit import append_audit
from ..store.connection import Store
from ..store.connection import sqlite as _sqlite
from ..store.evidence_crypto import evidence_key
from .base import ReadContext
from .batch_rows import row_writer
from .bulk_load import BULK_CACHE_KIB, DeferredIndexes, should_defer
from .evidence import sha256_file, store_media_file
from .lines import LineTally
from .media_confine import MEDIA_SIZE_LIMIT, MediaRefused, open_media
from .parse_process import read_in_process, use_process
from .prefetch import prefetch
from .prepared import (
    NAMESPACE,
    Prepared,
    account_uuid,
    fold_name,
    post_uuid,
    prepare,
    prepare_keyed,
)
from .record_check import quarantine_raw, record_problem
from .registry import detect_format
from .walk import ImportUnit, iter_import_units

BATCH = 2000
# The account ids the writer remembers (a cache: the store answers the rest). ~300 bytes each; a
# collection with millions of authors would otherwise grow the importing process without end.
ACCOUNT_IDS_KEPT = 100_000
# The page cache while importing: the natural key's and the posts indexes' pages stay in memory
# as a large file goes in; a bulk load (ingest/bulk_load.py) needs less and uses BULK_CACHE_KIB.
# With the reading process beside it, the import's peak stays under 300 MB (issue 17).
IMPORT_CACHE_KIB = 65536
# the uuids (and the rest of a post's row values) are worked out in ingest/prepared.py
__all__ = ["NAMESPACE", "account_uuid", "post_uuid"]

# posts_fts's columns an import writes; on a team server also the search keys (s002)
FTS_COLUMNS = ("rowid", "text", "handle", "name")
FTS_KEYED = (*FTS_COLUMNS, "text_key", "handle_key", "name_key")


class ImportCancelled(TriageError):
    def __init__(self) -> None:
        super().__init__("import cancelled; nothing from this file was kept")


@dataclass
class ImportProgress:
    name: str  # the file being read, as shown to the user
    records: int
    bytes_done: int
    bytes_total: int
    file_index: int
    file_count: int
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.records / elapsed if elapsed > 0 else 0.0


@dataclass
class FileSummary:
    path: str
    format: str | None = None
    inserted: int = 0
    present: int = 0
    quarantined: int = 0
    skipped: int = 0
    error: str | None = None  # why the whole file was refused (nothing kept), else None
    passed_over: str | None = None  # a file in a folder that is not an export (media, notes)
    sha256: str | None = None
    import_id: int | None = None
    notes: list[str] = field(default_factory=list)
    # media the file names that were not taken (outside the export, not a regular file, too
    # large: ingest/media_confine.py); each is recorded on its post in ``media_refused``
    media_refused: int = 0
    # system notices of a chat export kept in ``system_notices`` (also counted in skipped)
    notices: int = 0
    # where every line of a line-based file went (ingest/lines.py: LineAccount), else None
    lines: dict[str, int] | None = None
    # what the importer read, record by record (every format): seen = posts + skipped +
    # quarantined; ``skipped_reasons`` counts each reason a record was skipped for
    items: dict[str, int] | None = None
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "inserted": self.inserted,
            "present": self.present,
            "quarantined": self.quarantined,
            "skipped": self.skipped,
            "error": self.error,
            "sha256": self.sha256,
            "notes": self.notes,
            "media_refused": self.media_refused,
            "notices": self.notices,
            "lines": self.lines,
            "items": self.items,
            "skipped_reasons": self.skipped_reasons,
        }


ProgressCallback = Callable[[ImportProgress], None]
CancelCheck = Callable[[], bool]


def _units(path: Path, fmt: str, work_root: Path | None = None) -> Iterator[ImportUnit]:
    """Files to import under ``path``: itself, or what walk.py finds in a folder or ZIP
    (unpacked into owner-only scratch in ``work_root``, the store's folder)."""
    if path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip"):
        yield from iter_import_units(path, forced=fmt, work_root=work_root)
        return
    yield ImportUnit(path, path.parent, str(path))


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    fmt: str = "auto",
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    enrich: bool = True,
    media_limit: int = MEDIA_SIZE_LIMIT,
    timezone: str | None = None,
    date_order: str | None = None,
) -> list[FileSummary]:
    """Import every file under ``paths``; one summary per file, refused files included.

    ``media_limit`` is the largest media file taken from an export (bytes); ``timezone``
    (--timezone) settles an ambiguous zone abbreviation such as IST (ingest/zones.py);
    ``date_order`` ("dmy"/"mdy", --date-order) says how to read a chat's dates when the file
    cannot tell (WhatsApp)."""
    from ..core.workflow import require_role

    require_role(store.user, store.role_of(), "import")
    summaries: list[FileSummary] = []
    path_list = [Path(p) for p in paths]
    for index, top in enumerate(path_list):
        if cancelled and cancelled():
            break
        if not top.exists():
            summaries.append(FileSummary(str(top), error="no such file or folder"))
            continue
        try:
            units = list(_units(top, fmt, store.path.parent))
        except UnreadableFileError as exc:
            summaries.append(FileSummary(str(top), error=str(exc)))
            continue
        for unit in units:
            if unit.skip_reason:
                summaries.append(FileSummary(unit.display, passed_over=unit.skip_reason))
                continue
            if cancelled and cancelled():
                summaries.append(FileSummary(unit.display, error="cancelled before it started"))
                continue
            summaries.append(
                import_file(
                    store,
                    unit,
                    fmt,
                    progress,
                    cancelled,
                    index,
                    len(path_list),
                    media_limit,
                    timezone=timezone,
                    date_order=date_order,
                )
            )
    if enrich and any(s.inserted for s in summaries):
        run_enrichment(store, cancelled, progress)
    return summaries


def run_enrichment(
    store: Store, cancelled: CancelCheck | None = None, progress: ProgressCallback | None = None
) -> None:
    """Indicators, language, clusters and priority for the posts just imported, then the text
    in their pictures (OCR), whose progress is reported as a "file" of pictures."""
    from ..store import enrich

    pictures = None
    if progress is not None:
        report = progress
        state = ImportProgress(PICTURES_STEP, 0, 0, 0, 0, 1)

        def pictures(done: int, total: int) -> None:
            state.records, state.bytes_done, state.bytes_total = done, done, total
            report(state)

    videos = None
    if progress is not None:
        video_state = ImportProgress(VIDEOS_STEP, 0, 0, 0, 0, 1)

        def videos(done: int, total: int) -> None:
            video_state.records = video_state.bytes_done = done
            video_state.bytes_total = total
            report(video_state)

    enrich.enrich_pending(store, cancelled=cancelled, ocr_progress=pictures, video_progress=videos)


PICTURES_STEP = "text in pictures (OCR)"  # ImportProgress.name while pictures are read
VIDEOS_STEP = "video key frames"  # ImportProgress.name while videos are read (store/video.py)


def import_file(
    store: Store,
    unit: ImportUnit | Path,
    fmt: str = "auto",
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    file_index: int = 0,
    file_count: int = 1,
    media_limit: int = MEDIA_SIZE_LIMIT,
    timezone: str | None = None,
    date_order: str | None = None,
) -> FileSummary:
    """Import one file in one transaction; a refused or cancelled file changes nothing.

    Media are taken only from inside the unit's export root (ingest/media_confine.py)."""
    if isinstance(unit, Path):
        unit = ImportUnit(unit, unit.parent, str(unit))
    summary = FileSummary(unit.display)
    try:
        importer = detect_format(unit.path, fmt)
        summary.format = importer.name
        sha, size = sha256_file(unit.path)
        summary.sha256 = sha
    except (UnreadableFileError, TriageError) as exc:
        summary.error = _one_line(exc)
        return summary
    except OSError as exc:
        summary.error = f"{unit.display}: cannot be read ({exc.strerror or exc})"
        return summary

    state = ImportProgress(unit.display, 0, 0, size, file_index, file_count)
    last_report = [0.0]

    def report_bytes(n: int) -> None:
        state.bytes_done = n
        now = time.monotonic()
        if progress and now - last_report[0] > 0.1:
            last_report[0] = now
            progress(state)

    ctx = ReadContext(
        path=unit.path,
        base_dir=unit.base_dir,
        report_bytes=report_bytes,
        cancelled=cancelled or (lambda: False),
        root=unit.root,
        media_limit=media_limit,
        timezone=timezone,
        date_order=date_order,
    )
    writer = _BatchWriter(store, summary, ctx.export_root, media_limit)
    # A bigger page cache keeps the posts indexes in memory while a large file goes in.
    store.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        with store.transaction() as conn:
            writer.begin(conn, unit, importer.name, sha, size)
            items = _ItemCount()
            if use_process(size):  # a big file: read and prepared in a second process
                records = read_in_process(importer.name, ctx, items, writer.keyed)
            else:
                records = prefetch(_accounted(importer.read(unit.path, ctx), ctx, items))
            for item in records:
                if isinstance(item, tuple):
                    writer.add_prepared(item)  # checked by _accounted, prepared by the reader
                elif isinstance(item, PostRecord):
                    writer.add_post(item)  # checked by _accounted (record_problem)
                elif isinstance(item, BadRecord):
                    writer.add_bad(item)
                elif isinstance(item, Skipped):
                    summary.skipped += 1
                    if isinstance(item, Notice):
                        writer.add_notice(item)
                state.records += 1
                if state.records % BATCH == 0:
                    writer.flush()
                    if cancelled and cancelled():
                        raise ImportCancelled()
                    if progress:
                        progress(state)
            writer.flush()
            if cancelled and cancelled():
                raise ImportCancelled()
            if ctx.lines is not None:
                summary.lines = ctx.lines.as_dict()
            summary.items = items.as_dict()
            summary.skipped_reasons = dict(items.reasons)
            writer.finish()
            # finishing a large load (its indexes rebuilt) takes a while: a cancel asked for
            # meanwhile still rolls the whole file back
            if cancelled and cancelled():
                raise ImportCancelled()
    except ImportCancelled as exc:
        _reset(summary)
        summary.error = str(exc)
    except UnreadableFileError as exc:
        _reset(summary)
        summary.error = _one_line(exc)
    except MALFORMED_INPUT as exc:
        # An importer met a value it could not handle; the record that caused it cannot be
        # skipped (the reader stopped there), so the whole file is refused, plainly.
        _reset(summary)
        summary.error = (
            f"{unit.display}: record {state.records + 1} is malformed "
            f"({type(exc).__name__}: {_one_line(exc)[:160]}); nothing from this file was kept"
        )
    except _sqlite.DatabaseError as exc:
        _reset(summary)
        # a server's error has DETAIL and CONTEXT lines (the whole row): its first line says it
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        summary.error = f"{unit.display}: the store could not be written ({first}); nothing kept"
    except OSError as exc:
        _reset(summary)
        summary.error = f"{unit.display}: {exc.strerror or exc}; nothing kept"
    summary.notes.extend(ctx.notes)
    if progress:
        progress(state)
    return summary


MALFORMED_INPUT = (
    TypeError,
    AttributeError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    RecursionError,
    MemoryError,
)


def _raw_bytes(post: PostRecord) -> bytes:
    raw = post.raw if isinstance(post.raw, str) else repr(post.raw)
    return raw.encode("utf-8", "surrogateescape")[:65536]


def _reset(summary: FileSummary) -> None:
    summary.inserted = summary.present = summary.quarantined = summary.skipped = 0
    summary.media_refused = summary.notices = 0
    summary.lines = summary.items = None
    summary.skipped_reasons = {}
    summary.import_id = None


class _ItemCount:
    """What an importer yielded: posts, skipped (by reason) and quarantined records."""

    __slots__ = ("posts", "skipped", "quarantined", "reasons")

    def __init__(self) -> None:
        self.posts = self.skipped = self.quarantined = 0
        self.reasons: dict[str, int] = {}

    def as_dict(self) -> dict[str, int]:
        return {
            "seen": self.posts + self.skipped + self.quarantined,
            "posts": self.posts,
            "skipped": self.skipped,
            "quarantined": self.quarantined,
        }


def _accounted(
    items: Iterator[ReadResult], ctx: ReadContext, count: _ItemCount
) -> Iterator[ReadResult]:
    """The importer's records, each checked (record_problem: a post that cannot be stored
    becomes a quarantined record here) and counted: in ``count`` and, for a line-based reader
    that keeps a tally (ctx.tally), against the line or CSV record it came from (issue 13's
    accounting rule). Runs on the reading thread, before prefetch, so the reader's current
    record is the one each item came from."""
    reasons = count.reasons
    for item in items:
        tally = ctx.tally
        if isinstance(item, PostRecord):
            problem = record_problem(item)
            if problem is None:
                count.posts += 1
                if tally is not None:
                    tally.outcome(LineTally.POST)
            else:
                item = BadRecord(problem, _raw_bytes(item))
                count.quarantined += 1
                if tally is not None:
                    tally.outcome(LineTally.BAD)
        elif isinstance(item, BadRecord):
            count.quarantined += 1
            if tally is not None:
                tally.outcome(LineTally.BAD)
        elif isinstance(item, Skipped):
            count.skipped += 1
            reasons[item.reason] = reasons.get(item.reason, 0) + 1
            if tally is not None:
                tally.outcome(LineTally.NOTICE)
        yield item
    if ctx.tally is not None:
        ctx.tally.finish()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


MEDIA_COLUMNS = (
    "post_id",
    "kind",
    "name",
    "source_path",
    "url",
    "stored_path",
    "sha256",
    "size",
    "mime",
    "missing",
)


class _BatchWriter:
    """Buffers records and writes them a batch at a time inside the file's transaction."""

    def __init__(
        self,
        store: Store,
        summary: FileSummary,
        root: Path | None = None,
        media_limit: int = MEDIA_SIZE_LIMIT,
    ) -> None:
        self.store = store
        self.summary = summary
        self.root = root  # media are copied only from inside this folder
        self.media_limit = media_limit
        self._media_key = evidence_key(store)  # encrypted copies in an encrypted store
        self.posts: list[Prepared] = []
        self.accounts: dict[tuple[str, str], int] = {}
        self.record_no = 0
        self.indexes = DeferredIndexes()

    def begin(self, conn: Any, unit: ImportUnit, fmt: str, sha: str, size: int) -> None:
        self.conn = conn
        self.now = utc_now_iso()
        self.sha = sha
        self.unit = unit
        self.import_uuid = str(uuidlib.uuid4())
        cur = conn.execute(
            "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (self.import_uuid, str(unit.display), sha, size, fmt, self.store.user, self.now),
        )
        self.import_id = cur.lastrowid
        self.summary.import_id = self.import_id
        # This transaction writes the FTS rows itself (see the posts_fts_insert trigger).
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_bulk', '1')")
        large = should_defer(conn, size)
        if large:  # a big file into a small store (ingest/bulk_load.py)
            self.indexes.drop(conn)
            conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        # executemany on SQLite, COPY on a team server (ingest/batch_rows.py)
        self.rows = row_writer(conn, large)
        # A team server's search rows come with their search keys (prepared.prepare_keyed;
        # pg_migrations/s002_search_keys.py), when its writer takes them.
        self.keyed = bool(getattr(self.rows, "search_keys", False))

    def add_post(self, post: PostRecord) -> None:
        self.add_prepared(prepare_keyed(post) if self.keyed else prepare(post))

    def add_prepared(self, post: Prepared) -> None:
        """A post whose row values are worked out already (ingest/prepared.py)."""
        self.record_no += 1
        self.posts.append(post)
        if len(self.posts) >= BATCH:
            self.flush()

    def add_bad(self, bad: BadRecord) -> None:
        self.record_no += 1
        reason, raw = quarantine_raw(bad.reason, bad.raw)  # a bounded prefix of the raw bytes
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO quarantine(import_id, path, sha256, record_no, line_no, reason,"
            " raw, at) VALUES (?,?,?,?,?,?,?,?)",
            (
                self.import_id,
                self.unit.display,
                self.sha,
                bad.record_no if bad.record_no is not None else self.record_no,
                bad.line_no,
                reason,
                raw,
                self.now,
            ),
        )
        # Counted every time it is seen; stored once (an earlier import may have kept it).
        self.summary.quarantined += 1
        del cur

    def add_notice(self, notice: Notice) -> None:
        """A chat's system notice, kept for provenance (migration 14), never a post."""
        self.record_no += 1
        self.conn.execute(
            "INSERT INTO system_notices(import_id, line_no, kind, language, sender, posted_at,"
            " raw) VALUES (?,?,?,?,?,?,?)",
            (
                self.import_id,
                notice.line_no,
                notice.kind,
                notice.language,
                notice.sender,
                notice.created_at,
                notice.raw[:65536],
            ),
        )
        self.summary.notices += 1

    def _account_ids(self, posts: list[Prepared]) -> None:
        new: dict[tuple[str, str], tuple[Any, ...]] = {}
        known = self.accounts
        if len(known) > ACCOUNT_IDS_KEPT:
            known.clear()
        for post in posts:
            acc = post[3]
            if acc is None:
                continue
            key = (acc[0], acc[1])
            if key not in known and key not in new:
                new[key] = acc
        if not new:
            return
        self.conn.executemany(
            "INSERT OR IGNORE INTO accounts(platform, platform_account_id, uuid, handle, "
            "display_name, url, created_at, followers, first_seen_import) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [(*a, self.import_id) for a in new.values()],
        )
        keys = list(new)
        for i in range(0, len(keys), 400):
            chunk = keys[i : i + 400]
            where = " OR ".join("(platform = ? AND platform_account_id = ?)" for _ in chunk)
            params = [v for k in chunk for v in k]
            for row in self.conn.execute(
                f"SELECT id, platform, platform_account_id FROM accounts WHERE {where}", params
            ):
                known[(row[1], row[2])] = row[0]

    def flush(self) -> None:
        posts = self.posts
        if not posts:
            return
        self.posts = []
        self._account_ids(posts)
        accounts = self.accounts
        import_id, now = self.import_id, self.now
        rows = [
            (
                p[0],
                p[1],
                p[2],
                accounts.get((p[3][0], p[3][1])) if p[3] is not None else None,
                p[4],
                p[5],
                p[6],
                p[7],
                p[8],
                p[9],
                import_id,
                now,
            )
            for p in posts
        ]
        inserted = self.rows.insert_posts(rows)  # in batch_rows.POST_COLUMNS order
        self.summary.inserted += len(inserted)
        self.summary.present += len(posts) - len(inserted)
        raw_rows = []
        fts_rows: list[tuple[Any, ...]] = []
        keyed = self.keyed
        media_rows = []
        refused_rows: list[tuple[int, int | None, str, str]] = []
        for p in posts:
            media = p[15]
            post_id = inserted.pop((p[1], p[2]), None)
            if post_id is None:
                # already in the store (or repeated within this file); refusals still counted
                if media:
                    self.summary.media_refused += sum(1 for m in media if m.refused)
                continue
            raw_rows.append((post_id, p[10], p[11]))
            # the index holds the search form (core/search_normal.py); posts.text stays as is
            if keyed:  # folded, and the keys worked out, by prepare_keyed
                fts_rows.append((post_id, p[12], p[13], p[14], p[16], p[17], p[18]))
            else:
                fts_rows.append((post_id, fold(p[12]), fold_name(p[13]), fold_name(p[14])))
            for m in media or ():
                row, refused = self._media_row(post_id, m)
                if refused is not None:
                    self.summary.media_refused += 1
                    refused_rows.append((post_id, self.import_id, m.name or m.path or "", refused))
                else:
                    media_rows.append(row)
        insert = self.rows.insert
        insert("media_refused", ("post_id", "import_id", "reference", "reason"), refused_rows)
        insert("post_raw", ("post_id", "raw", "extra"), raw_rows)
        insert("posts_fts", FTS_KEYED if keyed else FTS_COLUMNS, fts_rows)
        insert("media", MEDIA_COLUMNS, media_rows)
        self.indexes.keep_bounded(self.conn)  # an encrypted store's sort stays within budget

    def _media_row(self, post_id: int, m: Any) -> tuple[tuple[Any, ...], str | None]:
        """The media row for ``m``, or (nothing, the reason) when the file is refused.

        The file is opened by media_confine (inside the export root, a regular file, within the
        size limit, checked again on the opened descriptor) and that very handle is copied."""
        if m.refused:
            return (), m.refused
        stored = None
        if m.path and not m.missing:
            try:
                source = open_media(
                    Path(m.path), self.root or Path(m.path).parent, self.media_limit
                )
                with source:
                    stored = store_media_file(
                        source, self.store.path, suffix=Path(m.path).suffix, key=self._media_key
                    )
            except MediaRefused as exc:
                return (), exc.reason
            except OSError as exc:
                if getattr(exc, "errno", None) == 28:  # ENOSPC: the whole import must stop
                    raise
                stored = None
        row = (
            post_id,
            m.kind,
            m.name,
            m.path,
            m.url,
            stored.stored_path if stored else None,
            stored.sha256 if stored else None,
            stored.size if stored else None,
            m.mime,
            0 if stored else 1,
        )
        return row, None

    def finish(self) -> None:
        s = self.summary
        self.conn.execute("DELETE FROM meta WHERE key = 'fts_bulk'")
        self.indexes.restore(self.conn)  # same transaction as the drop: never left without
        self.rows.finish()  # the same for a team server's indexes (store/pg/bulk_copy.py)
        self.conn.execute(
            "UPDATE imports SET finished_at = ?, inserted = ?, present = ?, quarantined = ?, "
            "skipped = ?, media_refused = ?, line_account = ? WHERE id = ?",
            (
                utc_now_iso(),
                s.inserted,
                s.present,
                s.quarantined,
                s.skipped,
                s.media_refused,
                json.dumps(s.lines) if s.lines is not None else None,
                self.import_id,
            ),
        )
        append_audit(
            self.conn,
            self.store.user,
            "import",
            "import",
            self.import_uuid,
            {
                "path": self.unit.display,
                "sha256": self.sha,
                "format": s.format,
                "inserted": s.inserted,
                "present": s.present,
                "quarantined": s.quarantined,
                "skipped": s.skipped,
                "media_refused": s.media_refused,
                "notices": s.notices,
                "lines": s.lines,
            },
        )
