"""Networks of accounts: what accounts share, kept as links in the store, and the posts that
return after a takedown.

Two accounts are linked when they share a phone number, a messaging link or group, a payment
handle or an e-mail address (the indicators' normal forms), or when a post of one is a
near-duplicate (text or picture) of a post of the other. Each kind has a weight (LINK_KINDS) and
every link says what was shared. Very common values are kept out: a stop list
(resources/network_stoplist.toml and the store's own, ``triage networks --stop VALUE``) and a
frequency cut-off (a value found on more than ``max_accounts`` accounts, or on more than
MAX_SHARE of the accounts of a store with at least SHARE_MIN_ACCOUNTS accounts, links nobody).

:func:`update_networks` runs after each enrichment (import and sync): it looks only at the posts
above the mark ``meta['networks_upto']``, so the links grow incrementally, and marks the new
posts whose account shares a link with an account already taken down, or referred and still
live, as **returning** (table ``returning_posts``) with the reason in their priority.

Networks are the connected parts of the link graph (networkx), with communities (Louvain) inside
a network for the account view.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import phonenumbers

from ..core import similarity
from ..core.errors import TriageError, UsageError
from ..core.indicators import normalise_phone
from ..core.resources import resources_dir
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role
from .audit import append_audit
from .connection import Store

if TYPE_CHECKING:
    import networkx as nx

# kind -> (weight, what it is, in words)
LINK_KINDS: dict[str, tuple[float, str]] = {
    "phone": (1.0, "phone number"),
    "messaging": (1.0, "messaging link or group"),
    "payment": (1.0, "payment handle"),
    "email": (0.8, "e-mail address"),
    "image": (0.7, "near-duplicate picture"),
    "text": (0.6, "near-duplicate text"),
}
VALUE_KINDS = ("phone", "messaging", "payment", "email")
UPTO_KEY = "networks_upto"
MEDIA_KEY = "networks_media_upto"  # the last indicator id looked at for picture-text links
STOP_KEY = "network_stoplist"
WEIGHT_KEY = "returning_weight"
DEFAULT_RETURNING_WEIGHT = 100.0  # above any other sum of parts: returning posts come first
MAX_RETURNING_WEIGHT = 10_000.0
MAX_ACCOUNTS = 25  # a value on more accounts than this is too common to link anyone
MAX_SHARE = 0.02  # ... or on more than this share of the accounts
SHARE_MIN_ACCOUNTS = 500  # the share cut-off applies from this many accounts
CLUSTER_SCAN = 2000  # newest members of a near-duplicate cluster looked at
BATCH = 5000
RANGE_PROBE = 100_000  # posts read by date before recheck_returning weighs the other way


@dataclass(slots=True)
class NetworkUpdate:
    """What one :func:`update_networks` call did."""

    posts: int = 0
    links: int = 0
    returning: list[int] = field(default_factory=list)
    upto: int = 0


# -- values -----------------------------------------------------------------------------------


def normal_value(text: str) -> str:
    """The form a stop-list entry is compared in: a phone number in E.164, else lower case."""
    value = text.strip()
    if value and (value[0] == "+" or value[:1].isdigit()):
        phone = normalise_phone(value)
        if phone:
            return phone
    return value.lower()


@lru_cache(maxsize=65536)  # the same few numbers are written in thousands of reasons
def display_value(kind: str, value: str) -> str:
    """A shared value as a person reads it: '+218 91 234 5678', 'whatsapp:+218…', …"""
    if kind == "phone":
        try:
            parsed = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return value
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if kind in ("text", "image"):
        mine, _, theirs = value.partition("~")
        return f"{LINK_KINDS[kind][1]} (posts {mine} and {theirs})"
    return value


@lru_cache(maxsize=1)
def _shipped_stoplist() -> frozenset[str]:
    """resources/network_stoplist.toml: ``values = [...]``; a bad file is one clear error."""
    path = resources_dir() / "network_stoplist.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return frozenset()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TriageError(f"Stop list {path} is not valid TOML: {exc}") from exc
    values = data.get("values", [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TriageError(f"Stop list {path}: 'values' must be a list of strings")
    return frozenset(normal_value(v) for v in values if v.strip())


def _store_stoplist(conn: Any) -> list[str]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (STOP_KEY,)).fetchone()
    return list(json.loads(row[0])) if row else []


def stoplist(store_or_conn: Store | Any) -> frozenset[str]:
    """Every value that never links accounts (shipped list and this store's)."""
    return _shipped_stoplist() | frozenset(_store_stoplist(store_or_conn))


def _stopped(kind: str, value: str, stop: frozenset[str]) -> bool:
    if value.lower() in stop:
        return True
    # 'whatsapp:+44…' carries the stop-listed number '+44…'.
    return kind == "messaging" and value.partition(":")[2].lower() in stop


def set_stop_value(store: Store, text: str, *, stop: bool = True) -> bool:
    """Add (or with stop=False remove) a value of this store's stop list (supervisor, audited).
    Links through an added value are removed at once. Returns whether the list changed."""
    require_role(store.user, store.role_of(), "approve")
    value = normal_value(text)
    if not value:
        raise UsageError("Name the value to stop-list, e.g. a phone number")
    with store.transaction() as conn:
        current = _store_stoplist(conn)
        if (value in current) == stop:
            return False
        current = sorted({*current, value}) if stop else [v for v in current if v != value]
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (STOP_KEY, json.dumps(current)),
        )
        if stop:
            conn.execute(
                "DELETE FROM account_links WHERE lower(value) = ? OR "
                "(kind = 'messaging' AND lower(substr(value, instr(value, ':') + 1)) = ?)",
                (value, value),
            )
        append_audit(
            conn,
            store.user,
            "network_stoplist",
            "store",
            store.store_id,
            {"value": value, "stop": stop},
            at=utc_now_iso(),
        )
    return True


