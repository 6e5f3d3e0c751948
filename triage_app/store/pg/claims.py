"""Claims on a team server: twenty analysts taking "the next post" at once never get the same
one, and a claim ends with the sessions of the person who holds it.

Why the SQLite way is not enough here: on a laptop one person works and a claim is a note to
oneself. On a server, two sessions may pick the same post in the same millisecond. So:

- "Next post" selects the first free post ``FOR NO KEY UPDATE SKIP LOCKED`` (the ``FOR
  UPDATE`` variant that does not block the foreign-key checks of someone tagging the post): a
  post another session is claiming or tagging right now is stepped over instead of waited for.
- The claim itself is an upsert that only takes over a claim that is ours, expired or dead.
  That upsert, not the snapshot of the SELECT, is the arbiter: in READ COMMITTED a claim
  committed by someone else after our SELECT began is still seen by ``ON CONFLICT``.
- Each session that claims holds a shared session-level advisory lock keyed by its login
  (``pg_locks`` is readable by every login). A claim is alive while it has not expired *and*
  some session of its holder still holds that lock: a window that crashed, or a laptop whose
  network went, frees its claims as soon as the server notices the session is gone, without
  waiting for the expiry. The pool releases the lock when a connection goes back to it
  (opening.py), so a closed store stops holding claims too.

The table is the shared ``claims`` (post_id, user, expires_at); nothing here changes its
columns, so the two schemas stay the same."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg

from ...core.errors import TriageError

T = TypeVar("T")
_IDLE = psycopg.pq.TransactionStatus.IDLE
_OPEN = psycopg.pq.TransactionStatus.INTRANS
_FAILED = psycopg.pq.TransactionStatus.INERROR
# pg_advisory_lock_shared(CLAIM_SPACE, <login key>): "tric".
CLAIM_SPACE = 0x7472_6963

# The login's key in the lock space; computed by the server so every client agrees.
_KEY = "(hashtext({who}) & 2147483647)"
# Logins that have a session on this database holding the claims lock right now.
_LIVE_KEYS = (
    "SELECT l.objid::bigint FROM pg_locks l WHERE l.locktype = 'advisory' "
    f"AND l.classid = {CLAIM_SPACE}::oid AND l.objsubid = 2 AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _alive(alias: str) -> str:
    """SQL: the claim row ``alias`` is alive (not expired, its holder still connected)."""
    who = _KEY.format(who=alias + '."user"')
    return f"{alias}.expires_at > %(now)s AND {who} IN ({_LIVE_KEYS})"


def _raw(store: Any) -> psycopg.Connection:
    return store.conn.raw  # type: ignore[no-any-return]


def _hold_session_lock(store: Any) -> None:
    """Take this session's claims lock once per server session (again after a reconnect)."""
    conn = store.conn
    raw = _raw(store)
    pid = raw.info.backend_pid
    if getattr(conn, "claim_lock_pid", None) == pid:
        return
    raw.execute(f"SELECT pg_advisory_lock_shared({CLAIM_SPACE}, {_KEY.format(who='session_user')})")
    conn.claim_lock_pid = pid


def _again_if_lost(store: Any, step: Callable[[], T]) -> T:
    """Run ``step``; if the session died under it (server restarted), once more on a new one."""
    try:
        try:
            return step()
        except psycopg.OperationalError:
            renew = getattr(store.conn, "renew_if_lost", None)
            if renew is None or not renew():
                raise
            return step()
    except psycopg.Error as exc:
        raise _fail(exc) from exc


def _fail(exc: psycopg.Error) -> TriageError:
    return TriageError(f"Claim not recorded: {(str(exc).strip().splitlines() or ['?'])[0]}")


# The claim's upsert: it only takes over a claim that is ours, expired or dead (its holder has
# no session left). Completed by VALUES (one post) or a SELECT (the first free one).
_UPSERT = 'INSERT INTO claims(post_id, "user", expires_at)'
_UPSERT_RULE = (
    'ON CONFLICT (post_id) DO UPDATE SET "user" = EXCLUDED."user", '
    "expires_at = EXCLUDED.expires_at "
    f'WHERE claims."user" = EXCLUDED."user" OR NOT ({_alive("claims")}) '
    "RETURNING post_id"
)


def _upsert(raw: psycopg.Connection, post_id: int, user: str, until: float, now: float) -> bool:
    """Claim ``post_id`` unless someone else's live claim holds it; True when ours now."""
    row = _unsynced(
        raw,
        f"{_UPSERT} VALUES (%(post)s, %(me)s, %(until)s) {_UPSERT_RULE}",
        {"post": post_id, "me": user, "until": until, "now": now},
    )
    return row is not None


def _claim(store: Any, post_id: int, seconds: float) -> str | None:
    """Claim a post for the login; the other person holding it, or None when it is ours."""
    now = time.time()
    raw = _raw(store)
    try:
        _hold_session_lock(store)
        if _upsert(raw, post_id, store.user, now + seconds, now):
            return None
        return _holder(store, post_id) or _claim(store, post_id, seconds)
    except psycopg.errors.ForeignKeyViolation:
        raise TriageError(f"No post with id {post_id} in this store") from None


def _holder(store: Any, post_id: int) -> str | None:
    """Who holds a live claim on ``post_id`` (possibly the login itself), or None."""
    row = (
        _raw(store)
        .execute(
            f'SELECT c."user" FROM claims c WHERE c.post_id = %(post)s AND {_alive("c")}',
            {"post": post_id, "now": time.time()},
        )
        .fetchone()
    )
    return None if row is None else str(row[0])


