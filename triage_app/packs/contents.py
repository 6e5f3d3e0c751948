"""What goes into a referral pack: the approved, not yet referred posts of one platform (or a
chosen selection), their accounts, tags, raw records and media, read in chunks so that a pack
of any size streams from the store."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import TriageError
from ..core.timeutil import to_utc_iso
from ..ingest.evidence import evidence_dir
from ..store.connection import Store

CHUNK = 500
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-]+")


@dataclass
class AccountSummary:
    """An account as the pack presents it, with what the pack says about it."""

    id: int | None
    platform_account_id: str
    handle: str | None
    display_name: str | None
    url: str | None
    followers: int | None
    created_at: int | None
    posts: int = 0
    tags: set[str] = field(default_factory=set)


@dataclass
class PackSelection:
    """The posts of a pack (grouped by account, oldest first) and their accounts."""

    platform: str
    post_ids: list[int]
    accounts: dict[int | None, AccountSummary]
    account_by_post: dict[int, int | None]

    @property
    def account_count(self) -> int:
        return sum(1 for key in self.accounts if key is not None)


@dataclass(frozen=True)
class MediaItem:
    id: int
    kind: str
    name: str | None
    url: str | None
    path: Path | None  # the file to copy (the store's copy, else the source), None if missing
    sha256: str | None
    size: int | None
    mime: str | None
    entry: str | None  # the name inside the ZIP, None when not included


@dataclass(frozen=True)
class PostItem:
    id: int
    uuid: str
    platform: str
    platform_post_id: str
    account_id: int | None
    kind: str
    parent_post_id: str | None
    url: str | None
    posted_at: int | None
    text: str
    language: str | None
    status: str
    import_id: int
    imported_at: str
    tags: tuple[str, ...]
    media: tuple[MediaItem, ...]
    raw: str | None
    folder: str  # evidence/<folder>/

    @property
    def raw_entry(self) -> str | None:
        if self.raw is None:
            return None
        suffix = "json" if self.raw.lstrip()[:1] in ("{", "[") else "txt"
        return f"evidence/{self.folder}/raw.{suffix}"

    @property
    def posted_iso(self) -> str | None:
        return to_utc_iso(self.posted_at)


def safe_part(text: str, limit: int = 80) -> str:
    """A file-name-safe form of an id or name (ASCII letters, digits, . _ -)."""
    value = _UNSAFE.sub("_", text).strip("._")[:limit]
    return value or "x"


def evidence_folder(platform_post_id: str, uuid: str) -> str:
    """evidence/<post>/: the platform's post id, made safe.

    An id that had to be altered, or that has capital letters (YouTube's "aB3…" ids differ by
    case alone, and Windows and macOS unzip into case-insensitive folders), gets a suffix from
    the post's uuid so that no two posts can share a folder."""
    safe = safe_part(platform_post_id)
    if safe == platform_post_id and safe == safe.lower():
        return safe
    return f"{safe}-{uuid.replace('-', '')[:8].lower()}"


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def select_contents(
    store: Store, platform: str, post_ids: Sequence[int] | None = None
) -> PackSelection:
    """Choose the pack's posts; a selection must be approved posts of ``platform``."""
    if post_ids is None:
        rows = store.execute(
            "SELECT id, account_id FROM posts WHERE platform = ? AND status = 'approved' "
            "ORDER BY account_id IS NULL, account_id, posted_at, id",
            (platform,),
        ).fetchall()
        if not rows:
            raise TriageError(f"No approved posts of platform {platform!r} waiting to be referred")
    else:
        wanted = list(dict.fromkeys(int(p) for p in post_ids))
        if not wanted:
            raise TriageError("No posts selected for the pack")
        found: dict[int, tuple[str, str, int | None, int | None]] = {}
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for pid, plat, status, acc, posted in store.execute(
                f"SELECT id, platform, status, account_id, posted_at FROM posts "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                found[pid] = (plat, status, acc, posted)
        for pid in wanted:
            if pid not in found:
                raise TriageError(f"No post with id {pid} in this store")
            plat, status, _, _ = found[pid]
            if plat != platform:
                raise TriageError(f"Post {pid} is on {plat}, not {platform}")
            if status != "approved":
                raise TriageError(
                    f"Post {pid} is {status}; only approved, not yet referred posts go in a pack"
                )
        rows = sorted(
            ((pid, found[pid][2]) for pid in wanted),
            key=lambda r: (r[1] is None, r[1] or 0, found[r[0]][3] or 0, r[0]),
        )
    ordered = [int(r[0]) for r in rows]
    account_of = {int(r[0]): r[1] for r in rows}
    accounts = _account_summaries(store, sorted({a for a in account_of.values() if a is not None}))
    for acc in account_of.values():
        if acc not in accounts:
            accounts[acc] = AccountSummary(None, "", None, None, None, None, None)
        accounts[acc].posts += 1
    for chunk in _chunks(ordered):
        marks = ",".join("?" * len(chunk))
        for pid, tag in store.execute(
            f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({marks})", chunk
        ):
            accounts[account_of[pid]].tags.add(tag)
    return PackSelection(platform, ordered, accounts, account_of)


def _account_summaries(store: Store, account_ids: list[int]) -> dict[int | None, AccountSummary]:
    found: dict[int | None, AccountSummary] = {}
    for chunk in _chunks(account_ids):
        marks = ",".join("?" * len(chunk))
        for row in store.execute(
            "SELECT id, platform_account_id, handle, display_name, url, followers, created_at "
            f"FROM accounts WHERE id IN ({marks})",
            chunk,
        ):
            found[row[0]] = AccountSummary(*row)
    return found


def _resolve(base: str, text: str | None) -> str | None:
    """An absolute path for a stored path (plain strings: this runs once per media file)."""
    if not text:
        return None
    return text if os.path.isabs(text) else os.path.join(base, text)


def iter_posts(
    store: Store, selection: PackSelection, *, with_raw: bool = True
) -> Iterator[PostItem]:
    """The pack's posts in order, with tags, media and raw record, a chunk at a time.

    Without ``with_raw`` the raw record is not read (``raw_entry`` still names its file)."""
    bases = (str(evidence_dir(Path(store.path))), str(Path(store.path).parent))
    for chunk in _chunks(selection.post_ids):
        marks = ",".join("?" * len(chunk))
        posts = {
            r[0]: r
            for r in store.execute(
                "SELECT id, uuid, platform, platform_post_id, account_id, kind, parent_post_id, "
                "url, posted_at, text, language, status, import_id, imported_at "
                f"FROM posts WHERE id IN ({marks})",
                chunk,
            )
        }
        tags: dict[int, list[str]] = {}
        for pid, tag in store.execute(
            f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({marks}) ORDER BY tag", chunk
        ):
            tags.setdefault(pid, []).append(tag)
        column = "raw" if with_raw else "substr(ltrim(raw), 1, 1)"
        raws = dict(
            store.execute(
                f"SELECT post_id, {column} FROM post_raw WHERE post_id IN ({marks})", chunk
            )
        )
        media_rows: dict[int, list[tuple]] = {}
        for row in store.execute(
            "SELECT id, post_id, kind, name, source_path, url, stored_path, sha256, size, mime, "
            f"missing FROM media WHERE post_id IN ({marks}) ORDER BY post_id, id",
            chunk,
        ):
            media_rows.setdefault(row[1], []).append(row)
        for pid in chunk:
            p = posts[pid]
            folder = evidence_folder(str(p[3]), str(p[1]))
            media = tuple(
                _media_item(bases, folder, n, row)
                for n, row in enumerate(media_rows.get(pid, []), start=1)
            )
            yield PostItem(
                id=p[0],
                uuid=p[1],
                platform=p[2],
                platform_post_id=str(p[3]),
                account_id=p[4],
                kind=p[5],
                parent_post_id=p[6],
                url=p[7],
                posted_at=p[8],
                text=p[9] or "",
                language=p[10],
                status=p[11],
                import_id=p[12],
                imported_at=p[13],
                tags=tuple(tags.get(pid, ())),
                media=media,
                raw=raws.get(pid),
                folder=folder,
            )


def _media_item(bases: tuple[str, str], folder: str, number: int, row: tuple) -> MediaItem:
    (mid, _pid, kind, name, source_path, url, stored_path, sha, size, mime, missing) = row
    # The store's own copy (content-addressed beside the store) is the evidence; the source
    # path is only a fallback for stores whose media were never copied.
    path = None
    if not missing:
        path = _resolve(bases[0], stored_path) or _resolve(bases[1], source_path)
    entry = None
    if path is not None:
        base = name or os.path.basename(path)
        entry = f"evidence/{folder}/media/{number:02d}-{safe_part(base, 100)}"
    return MediaItem(mid, kind, name, url, Path(path) if path else None, sha, size, mime, entry)


@dataclass(frozen=True)
class KeyFrameItem:
    """A video's key frame (store/video.py), put into a pack beside the video."""

    seconds: float
    phash: str
    sha256: str
    jpeg: bytes
    text: str
    entry: str


def key_frames(store: Store, media: MediaItem) -> tuple[list[KeyFrameItem], bytes | None]:
    """The key frames of a video in the pack and their index (``keyframes.json``: time, perceptual
    hash, SHA-256, the text read and the indicators found in each), to go in
    ``<video entry>.keyframes/``; nothing for other media or a store older than migration 20."""
    if media.entry is None or not store.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'video_frames'"
    ):
        return [], None
    from ..core.video import format_time

    folder = f"{media.entry}.keyframes"
    frames: list[KeyFrameItem] = []
    for n, (seconds, phash, sha, jpeg, text) in enumerate(
        store.execute(
            "SELECT seconds, phash, sha256, jpeg, text FROM video_frames WHERE media_id = ? "
            "ORDER BY seconds",
            (media.id,),
        ).fetchall(),
        start=1,
    ):
        minutes, secs = divmod(int(seconds), 60)
        entry = f"{folder}/{n:02d}-at-{minutes}m{secs:02d}s.jpg"
        frames.append(KeyFrameItem(float(seconds), phash, sha, bytes(jpeg), text or "", entry))
    if not frames:
        return [], None
    found: dict[float, list[dict[str, str]]] = {}
    for kind, value, at in store.execute(
        "SELECT kind, value, media_time FROM indicators WHERE media_id = ? "
        "AND media_time IS NOT NULL ORDER BY media_time, kind, value",
        (media.id,),
    ):
        found.setdefault(float(at), []).append({"kind": kind, "value": value})
    index = {
        "video": media.entry,
        "video_sha256": media.sha256,
        "note": "key frames taken from the video by the triage program (scene changes and at "
        "least one every few seconds); phash is the 64-bit perceptual hash (imagehash.phash)",
        "frames": [
            {
                "file": f.entry.rsplit("/", 1)[1],
                "seconds": f.seconds,
                "at": format_time(f.seconds),
                "sha256": f.sha256,
                "phash": f.phash,
                "text": f.text,
                "indicators": found.get(f.seconds, []),
            }
            for f in frames
        ],
    }
    return frames, (json.dumps(index, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