# -- settings ---------------------------------------------------------------------------------


def returning_weight(store_or_conn: Store | Any) -> float:
    """Points a returning post gets on top of its score (meta ``returning_weight``)."""
    row = store_or_conn.execute("SELECT value FROM meta WHERE key = ?", (WEIGHT_KEY,)).fetchone()
    return float(row[0]) if row else DEFAULT_RETURNING_WEIGHT


def set_returning_weight(store: Store, weight: float) -> bool:
    """Set the returning weight (supervisors only, one audit row), rescore returning posts;
    returns whether it changed."""
    require_role(store.user, store.role_of(), "approve")
    if not (0 <= weight <= MAX_RETURNING_WEIGHT) or math.isnan(weight):
        raise UsageError(f"The returning weight is a number from 0 to {MAX_RETURNING_WEIGHT:,.0f}")
    with store.transaction() as conn:
        before = returning_weight(conn)
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (WEIGHT_KEY, repr(float(weight))),
        )
        append_audit(
            conn,
            store.user,
            "returning_weight",
            "store",
            store.store_id,
            {"weight": weight, "was": before},
            at=utc_now_iso(),
        )
    if before != weight:
        from .enrich import rescore

        rescore(store, [r[0] for r in store.execute("SELECT post_id FROM returning_posts")])
    return before != weight


# -- account status ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountState:
    """'taken_down' / 'still_live' (the latest outcome), 'referred' (no outcome yet) or 'new';
    ``on_date``: the outcome's date, or the first referral's date."""

    status: str
    on_date: str | None


def account_states(conn: Any, account_ids: Iterable[int]) -> dict[int, AccountState]:
    ids = json.dumps(sorted({int(a) for a in account_ids}))
    referred: dict[int, str | None] = {}
    for aid, flag, first in conn.execute(
        "SELECT a.id, a.referred, (SELECT min(r.created_at) FROM referral_items ri "
        "JOIN referrals r ON r.id = ri.referral_id WHERE ri.account_id = a.id) "
        "FROM accounts a WHERE a.id IN (SELECT value FROM json_each(?))",
        (ids,),
    ):
        if flag or first:
            referred[aid] = str(first)[:10] if first else None
    out = {aid: AccountState("new", None) for aid in json.loads(ids)}
    out.update({aid: AccountState("referred", day) for aid, day in referred.items()})
    for aid, outcome, day in conn.execute(
        "SELECT account_id, outcome, on_date FROM outcomes o "
        "WHERE account_id IN (SELECT value FROM json_each(?)) ORDER BY on_date, id",
        (ids,),
    ):
        out[aid] = AccountState(str(outcome), str(day))  # the latest wins
    return out


# -- building links ---------------------------------------------------------------------------


def _mark(conn: Any) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (UPTO_KEY,)).fetchone()
    return int(row[0]) if row else 0


def _limit(conn: Any, max_accounts: int) -> int:
    total = int(conn.execute("SELECT count(*) FROM accounts").fetchone()[0])
    if total >= SHARE_MIN_ACCOUNTS:
        return max(2, min(max_accounts, int(total * MAX_SHARE)))
    return max_accounts


