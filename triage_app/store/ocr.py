"""OCR in the background enrichment: read the text in every picture not yet read, store it per
media file (migration 19), run it through the indicators (phones to E.164, messaging links,
prices…, each marked as found in that picture), and add it to the post's search index.

Runs after the text enrichment (store/enrich.py calls :func:`ocr_pending`), one picture per
transaction so that a cancel or a crash loses at most the picture in flight; ``cancelled()`` is
checked before each picture and ``progress(done, total)`` called after it. Evidence copies are
encrypted at rest: each is decrypted in memory and handed to Tesseract on stdin (core/ocr.py),
never written in clear. The same file (same SHA-256) is read once per store.

When Tesseract or a language is missing, nothing fails: the run says which Debian package to
install (``OcrRun.notes``) and the posts carry on without (or with less) OCR.

``TRIAGE_NO_OCR=1`` turns it off (the test suite does, except the OCR tests)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.indicators import extract_indicators
from ..core.ocr import (
    LANGUAGE_NAMES,
    OcrResult,
    OcrUnavailable,
    engine,
    package_for,
    pick_languages,
    read_image,
)
from ..core.search_normal import fold
from ..core.timeutil import utc_now_iso
from .connection import Store
from .evidence_crypto import evidence_key, open_media
from .pending_media import PendingMedia

IMAGE_KINDS = ("photo", "image", "sticker", "gif")
# Between the post's own (folded) text and the pictures' text in its index row: control
# characters only, which the tokenizer reads as a separator (no searchable word).
OCR_MARK = "\n\x1f\x1f\n"

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass
class OcrRun:
    images: int = 0  # pictures looked at
    read: int = 0  # with some text
    failed: int = 0
    indicators: int = 0
    links: int = 0  # near-duplicate links made through the pictures' text
    cancelled: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what to install, said once


def ocr_enabled() -> bool:
    return os.environ.get("TRIAGE_NO_OCR", "") != "1"


PENDING = PendingMedia(IMAGE_KINDS, "image/", "media_text")


def pending_images(store: Store) -> int:
    return PENDING.count(store)


def ocr_pending(
    store: Store,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> OcrRun:
    """Read every picture not yet read (see the module's doc)."""
    started = time.perf_counter()
    run = OcrRun()
    total = pending_images(store)
    if total == 0:
        return run
    try:
        _name, installed = engine()
    except OcrUnavailable as exc:
        run.notes.append(str(exc))
        return run
    key = evidence_key(store.conn)
    missing: set[str] = set()
    columns = "m.id, m.post_id, m.stored_path, m.source_path, m.sha256, p.language, p.text"
    for media_id, post_id, stored, source, sha, language, text in PENDING.rows(
        store, columns, page=200
    ):
        if cancelled is not None and cancelled():
            run.cancelled = True
            break
        use, lacking = pick_languages(language, text or "", installed)
        missing.update(lacking)
        result, problem = _read_one(store, key, media_id, stored, source, sha, use)
        _write(store, media_id, post_id, language, result, problem, run)
        run.images += 1
        if progress is not None:
            progress(run.images, total)
    for lang in sorted(missing):
        run.notes.append(
            f"No Tesseract data for {LANGUAGE_NAMES.get(lang, lang)}: pictures were read "
            f"without it; install the Debian package {package_for(lang)}"
        )
    run.seconds = time.perf_counter() - started
    return run


def _read_one(
    store: Store,
    key: bytes | None,
    media_id: int,
    stored: str | None,
    source: str | None,
    sha: str | None,
    languages: list[str],
) -> tuple[OcrResult | None, str | None]:
    """What the picture says, or (None, why not). A file already read elsewhere in the store
    (same SHA-256) is not read again."""
    if sha:
        done = store.execute(
            "SELECT t.text, t.confidence, t.words, t.languages, t.engine FROM media_text t "
            "JOIN media m ON m.id = t.media_id WHERE m.sha256 = ? AND t.status = 'read' "
            "AND m.id != ? LIMIT 1",
            (sha, media_id),
        ).fetchone()
        if done is not None:
            result = OcrResult(done[0], done[1], [], done[3], done[4])
            result.words_json = done[2]  # type: ignore[attr-defined]
            return result, None
    from .enrich import _media_file

    path = _media_file(store, stored, source)
    if path is None:
        return None, "the picture is not in the evidence folder"
    try:
        with open_media(path, key) as handle:
            data = handle.read()  # decrypted in memory only
        return read_image(data, languages), None
    except OcrUnavailable as exc:
        return None, str(exc)
    except (OSError, ValueError) as exc:
        return None, f"unreadable picture: {exc}"
    except Exception as exc:  # Pillow raises its own kinds for damaged files
        return None, f"unreadable picture: {type(exc).__name__}: {exc}"


def _write(
    store: Store,
    media_id: int,
    post_id: int,
    language: str | None,
    result: OcrResult | None,
    problem: str | None,
    run: OcrRun,
) -> None:
    now = utc_now_iso()
    with store.transaction() as conn:
        conn.execute("DELETE FROM indicators WHERE media_id = ?", (media_id,))
        if result is None:
            run.failed += 1
            conn.execute(
                "INSERT OR REPLACE INTO media_text(media_id, post_id, status, detail, read_at) "
                "VALUES (?, ?, 'failed', ?, ?)",
                (media_id, post_id, problem, now),
            )
            return
        words = getattr(result, "words_json", None) or json.dumps(
            [
                [w.text, round(w.confidence, 1), w.left, w.top, w.width, w.height]
                for w in result.words
            ],
            ensure_ascii=False,
        )
        conn.execute(
            "INSERT OR REPLACE INTO media_text(media_id, post_id, status, text, confidence, words, "
            "languages, engine, read_at) VALUES (?, ?, 'read', ?, ?, ?, ?, ?, ?)",
            (
                media_id,
                post_id,
                result.text,
                result.confidence,
                words,
                result.languages,
                result.engine,
                now,
            ),
        )
        if not result.text.strip():
            return
        run.read += 1
        found = extract_indicators(result.text, language=language)
        conn.executemany(
            'INSERT INTO indicators(post_id, kind, value, raw, start, "end", media_id) '
            "VALUES (?,?,?,?,?,?,?)",
            [(post_id, i.kind, i.value, i.raw, i.start, i.end, media_id) for i in found],
        )
        run.indicators += len(found)
        index_picture_text(conn, post_id)
        run.links += link_by_picture_text(conn, post_id)


def index_picture_text(conn: Any, post_id: int) -> None:
    """The post's search row: its own text, then the text of all its pictures (folded)."""
    rebuild_search_row(conn, post_id)


def rebuild_search_row(conn: Any, post_id: int) -> None:
    """The post's search text rebuilt from all it says: its text and the transcript its export
    carried (``voice_to_text``, folded together as the import does), then the text read in its
    pictures after :data:`OCR_MARK`. Whatever rewrites ``posts.text`` or ``posts.account_id``
    (the index trigger then rebuilds the row from the text alone) calls this afterwards."""
    post = conn.execute(
        "SELECT p.text, r.extra FROM posts p LEFT JOIN post_raw r ON r.post_id = p.id "
        "WHERE p.id = ?",
        (post_id,),
    ).fetchone()
    if (
        post is None
        or conn.execute("SELECT 1 FROM posts_fts WHERE rowid = ?", (post_id,)).fetchone() is None
    ):
        return
    own = post[0] or ""
    spoken = _voice_to_text(post[1])
    if spoken:
        own = f"{own}\n{spoken}"
    texts = [
        r[0]
        for r in conn.execute(
            "SELECT text FROM media_text WHERE post_id = ? AND status = 'read' AND text != '' "
            "ORDER BY media_id",
            (post_id,),
        )
    ]
    combined = (fold(own) or "") + (OCR_MARK + (fold("\n".join(texts)) or "") if texts else "")
    conn.execute("UPDATE posts_fts SET text = ? WHERE rowid = ?", (combined, post_id))


def _voice_to_text(extra: str | None) -> str | None:
    if not extra:
        return None
    try:
        spoken = json.loads(extra).get("voice_to_text")
    except (ValueError, AttributeError):
        return None
    return spoken if isinstance(spoken, str) and spoken else None


# Picture-text band keys live apart from the posts' text keys (XOR with this salt).
_PICTURE_SALT = 0x3C6EF372FE94F82A


def _picture_text(conn: Any, post_id: int) -> str:
    return "\n".join(
        r[0]
        for r in conn.execute(
            "SELECT text FROM media_text WHERE post_id = ? AND status = 'read' ORDER BY media_id",
            (post_id,),
        )
    )


def link_by_picture_text(conn: Any, post_id: int) -> int:
    """Near-duplicates through the text read in pictures: the same flyer with another phone
    number (numbers are compared as "a number") joins the cluster of the first post that
    printed it, by the same MinHash/LSH rule as post texts (core/similarity.py). Returns the
    number of links made."""
    from ..core import similarity
    from ..core.priority import load_weights
    from .enrich import _json, _merge_clusters, _rescore

    sigs, has = similarity.text_signatures([_picture_text(conn, post_id)])
    if not has[0]:
        return 0
    keys = [int(k) ^ _PICTURE_SALT for k in similarity.text_band_keys(sigs)[0]]
    known = dict(
        conn.execute(
            "SELECT key, post_id FROM lsh_buckets WHERE key IN (SELECT value FROM json_each(?))",
            (_json(keys),),
        ).fetchall()
    )

    def similar(post: int, rep: int) -> bool:
        if rep == post:
            return False
        other, other_has = similarity.text_signatures([_picture_text(conn, rep)])
        return bool(other_has[0]) and (
            similarity.jaccard(sigs[0], other[0]) >= similarity.TEXT_THRESHOLD
        )

    linked = similarity.link_to_representatives([(post_id, keys)], known, similar)
    conn.executemany(
        "INSERT OR IGNORE INTO lsh_buckets(key, post_id) VALUES (?, ?)",
        list(linked.new_buckets.items()),
    )
    if linked.links:
        weights = load_weights()
        rescore = _merge_clusters(conn, linked.links, weights)
        rescore.add(post_id)
        _rescore(conn, sorted(rescore), time.time(), weights)
    return len(linked.links)


def picture_texts(store: Store, post_id: int) -> list[dict[str, Any]]:
    """The text read in each of the post's pictures, for the preview and `triage show`."""
    try:
        rows = store.execute(
            "SELECT media_id, status, text, confidence, languages, detail FROM media_text "
            "WHERE post_id = ? ORDER BY media_id",
            (post_id,),
        ).fetchall()
    except Exception:  # a store older than migration 19 (read-only views of old stores)
        return []
    return [
        {
            "media_id": r[0],
            "status": r[1],
            "text": r[2],
            "confidence": None if r[3] is None else round(float(r[3]), 1),
            "languages": r[4],
            "detail": r[5],
        }
        for r in rows
    ]


def picture_only_hits(store: Store, search: str, post_ids: list[int]) -> set[int]:
    """Of ``post_ids`` (posts a search found), those whose hit is only in the text read in their
    pictures, not in their own text: the queue marks them. One query over the few posts that
    have picture text; the others are not looked at."""
    if not search.strip() or not post_ids:
        return set()
    from ..core.search_normal import match_spans, query_terms

    terms = query_terms(search)
    if not terms:
        return set()
    pictures: dict[int, list[str]] = {}
    try:
        for start in range(0, len(post_ids), 500):
            chunk = [int(i) for i in post_ids[start : start + 500]]
            for post_id, text in store.execute(
                "SELECT post_id, text FROM media_text WHERE status = 'read' AND text != '' "
                "AND post_id IN (SELECT value FROM json_each(?))",
                (json.dumps(chunk),),
            ):
                pictures.setdefault(int(post_id), []).append(text)
    except Exception:  # a store older than migration 19
        return set()
    found = set()
    for post_id, texts in pictures.items():
        own = store.scalar("SELECT text FROM posts WHERE id = ?", (post_id,)) or ""
        if not match_spans(own, terms) and any(match_spans(t, terms) for t in texts):
            found.add(post_id)
    return found
