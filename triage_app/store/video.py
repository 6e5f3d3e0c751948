"""Videos in the background enrichment: read every video not yet read (core/video.py), store
its duration, size, codec and key frames (migration 20), read the text in each key frame with
the pictures' OCR (core/ocr.py), and run that text through the indicators, each marked with the
video and the time it was read at ("in video at 0:12").

Runs after the pictures' OCR (store/enrich.py), one video per transaction, so a cancel or a
crash loses at most the video in flight; ``cancelled()`` is checked before each video and
``progress(done, total)`` called after it. Encrypted evidence copies are decrypted on the fly
into PyAV (a seekable reader, store/evidence_crypto.py), never written in clear; the key frames
are JPEGs kept inside the store (as encrypted as the store). The same file (same SHA-256) is
decoded once per store. A file PyAV cannot read gets one line saying why (``VideoRun.notes``
and ``media_video.detail``) and the run carries on.

The text of a video's frames is also stored as the video's ``media_text`` row, so search finds
it (as "picture text") and near-duplicates compare it like a picture's text (store/ocr.py).
Key-frame perceptual hashes link re-uploaded clips (trimmed, re-encoded) into one cluster:
a post joins the post that first had a frame within ``PHASH_MAX_DISTANCE`` bits when at least
``FRAMES_TO_LINK`` (or all, when fewer) of its non-flat frames match that post's frames.

Speech is not turned into text (no model ships here). A transcript an export already carries
(TikTok's ``voice_to_text``) is kept as the video's ``transcript``."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core import similarity
from ..core.indicators import extract_indicators
from ..core.ocr import OcrUnavailable, engine, pick_languages, read_image
from ..core.timeutil import utc_now_iso
from ..core.video import KeyFrame, VideoInfo, VideoUnreadable, format_time, read_video
from .connection import Store
from .evidence_crypto import evidence_key, open_media
from .pending_media import PendingMedia

VIDEO_KINDS = ("video", "animated_gif")
FRAMES_TO_LINK = 2
# Video-frame band keys live apart from the pictures' keys (XOR with this salt).
_VIDEO_SALT = 0x510E527FADE682D1

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass
class VideoRun:
    videos: int = 0  # looked at
    read: int = 0
    failed: int = 0
    frames: int = 0
    indicators: int = 0
    links: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


PENDING = PendingMedia(VIDEO_KINDS, "video/", "media_video")


def pending_videos(store: Store) -> int:
    return PENDING.count(store)


def video_pending(
    store: Store,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    *,
    ocr: bool = True,
) -> VideoRun:
    """Read every video not yet read (see the module's doc)."""
    started = time.perf_counter()
    run = VideoRun()
    total = pending_videos(store)
    if total == 0:
        return run
    installed: frozenset[str] | None = None
    if ocr:
        try:
            installed = engine()[1]
        except OcrUnavailable as exc:
            run.notes.append(f"{exc} (video frames were not read for text)")
    key = evidence_key(store.conn)
    columns = (
        "m.id, m.post_id, m.stored_path, m.source_path, m.sha256, m.name, p.language, p.text"
    )
    for media_id, post_id, stored, source, sha, name, language, text in PENDING.rows(
        store, columns, page=100
    ):
        if cancelled is not None and cancelled():
            run.cancelled = True
            break
        known = _already_read(store, media_id, sha)
        if known is not None:  # the same file elsewhere in the store: not decoded again
            _write(store, media_id, post_id, language, known[0], known[1], run)
            run.videos += 1
            if progress is not None:
                progress(run.videos, total)
            continue
        info, problem = _read_one(store, key, media_id, stored, source, sha)
        if info is None:
            run.failed += 1
            run.notes.append(f"video {name or media_id} (post {post_id}) not read: {problem}")
            _write_failed(store, media_id, post_id, problem or "unreadable")
        else:
            texts: list[tuple[str, float | None, str, str]] = []
            if installed is not None:
                languages = pick_languages(language, text or "", installed)[0]
                texts = [_ocr(frame.jpeg, languages) for frame in info.frames]
            _write(store, media_id, post_id, language, info, texts, run)
        run.videos += 1
        if progress is not None:
            progress(run.videos, total)
    run.seconds = time.perf_counter() - started
    return run


def _read_one(
    store: Store,
    key: bytes | None,
    media_id: int,
    stored: str | None,
    source: str | None,
    sha: str | None,
) -> tuple[VideoInfo | None, str | None]:
    from .enrich import _media_file

    path = _media_file(store, stored, source)
    if path is None:
        return None, "the video is not in the evidence folder"
    try:
        with open_media(path, key) as handle:
            return read_video(handle), None  # decrypted on the fly, in memory only
    except VideoUnreadable as exc:
        return None, f"PyAV cannot read it ({exc})"
    except OSError as exc:
        return None, f"unreadable file: {exc}"


def _already_read(
    store: Store, media_id: int, sha: str | None
) -> tuple[VideoInfo, list[tuple[str, float | None, str, str]]] | None:
    """What was read from the same file (same SHA-256) for another post, if anything."""
    if not sha:
        return None
    row = store.execute(
        "SELECT v.media_id, v.duration, v.width, v.height, v.codec FROM media_video v "
        "JOIN media m ON m.id = v.media_id WHERE m.sha256 = ? AND v.status = 'read' "
        "AND v.media_id != ? LIMIT 1",
        (sha, media_id),
    ).fetchone()
    if row is None:
        return None
    other = store.execute(
        "SELECT languages, engine FROM media_text WHERE media_id = ?", (row[0],)
    ).fetchone()
    frames, texts = [], []
    for seconds, reason, phash, flat, jpeg, width, height, text, conf in store.execute(
        "SELECT seconds, reason, phash, flat, jpeg, width, height, text, confidence "
        "FROM video_frames WHERE media_id = ? ORDER BY seconds",
        (row[0],),
    ):
        frames.append(KeyFrame(seconds, reason, phash, bytes(jpeg), width, height, bool(flat)))
        texts.append((text or "", conf, other[0] if other else "", other[1] if other else ""))
    info = VideoInfo(row[1], row[2] or 0, row[3] or 0, row[4] or "", frames)
    return info, texts if other is not None else []


def _ocr(jpeg: bytes, languages: list[str]) -> tuple[str, float | None, str, str]:
    try:
        result = read_image(jpeg, languages)
    except (OcrUnavailable, ValueError, OSError):
        return "", None, "", ""
    return result.text, result.confidence, result.languages, result.engine


def _write_failed(store: Store, media_id: int, post_id: int, problem: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO media_video(media_id, post_id, status, detail, read_at) "
            "VALUES (?, ?, 'failed', ?, ?)",
            (media_id, post_id, problem, utc_now_iso()),
        )


def _transcript(conn: Any, post_id: int) -> tuple[str | None, str | None]:
    row = conn.execute("SELECT extra FROM post_raw WHERE post_id = ?", (post_id,)).fetchone()
    if not row or not row[0]:
        return None, None
    try:
        extra = json.loads(row[0])
    except ValueError:
        return None, None
    spoken = extra.get("voice_to_text") if isinstance(extra, dict) else None
    if isinstance(spoken, str) and spoken.strip():
        return spoken, "TikTok voice_to_text"
    return None, None


def _write(
    store: Store,
    media_id: int,
    post_id: int,
    language: str | None,
    info: VideoInfo,
    texts: list[tuple[str, float | None, str, str]],
    run: VideoRun,
) -> None:
    from .ocr import index_picture_text, link_by_picture_text

    now = utc_now_iso()
    with store.transaction() as conn:
        conn.execute("DELETE FROM indicators WHERE media_id = ?", (media_id,))
        conn.execute("DELETE FROM video_frames WHERE media_id = ?", (media_id,))
        transcript, source = _transcript(conn, post_id)
        conn.execute(
            "INSERT OR REPLACE INTO media_video(media_id, post_id, status, duration, width, "
            "height, codec, transcript, transcript_source, read_at) "
            "VALUES (?, ?, 'read', ?, ?, ?, ?, ?, ?, ?)",
            (
                media_id,
                post_id,
                info.duration,
                info.width,
                info.height,
                info.codec,
                transcript,
                source,
                now,
            ),
        )
        for n, frame in enumerate(info.frames):
            text, confidence = (texts[n][0], texts[n][1]) if n < len(texts) else ("", None)
            conn.execute(
                "INSERT INTO video_frames(media_id, post_id, seconds, reason, phash, flat, "
                "sha256, width, height, jpeg, text, confidence) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    media_id,
                    post_id,
                    frame.seconds,
                    frame.reason,
                    frame.phash,
                    int(frame.flat),
                    hashlib.sha256(frame.jpeg).hexdigest(),
                    frame.width,
                    frame.height,
                    frame.jpeg,
                    text,
                    confidence,
                ),
            )
        run.read += 1
        run.frames += len(info.frames)
        run.indicators += _frame_indicators(conn, media_id, post_id, language, info, texts, now)
        index_picture_text(conn, post_id)
        if any(t[0].strip() for t in texts):
            run.links += link_by_picture_text(conn, post_id)
        run.links += link_by_video_frames(conn, post_id)