def _pair(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


# (post, other account, kind, value) found for a new post
Evidence = tuple[int, int, str, str]
LinkRow = tuple[int, int, str, str, float, int]


@dataclass(slots=True)
class _Seen:
    """What one update_networks call has read already, kept across its batches: the posts and
    indicators do not change during the call, and a full build meets the same values and
    clusters in batch after batch (without this, a 1M-post build re-read them ~200 times)."""

    accounts_of: dict[tuple[str, str], list[int] | None] = field(default_factory=dict)
    clusters: dict[int, dict[int, list[int]] | None] = field(default_factory=dict)


def _value_links(
    conn: Any, lo: int, hi: int, stop: frozenset[str], limit: int, seen: _Seen
) -> tuple[list[LinkRow], list[Evidence]]:
    """Links through the values (phones, messaging, ...) of posts lo < id <= hi, from their
    own text and from the text read in their pictures alike."""
    # ``i.kind || ''``: by post (indicators_post) for this batch's posts only. On the kind, SQLite
    # walked every indicator of those kinds in the store for each batch (10M posts: 1.1 s a
    # batch instead of 0.04, the network build quadratic in the store's size). The ORDER BY is
    # the order that walk gave, so the links and their evidence stay the same, and makes it
    # the same on PostgreSQL from one run to the next.
    found = conn.execute(
        "SELECT DISTINCT i.kind, i.value, i.post_id, p.account_id FROM indicators i "
        "JOIN posts p ON p.id = i.post_id WHERE i.post_id > ? AND i.post_id <= ? "
        "AND p.account_id IS NOT NULL AND (i.kind || '') IN (SELECT value FROM json_each(?)) "
        "ORDER BY i.kind, i.value, i.post_id, p.account_id",
        (lo, hi, json.dumps(list(VALUE_KINDS))),
    ).fetchall()
    return _links_through(conn, found, stop, limit, seen)


def _picture_value_links(
    conn: Any, after: int, top: int, below: int, stop: frozenset[str], limit: int, seen: _Seen
) -> tuple[list[LinkRow], list[Evidence]]:
    """Links through values read in pictures (indicators with a ``media_id``, ids after < id
    <= top) of posts already looked at (id <= below): OCR may read a picture long after its
    post was linked (OCR off or cancelled then, a picture read again)."""
    found = conn.execute(
        "SELECT DISTINCT i.kind, i.value, i.post_id, p.account_id FROM indicators i "
        "JOIN posts p ON p.id = i.post_id WHERE i.id > ? AND i.id <= ? "
        "AND i.media_id IS NOT NULL AND i.post_id <= ? AND p.account_id IS NOT NULL "
        "AND (i.kind || '') IN (SELECT value FROM json_each(?)) "
        "ORDER BY i.kind, i.value, i.post_id, p.account_id",  # by id range, as above
        (after, top, below, json.dumps(list(VALUE_KINDS))),
    ).fetchall()
    return _links_through(conn, found, stop, limit, seen)


def _links_through(
    conn: Any,
    found: Sequence[tuple[str, str, int, int]],
    stop: frozenset[str],
    limit: int,
    seen: _Seen,
) -> tuple[list[LinkRow], list[Evidence]]:
    """(kind, value, post, account) found -> link rows and evidence, each value checked
    against the stop list and the frequency cut-off over the whole store."""
    by_value: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for kind, value, post_id, account in found:
        if not _stopped(kind, value, stop):
            by_value.setdefault((kind, value), []).append((post_id, account))
    rows: list[LinkRow] = []
    evidence: list[Evidence] = []
    for (kind, value), posts in by_value.items():
        if (kind, value) not in seen.accounts_of:
            found_accounts = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT p.account_id FROM indicators i JOIN posts p "
                    "ON p.id = i.post_id WHERE i.kind = ? AND i.value = ? "
                    "AND p.account_id IS NOT NULL LIMIT ?",
                    (kind, value, limit + 1),
                )
            ]
            if len(found_accounts) > limit:  # too common: links nobody, not even links before
                conn.execute(
                    "DELETE FROM account_links WHERE kind = ? AND value = ?", (kind, value)
                )
            seen.accounts_of[(kind, value)] = (
                found_accounts if len(found_accounts) <= limit else None
            )
        accounts = seen.accounts_of[(kind, value)]
        if accounts is None:
            continue
        weight = LINK_KINDS[kind][0]
        for post_id, account in posts:
            for other in accounts:
                if other != account:
                    a, b = _pair(account, other)
                    rows.append((a, b, kind, value, weight, post_id))
                    evidence.append((post_id, other, kind, value))
    return rows, evidence


# A near-duplicate links accounts only between adverts: posts with a contact point, a price or
# a lexicon concept. Everyday posts alike ("Raining again in Leicester...") link nobody.
ADVERT_KINDS = ("phone", "messaging", "payment", "email", "price", "lexicon")


def _adverts(conn: Any, post_ids: Sequence[int]) -> set[int]:
    if not post_ids:
        return set()
    # By post (the indicators_post index); the kind is checked here, as a second IN list
    # would lead SQLite to walk every indicator of those kinds instead.
    return {
        r[0]
        for r in conn.execute(
            "SELECT post_id, kind FROM indicators WHERE post_id IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps([int(p) for p in post_ids]),),
        )
        if r[1] in ADVERT_KINDS
    }


def _cluster_adverts(conn: Any, cluster: int, limit: int) -> dict[int, list[int]] | None:
    """account -> its adverts among the cluster's newest CLUSTER_SCAN posts; None when the
    cluster cannot link anyone (one account, or a template more accounts than the cut-off
    post)."""
    in_cluster = conn.execute(
        "SELECT id, account_id FROM posts WHERE cluster_id = ? AND account_id IS NOT NULL "
        "ORDER BY id DESC LIMIT ?",
        (cluster, CLUSTER_SCAN),
    ).fetchall()
    if len({r[1] for r in in_cluster}) > limit:  # a template everybody posts links nobody
        return None
    adverts = _adverts(conn, [r[0] for r in in_cluster])
    by_account: dict[int, list[int]] = {}
    for pid, account in in_cluster:
        if pid in adverts:
            by_account.setdefault(account, []).append(pid)
    return by_account if len(by_account) > 1 else None


