"""Enrichment of newly imported posts: indicators, language, near-duplicate clusters, priority.

The import pipeline calls :func:`enrich_pending` after each import. It takes the posts above
the high-water mark ``meta['enriched_upto']`` (new posts always get higher ids) in id order,
a batch at a time, and commits each batch in ONE transaction together with the new mark, so a
crash or a cancel loses at most the batch in flight and a rerun simply redoes it. Because
posts are always taken in id order and a post is compared only with the representatives of its
LSH band keys (core/similarity.py), enriching in many small runs gives the same clusters as
one run over everything.

Clusters: a link between a new post and an older one merges their clusters; the merged cluster
keeps the smallest id. Priority: new posts are scored, and so are older posts whose cluster
grew while it was still below the size where the cluster part of the score stops growing.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from ..core import similarity
from ..core.indicators import extract_indicators, load_lexicon, load_settings
from ..core.language import detect_language
from ..core.priority import (
    PostFeatures,
    PriorityWeights,
    explain_priority,
    load_weights,
    priority_total,
    score_post,
)
from .connection import Store
from .evidence_crypto import evidence_key, open_media

log = logging.getLogger(__name__)

HIGH_WATER_KEY = "enriched_upto"
BATCH_SIZE = 5000  # posts per transaction: fewer, larger commits rewrite hot pages less
IMAGE_KINDS = ("photo", "image", "sticker", "gif")

ProgressCallback = Callable[[int, int], None]  # (posts done, posts to do)
CancelCheck = Callable[[], bool]


@dataclass(slots=True)
class EnrichResult:
    """What one call did. ``cancelled`` is true when it stopped early between batches."""

    posts: int = 0
    indicators: int = 0
    languages: int = 0
    images_hashed: int = 0
    links: int = 0
    rescored: int = 0
    account_links: int = 0  # links between accounts made (store/networks.py)
    returning: int = 0  # posts marked returning after a takedown
    upto: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    pictures_read: int = 0  # OCR (store/ocr.py): pictures with text read
    picture_indicators: int = 0
    ocr_notes: list[str] = field(default_factory=list)  # e.g. which package to install
    videos_read: int = 0  # key frames read (store/video.py)
    video_indicators: int = 0


def high_water_mark(store: Store) -> int:
    """The id of the last post enriched (0 when none has been)."""
    value = store.meta(HIGH_WATER_KEY)
    return int(value) if value else 0


def pending_count(store: Store) -> int:
    """How many posts are waiting for enrichment."""
    return int(store.scalar("SELECT count(*) FROM posts WHERE id > ?", (high_water_mark(store),)))


def enrich_pending(
    store: Store,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    now: float | None = None,
    workers: int | None = None,
    ocr_progress: ProgressCallback | None = None,
    video_progress: ProgressCallback | None = None,
) -> EnrichResult:
    """Enrich every post not yet enriched, in batches (one transaction each).

    ``progress(done, total)`` is called after each batch; ``cancelled()`` is checked before
    each batch. ``now`` (unix seconds) is the time recency is measured from. ``workers``: how
    many helper processes compute language, indicators and signatures while this thread
    writes (default: one per CPU beyond the first, at most two, when at least PARALLEL_MIN
    posts wait, else none, as starting a process costs about a second); the results are the
    same either way."""
    restore_cache = _larger_cache(store)
    try:
        return _enrich(
            store, progress, cancelled, batch_size, now, workers, ocr_progress, video_progress
        )
    finally:
        restore_cache()


def _enrich(
    store: Store,
    progress: ProgressCallback | None,
    cancelled: CancelCheck | None,
    batch_size: int,
    now: float | None,
    workers: int | None,
    ocr_progress: ProgressCallback | None,
    video_progress: ProgressCallback | None,
) -> EnrichResult:
    started = time.perf_counter()
    now = time.time() if now is None else now
    weights = load_weights()
    result = EnrichResult(upto=high_water_mark(store))
    total = pending_count(store)
    if workers is None:
        # One core stays with this (writing) process; at most two helpers.
        workers = min(2, (os.cpu_count() or 1) - 1) if total >= PARALLEL_MIN else 0
    pool = _pool(workers) if workers > 0 else None
    memo: dict[Any, Any] = {}  # see compute_batch
    try:
        # With helper processes, the next batches are computed while this one is written.
        in_flight: deque[tuple[list[tuple[int, str, str | None]], Future[_Computed] | None]]
        in_flight = deque()
        after = result.upto
        while True:
            while len(in_flight) < max(1, workers + 1):
                rows = _read_batch(store.conn, after, batch_size)
                if not rows:
                    break
                after = rows[-1][0]
                in_flight.append((rows, _submit(pool, rows) if pool else None))
            if not in_flight:
                break
            if cancelled is not None and cancelled():
                result.cancelled = True
                break
            rows, future = in_flight.popleft()
            try:
                computed = future.result() if future is not None else compute_batch(rows, memo)
            except BrokenProcessPool:
                # A helper died (killed, out of memory): finish this run in this process.
                log.warning("enrichment helper process failed; continuing without helpers")
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
                pool = None
                in_flight = deque((r, None) for r, _ in in_flight)
                computed = compute_batch(rows, memo)
            with store.transaction() as conn:
                _write_batch(store, conn, result.upto, rows, computed, now, weights, result)
            result.posts += len(rows)
            if progress is not None:
                progress(result.posts, total)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if not result.cancelled:
        _read_pictures(store, result, ocr_progress, cancelled, video_progress)
    if not result.cancelled:
        from .networks import update_networks

        networks = update_networks(store)
        result.account_links, result.returning = networks.links, len(networks.returning)
    result.seconds = time.perf_counter() - started
    return result


def _read_pictures(
    store: Store,
    result: EnrichResult,
    progress: ProgressCallback | None,
    cancelled: CancelCheck | None,
    video_progress: ProgressCallback | None = None,
) -> None:
    """Then the text in the pictures (OCR), picture by picture, cancellable (store/ocr.py)."""
    from .ocr import ocr_enabled, ocr_pending

    if not ocr_enabled():
        return
    run = ocr_pending(store, progress, cancelled)
    result.pictures_read = run.read
    result.picture_indicators = run.indicators
    result.ocr_notes = run.notes
    result.cancelled = result.cancelled or run.cancelled
    for note in run.notes:
        log.warning("%s", note)
    if not result.cancelled:
        _read_videos(store, result, video_progress, cancelled)


def _read_videos(
    store: Store,
    result: EnrichResult,
    progress: ProgressCallback | None,
    cancelled: CancelCheck | None,
) -> None:
    """Then the videos: key frames, their hashes and text (store/video.py), cancellable."""
    from .video import video_pending

    run = video_pending(store, progress, cancelled)
    result.videos_read = run.read
    result.video_indicators = run.indicators
    result.cancelled = result.cancelled or run.cancelled
    for note in run.notes:
        if not any(note.startswith(said) for said in result.ocr_notes):
            log.warning("%s", note)
            result.ocr_notes.append(note)


PARALLEL_MIN = 20000
# SQLite's page cache while enriching (KiB): the indexes enrichment writes into (priority,
# cluster, indicator values, band keys) outgrow the default 2 MB from a few 100,000 posts on,
# and each batch then reads the same pages again.
ENRICH_CACHE_KIB = 65536


def _larger_cache(store: Store) -> Callable[[], None]:
    """Raise the connection's page cache for the run; returns what puts it back."""
    if getattr(store, "backend", "sqlite") != "sqlite":
        return lambda: None
    before = int(store.scalar("PRAGMA cache_size"))
    if before < 0 and -before >= ENRICH_CACHE_KIB:
        return lambda: None
    store.conn.execute(f"PRAGMA cache_size = -{ENRICH_CACHE_KIB}")
    return lambda: store.conn.execute(f"PRAGMA cache_size = {before}")