def _frame_indicators(
    conn: Any,
    media_id: int,
    post_id: int,
    language: str | None,
    info: VideoInfo,
    texts: list[tuple[str, float | None, str, str]],
    now: str,
) -> int:
    """The video's text (its frames' text, frame after frame) as its ``media_text`` row, and the
    indicators in it, each at the time of the first frame it was read in."""
    if not texts:
        return 0
    combined: list[str] = []
    offset = 0
    found: list[tuple[Any, ...]] = []
    seen: set[tuple[str, str]] = set()
    for frame, (text, _conf, _langs, _engine) in zip(info.frames, texts, strict=False):
        if not text.strip():
            continue
        for ind in extract_indicators(text, language=language):
            if (ind.kind, ind.value) in seen:
                continue
            seen.add((ind.kind, ind.value))
            found.append(
                (
                    post_id,
                    ind.kind,
                    ind.value,
                    ind.raw,
                    offset + ind.start,
                    offset + ind.end,
                    media_id,
                    frame.seconds,
                )
            )
        combined.append(text)
        offset += len(text) + 1
    read = [t for t in texts if t[0].strip()]
    confidences = [t[1] for t in read if t[1] is not None]
    conn.execute(
        "INSERT OR REPLACE INTO media_text(media_id, post_id, status, text, confidence, words, "
        "languages, engine, detail, read_at) VALUES (?, ?, 'read', ?, ?, NULL, ?, ?, ?, ?)",
        (
            media_id,
            post_id,
            "\n".join(combined),
            sum(confidences) / len(confidences) if confidences else None,
            texts[0][2],
            texts[0][3],
            f"text of {len(read)} of {len(texts)} video key frames",
            now,
        ),
    )
    conn.executemany(
        'INSERT INTO indicators(post_id, kind, value, raw, start, "end", media_id, media_time) '
        "VALUES (?,?,?,?,?,?,?,?)",
        found,
    )
    return len(found)