def _near_duplicate_links(
    conn: Any, lo: int, hi: int, limit: int, seen: _Seen
) -> tuple[list[LinkRow], list[Evidence]]:
    new = conn.execute(
        "SELECT id, account_id, cluster_id FROM posts WHERE id > ? AND id <= ? "
        "AND cluster_id IS NOT NULL AND account_id IS NOT NULL",
        (lo, hi),
    ).fetchall()
    new_adverts = _adverts(conn, [r[0] for r in new])
    new = [r for r in new if r[0] in new_adverts]
    members: dict[int, dict[int, list[int]]] = {}  # cluster -> account -> its adverts there
    for cluster in {r[2] for r in new}:
        if cluster not in seen.clusters:
            seen.clusters[cluster] = _cluster_adverts(conn, cluster, limit)
        found = seen.clusters[cluster]
        if found is not None:
            members[cluster] = found
    rows: list[LinkRow] = []
    evidence: list[Evidence] = []
    cache_sig = _signatures(
        conn,
        {r[0] for r in new}
        | {p for c in {r[2] for r in new} for ps in members.get(c, {}).values() for p in ps[:5]},
    )
    cache_hash: dict[int, list[str]] = {}

    def hashes(pid: int) -> list[str]:
        if pid not in cache_hash:
            cache_hash[pid] = [
                r[0]
                for r in conn.execute(
                    "SELECT phash FROM media WHERE post_id = ? AND phash IS NOT NULL", (pid,)
                )
            ]
        return cache_hash[pid]

    # Per cluster, the few posts of each account compared with, as one stack of signatures:
    # a new post is compared with all of them in one numpy step.
    stacks: dict[int, tuple[list[tuple[int, list[int]]], np.ndarray, np.ndarray]] = {}
    for pid, account, cluster in new:
        if cluster not in members:
            continue
        if cluster not in stacks:
            accounts = [(other, posts[:5]) for other, posts in members[cluster].items()]
            theirs = [p for _, posts in accounts for p in posts]
            stack = np.zeros((len(theirs), similarity.NUM_PERM), dtype=np.uint32)
            known = np.zeros(len(theirs), dtype=bool)
            for i, p in enumerate(theirs):
                if cache_sig.get(p) is not None:
                    stack[i], known[i] = cache_sig[p], True
            stacks[cluster] = (accounts, stack, known)
        accounts, stack, known = stacks[cluster]
        mine = cache_sig.get(pid)
        if mine is None:
            alike = [False] * len(stack)
        else:
            alike = (similarity.similar_texts(stack, mine[None, :]) & known).tolist()
        at = 0
        for other, posts in accounts:
            first, at = at, at + len(posts)
            if other == account:
                continue
            kind = None
            for k, theirs_id in enumerate(posts):  # a few of the other account's posts suffice
                if alike[first + k]:
                    kind = "text"
                elif any(
                    similarity.hamming(x, y) <= similarity.PHASH_MAX_DISTANCE
                    for x in hashes(pid)
                    for y in hashes(theirs_id)
                ):
                    kind = "image"
                if kind:
                    value = f"{pid}~{theirs_id}"
                    a, b = _pair(account, other)
                    rows.append((a, b, kind, value, LINK_KINDS[kind][0], pid))
                    evidence.append((pid, other, kind, value))
                    break
    return rows, evidence


def _signatures(conn: Any, post_ids: Iterable[int]) -> dict[int, Any]:
    """The stored text signatures of these posts (one query per 20,000)."""
    wanted = sorted(post_ids)
    out: dict[int, Any] = {}
    for start in range(0, len(wanted), 20000):
        for pid, blob in conn.execute(
            "SELECT post_id, signature FROM text_signatures "
            "WHERE post_id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted[start : start + 20000]),),
        ):
            out[pid] = similarity.signature_from_bytes(blob)
    return out


