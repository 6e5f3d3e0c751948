"""Everything known about one post in one dict: what the preview pane shows and `triage show`
prints. Kept in one query module so that the GUI and the CLI never disagree about a post."""

from __future__ import annotations

import json
import time
from typing import Any

from ..core.errors import TriageError
from ..core.timeutil import to_utc_iso
from .connection import Store
from .four_eyes import marker, self_approved
from .provenance import Origin, by_text, origins

# Statuses that mean an analyst has already put an offence tag on the post.
_TAGGED_STATUSES = ("tagged", "approved", "rejected", "referred", "conflict")


# The post row with what hangs off it one to one, read in one statement (on a team server
# each statement is a round trip: the preview sent ~17 per post shown, 2026-12-04): the account,
# the import it came from, its cluster's size as enrichment keeps it, why it is returning, and
# the enrichment high-water mark (whether an enriched post's missing indicators mean "none").
_POST_SQL = (
    "SELECT p.id, p.uuid, p.platform, p.platform_post_id, p.account_id, p.kind, "
    "p.parent_post_id, p.url, p.posted_at, p.text, p.language, p.status, p.priority, "
    "p.cluster_id, p.note, p.import_id, p.imported_at, "
    "a.id, a.uuid, a.platform, a.platform_account_id, a.handle, a.display_name, a.url, "
    "a.created_at, a.followers, a.referred, "
    "i.id, i.path, i.sha256, i.format, i.actor, i.started_at, "
    "c.size, r.reason, (SELECT value FROM meta WHERE key = ?) "
    "FROM posts p LEFT JOIN accounts a ON a.id = p.account_id "
    "LEFT JOIN imports i ON i.id = p.import_id "
    "LEFT JOIN clusters c ON c.id = p.cluster_id "
    "LEFT JOIN returning_posts r ON r.post_id = p.id "
    "WHERE p.id = ?"
)
_POST_KEYS = (
    "id",
    "uuid",
    "platform",
    "platform_post_id",
    "account_id",
    "kind",
    "parent_post_id",
    "url",
    "posted_at",
    "text",
    "language",
    "status",
    "priority",
    "cluster_id",
    "note",
    "import_id",
    "imported_at",
)
_ACCOUNT_KEYS = (
    "id",
    "uuid",
    "platform",
    "platform_account_id",
    "handle",
    "display_name",
    "url",
    "created_at",
    "followers",
    "referred",
)
_SOURCE_KEYS = ("import_id", "path", "sha256", "format", "imported_by", "imported_at")
_MEDIA_KEYS = (
    "id",
    "kind",
    "name",
    "source_path",
    "url",
    "stored_path",
    "sha256",
    "size",
    "mime",
    "missing",
    "phash",
)
_MEDIA_SQL = f"SELECT {', '.join(_MEDIA_KEYS)} FROM media WHERE post_id = ? ORDER BY id"
_DECISIONS_SQL = (
    "SELECT uuid, kind, tag, note, actor, at, workstation, batch, undoes FROM decisions "
    "WHERE post_id = ? ORDER BY id"
)
# Media the export named for the post that the import did not take, with the reason
# (ingest/media_confine.py): the reference as written and why, e.g. "outside the export folder".
_REFUSED_SQL = "SELECT reference, reason FROM media_refused WHERE post_id = ? ORDER BY id"
_TAGS_SQL = (
    "SELECT pt.tag, t.label, t.kind, t.colour, pt.actor, pt.at FROM post_tags pt "
    "LEFT JOIN tags t ON t.key = pt.tag WHERE pt.post_id = ? ORDER BY pt.at, pt.tag"
)
# The outcomes of the post's account (none for a post without one), read with the post.
_OUTCOME_KEYS = ("outcome", "on_date", "actor", "at", "note")
_OUTCOMES_SQL = (
    "SELECT outcome, on_date, actor, at, note FROM outcomes "
    "WHERE account_id = (SELECT account_id FROM posts WHERE id = ?) ORDER BY on_date, id"
)
_REFERRAL_KEYS = ("uuid", "platform", "pack_name", "created_by", "created_at")
_REFERRALS_SQL = (
    "SELECT r.uuid, r.platform, r.pack_name, r.created_by, r.created_at FROM referral_items i "
    "JOIN referrals r ON r.id = i.referral_id WHERE i.post_id = ? ORDER BY r.created_at"
)