def _frame_hashes(conn: Any, post_id: int) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT phash FROM video_frames WHERE post_id = ? AND flat = 0 ORDER BY id",
            (post_id,),
        )
    ]


def link_by_video_frames(conn: Any, post_id: int) -> int:
    """Near-duplicate clips: link the post to the first post whose key frames match enough of
    its own (see the module's doc). Returns the number of links made."""
    from ..core.priority import load_weights
    from .enrich import _json, _merge_clusters, _rescore

    mine = list(dict.fromkeys(_frame_hashes(conn, post_id)))
    if not mine:
        return 0
    keys = list(dict.fromkeys(k ^ _VIDEO_SALT for h in mine for k in similarity.image_band_keys(h)))
    known = dict(
        conn.execute(
            "SELECT key, post_id FROM lsh_buckets WHERE key IN (SELECT value FROM json_each(?))",
            (_json(keys),),
        ).fetchall()
    )

    def similar(post: int, rep: int) -> bool:
        if rep == post:
            return False
        theirs = _frame_hashes(conn, rep)
        matched = sum(
            1
            for a in mine
            if any(similarity.hamming(a, b) <= similarity.PHASH_MAX_DISTANCE for b in theirs)
        )
        return matched >= min(FRAMES_TO_LINK, len(mine), len(theirs)) and matched > 0

    linked = similarity.link_to_representatives([(post_id, keys)], known, similar, first_only=True)
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


def post_videos(store: Store, post_id: int) -> list[dict[str, Any]]:
    """What was read from each of the post's videos, for the preview and `triage show`
    (frames without their pictures: see :func:`frame_jpeg`)."""
    try:
        videos = store.execute(
            "SELECT v.media_id, v.status, v.duration, v.width, v.height, v.codec, v.detail, "
            "v.transcript, v.transcript_source, m.sha256 FROM media_video v "
            "JOIN media m ON m.id = v.media_id WHERE v.post_id = ? ORDER BY v.media_id",
            (post_id,),
        ).fetchall()
    except Exception:  # a store older than migration 20
        return []
    out = []
    for v in videos:
        frames = [
            {
                "id": f[0],
                "seconds": f[1],
                "at": format_time(f[1]),
                "reason": f[2],
                "phash": f[3],
                "sha256": f[4],
                "width": f[5],
                "height": f[6],
                "text": f[7],
            }
            for f in store.execute(
                "SELECT id, seconds, reason, phash, sha256, width, height, text FROM video_frames "
                "WHERE media_id = ? ORDER BY seconds",
                (v[0],),
            )
        ]
        found = [
            {"kind": r[0], "value": r[1], "seconds": r[2], "at": format_time(r[2])}
            for r in store.execute(
                "SELECT kind, value, media_time FROM indicators WHERE media_id = ? "
                "AND media_time IS NOT NULL ORDER BY media_time, kind",
                (v[0],),
            )
        ]
        out.append(
            {
                "media_id": v[0],
                "status": v[1],
                "duration": v[2],
                "width": v[3],
                "height": v[4],
                "codec": v[5],
                "detail": v[6],
                "transcript": v[7],
                "transcript_source": v[8],
                "sha256": v[9],
                "frames": frames,
                "indicators": found,
            }
        )
    return out


def frame_jpeg(store: Store, frame_id: int) -> bytes | None:
    row = store.execute("SELECT jpeg FROM video_frames WHERE id = ?", (frame_id,)).fetchone()
    return bytes(row[0]) if row else None