def _insert_links(conn: Any, rows: Sequence[LinkRow]) -> int:
    """Insert new links; the first row of each link wins (every post of a network repeats
    the same few links, so they are deduplicated here before SQLite sees them)."""
    near: dict[tuple[int, int, str], LinkRow] = {}
    values: dict[tuple[int, int, str, str], LinkRow] = {}
    for row in rows:
        a, b, kind, value = row[:4]
        if kind in ("text", "image"):  # one near-duplicate link of a kind per pair is enough
            near.setdefault((a, b, kind), row)
        else:
            values.setdefault((a, b, kind, value), row)
    before = conn.total_changes
    conn.executemany(
        "INSERT INTO account_links(a, b, kind, value, weight, post_id) "
        "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM account_links "
        "WHERE a = ?1 AND b = ?2 AND kind = ?3)",
        list(near.values()),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO account_links(a, b, kind, value, weight, post_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        list(values.values()),
    )
    return int(conn.total_changes - before)


def _account_label(conn: Any, account_id: int) -> str:
    row = conn.execute(
        "SELECT platform, handle, platform_account_id FROM accounts WHERE id = ?", (account_id,)
    ).fetchone()
    if row is None:
        return f"account {account_id}"
    return f"@{row[1]} on {row[0]}" if row[1] else f"{row[0]} account {row[2]}"


def _day_of(posted_at: Any) -> str | None:
    if posted_at is None:
        return None
    return dt.datetime.fromtimestamp(int(posted_at), dt.UTC).date().isoformat()


def _reason(other: str, kind: str, value: str, why: str, on_date: str | None) -> str:
    when = (
        f"taken down {on_date}"
        if why == "taken_down"
        else f"referred{' ' + on_date if on_date else ''}, still live"
    )
    shared = (
        f"shares {display_value(kind, value)}"
        if kind in VALUE_KINDS
        else f"posts a {LINK_KINDS[kind][1]} of post {value.partition('~')[2]}"
    )
    return f"{shared} with {other}, {when}"


def _flag_returning(conn: Any, evidence: Sequence[Evidence]) -> list[int]:
    """Mark the posts whose evidence names an account taken down, or referred and still live,
    before the post was made (a post with no date counts as after). A takedown outranks a
    referral, then the stronger kind of link, then the later date; the reason is written
    for the winner only (formatting a phone number costs more than all the rest)."""
    states = account_states(conn, {e[1] for e in evidence}) if evidence else {}
    if not any(state.status != "new" for state in states.values()):
        return []
    evidence = [e for e in evidence if states[e[1]].status != "new"]
    posts = {
        r[0]: (r[1], _day_of(r[2]))
        for r in conn.execute(
            "SELECT id, account_id, posted_at FROM posts WHERE id IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(sorted({e[0] for e in evidence})),),
        )
    }
    best: dict[int, tuple[tuple[int, float, str], Evidence]] = {}
    for post_id, other, kind, value in evidence:
        state = states[other]
        day = posts[post_id][1]
        if day is not None and state.on_date is not None and day < state.on_date:
            continue  # posted before the takedown / referral: not a return
        rank = (int(state.status == "taken_down"), LINK_KINDS[kind][0], state.on_date or "")
        if post_id not in best or rank > best[post_id][0]:
            best[post_id] = (rank, (post_id, other, kind, value))
    labels: dict[int, str] = {}
    rows = []
    for post_id, other, kind, value in (e for _, e in best.values()):
        if other not in labels:
            labels[other] = _account_label(conn, other)
        state = states[other]
        why = "taken_down" if state.status == "taken_down" else "referred"
        reason = _reason(labels[other], kind, value, why, state.on_date)
        rows.append((post_id, posts[post_id][0], other, kind, value, why, state.on_date, reason))
    conn.executemany(
        "INSERT OR REPLACE INTO returning_posts(post_id, account_id, linked_account, kind, "
        "value, why, on_date, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return sorted(best)


def update_networks(
    store: Store, *, max_accounts: int = MAX_ACCOUNTS, batch: int = BATCH
) -> NetworkUpdate:
    """Link the accounts of the enriched posts not yet looked at, flag returning posts and
    rescore them. Each batch commits with the new mark, so a rerun resumes."""
    from .enrich import high_water_mark, rescore

    result = NetworkUpdate(upto=_mark(store.conn))
    looked_at = result.upto  # posts up to here were linked before this call
    last = high_water_mark(store)
    stop = stoplist(store)
    seen = _Seen()
    while result.upto < last:
        lo, hi = result.upto, min(last, result.upto + batch)
        with store.transaction() as conn:
            limit = _limit(conn, max_accounts)
            value_rows, value_evidence = _value_links(conn, lo, hi, stop, limit, seen)
            dup_rows, dup_evidence = _near_duplicate_links(conn, lo, hi, limit, seen)
            result.links += _insert_links(conn, value_rows + dup_rows)
            result.returning += _flag_returning(conn, value_evidence + dup_evidence)
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (UPTO_KEY, str(hi)),
            )
        result.posts += hi - lo
        result.upto = hi
    _link_late_pictures(store, looked_at, stop, max_accounts, batch, result, seen)
    if result.returning:
        rescore(store, sorted(set(result.returning)))
    result.returning += recheck_returning(store)
    return result


def _set_meta(conn: Any, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _link_late_pictures(
    store: Store,
    looked_at: int,
    stop: frozenset[str],
    max_accounts: int,
    batch: int,
    result: NetworkUpdate,
    seen: _Seen,
) -> None:
    """Link through the picture-text values found since the last call (mark
    ``networks_media_upto``, an indicator id) on posts linked before this call (id <=
    ``looked_at``); each batch of indicator ids commits with its mark."""
    top = int(store.scalar("SELECT COALESCE(max(id), 0) FROM indicators"))
    row = store.execute("SELECT value FROM meta WHERE key = ?", (MEDIA_KEY,)).fetchone()
    after = int(row[0]) if row else 0
    if not looked_at:  # a first build: every picture value was seen with its post
        if after < top:
            with store.transaction() as conn:
                _set_meta(conn, MEDIA_KEY, str(top))
        return
    while after < top:
        upto = min(top, after + batch * 4)
        with store.transaction() as conn:
            limit = _limit(conn, max_accounts)
            rows, evidence = _picture_value_links(conn, after, upto, looked_at, stop, limit, seen)
            result.links += _insert_links(conn, rows)
            # These posts came in earlier: as for a later takedown (recheck_returning), only
            # those nobody has decided on yet become returning.
            waiting = {
                int(r[0])
                for r in conn.execute(
                    "SELECT id FROM posts WHERE status = 'new' AND id IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps(sorted({e[0] for e in evidence})),),
                )
            }
            result.returning += _flag_returning(conn, [e for e in evidence if e[0] in waiting])
            _set_meta(conn, MEDIA_KEY, str(upto))
        after = upto


OUTCOMES_KEY = "networks_outcomes_upto"
REFERRALS_KEY = "networks_referrals_upto"


def recheck_returning(store: Store) -> list[int]:
    """Flag the posts already in the store that became returning because an account they are
    linked to was taken down or referred since the last check (outcomes and referrals above the
    marks ``networks_outcomes_upto`` / ``networks_referrals_upto``): new (untagged) posts of the
    linked accounts made on or after that date. Rescores them; returns their ids."""
    from .enrich import rescore

    with store.transaction() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (OUTCOMES_KEY,)).fetchone()
        out_mark = int(row[0]) if row else 0
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (REFERRALS_KEY,)).fetchone()
        ref_mark = int(row[0]) if row else 0
        out_top = int(conn.execute("SELECT COALESCE(max(id), 0) FROM outcomes").fetchone()[0])
        ref_top = int(conn.execute("SELECT COALESCE(max(id), 0) FROM referrals").fetchone()[0])
        if out_top == out_mark and ref_top == ref_mark:
            return []
        accounts = {
            int(r[0])
            for r in conn.execute(
                "SELECT account_id FROM outcomes WHERE id > ? AND outcome = 'taken_down'",
                (out_mark,),
            )
        } | {
            int(r[0])
            for r in conn.execute(
                "SELECT DISTINCT account_id FROM referral_items WHERE referral_id > ? "
                "AND account_id IS NOT NULL",
                (ref_mark,),
            )
        }
        # The strongest link of each (gone, linked) pair: the only one _flag_returning could
        # choose for the linked account's posts (the first of equal weight, as there).
        strongest: dict[tuple[int, int], tuple[str, str]] = {}
        ids = json.dumps(sorted(accounts))
        for a, b, kind, value in conn.execute(
            "SELECT a, b, kind, value FROM account_links WHERE a IN (SELECT value FROM "
            "json_each(?)) OR b IN (SELECT value FROM json_each(?))",
            (ids, ids),
        ).fetchall():
            for gone, linked in ((a, b), (b, a)):
                if gone not in accounts or linked in accounts:
                    continue
                held = strongest.get((gone, linked))
                if held is None or LINK_KINDS[kind][0] > LINK_KINDS[held[0]][0]:
                    strongest[(gone, linked)] = (kind, value)
        # Per linked account, the candidates best first (as _flag_returning ranks them); each
        # of its waiting posts gets the best one it was posted after, so the evidence is one
        # row per post (not one per post and pair: millions in a store of a million posts).
        states = account_states(conn, {gone for gone, _ in strongest})
        candidates: dict[int, list[tuple[tuple[int, float, str], int, str, str, str | None]]]
        candidates = {}
        for (gone, linked), (kind, value) in strongest.items():
            state = states[gone]
            if state.status == "new":
                continue
            rank = (int(state.status == "taken_down"), LINK_KINDS[kind][0], state.on_date or "")
            candidates.setdefault(linked, []).append((rank, gone, kind, value, state.on_date))
        evidence: list[Evidence] = []
        flagged: list[int] = []
        dated = _waiting_since(conn, candidates)
        for linked, found in candidates.items():
            found.sort(key=lambda c: c[0], reverse=True)  # stable: the first of equals first
            waiting = dated.get(linked)
            if waiting is None:
                waiting = conn.execute(
                    "SELECT id, posted_at FROM posts WHERE account_id = ? AND status = 'new' "
                    "AND id NOT IN (SELECT post_id FROM returning_posts WHERE account_id = ?)",
                    (linked, linked),
                )
            for post_id, posted_at in waiting:
                day = _day_of(posted_at)
                for _rank, gone, kind, value, on_date in found:
                    if day is None or on_date is None or day >= on_date:
                        evidence.append((int(post_id), gone, kind, value))
                        break
            if len(evidence) >= BATCH:  # written as it goes: memory stays flat
                flagged += _flag_returning(conn, evidence)
                evidence.clear()
        flagged += _flag_returning(conn, evidence)
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(OUTCOMES_KEY, str(out_top)), (REFERRALS_KEY, str(ref_top))],
        )
    if flagged:
        rescore(store, flagged)
    return flagged