def _pool(workers: int) -> ProcessPoolExecutor:
    # "spawn": never fork a process that may be running Qt or other threads.
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_leave_with_parent
    )


def _leave_with_parent() -> None:
    """In a helper: exit as soon as the process that started it is gone. A helper whose
    enrichment was killed (SIGKILL, a crash) would otherwise wait for work for ever."""
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent has ended
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()


@contextmanager
def _caller_script_hidden() -> Iterator[None]:
    """Hide the running script from "spawn", which would otherwise re-run a script that lacks
    an ``if __name__ == "__main__"`` guard in each helper; the helpers only need this package."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _submit(pool: ProcessPoolExecutor, rows: list[tuple[int, str, str | None]]) -> Future[Any]:
    with _caller_script_hidden():  # a helper process may be started by this submit
        return pool.submit(_compute_in_helper, rows)


def _read_batch(conn: Any, after: int, limit: int) -> list[tuple[int, str, str | None]]:
    return [
        (r[0], r[1] or "", r[2])
        for r in conn.execute(
            "SELECT id, text, language FROM posts WHERE id > ? ORDER BY id LIMIT ?",
            (after, limit),
        )
    ]


@dataclass(slots=True)
class _Computed:
    """What a batch's texts give on their own, without the store (picklable)."""

    languages: list[str | None]  # detected where the post had none, else None
    indicators: list[tuple[int, str, str, str, int, int]]
    signatures: np.ndarray
    has_signature: np.ndarray