def _held_by_others(store: Any) -> dict[int, str]:
    """Every post someone else holds right now (the claims table holds only current work)."""
    rows = (
        _raw(store)
        .execute(
            f'SELECT c.post_id, c."user" FROM claims c WHERE c."user" <> %(me)s AND {_alive("c")}',
            {"me": store.user, "now": time.time()},
        )
        .fetchall()
    )
    return {int(p): str(u) for p, u in rows}


def _release(store: Any) -> None:
    """Give back the login's claims and this session's lock (the window is closing)."""
    raw = _raw(store)
    raw.execute('DELETE FROM claims WHERE "user" = %s', (store.user,))
    conn = store.conn
    if getattr(conn, "claim_lock_pid", None) == raw.info.backend_pid:
        raw.execute(
            f"SELECT pg_advisory_unlock_shared({CLAIM_SPACE}, {_KEY.format(who='session_user')})"
        )
        conn.claim_lock_pid = None


def _unsynced(raw: psycopg.Connection, sql: str, params: dict[str, Any]) -> Any:
    """The first row of ``sql`` run in a transaction of its own whose COMMIT does not wait for
    the server's disk (``synchronous_commit`` off for it alone), all in one round trip.

    For claims only: a claim lives no longer than its holder's session, and a server that
    crashes ends every session, so a claim lost with the last moment's log could not have
    counted anyway; waiting for the disk to flush it cost every tag key on a team server.
    A decision is acknowledged only once the log holding it is on disk, as the server's
    setting says (store/pg/adapter.py: _ON_DISK). Other sessions see the claim as soon as it
    commits, whatever the setting: the race it arbitrates is unchanged. Inside a caller's
    transaction, it is simply a statement of it."""
    if raw.info.transaction_status != _IDLE:
        return raw.execute(sql, params).fetchone()
    try:
        with raw.pipeline():
            raw.execute("BEGIN")
            raw.execute("SET LOCAL synchronous_commit TO off")
            cur = raw.execute(sql, params)
            raw.execute("COMMIT")
        return cur.fetchone()
    except psycopg.Error:
        status = raw.info.transaction_status
        if status in (_OPEN, _FAILED):  # a failed statement left the transaction open
            raw.execute("ROLLBACK")
        raise


def _take_next(store: Any, candidates: Sequence[int] | None, seconds: float) -> int | None:
    """Claim the first post nobody else holds and return it, or None when none is free.

    ``candidates``: the posts to choose from, in order (the window passes the rows after the
    current one); None means the queue of new posts (priority, then id), skipping the login's own
    claims too (a command that loops "next, tag, next" must not get its last post again).

    One statement, so one round trip (before: BEGIN, SELECT, upsert, COMMIT): it selects the
    first free post ``FOR NO KEY UPDATE SKIP LOCKED`` and upserts the claim in the same
    statement, which is its own transaction. The upsert stays the arbiter: when it loses a race
    (someone's claim committed after our snapshot), the post is stepped over and the next
    round asks again; no row back at all means no post is free."""
    raw = _raw(store)
    now = time.time()
    tried: list[int] = []
    _hold_session_lock(store)
    while True:
        params: dict[str, Any] = {
            "now": now,
            "me": store.user,
            "tried": tried,
            "until": now + seconds,
        }
        if candidates is None:
            mine = ""
            source = "p.status = 'new'"
            order = "p.priority DESC, p.id"  # the queue's order (index posts_status_priority)
        else:
            mine = 'c."user" <> %(me)s AND '
            params["ids"] = list(candidates)
            source = "p.id = ANY(%(ids)s)"
            order = "array_position(%(ids)s, p.id)"
        row = _unsynced(
            raw,
            "WITH free AS (SELECT p.id FROM posts p WHERE "
            f"{source} AND NOT (p.id = ANY(%(tried)s)) "
            "AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.post_id = p.id AND "
            f"{mine}{_alive('c')}) ORDER BY {order} LIMIT 1 "
            "FOR NO KEY UPDATE OF p SKIP LOCKED), "
            f"taken AS ({_UPSERT} SELECT id, %(me)s, %(until)s FROM free {_UPSERT_RULE}) "
            "SELECT free.id, (SELECT post_id FROM taken) FROM free",
            params,
        )
        if row is None:
            return None
        if row[1] is not None:
            return int(row[1])
        tried.append(int(row[0]))


def claim(store: Any, post_id: int, seconds: float) -> str | None:
    """Claim a post for the login; the other person holding it, or None when it is ours."""
    return _again_if_lost(store, lambda: _claim(store, post_id, seconds))


def holder(store: Any, post_id: int) -> str | None:
    """Who holds a live claim on ``post_id`` (possibly the login itself), or None."""
    return _again_if_lost(store, lambda: _holder(store, post_id))


def held_by_others(store: Any) -> dict[int, str]:
    """Every post someone else holds right now (the claims table holds only current work)."""
    return _again_if_lost(store, lambda: _held_by_others(store))


def release(store: Any) -> None:
    """Give back the login's claims and this session's lock (the window is closing)."""
    _again_if_lost(store, lambda: _release(store))


def take_next(store: Any, candidates: Sequence[int] | None, seconds: float) -> int | None:
    """Claim the first post nobody else holds and return it, or None when none is free (see
    ``_take_next``)."""
    return _again_if_lost(store, lambda: _take_next(store, candidates, seconds))