def _day_start(day: str | None) -> int | None:
    """The first second (UTC) of an ISO day 'YYYY-MM-DD', None for anything else."""
    try:
        parsed = dt.date.fromisoformat(day or "")
    except ValueError:
        return None
    if parsed.isoformat() != day:
        return None
    return int(dt.datetime(parsed.year, parsed.month, parsed.day, tzinfo=dt.UTC).timestamp())


def _waiting_since(
    conn: Any, candidates: dict[int, list[tuple[Any, int, str, str, str | None]]]
) -> dict[int, list[tuple[int, Any]]]:
    """The waiting (new, not yet returning) posts that recheck_returning could flag, for the
    linked accounts whose every candidate has a date, read through the posts' date index when
    that reads fewer posts than walking every post of those accounts (issue 17: a pack of
    100,000 posts referred thousands of accounts, and walking their posts read millions of rows
    of a 10M store to flag the few made since the referral). Linked account -> [(post id,
    posted_at)] in id order, as the per-account query gives them; accounts left out are read
    by that query. The bound keeps a few posts too many (the caller compares the days), never
    one too few: a post counts from its day on, and one with no date always."""
    starts: dict[int, int] = {}
    for linked, found in candidates.items():
        days = [_day_start(c[4]) for c in found]
        if days and all(d is not None for d in days):
            starts[linked] = min(d for d in days if d is not None)
    if not starts:
        return {}
    since = min(starts.values()) - 1  # int(posted_at) >= start implies posted_at > start - 1
    in_range = (
        "SELECT count(*) FROM (SELECT 1 FROM posts WHERE posted_at >= ? LIMIT ?) AS r",
        "SELECT count(*) FROM (SELECT 1 FROM posts WHERE posted_at IS NULL LIMIT ?) AS r",
    )

    def dated_posts(limit: int) -> int:
        return int(conn.execute(in_range[0], (since, limit)).fetchone()[0]) + int(
            conn.execute(in_range[1], (limit,)).fetchone()[0]
        )

    ids = json.dumps(sorted(starts))
    found_by_date = dated_posts(RANGE_PROBE)
    if found_by_date >= RANGE_PROBE:  # many posts since then: is walking the accounts less?
        own = int(
            conn.execute(
                "SELECT count(*) FROM posts WHERE account_id IN (SELECT value FROM json_each(?))",
                (ids,),
            ).fetchone()[0]
        )
        if own <= RANGE_PROBE or dated_posts(own + 1) > own:
            return {}
    out: dict[int, list[tuple[int, Any]]] = {a: [] for a in starts}
    # The posts' date index, not the account or status index: `+ 0` and `|| ''` keep SQLite
    # from choosing those (both forms are plain expressions on PostgreSQL too).
    for where in ("posted_at >= ?", "posted_at IS NULL"):
        params: tuple[Any, ...] = (since, ids) if where.endswith("?") else (ids,)
        for post_id, account_id, posted_at in conn.execute(
            f"SELECT id, account_id, posted_at FROM posts WHERE {where} "
            "AND (status || '') = 'new' AND account_id + 0 IN (SELECT value FROM json_each(?)) "
            "AND NOT EXISTS (SELECT 1 FROM returning_posts r WHERE r.post_id = posts.id "
            "AND r.account_id = posts.account_id)",
            params,
        ):
            out[int(account_id)].append((int(post_id), posted_at))
    for rows in out.values():
        rows.sort(key=lambda r: r[0])
    return out