def post_detail(
    store: Store, post_id: int, *, explain: bool = True, account_counts: bool = True
) -> dict[str, Any]:
    """The post with its account card, source file, media, tags, note, decisions, cluster,
    indicators and account outcomes; JSON-serialisable (ints, floats, strings, None, lists).

    ``explain=False`` leaves out ``priority_explanation`` (None): it scores the post again
    (four queries), and the preview shows it only as a tooltip, so it reads it after the post
    is painted (:func:`explain_priority`) rather than on a tag key's path. Likewise
    ``account_counts=False`` leaves the account's post counts None (:func:`account_counts`:
    they read as many index entries as the account has posts: ~1 ms for the largest demo
    account at 1M posts, growing with the store).

    Raises TriageError when there is no such post."""
    reads = detail_reads(store, post_id)
    answers = dict(zip(reads, store.read_together(list(reads.values())), strict=True))
    return detail_from(store, post_id, answers, explain=explain, account_counts=account_counts)


def detail_reads(store: Store, post_id: int) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """What :func:`post_detail` reads of the post itself and what hangs off it one to many,
    by name: sent together, one round trip on a team server (or carried by another round
    trip: a tag's COMMIT, store/decisions.py). Their rows by the same names make the detail
    with :func:`detail_from`."""
    from .enrich import HIGH_WATER_KEY

    pid = int(post_id)
    one = (pid,)
    reads = {
        "post": (_POST_SQL, (HIGH_WATER_KEY, pid)),
        "media": (_MEDIA_SQL, one),
        "decisions": (_DECISIONS_SQL, one),
        "media_refused": (_REFUSED_SQL, one),
        "tags": (_TAGS_SQL, one),
        "outcomes": (_OUTCOMES_SQL, one),
        "referrals": (_REFERRALS_SQL, one),
    }
    indicators_sql = _indicators_sql(store)
    if indicators_sql is not None:
        reads["indicators"] = (indicators_sql, one)
    return reads


def detail_from(
    store: Store,
    post_id: int,
    answers: dict[str, list[Any]],
    *,
    explain: bool = True,
    account_counts: bool = True,
) -> dict[str, Any]:
    """:func:`post_detail` from the rows of :func:`detail_reads`' reads, by their names
    (what the post has beyond them, rarely, is read here)."""
    pid = int(post_id)
    if not answers["post"]:
        raise TriageError(f"No post with id {post_id} in this store")
    row = answers["post"][0]
    post = dict(zip(_POST_KEYS, row[:17], strict=True))
    account_row, source_row = row[17:27], row[27:33]
    cluster_size, returning, high_water = row[33:36]
    account_id, text, status = post["account_id"], post["text"], post["status"]
    account = None
    if account_id is not None and account_row[0] is not None:
        account = _account(store, account_row, account_counts)
    source = None if source_row[0] is None else dict(zip(_SOURCE_KEYS, source_row, strict=True))
    media = _media(store, pid, answers["media"])
    decisions = _decisions(store, answers["decisions"])
    indicators, pictured = _indicators(
        pid, answers.get("indicators"), text, int(high_water) if high_water else 0
    )
    return {
        "id": pid,
        "uuid": post["uuid"],
        "platform": post["platform"],
        "platform_post_id": post["platform_post_id"],
        "kind": post["kind"],
        "parent_post_id": post["parent_post_id"],
        "url": post["url"],
        "posted_at": post["posted_at"],
        "posted_utc": to_utc_iso(post["posted_at"]),
        "text": text,
        "language": post["language"],
        "status": status,
        "priority": post["priority"],
        "priority_explanation": explain_priority(store, pid) if explain else None,
        # why the post came back after a takedown (store/networks.py), shown above the post
        "returning": returning,
        "note": post["note"],
        "imported_at": post["imported_at"],
        "account": account,
        "source": source,
        "media": media,
        "media_refused": [{"reference": r[0], "reason": r[1]} for r in answers["media_refused"]],
        "tags": _tags(answers["tags"], decisions),
        "decisions": decisions,
        "self_approved": _self_approved(store, pid, status),
        "cluster": _cluster(store, post["cluster_id"], cluster_size),
        "indicators": indicators,
        # text read in the post's pictures (OCR, store/ocr.py) and what was found in it; a
        # post without media has neither (media_text and media_video rows are its media's)
        "picture_text": picture_texts(store, pid) if media else [],
        "picture_indicators": pictured,
        # videos: duration, codec, key frames with their hashes and text (store/video.py)
        "videos": _videos(store, pid) if media else [],
        "outcomes": [dict(zip(_OUTCOME_KEYS, r, strict=True)) for r in answers["outcomes"]],
        "referrals": [dict(zip(_REFERRAL_KEYS, r, strict=True)) for r in answers["referrals"]],
    }