def compute_batch(
    rows: Sequence[tuple[int, str, str | None]], memo: dict[Any, Any] | None = None
) -> _Computed:
    """Language (where missing), indicators and text signatures of (id, text, language) rows.

    ``memo`` keeps what each text gave for the texts that follow (one per enrich_pending call;
    a helper process keeps its own, as it lives for one call: _compute_in_helper)."""
    detected: list[str | None] = []
    found: list[tuple[int, str, str, str, int, int]] = []
    settings, lexicon = load_settings(), load_lexicon()
    if memo is None:
        memo = {}
    for pid, text, language in rows:
        key = (text, language)
        known = memo.get(key)
        if known is None:
            new_language = None if language else detect_language(text)
            spans = tuple(
                (ind.kind, ind.value, ind.raw, ind.start, ind.end)
                for ind in extract_indicators(
                    text, language=language or new_language, settings=settings, lexicon=lexicon
                )
            )
            known = (new_language, spans)
            if len(text) <= MEMO_TEXT_CHARS:
                if len(memo) >= MEMO_TEXTS:
                    del memo[next(iter(memo))]  # the oldest: reposts come close together
                memo[key] = known
        detected.append(known[0])
        found.extend((pid, *span) for span in known[1])
    # A text repeated within the batch is hashed once.
    distinct: dict[str, int] = {}
    where = [distinct.setdefault(r[1], len(distinct)) for r in rows]
    sigs, has = similarity.text_signatures(list(distinct))
    if len(distinct) < len(rows):
        sigs, has = sigs[where], has[where]
    return _Computed(detected, found, sigs, has)


# Reposts repeat a text word for word (a third to a half of the posts of the demo corpus): what
# a text gives is kept for the next MEMO_TEXTS texts of at most MEMO_TEXT_CHARS characters, in
# each enrich_pending call.
MEMO_TEXTS = 20000
MEMO_TEXT_CHARS = 1000
_HELPER_MEMO: dict[Any, Any] = {}


def _compute_in_helper(rows: Sequence[tuple[int, str, str | None]]) -> _Computed:
    """compute_batch in a helper process, with the memo it keeps for its call's batches."""
    return compute_batch(rows, _HELPER_MEMO)


