"""The review queue's table model: post ids in memory, rows loaded a page at a time.

Anki's browser model: a filter or sort is a new SQL query (store/queue.py), the model keeps the
resulting ids in a compact int64 array and fetches display rows for the pages the view paints,
keeping a small LRU of pages. There is no proxy model; row height is fixed by the view."""

from __future__ import annotations

import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from ..core.timeutil import to_local_text, to_utc_iso
from ..store.connection import Store
from ..store.queue import (
    QueueQuery,
    QueueRow,
    SearchPlan,
    first_kept,
    keep_only,
    queue_ids,
    queue_rows,
    search_hits,
    search_plan,
)
from .tasks import TaskContext, TaskRunner, on_own_connection, when_done

# Each post's tags (sorted) and status as a tag left them (store.decisions.TagOutcome.after).
Known = Mapping[int, tuple[tuple[str, ...], str]]

# Rows are read a page at a time, when the view first paints one of them. A screen shows ~36
# rows at 1080p, so a page a little larger than a screen: at 10M posts a page of 200 rows took
# ~7 ms to read and dress for display (queue_rows 4.3 ms, the display strings 2.5 ms) and one of
# 50 ~1.6 ms, paid by the first paint after a search or a far jump and by the tag key that
# scrolls onto an unread page. The cache holds 4,800 rows either way.
PAGE_SIZE = 50
MAX_PAGES = 96
# The first rows shown of a list (five screens at 1080p) before the rest is read: a common
# word's first page comes from the queue's head (store/search_head.py), and at 10M posts 400
# rows of "boat*" were not in the head (204 ms, a walk) where 200 are (78 ms). Whole pages:
# a page read while only the first rows were known stays as it was read.
HEAD_ROWS = 4 * PAGE_SIZE
# How long a copy of the queue is trusted when nothing says whether it still holds: on a team
# server (colleagues' commits are not counted) and under "only mine" (claims expire with time).
# A local store's copy is otherwise kept until another connection commits (_fresh_base); the
# window's own decisions patch it (_patch_base).
BASE_TTL_SECONDS = 60.0
# A search over the cached queue takes its first rows from it, on the window's thread, up to
# this many estimated matches (gathered at ~0.2 µs each: 80 ms at most); more, and the store's
# first page comes first (the head probe or the walk). At 10M posts, interleaved runs with
# 250,000 and with 400,000: germany (255,000 matches) 82-143 -> 64-93 ms, taxi (273,000)
# 81-93 -> 70-78 ms, lampedusa (296,000) about the same; speedboat (215,000) ~60 ms either way.
CACHED_SEARCH_MAX = 400_000
POST_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RTL_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS: tuple[tuple[str, str], ...] = (
    ("priority", "Priority"),
    ("platform", "Platform"),
    ("author", "Author"),
    ("posted", "Posted"),
    ("text", "Text"),
    ("tags", "Tags"),
    ("status", "Status"),
)
TEXT_COLUMN = 4
# Before the snippet of a post a search found only in the text read in its pictures (OCR).
PICTURE_MARK = "[picture text] "