def explain_priority(store: Store, post_id: int) -> str:
    """Why the post sits where it does in the queue (the priority column's tooltip)."""
    from .enrich import explain_post_priority

    return explain_post_priority(store, post_id)


def _account(store: Store, row: tuple[Any, ...], with_counts: bool = True) -> dict[str, Any]:
    """The account card from its row (read with the post)."""
    account = dict(zip(_ACCOUNT_KEYS, row, strict=True))
    counts = account_counts(store, account["id"]) if with_counts else {}
    created_at = account["created_at"]
    age_days = None
    if created_at is not None:
        age_days = max(0, int((time.time() - created_at) // 86400))
    return {
        **{k: account[k] for k in _ACCOUNT_KEYS[:8]},
        "created_utc": to_utc_iso(created_at),
        "age_days": age_days,
        "followers": account["followers"],
        "referred": bool(account["referred"]),
        "posts_in_store": counts.get("posts_in_store"),
        "posts_tagged": counts.get("posts_tagged"),
        "posts_referred": counts.get("posts_referred"),
    }


def account_counts(store: Store, account_id: int) -> dict[str, int]:
    """The account's posts in the store, and those tagged and referred (the account card).

    Both counts are read from indexes alone: the total from ``posts_account`` (~1 ms for the
    largest demo account, 51,000 posts), the tagged and referred ones as range seeks in the
    index of decided posts (migration 7; the query repeats its condition so that SQLite uses
    it). Counting by visiting the post rows took 54 ms for that account."""
    total = int(store.scalar("SELECT count(*) FROM posts WHERE account_id = ?", (account_id,)))
    marks = ",".join("?" * len(_TAGGED_STATUSES))
    tagged, referred = store.execute(
        f"SELECT count(*), coalesce(sum(status = 'referred'), 0) FROM posts "
        f"WHERE account_id = ? AND status <> 'new' AND status IN ({marks})",
        (account_id, *_TAGGED_STATUSES),
    ).fetchone()
    return {"posts_in_store": total, "posts_tagged": int(tagged), "posts_referred": int(referred)}


def _media(store: Store, post_id: int, rows: list[Any]) -> list[dict[str, Any]]:
    """The post's media from its ``rows`` (_MEDIA_SQL), with the words read in each picture."""
    words: dict[int, str] = {}
    if rows and _has_ocr(store):
        words = dict(
            store.execute(
                "SELECT media_id, words FROM media_text WHERE post_id = ? AND status = 'read' "
                "AND words IS NOT NULL AND words != '[]'",
                (post_id,),
            ).fetchall()
        )
    out = []
    for r in rows:
        item = dict(zip(_MEDIA_KEYS, r, strict=True))
        item["missing"] = bool(item["missing"])
        if item["id"] in words:  # OCR: [text, confidence, left, top, width, height] per word
            item["ocr_words"] = json.loads(words[item["id"]])
        out.append(item)
    return out


def _self_approved(store: Store, post_id: int, status: str) -> dict[str, str] | None:
    """Set when the post's approval came from one of the people who tagged it (four eyes off
    for this store: store/four_eyes.py). Only an approved or referred post can be: the others
    are not asked about (``status`` is the post's, read with it)."""
    if status not in ("approved", "referred"):
        return None
    found = self_approved(store, [post_id]).get(post_id)
    return None if found is None else {"approver": found.approver, "text": marker(found)}


def _tags(rows: list[Any], decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The post's tags from their ``rows`` (_TAGS_SQL), each with who added it and from which
    store when it came through a sync pack: the latest 'tag' decision for it, out of
    ``decisions`` (the post's, with their origins) rather than read again."""
    keys = ("key", "label", "kind", "colour", "actor", "at")
    tags = [dict(zip(keys, r, strict=True)) for r in rows]
    added: dict[str, dict[str, Any] | None] = {}
    for d in decisions:  # in the order they were made: the last one for a tag wins
        if d["kind"] == "tag":
            added[str(d["tag"])] = d["origin"]
    for t in tags:
        origin = added.get(t["key"])
        t["by"] = by_text(t["actor"], Origin(**origin) if origin else None)
        t["origin"] = dict(origin) if origin else None
    return tags


def _decisions(store: Store, rows: list[Any]) -> list[dict[str, Any]]:
    """The post's decisions from their ``rows`` (_DECISIONS_SQL), each with where it came
    from when a sync pack brought it."""
    keys = ("uuid", "kind", "tag", "note", "actor", "at", "workstation", "batch", "undoes")
    decisions = [dict(zip(keys, r, strict=True)) for r in rows]
    found = origins(store, ((d["uuid"], d["at"]) for d in decisions))
    for d in decisions:  # "by bob (from field laptop, imported 2026-12-03)" when synced here
        origin = found.get(d["uuid"])
        d["by"] = by_text(d["actor"], origin)
        d["origin"] = origin.as_dict() if origin else None
    return decisions


def _cluster(store: Store, cluster_id: int | None, size: int | None) -> dict[str, Any] | None:
    """``size`` as enrichment keeps it (read with the post; store/queue.py's page reads the
    same): counting the cluster's posts took 15 ms a preview at 10M posts, on the tag key's
    path. A cluster not yet in its table (enrichment under way) is counted."""
    if cluster_id is None:
        return None
    if size is None:
        size = store.scalar("SELECT count(*) FROM posts WHERE cluster_id = ?", (cluster_id,))
    return {"id": cluster_id, "size": int(size or 0)}


def _has_table(store: Store, name: str) -> bool:
    """Whether the store has the table (an older schema may lack the newer ones). Asked five
    times per post shown, so a table found is remembered for the open store (tables are never
    dropped); a missing one is asked again (a migration may add it)."""
    found: set[str] = store.__dict__.setdefault("_tables_found", set())
    if name in found:
        return True
    if store.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)):
        found.add(name)
        return True
    return False


def _indicators_sql(store: Store) -> str | None:
    """The read of a post's indicators, in its text and in its pictures (the columns this
    store's schema has); None when the store has no indicators table (an old schema)."""
    if not _has_table(store, "indicators"):
        return None
    ocr = _has_ocr(store)
    columns = 'kind, value, raw, start, "end"' + (", media_id" if ocr else ", NULL")
    columns += ", media_time" if ocr and _has_table(store, "media_video") else ", NULL"
    return f"SELECT {columns} FROM indicators WHERE post_id = ?"


def _indicators(
    post_id: int, rows: list[Any] | None, text: str, high_water: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The post's indicators (as :func:`post_indicators` gives them) and those found in the
    text of its pictures (offsets in that text; with where in a video), from its ``rows`` of
    the ``indicators`` table (None: the store has none); ``high_water`` is the enrichment
    high-water mark, read with the post."""
    if rows is None:
        return _extracted(text), []
    keys = ("kind", "value", "raw", "start", "end")
    own = sorted((r for r in rows if r[5] is None), key=lambda r: (r[3], -r[4], r[0]))
    found = [dict(zip(keys, r[:5], strict=True)) for r in own]
    if not found and post_id > high_water:
        found = _extracted(text)  # not enriched yet: found on the spot, nothing written
    pictured = []
    for r in sorted((r for r in rows if r[5] is not None), key=lambda r: (r[5], r[3], -r[4], r[0])):
        item = dict(zip((*keys, "media_id"), r[:6], strict=True))
        if r[6] is not None:
            item["media_time"] = r[6]
        pictured.append(item)
    return found, pictured


def _extracted(text: str | None) -> list[dict[str, Any]]:
    """Indicators found in ``text`` on the spot (a post enrichment has not reached yet)."""
    from ..core.indicators import extract_indicators

    found = sorted(extract_indicators(text or ""), key=lambda i: (i.start, -i.end, i.kind))
    return [
        {"kind": i.kind, "value": i.value, "raw": i.raw, "start": i.start, "end": i.end}
        for i in found
    ]


def post_indicators(store: Store, post_id: int, text: str | None = None) -> list[dict[str, Any]]:
    """The post's indicators (kind, value, raw, start, end) in text order.

    They come from the `indicators` table. A post that enrichment has not reached yet is
    extracted on the spot so that the preview still highlights its phone numbers and links; an
    enriched post with no rows has none (not extracted again on every view). Nothing is
    written."""
    keys = ("kind", "value", "raw", "start", "end")
    if _has_table(store, "indicators"):
        rows = store.execute(
            'SELECT kind, value, raw, start, "end" FROM indicators WHERE post_id = ? '
            + ("AND media_id IS NULL " if _has_ocr(store) else "")
            + 'ORDER BY start, "end" DESC, kind',
            (post_id,),
        ).fetchall()
        if rows:
            return [dict(zip(keys, r, strict=True)) for r in rows]
        from .enrich import high_water_mark

        if post_id <= high_water_mark(store):
            return []  # enriched, and nothing was found in it
    if text is None:
        text = store.scalar("SELECT text FROM posts WHERE id = ?", (post_id,))
    return _extracted(text)


def _has_ocr(store: Store) -> bool:
    return _has_table(store, "media_text")  # migration 19: indicators.media_id


def picture_texts(store: Store, post_id: int) -> list[dict[str, Any]]:
    if not _has_ocr(store):
        return []
    from .ocr import picture_texts as read

    return read(store, post_id)


def _videos(store: Store, post_id: int) -> list[dict[str, Any]]:
    if not _has_table(store, "media_video"):
        return []
    from .video import post_videos

    return post_videos(store, post_id)


def post_brief(store: Store, post_id: int) -> dict[str, Any]:
    """What the compare pane shows of a post: its title line (id, platform, account handle,
    time, status), its text and its indicators. One query plus the indicators, where
    post_detail reads a dozen tables; raises TriageError when there is no such post."""
    row = store.execute(
        "SELECT p.id, p.platform, p.posted_at, p.status, p.text, a.handle, "
        "a.platform_account_id FROM posts p LEFT JOIN accounts a ON a.id = p.account_id "
        "WHERE p.id = ?",
        (int(post_id),),
    ).fetchone()
    if row is None:
        raise TriageError(f"No post with id {post_id} in this store")
    pid, platform, posted_at, status, text, handle, platform_account_id = row
    return {
        "id": pid,
        "platform": platform,
        "posted_at": posted_at,
        "status": status,
        "text": text,
        "account": {"handle": handle, "platform_account_id": platform_account_id},
        "indicators": post_indicators(store, pid, text),
    }


def post_summaries(store: Store, post_ids: list[int]) -> dict[int, dict[str, Any]]:
    """One line's worth of each post (platform, handle, time, status, cluster, text) for lists
    of pivots; posts no longer in the store are left out."""
    out: dict[int, dict[str, Any]] = {}
    ids = [int(p) for p in post_ids]
    keys = ("id", "platform", "handle", "posted_at", "status", "cluster_id", "language", "text")
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = store.execute(
            "SELECT p.id, p.platform, a.handle, p.posted_at, p.status, p.cluster_id, p.language, "
            f"substr(p.text, 1, 200) FROM posts p LEFT JOIN accounts a ON a.id = p.account_id "
            f"WHERE p.id IN ({marks})",
            chunk,
        ).fetchall()
        for r in rows:
            out[int(r[0])] = dict(zip(keys, r, strict=True))
    return out