def _write_batch(
    store: Store,
    conn: Any,
    after: int,
    rows: list[tuple[int, str, str | None]],
    computed: _Computed,
    now: float,
    weights: PriorityWeights,
    result: EnrichResult,
) -> None:
    ids = [r[0] for r in rows]
    last = ids[-1]
    detected = [(lang, pid) for pid, lang in zip(ids, computed.languages, strict=True) if lang]
    conn.executemany("UPDATE posts SET language = ? WHERE id = ?", detected)
    result.languages += len(detected)

    # The deletes make a rerun of a half-done batch harmless.
    conn.execute(
        "DELETE FROM indicators WHERE post_id > ? AND post_id <= ? AND media_id IS NULL",
        (after, last),
    )  # those read in pictures (media_id) belong to store/ocr.py
    conn.executemany(
        'INSERT INTO indicators(post_id, kind, value, raw, start, "end") VALUES (?,?,?,?,?,?)',
        computed.indicators,
    )
    result.indicators += len(computed.indicators)

    links = _link_batch(store, conn, ids, computed, after, last, result)
    result.links += len(links)
    joined: dict[int, tuple[int, int]] = {}
    rescore = _merge_clusters(conn, links, weights, joined)
    rescore.update(ids)
    _rescore(conn, sorted(rescore), now, weights, joined)
    result.rescored += len(rescore) - len(ids)

    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (HIGH_WATER_KEY, str(last)),
    )
    result.upto = last


def _json(ids: Iterable[int]) -> str:
    """A JSON list of ids (for ``json_each``), written directly: json.dumps costs more."""
    return "[" + ",".join(map(str, map(int, ids))) + "]"


# -- near-duplicates --------------------------------------------------------------------------


def _media_file(store: Store, stored_path: str | None, source_path: str | None) -> Path | None:
    from ..ingest.evidence import evidence_dir

    if stored_path:
        candidate = evidence_dir(store.path) / stored_path
        if candidate.is_file():
            return candidate
    if source_path and Path(source_path).is_file():
        return Path(source_path)
    return None


def _phash(path: Path, key: bytes | None) -> str | None:
    """The perceptual hash of a media file, an encrypted evidence copy decrypted in memory."""
    try:
        with open_media(path, key) as source:
            return similarity.image_phash(source)
    except OSError:
        return None


def _batch_phashes(
    store: Store, conn: Any, after: int, last: int, result: EnrichResult
) -> dict[int, list[str]]:
    """Perceptual hashes of the batch's images, computing the ones not yet known."""
    kinds = ",".join("?" * len(IMAGE_KINDS))
    rows = conn.execute(
        "SELECT id, post_id, stored_path, source_path, phash, mime, sha256 FROM media "
        f"WHERE post_id > ? AND post_id <= ? AND (kind IN ({kinds}) OR mime LIKE 'image/%') "
        "AND missing = 0 ORDER BY post_id, id",
        (after, last, *IMAGE_KINDS),
    ).fetchall()
    # The same file (same SHA-256) already hashed anywhere in the store is not hashed again.
    wanted = {r[6] for r in rows if not r[4] and r[6]}
    by_sha: dict[str, str] = {}
    if wanted:
        by_sha = dict(
            conn.execute(
                "SELECT sha256, phash FROM media WHERE phash IS NOT NULL "
                "AND sha256 IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(wanted)),),
            ).fetchall()
        )
    out: dict[int, list[str]] = {}
    media_key = evidence_key(conn)
    for media_id, post_id, stored, source, phash, _mime, sha in rows:
        if not phash:
            phash = by_sha.get(sha) if sha else None
            if phash is None:
                path = _media_file(store, stored, source)
                phash = _phash(path, media_key) if path else None
                result.images_hashed += 1 if phash else 0
            if phash:
                conn.execute("UPDATE media SET phash = ? WHERE id = ?", (phash, media_id))
                if sha:
                    by_sha[sha] = phash
        if phash:
            out.setdefault(post_id, []).append(phash)
    return out