def rebuild_networks(store: Store, *, max_accounts: int = MAX_ACCOUNTS) -> NetworkUpdate:
    """Forget every link and returning mark and build them again from all enriched posts."""
    require_role(store.user, store.role_of(), "approve")
    stoplist(store)  # a bad stop list file is refused before anything is forgotten
    with store.transaction() as conn:
        conn.execute("DELETE FROM account_links")
        flagged = [r[0] for r in conn.execute("SELECT post_id FROM returning_posts")]
        conn.execute("DELETE FROM returning_posts")
        conn.execute(
            "DELETE FROM meta WHERE key IN (?, ?, ?, ?)",
            (UPTO_KEY, MEDIA_KEY, OUTCOMES_KEY, REFERRALS_KEY),
        )
    result = update_networks(store, max_accounts=max_accounts)
    if flagged:
        from .enrich import rescore

        rescore(store, sorted(set(flagged) - set(result.returning)))
    return result


def returning_reason(conn: Any, post_ids: Sequence[int]) -> dict[int, str]:
    """The returning reason of each of these posts that has one."""
    return dict(
        conn.execute(
            "SELECT post_id, reason FROM returning_posts "
            "WHERE post_id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(p) for p in post_ids]),),
        ).fetchall()
    )


def returning_counts(store: Store) -> dict[str, int]:
    """Posts marked returning, their accounts, and those still waiting for an analyst."""
    row = store.execute(
        "SELECT count(*), count(DISTINCT r.account_id), "
        "COALESCE(sum(p.status = 'new'), 0) FROM returning_posts r "
        "JOIN posts p ON p.id = r.post_id"
    ).fetchone()
    return {"posts": int(row[0]), "accounts": int(row[1]), "waiting": int(row[2])}


# -- networks ---------------------------------------------------------------------------------


def link_graph(store: Store) -> nx.Graph:
    """Accounts as nodes; one edge per linked pair with ``weight`` (1 - prod(1 - w)) and
    ``shared`` [(kind, value), ...]."""
    import networkx as nx  # here: only the network commands need it

    graph = nx.Graph()
    _add_links(graph, store.execute("SELECT a, b, kind, value, weight FROM account_links"))
    return graph


def component_graph(store: Store, account_ids: Iterable[int]) -> nx.Graph:
    """The part of :func:`link_graph` that holds these accounts' networks (their connected
    parts), read outward from the accounts one ring of neighbours at a time through the link
    table's two indexes, so that it costs what those networks hold, not the store's whole graph
    (a referral pack asks for its accounts' networks: issue 17). The same edges and weights as
    link_graph's: the links are added in the table's key order, which is the order link_graph's
    scan meets them on SQLite (the weights are products, rounded later)."""
    import networkx as nx  # here: only the network commands need it

    found: dict[tuple[int, int, str, str], float] = {}
    reached: set[int] = set()
    frontier = {int(a) for a in account_ids}
    while frontier:
        reached |= frontier
        ids = json.dumps(sorted(frontier))
        ring: set[int] = set()
        for side in ("a", "b"):
            for a, b, kind, value, weight in store.execute(
                "SELECT a, b, kind, value, weight FROM account_links "
                f"WHERE {side} IN (SELECT value FROM json_each(?))",
                (ids,),
            ):
                found[(int(a), int(b), str(kind), str(value))] = weight
                ring.update((int(a), int(b)))
        frontier = ring - reached
    graph = nx.Graph()
    _add_links(graph, (key + (weight,) for key, weight in sorted(found.items())))
    return graph


def _add_links(graph: nx.Graph, rows: Iterable[tuple[Any, ...]]) -> None:
    """One edge per linked pair: ``weight`` 1 - prod(1 - w) over its links (in row order) and
    ``shared`` [(kind, value), ...]."""
    for a, b, kind, value, weight in rows:
        if graph.has_edge(a, b):
            edge = graph[a][b]
            edge["weight"] = 1 - (1 - edge["weight"]) * (1 - weight)
            edge["shared"].append((kind, value))
        else:
            graph.add_edge(a, b, weight=float(weight), shared=[(kind, value)])