_Index = QModelIndex | QPersistentModelIndex
_Line = tuple[QueueRow, tuple[str, ...]]
# The unsearched queue a search is filtered from: its query, when it was read, the store's
# count of other connections' commits before it was read (Store.others_changes), its ids.
_Base = tuple[QueueQuery, float, int | None, array]
# Reads a query's ids on a given connection, calling the second argument (if any) between
# slices of a long read, which may raise to stop it: (the ids, the unsearched queue read on the
# way, to cache, or None).
_Reader = Callable[[Store, Callable[[], None] | None], tuple[array, _Base | None]]
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
# The roles this model answers; the view asks for a dozen others per cell on every paint, and
# those return at once without touching the page cache.
_ROLES = frozenset({_DISPLAY, _TOOLTIP, _FOREGROUND, _ALIGN, POST_ID_ROLE, RTL_ROLE})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class QueueModel(QAbstractTableModel):
    """The review queue: post ids in memory, rows loaded a page at a time."""

    queryChanged = Signal(object)  # the QueueQuery now shown
    completed = Signal()  # the rest of a first-page-first list has been read
    readFailed = Signal(str)  # ...could not be read (the first rows stay)

    def __init__(self, store: Store | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._ids = array("q")
        # page number -> [(row, its seven display strings) or None], least recently used first
        self._pages: OrderedDict[int, list[_Line | None]] = OrderedDict()
        self._query = QueueQuery()
        self._labels: dict[str, str] = {}
        self._colours: dict[str, str] = {}
        self._total = 0
        # The ids of the last unsearched query, reused when a search is typed over it.
        self._base: _Base | None = None
        self._base_epoch = 0  # counts the times the cache was forgotten (see _read_rest)
        # ids that have left the cached queue after decisions (still in its array; see _run)
        self._dropped: set[int] = set()
        # posts of the loaded pages whose search hit is only in their pictures' text
        self._picture_only: set[int] = set()
        self._complete_timer = QTimer(self)
        self._complete_timer.setSingleShot(True)
        self._complete_timer.setInterval(0)
        self._complete_timer.timeout.connect(self._complete)
        # Where the rest of a list is read: a worker with its own connection (set_runner), or
        # None: on this thread (at ten million posts the whole queue takes seconds to read).
        self._runner: TaskRunner | None = None
        self._rest_job = 0  # the latest read asked of the worker; older answers are dropped
        self._rest_task: Any = None  # that read, until it arrives
        self._renewing: Any = None  # the copy read again on the worker (renew_copy), until then
        if store is not None:
            self._load_taxonomy(store)

    def set_runner(self, runner: TaskRunner | None) -> None:
        """Read the rest of a first-rows-first list (after opening, under a search) on
        ``runner``'s worker thread, on a connection of its own, so the window answers keys
        while it is read; None reads it on this thread."""
        self._runner = runner

    # -- queries --------------------------------------------------------------------------------
    @property
    def query(self) -> QueueQuery:
        return self._query

    @property
    def store(self) -> Store | None:
        return self._store

    def set_store(self, store: Store | None) -> None:
        """Point the model at another store (or none, when the window locks)."""
        self.beginResetModel()
        self._stop_reading()
        self._store = store
        self._ids = array("q")
        self._pages.clear()
        self._total = 0
        self._forget_base()
        if store is not None:
            self._load_taxonomy(store)
        self.endResetModel()

    def _load_taxonomy(self, store: Store) -> None:
        self._labels = {k: t.label for k, t in store.taxonomy.items()}
        self._colours = {k: t.colour for k, t in store.taxonomy.items()}

    def set_query(self, query: QueueQuery, *, first_page_first: bool = False) -> None:
        """Run ``query`` and show its ids; raises TriageError (e.g. a bad search) unchanged.

        ``first_page_first`` (opening the window): show the first rows at once and read the
        rest of the list on the next turn of the event loop, appending it as new rows. A search
        always shows its first rows first: the store finds them without reading every match
        (store/queue.py: _search_start), and the whole list, with its count, follows."""
        if self._store is None:
            return
        self._stop_reading()
        if first_page_first or query.search.strip():
            plan = None if first_page_first else search_plan(self._store, query, HEAD_ROWS)
            cached = self._search_of_cached_queue(query, plan)
            if cached is not None:
                ids, whole = cached  # from the queue already in memory
            else:
                ids = queue_ids(self._store, query, limit=HEAD_ROWS, plan=plan)
                whole = len(ids) < HEAD_ROWS
            if not whole:
                self._complete_timer.start()
        else:
            ids = self._run(query)  # may raise: the model stays as it was
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self._query = query
        self.endResetModel()
        self.queryChanged.emit(query)

    def _search_of_cached_queue(
        self, query: QueueQuery, plan: SearchPlan | None
    ) -> tuple[array, bool] | None:
        """The first rows of a search over the queue read a moment ago (the same filters and
        sort), and whether they are the whole list, when its matches are few enough to gather
        at once: the matches' ids (FTS5, about 0.3 µs each) kept in the cached queue's order
        through a bitmap, the queue read a slice at a time up to the first page. At 10M posts
        "visa" (112,000 matches) takes ~40 ms this way, where the store's first page walks a
        million entries of the order index (~220 ms). None: not cached, too many matches (their
        first page comes from the store), none at all (the store answers that at once), or
        PostgreSQL. The rest of the list is read on the worker, from the same cache."""
        assert self._store is not None
        if plan is None or not 0 < plan[1] <= CACHED_SEARCH_MAX:
            return None
        base = self._fresh_base(replace(query, search=""))
        if base is None:
            return None
        return first_kept(base, search_hits(self._store, query.search), HEAD_ROWS, self._dropped)

    def _fresh_base(self, base_query: QueueQuery) -> array | None:
        """The cached queue for ``base_query`` (the unsearched list), if still true.

        In a local store: while no other connection has committed since it was read (another
        program's import or tags; the window's own decisions patch the copy), and, under
        "only mine", whose claims expire with time, for BASE_TTL_SECONDS. Kept this way, a
        search an hour into a tagging session is filtered from the copy as one a moment after
        reading it (at 10M posts ~60-110 ms, against ~230 ms from the store), and one after
        another program's commit is not. On a team server, where colleagues' commits are not
        counted here: for BASE_TTL_SECONDS."""
        cached = self._base
        if cached is None or cached[0] != base_query or self._store is None:
            return None
        query, read_at, changes, ids = cached
        if changes is not None:
            if self._store.others_changes() != changes:
                return None
            if not query.only_mine:
                return ids
        return ids if time.monotonic() - read_at < BASE_TTL_SECONDS else None

    def _changes_now(self) -> int | None:
        """Store.others_changes on this thread's connection, asked before a queue is read
        (on this thread or the worker): a commit by anyone else after this, even while the
        worker reads, makes the copy read then untrusted."""
        return self._store.others_changes() if self._store is not None else None

    def _run(self, query: QueueQuery) -> array:
        """The ids for ``query``, read on this thread."""
        assert self._store is not None
        ids, base = self._reader(query)(self._store, None)
        if base is not None:
            self._base = base
            self._dropped = set()
        return ids

    def _reader(self, query: QueueQuery) -> _Reader:
        """What reads the ids for ``query`` on a connection it is given (this thread's, or a
        worker's). A search over the same filters and sort as a queue run a moment ago filters
        those ids by the full-text matches instead of sorting every match again in SQL (at a
        million posts: ~15 ms instead of ~150 ms)."""
        changes = self._changes_now()
        if not query.search.strip():
            self._forget_base()  # let go of the old queue before the new one is read

            def read_queue(
                store: Store, between: Callable[[], None] | None
            ) -> tuple[array, _Base | None]:
                ids = queue_ids(store, query, between_slices=between)
                return ids, (query, time.monotonic(), changes, ids)

            return read_queue
        base_query = replace(query, search="")
        base = self._fresh_base(base_query)
        if base is not None:
            # Posts that left the queue since it was read are taken out of the matches, not out
            # of the cached queue: the same list, without copying ten million ids (80 MB) per
            # search.
            dropped = array("q", sorted(self._dropped))

            def read_from_cache(
                store: Store, _between: Callable[[], None] | None
            ) -> tuple[array, _Base | None]:
                found = keep_only(base, search_hits(store, query.search))
                return _without(found, dropped), None

            return read_from_cache

        # A stale queue is let go before the new one is read, not after: at ten million posts
        # each is 80 MB, and holding both made the window's peak.
        self._forget_base()

        def read_afresh(
            store: Store, between: Callable[[], None] | None
        ) -> tuple[array, _Base | None]:
            base = queue_ids(store, base_query, between_slices=between)
            found = keep_only(base, search_hits(store, query.search))
            return found, (base_query, time.monotonic(), changes, base)

        return read_afresh

    @property
    def loading(self) -> bool:
        """True while the rows after the first page are still to be read."""
        return self._complete_timer.isActive() or self._rest_task is not None

    def _stop_reading(self) -> None:
        """Forget a read of the rest of a list still under way: it stops at its next slice
        (the worker is then free for the next list, and a locked store's connection closes),
        and an answer that comes anyway is dropped."""
        self._complete_timer.stop()
        self._rest_job += 1
        if self._rest_task is not None:
            self._rest_task.cancel()
        self._rest_task = None
        self._stop_renewal()  # the next list reads what it needs itself

    def _stop_renewal(self) -> None:
        """Stop a read of the copy again (renew_copy) at its next slice; its answer is dropped."""
        if self._renewing is not None:
            self._renewing.cancel()
            self._renewing = None

    def _complete(self) -> None:
        if self._store is None:
            return
        if self._runner is None:
            self._show_rest(self._run(self._query))
            return
        self._read_rest(self._store, self._query, self._runner)

    def _read_rest(self, store: Store, query: QueueQuery, runner: TaskRunner) -> None:
        """Read the whole list on the worker, on a connection of its own, and show it when it
        arrives, if the window still shows the same query of the same store."""
        read = self._reader(query)
        self._rest_job += 1
        job = self._rest_job
        epoch, dropped_before = self._base_epoch, set(self._dropped)

        def work(other: Store, ctx: TaskContext) -> tuple[int, array, _Base | None]:
            # a list replaced meanwhile stops at its next slice (_stop_reading cancels it)
            return (job, *read(other, ctx.stop_if_cancelled))

        def arrived(result: tuple[int, array, _Base | None]) -> None:
            number, ids, base = result
            task.result = None  # the ids live on in the model or not at all, not in the task
            if number != job or job != self._rest_job or self._store is not store:
                return  # another query, a lock or another store since: not this list's
            self._rest_task = None
            if base is not None and epoch == self._base_epoch:
                # Decisions taken while it was read keep their effect on the cache.
                self._base = base
                self._dropped -= dropped_before
            self._show_rest(ids)

        def failed(exc: BaseException) -> None:
            if job != self._rest_job:
                return
            self._rest_task = None
            self.readFailed.emit(f"The rest of the list could not be read: {exc}")

        task = runner.submit(on_own_connection(store, work), "queue list")
        self._rest_task = task
        when_done(task, arrived, failed)

    def _show_rest(self, full: array) -> None:
        """Show the whole list whose first rows are shown."""
        head = self._ids
        if full[: len(head)] == head:
            if len(full) > len(head):
                self.beginInsertRows(QModelIndex(), len(head), len(full) - 1)
                self._ids = full
                self.endInsertRows()
        else:  # the store changed in between: show the new list whole
            self.beginResetModel()
            self._ids = full
            self._pages.clear()
            self.endResetModel()
        self.completed.emit()

    def _patch_base(
        self, post_ids: set[int], shown: set[int] | None = None, known: Known | None = None
    ) -> None:
        """Keep the cached queue true after a decision on ``post_ids``: posts that left its
        filter (a tagged post is no longer "new") are dropped from it; if any post joined it,
        the cache is forgotten (its place in the order would need the whole query). ``known``:
        each post's tags and status as the decision left them (see refresh_posts)."""
        if self._store is None or not post_ids:
            return
        if self._base is None:
            # A queue being read on the worker may have been read before this decision: it
            # is shown, but not kept for searches; a copy only being read again (renew_copy)
            # is stopped, not read to the end for nothing beside the analyst's keys.
            self._base_epoch += 1
            self._stop_renewal()
            return
        query, _read_at, _changes, ids = self._base
        if len(post_ids) > 5000:  # a very large bulk action: simply query afresh next time
            self._forget_base()
            return
        # Rows on screen are in the cached queue when the screen shows it (or a search of it):
        # only the others need looking up in the million ids.
        same = shown is not None and replace(self._query, search="") == query
        # ...except those the cache dropped since (shown, but no longer in it).
        present = set(shown) - self._dropped if same and shown is not None else set()
        unknown = post_ids - present
        if unknown:
            present |= set(keep_only(array("q", sorted(unknown)), ids)) - self._dropped
        still = _still_selected(query, present, post_ids, known)
        if still is None:  # not decidable from what the decision changed: ask the store
            still = set(queue_ids(self._store, replace(query, pivot=tuple(sorted(post_ids)))))
        if still - present:
            self._forget_base()
            return
        # The cached ids keep the posts that left; _run takes them out when it uses the cache.
        self._dropped |= present - still

    def forget_base(self) -> None:
        """Decisions or imports changed which posts a filter selects: query afresh next time."""
        self._forget_base()

    def copy_outdated_by(self, changes: int | None) -> bool:
        """Whether the copy of the queue searches are filtered from was read before other
        connections' commits numbered ``changes`` (Store.others_changes; None on a team
        server, whose copy keeps its own time: False)."""
        base = self._base
        return changes is not None and base is not None and base[2] != changes

    def renew_copy(self) -> None:
        """Read the copy of the queue (the current query, unsearched) again on the worker and
        keep it, so that searches are filtered from it again instead of each first page
        coming from the store (at 10M posts up to 150-250 ms for some words, against 40-110
        ms from the copy). Called once another program's commits have stopped
        (ui/others_watch.py). Nothing on screen changes: the list shown stays as read until
        the analyst asks for it again (F5, another filter); a search shows the store as it
        is now. Not while a list is being read (that read keeps its own copy), nor twice at
        once; a new query stops it (_stop_reading), as does a decision that makes the copy
        untrue while it is read (its epoch)."""
        store, runner = self._store, self._runner
        if store is None or runner is None or self.loading or self._renewing is not None:
            return
        base_query = replace(self._query, search="")
        changes = self._changes_now()  # before the read: a commit during it outdates it
        # The outdated copy is let go first (at ten million posts each is 80 MB: holding
        # both made the window's peak 359 MB instead of 320-340). A decision taken while the
        # new one is read then finds no copy to patch and drops this read (_patch_base: the
        # epoch), which is what a decision that adds a post to the filter needs.
        self._base = None
        epoch = self._base_epoch

        def work(other: Store, ctx: TaskContext) -> array:
            return queue_ids(other, base_query, between_slices=ctx.stop_if_cancelled)

        def arrived(ids: array) -> None:
            task.result = None  # the ids live on in the model or not at all
            if self._renewing is not task:
                return  # stopped meanwhile, or a reply that came twice (when_done)
            self._renewing = None
            if self._store is not store or epoch != self._base_epoch:
                return
            if replace(self._query, search="") != base_query:
                return  # another filter since: its own read keeps its own copy
            self._base = (base_query, time.monotonic(), changes, ids)
            self._dropped = set()

        def failed(_exc: BaseException) -> None:
            if self._renewing is task:
                self._renewing = None  # searches come from the store, as before

        task = runner.submit(on_own_connection(store, work), "queue copy")
        self._renewing = task
        when_done(task, arrived, failed)

    def _forget_base(self) -> None:
        self._base = None
        self._base_epoch += 1  # a queue being read on the worker meanwhile is not cached

    def refresh(self) -> None:
        """Run the current query again (after an import, or new posts from elsewhere)."""
        self.forget_base()
        self.set_query(self._query)

    def total_posts(self) -> int:
        if self._store is None:
            return 0
        # max(id) is instant where count(*) reads the whole table; posts are never deleted,
        # so the largest rowid is the count.
        return int(self._store.scalar("SELECT coalesce(max(id), 0) FROM posts"))

    # -- ids ------------------------------------------------------------------------------------
    def post_id(self, row: int) -> int | None:
        if 0 <= row < len(self._ids):
            return int(self._ids[row])
        return None

    def ids(self) -> array:
        return self._ids

    def row_of(self, post_id: int, hint: int | None = None) -> int:
        """The row of ``post_id`` (looking near ``hint`` first), or -1."""
        if hint is not None and 0 <= hint < len(self._ids) and self._ids[hint] == post_id:
            return hint
        try:
            return self._ids.index(post_id)
        except ValueError:
            return -1

    def row_data(self, row: int) -> QueueRow | None:
        """The display row for ``row``, loading its page when needed."""
        line = self._line(row)
        return None if line is None else line[0]

    def _line(self, row: int) -> _Line | None:
        if not 0 <= row < len(self._ids) or self._store is None:
            return None
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            page = self._load_page(page_no)
        else:
            self._pages.move_to_end(page_no)
        return page[row - page_no * PAGE_SIZE]

    def read_ahead(self, row: int) -> None:
        """Read the page of ``row`` now unless it is cached (or there is no such row): the
        window asks for the rows just past the screen while the analyst reads."""
        if self._store is not None and 0 <= row < len(self._ids):
            page_no = row // PAGE_SIZE
            if page_no not in self._pages:
                self._load_page(page_no)

    def _load_page(self, page_no: int) -> list[_Line | None]:
        assert self._store is not None
        start = page_no * PAGE_SIZE
        ids = self._ids[start : start + PAGE_SIZE]
        found = {r.id: r for r in queue_rows(self._store, ids)}
        self._mark_picture_hits(list(found))
        page: list[_Line | None] = []
        for post_id in ids:
            r = found.get(post_id)
            page.append(None if r is None else (r, self._display_strings(r)))
        self._pages[page_no] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def refresh_posts(self, post_ids: Iterable[int], known: Known | None = None) -> None:
        """Reload the cached rows of these posts (after a tag or note) and repaint them.

        Only those rows are read again, not their pages: a tag key stays one small query.
        ``known`` (a tag key: store.decisions.TagOutcome.after): each post's tags and status
        as the decision committed them, the only parts of a row a tag changes. With every
        post in it, the rows are patched from it and nothing is read (on a team server two
        round trips fewer on every tag key)."""
        if self._store is None:
            return
        wanted = set(post_ids)
        if known is not None and not wanted <= known.keys():
            known = None
        hits = self._cached_lines_of(wanted)
        shown = {line[0].id for pn, i in hits if (line := self._pages[pn][i]) is not None}
        # a tag can move posts in or out of a status or tag filter
        self._patch_base(wanted, shown, known)
        if not hits:
            return
        fresh: dict[int, QueueRow] = {}
        if known is None:
            fresh = {r.id: r for r in queue_rows(self._store, list(wanted))}
            self._mark_picture_hits(list(fresh))
        rows: list[int] = []
        for page_no, offset in hits:
            page = self._pages[page_no]
            line = page[offset]
            assert line is not None
            if known is not None:  # the text is the same: its picture-only mark stays
                tags, status = known[line[0].id]
                new: QueueRow | None = replace(line[0], tags=tags, status=status)
            else:
                new = fresh.get(line[0].id)
            page[offset] = None if new is None else (new, self._display_strings(new))
            rows.append(page_no * PAGE_SIZE + offset)
        last = len(COLUMNS) - 1
        for r in rows:
            self.dataChanged.emit(self.index(r, 0), self.index(r, last))

    def _cached_lines_of(self, wanted: set[int]) -> list[tuple[int, int]]:
        """(page number, offset) of the cached lines that show a post of ``wanted``.

        A cached page's lines are its ids' rows in order (``_load_page``), so the ids are
        searched, in one numpy pass over the cached pages' slices of the list: a Python loop
        over the ~5,000 cached lines cost ~0.5 ms of every tag key."""
        pages = self._pages
        if not wanted or not pages:
            return []
        numbers = list(pages)
        sizes = [len(pages[n]) for n in numbers]
        view = np.frombuffer(self._ids, dtype=np.int64)
        cached = np.concatenate(
            [view[n * PAGE_SIZE : n * PAGE_SIZE + k] for n, k in zip(numbers, sizes, strict=True)]
        )
        found = np.flatnonzero(np.isin(cached, np.fromiter(wanted, np.int64, len(wanted))))
        if not len(found):
            return []
        ends = np.cumsum(sizes)
        hits: list[tuple[int, int]] = []
        for k in found.tolist():
            j = int(np.searchsorted(ends, k, side="right"))
            offset = k - int(ends[j]) + sizes[j]
            if pages[numbers[j]][offset] is not None:
                hits.append((numbers[j], offset))
        return hits

    # -- Qt model interface -------------------------------------------------------------------
    # flags() is QAbstractTableModel's own (enabled, selectable, no children): a Python
    # override would cost one more call per cell on every paint.
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort the queue by {COLUMNS[section][1].lower()}"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        line = self._line(index.row())
        if line is None:
            return None
        row, shown = line
        col = index.column()
        if role == _DISPLAY:
            return shown[col]
        if role == RTL_ROLE:
            return row.rtl
        if role == _ALIGN:
            return _RIGHT if col == 0 else None
        if role == _FOREGROUND:
            if col == 5 and row.tags:
                return QColor(self._colours.get(row.tags[0], "#444444"))
            return None
        if role == _TOOLTIP:
            return self._tooltip(row, col)
        if role == POST_ID_ROLE:
            return row.id
        return None

    def _mark_picture_hits(self, post_ids: list[int]) -> None:
        """Note which of these posts the search found only in their pictures' text."""
        self._picture_only.difference_update(post_ids)
        if self._store is not None and self._query.search.strip():
            from ..store.ocr import picture_only_hits

            self._picture_only |= picture_only_hits(self._store, self._query.search, post_ids)

    def found_only_in_pictures(self, post_id: int) -> bool:
        return post_id in self._picture_only

    def _display_strings(self, row: QueueRow) -> tuple[str, ...]:
        """The seven cells of a row, formatted once when its page loads."""
        status = row.status
        if row.cluster_size > 1:
            status = f"{row.status} · ×{row.cluster_size}"
        return (
            f"{row.priority:.2f}",
            row.platform,
            row.author,
            to_local_text(row.posted_at),
            (PICTURE_MARK if row.id in self._picture_only else "") + row.snippet,
            ", ".join(self._labels.get(t, t) for t in row.tags),
            status,
        )

    def _tooltip(self, row: QueueRow, col: int) -> str | None:
        if col == 3:
            return f"{to_utc_iso(row.posted_at)} (UTC)" if row.posted_at is not None else None
        if col == 4:
            if row.id in self._picture_only:
                return "Found only in the text read in this post's pictures\n\n" + row.snippet
            return row.snippet
        if col == 6 and row.cluster_size > 1:
            return f"{row.status}; one of {row.cluster_size} similar posts"
        if col == 5 and row.tags:
            return "\n".join(self._labels.get(t, t) for t in row.tags)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or self._store is None:
            return
        key = COLUMNS[column][0]
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._query.sort and descending == self._query.descending:
            return
        self.set_query(replace(self._query, sort=key, descending=descending))


def _still_selected(
    query: QueueQuery, present: set[int], post_ids: set[int], known: Known | None
) -> set[int] | None:
    """Which of ``post_ids`` the (unsearched) ``query`` selects after a tag, decided from
    ``known`` (tags and status as the tag left them), or None when that cannot be decided
    without the store. A tag changes a post's tags and status and makes it the tagger's
    ("only mine"); platform, language, dates, text and a pivot's list stay. A post in the
    cached queue (``present``) met every term when it was read, so only the status and tag
    terms can have changed for it; a post outside it might now meet them, and whether it
    meets the others only the store knows. A new QueueQuery term that a tag can change must
    be decided here too (or make this return None)."""
    if known is None:
        return None
    still = {
        p
        for p in post_ids
        if (not query.status or known[p][1] == query.status)
        and (not query.tag or query.tag in known[p][0])
    }
    return still if still <= present else None


def _without(ids: array, drop: array) -> array:
    """``ids`` in order, less those in ``drop``."""
    if not drop:
        return ids
    import numpy as np

    base = np.frombuffer(ids, dtype=np.int64)
    out = array("q")
    kept = base[~np.isin(base, np.frombuffer(drop, dtype=np.int64))]
    out.frombytes(kept.data.cast("B"))  # no second copy of the kept ids
    return out