def _link_batch(
    store: Store,
    conn: Any,
    ids: list[int],
    computed: _Computed,
    after: int,
    last: int,
    result: EnrichResult,
) -> list[tuple[int, int]]:
    """Links (new post, similar post) for the batch, and the new band buckets stored."""
    sigs, has = computed.signatures, computed.has_signature
    keys = similarity.text_band_keys(sigs)
    row_of = {pid: i for i, pid in enumerate(ids)}
    conn.execute("DELETE FROM text_signatures WHERE post_id > ? AND post_id <= ?", (after, last))
    conn.executemany(
        "INSERT INTO text_signatures(post_id, signature) VALUES (?, ?)",
        [(pid, similarity.signature_bytes(sigs[i])) for i, pid in enumerate(ids) if has[i]],
    )
    text_rows = np.flatnonzero(has)
    text_ids = [ids[i] for i in text_rows.tolist()]
    text_keys = keys[text_rows]
    phashes = _batch_phashes(store, conn, after, last, result)
    image_items = [
        (pid, [k for h in phashes[pid] for k in similarity.image_band_keys(h)])
        for pid in ids
        if pid in phashes
    ]
    all_keys = text_keys.ravel().tolist() + [k for _, ks in image_items for k in ks]
    known: dict[int, int] = {}
    for start in range(0, len(all_keys), 50000):
        chunk = all_keys[start : start + 50000]
        known.update(
            conn.execute(
                "SELECT key, post_id FROM lsh_buckets "
                "WHERE key IN (SELECT value FROM json_each(?))",
                (_json(chunk),),
            ).fetchall()
        )
    older = {rep for rep in known.values() if rep not in row_of}

    old_sigs: dict[int, np.ndarray] = {}
    old_phashes: dict[int, list[str]] = {}
    if older:
        for pid, blob in conn.execute(
            "SELECT post_id, signature FROM text_signatures "
            "WHERE post_id IN (SELECT value FROM json_each(?))",
            (_json(older),),
        ):
            old_sigs[pid] = similarity.signature_from_bytes(blob)
        if image_items:
            for pid, phash in conn.execute(
                "SELECT post_id, phash FROM media WHERE phash IS NOT NULL "
                "AND post_id IN (SELECT value FROM json_each(?))",
                (_json(older),),
            ):
                old_phashes.setdefault(pid, []).append(phash)

    def image_similar(post: int, rep: int) -> bool:
        # The same stock photo under two unrelated texts is not a repost: a post with text
        # joins by its image only a post whose text is at least a little alike. A post with no
        # comparable text (a bare photo) joins the first post with the same image.
        if has[row_of[post]]:
            if rep in row_of:
                other = sigs[row_of[rep]] if has[row_of[rep]] else None
            else:
                other = old_sigs.get(rep)
            if other is None:
                return False
            if similarity.jaccard(sigs[row_of[post]], other) < similarity.IMAGE_TEXT_MIN:
                return False
        theirs = phashes.get(rep) if rep in row_of else old_phashes.get(rep)
        return any(
            similarity.hamming(a, b) <= similarity.PHASH_MAX_DISTANCE
            for a in phashes.get(post, ())
            for b in theirs or ()
        )

    # Every (post, representative) pair of the batch is judged in one numpy step.
    asked, text_buckets = similarity.candidate_pairs(text_ids, text_keys, known)
    text_links = similarity.LinkResult(_similar_pairs(asked, sigs, row_of, old_sigs), text_buckets)
    # One image link per post at most: a post with no text must not bridge two clusters.
    image_links = similarity.link_to_representatives(
        image_items, known, image_similar, first_only=True
    )
    conn.executemany(
        "INSERT OR IGNORE INTO lsh_buckets(key, post_id) VALUES (?, ?)",
        [*text_links.new_buckets.items(), *image_links.new_buckets.items()],
    )
    return text_links.links + image_links.links