def _accounts(
    store: Store, ids: Sequence[int], *, post_counts: bool = True
) -> dict[int, dict[str, Any]]:
    """Each account's platform, handle, id and state; with ``post_counts`` also its posts and
    returning posts, counted (which reads every post of the account: grows with the store)."""
    count = "(SELECT count(*) FROM posts p WHERE p.account_id = a.id)" if post_counts else "0"
    rows = store.execute(
        f"SELECT a.id, a.platform, a.handle, a.platform_account_id, {count} FROM accounts a "
        "WHERE a.id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(ids)),),
    ).fetchall()
    states = account_states(store.conn, ids)
    returning = {}
    if post_counts:
        returning = dict(
            store.execute(
                "SELECT account_id, count(*) FROM returning_posts "
                "WHERE account_id IN (SELECT value FROM json_each(?)) GROUP BY account_id",
                (json.dumps(sorted(ids)),),
            ).fetchall()
        )
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        info = {
            "id": r[0],
            "platform": r[1],
            "handle": r[2],
            "platform_account_id": r[3],
            "posts": int(r[4]),
            "status": states[r[0]].status,
            "status_date": states[r[0]].on_date,
            "returning_posts": int(returning.get(r[0], 0)),
        }
        if not post_counts:
            del info["posts"], info["returning_posts"]
        out[r[0]] = info
    return out


def _network_id(members: Iterable[int]) -> str:
    return f"N{min(members)}"


def _top_shared(graph: nx.Graph, members: set[int], n: int = 5) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str]] = Counter()
    accounts: dict[tuple[str, str], set[int]] = {}
    for a, b, data in graph.subgraph(members).edges(data=True):
        for kind, value in data["shared"]:
            if kind in VALUE_KINDS:
                counts[(kind, value)] += 1
                accounts.setdefault((kind, value), set()).update((a, b))
    top = sorted(counts, key=lambda k: (-len(accounts[k]), k))[:n]
    return [
        {"kind": k, "value": v, "shown": display_value(k, v), "accounts": len(accounts[(k, v)])}
        for k, v in top
    ]


def list_networks(store: Store) -> list[dict[str, Any]]:
    """Every network (two or more linked accounts), largest first."""
    import networkx as nx  # here: only the network commands need it

    graph = link_graph(store)
    parts = [set(c) for c in nx.connected_components(graph)]
    info = _accounts(store, [a for part in parts for a in part])
    out = []
    for part in parts:
        members = [info[a] for a in sorted(part) if a in info]
        out.append(
            {
                "id": _network_id(part),
                "accounts": len(part),
                "links": graph.subgraph(part).number_of_edges(),
                "platforms": dict(Counter(m["platform"] for m in members).most_common()),
                "statuses": dict(Counter(m["status"] for m in members).most_common()),
                "returning_posts": sum(m["returning_posts"] for m in members),
                "top_shared": _top_shared(graph, part),
            }
        )
    out.sort(key=lambda n: (-n["accounts"], n["id"]))
    return out


def account_network(store: Store, account_id: int) -> dict[str, Any]:
    """The network an account belongs to: its accounts (with their community inside the
    network) and every link with what it shares."""
    import networkx as nx  # here: only the network commands need it

    graph = link_graph(store)
    if account_id not in graph:
        part = {account_id}
    else:
        part = set(nx.node_connected_component(graph, account_id))
    sub = graph.subgraph(part)
    community: dict[int, int] = {account_id: 0}
    if sub.number_of_edges():
        found = nx.community.louvain_communities(sub, weight="weight", seed=1)
        for index, group in enumerate(sorted(found, key=lambda g: (-len(g), min(g)))):
            community.update({a: index for a in group})
    info = _accounts(store, sorted(part))
    if account_id not in info:
        raise TriageError(f"No account {account_id} in this store")
    links = []
    for a, b, data in sorted(
        sub.edges(data=True), key=lambda e: (min(e[0], e[1]), max(e[0], e[1]))
    ):
        a, b = _pair(a, b)
        links.append(
            {
                "a": a,
                "b": b,
                "weight": round(float(data["weight"]), 3),
                "shared": [
                    {"kind": k, "value": v, "shown": display_value(k, v)}
                    for k, v in sorted(data["shared"])
                ],
            }
        )
    accounts = [dict(info[a], community=community.get(a, 0)) for a in sorted(part)]
    return {
        "id": _network_id(part),
        "account": account_id,
        "accounts": accounts,
        "links": links,
        "top_shared": _top_shared(graph, part),
    }


# -- networks of chosen accounts (referral packs) ---------------------------------------------


def networks_of(store: Store, account_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The networks (two or more linked accounts) holding any of these accounts, each once:
    ``{"id", "members": [account info as in account_network, without the post counts], "links":
    [{"a", "b", "weight", "kinds"}], "top_shared"}``, members and links sorted. Accounts linked
    to nobody are left out. Reads those networks' links and members only (component_graph), so
    a referral pack's networks cost what they hold, whatever the size of the store."""
    import networkx as nx  # here: only the network commands, statistics and packs need it

    wanted = sorted({int(a) for a in account_ids})
    graph = component_graph(store, wanted)
    parts: list[set[int]] = []
    placed: set[int] = set()
    for account in wanted:
        if account in graph and account not in placed:
            part = set(nx.node_connected_component(graph, account))
            placed |= part
            parts.append(part)
    info = _accounts(store, [a for part in parts for a in part], post_counts=False)
    out: list[dict[str, Any]] = []
    for part in parts:
        sub = graph.subgraph(part)
        links: list[dict[str, Any]] = [
            {
                "a": min(a, b),
                "b": max(a, b),
                "weight": round(float(data["weight"]), 3),
                "kinds": sorted({kind for kind, _ in data["shared"]}),
            }
            for a, b, data in sub.edges(data=True)
        ]
        out.append(
            {
                "id": _network_id(part),
                "members": [info[a] for a in sorted(part) if a in info],
                "links": sorted(links, key=lambda link: (int(link["a"]), int(link["b"]))),
                "top_shared": _top_shared(graph, part),
            }
        )
    return out