def _similar_pairs(
    pairs: list[tuple[int, int]],
    sigs: np.ndarray,
    row_of: dict[int, int],
    old_sigs: dict[int, np.ndarray],
) -> list[tuple[int, int]]:
    """The (new post, representative) pairs whose texts are similar, in their order; a
    representative without a stored signature is similar to nothing."""
    if not pairs:
        return []
    older = list(old_sigs)
    table = np.vstack([sigs, *[old_sigs[pid][None, :] for pid in older]])
    row = {pid: len(sigs) + k for k, pid in enumerate(older)}
    row.update(row_of)  # a post of the batch is read from the batch
    kept = [i for i, (_, rep) in enumerate(pairs) if rep in row]
    mine = table[[row_of[pairs[i][0]] for i in kept]]
    theirs = table[[row[pairs[i][1]] for i in kept]]
    similar = similarity.similar_texts(mine, theirs)
    return [pairs[i] for i, yes in zip(kept, similar.tolist(), strict=True) if yes]


def _merge_clusters(
    conn: Any,
    links: Sequence[tuple[int, int]],
    weights: PriorityWeights,
    joined: dict[int, tuple[int, int]] | None = None,
) -> set[int]:
    """Apply the links to posts.cluster_id and clusters; return older posts to rescore.

    With ``joined``, the posts that were in no cluster are not written here but put in it as
    post -> (cluster, its size): _rescore then writes their cluster with their priority, one
    update of each row instead of two."""
    if not links:
        return set()
    involved = {p for link in links for p in link}
    cluster_of: dict[int, int] = {}
    for pid, cid in conn.execute(
        "SELECT id, cluster_id FROM posts WHERE id IN (SELECT value FROM json_each(?))",
        (_json(involved),),
    ):
        cluster_of[pid] = cid if cid is not None else pid
    uf = similarity.UnionFind()
    for a, b in links:
        uf.union(cluster_of.get(a, a), cluster_of.get(b, b))
    groups = uf.groups()
    labels = {label for members in groups.values() for label in members}
    sizes = dict(
        conn.execute(
            "SELECT id, size FROM clusters WHERE id IN (SELECT value FROM json_each(?))",
            (_json(labels),),
        ).fetchall()
    )
    saturated = weights.caps.get("cluster_size", 16)
    rescore: set[int] = set()
    singles: list[tuple[int, int]] = []
    new_sizes: list[tuple[int, int]] = []
    for root, members in groups.items():
        size = 0
        for label in members:
            if label in sizes:
                size += sizes[label]
                if sizes[label] < saturated:
                    rescore.update(
                        r[0]
                        for r in conn.execute("SELECT id FROM posts WHERE cluster_id = ?", (label,))
                    )
                if label != root:
                    conn.execute(
                        "UPDATE posts SET cluster_id = ? WHERE cluster_id = ?", (root, label)
                    )
                    conn.execute("DELETE FROM clusters WHERE id = ?", (label,))
            else:
                size += 1
                rescore.add(label)
                singles.append((root, label))
        new_sizes.append((root, size))
    if joined is None:
        conn.executemany("UPDATE posts SET cluster_id = ? WHERE id = ?", singles)
    else:
        size_of = dict(new_sizes)
        joined.update((label, (root, size_of[root])) for root, label in singles)
    conn.executemany(
        "INSERT INTO clusters(id, size) VALUES (?, ?) "
        "ON CONFLICT(id) DO UPDATE SET size = excluded.size",
        new_sizes,
    )
    return rescore


# -- priority ---------------------------------------------------------------------------------


def post_features(conn: Any, post_ids: Sequence[int]) -> dict[int, PostFeatures]:
    """What the priority score needs for each post, read from the store."""
    features: dict[int, PostFeatures] = {}
    for start in range(0, len(post_ids), 20000):
        chunk = _json(post_ids[start : start + 20000])
        for pid, posted_at, referred, size in conn.execute(
            "SELECT p.id, p.posted_at, COALESCE(a.referred, 0), COALESCE(c.size, 1) FROM posts p "
            "LEFT JOIN accounts a ON a.id = p.account_id "
            "LEFT JOIN clusters c ON c.id = p.cluster_id "
            "WHERE p.id IN (SELECT value FROM json_each(?))",
            (chunk,),
        ):
            features[pid] = PostFeatures({}, int(size), bool(referred), posted_at)
        for pid, kind, count in conn.execute(
            "SELECT post_id, kind, count(DISTINCT value) FROM indicators "
            "WHERE post_id IN (SELECT value FROM json_each(?)) GROUP BY post_id, kind",
            (chunk,),
        ):
            features[pid].counts[kind] = int(count)
        _returning_features(conn, chunk, features)
    return features


def _returning_features(conn: Any, chunk: str, features: dict[int, PostFeatures]) -> None:
    """Posts returning after a takedown (store/networks.py): the reason and the weight."""
    from .networks import returning_weight

    rows = conn.execute(
        "SELECT post_id, reason FROM returning_posts "
        "WHERE post_id IN (SELECT value FROM json_each(?))",
        (chunk,),
    ).fetchall()
    if rows:
        points = returning_weight(conn)
        for pid, reason in rows:
            if pid in features:
                features[pid].returning, features[pid].returning_points = reason, points


def _rescore(
    conn: Any,
    post_ids: Sequence[int],
    now: float,
    weights: PriorityWeights,
    joined: dict[int, tuple[int, int]] | None = None,
) -> None:
    """Score the posts and store their priority; ``joined`` (from _merge_clusters): posts
    whose new cluster is written here too, scored with that cluster's size."""
    features = post_features(conn, post_ids)
    joined = joined or {}
    for pid, (_, size) in joined.items():
        features[pid].cluster_size = size
    conn.executemany(
        "UPDATE posts SET priority = ? WHERE id = ?",
        [
            (priority_total(f, now, weights), pid)
            for pid, f in features.items()
            if pid not in joined
        ],
    )
    conn.executemany(
        "UPDATE posts SET priority = ?, cluster_id = ? WHERE id = ?",
        [
            (priority_total(features[pid], now, weights), root, pid)
            for pid, (root, _) in joined.items()
        ],
    )


def rescore(
    store: Store,
    post_ids: Sequence[int] | None = None,
    *,
    now: float | None = None,
    batch_size: int = 20000,
) -> int:
    """Recompute the priority of ``post_ids`` (every enriched post when None), e.g. after the
    weights changed or accounts were referred. Returns how many posts were scored."""
    now = time.time() if now is None else now
    weights = load_weights()
    if post_ids is None:
        upto = high_water_mark(store)
        post_ids = [
            r[0] for r in store.execute("SELECT id FROM posts WHERE id <= ? ORDER BY id", (upto,))
        ]
    for start in range(0, len(post_ids), batch_size):
        with store.transaction() as conn:
            _rescore(conn, post_ids[start : start + batch_size], now, weights)
    return len(post_ids)


def rescore_accounts(store: Store, account_ids: Sequence[int], *, now: float | None = None) -> int:
    """Rescore every post of these accounts (call after marking them referred)."""
    ids = [
        r[0]
        for r in store.execute(
            "SELECT id FROM posts WHERE account_id IN (SELECT value FROM json_each(?))",
            (_json(account_ids),),
        )
    ]
    return rescore(store, ids, now=now)


def explain_post_priority(store: Store, post_id: int, *, now: float | None = None) -> str:
    """The priority tooltip for one post, from what the store holds now."""
    features = post_features(store.conn, [post_id]).get(post_id)
    if features is None:
        return "No such post"
    now = time.time() if now is None else now
    return explain_priority(score_post(features, now, load_weights()))
