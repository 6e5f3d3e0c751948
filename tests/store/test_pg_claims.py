"""Claims on a real PostgreSQL server (store/pg/claims.py): twenty analysts taking "next post"
at once never get the same post, a claim ends with its holder's session, two supervisors
approving one post at once give one approval, and a client killed inside a transaction leaves
nothing half-done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.pg_logins import Logins
from triage_app.core.errors import TriageError
from triage_app.store.connection import open_store
from triage_app.store.decisions import (
    apply_tags,
    claim,
    claim_holder,
    claim_next,
    claims_of_others,
    release_claims,
    review,
)
from triage_app.store.users import add_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def team(pg_server):
    """A store with 120 demo posts (the founder, the server's superuser login, supervises)."""
    from triage_app.commands.demo import make_demo_store

    url = pg_server.fresh_database()
    store = open_store(url, create=True)
    make_demo_store(store, posts=120, seed=1)
    store.execute("UPDATE posts SET status = 'new'")
    store.execute("DELETE FROM post_tags")
    opened = [store]
    logins = Logins(pg_server, url)

    def open_as(name: str, role: str = "analyst") -> object:
        address = logins.url_for(name, role)
        login = logins.login(name)
        if login not in {r[0] for r in store.execute("SELECT name FROM users").fetchall()}:
            add_user(store, login, role)
        other = open_store(address)
        opened.append(other)
        return other

    open_as.logins = logins  # type: ignore[attr-defined]
    yield store, open_as, url
    for s in opened:
        try:
            s.close()
        except Exception:
            pass
    logins.drop()


def test_twenty_analysts_taking_next_at_once_never_get_the_same_post(team):
    store, open_as, _url = team
    analysts = [open_as(f"analyst{i:02d}") for i in range(20)]
    new_posts = {r[0] for r in store.execute("SELECT id FROM posts WHERE status = 'new'")}
    taken: dict[str, list[int]] = {a.user: [] for a in analysts}
    start = threading.Barrier(len(analysts))
    problems: list[BaseException] = []

    def work(analyst) -> None:
        try:
            start.wait()
            while (post := claim_next(analyst)) is not None:
                taken[analyst.user].append(post)
        except BaseException as exc:  # pragma: no cover - reported below
            problems.append(exc)

    threads = [threading.Thread(target=work, args=(a,)) for a in analysts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not problems, problems
    counts = Counter(p for posts in taken.values() for p in posts)
    twice = [p for p, n in counts.items() if n > 1]
    assert twice == [], f"claimed twice: {twice}"
    assert set(counts) == new_posts  # every post went to someone
    assert sum(1 for posts in taken.values() if posts) > 1  # the work was shared
    # Each post's claim row names the analyst who got it.
    holders = dict(store.execute("SELECT post_id, user FROM claims").fetchall())
    for user, posts in taken.items():
        assert all(holders[p] == user for p in posts)


def test_a_claim_ends_with_its_holders_session(team, pg_server):
    store, open_as, _url = team
    ana, bob = open_as("ana"), open_as("bob")
    assert claim(ana, 1) is None
    assert claim(bob, 1) == ana.user
    assert claim_holder(bob, 1) == ana.user
    assert claims_of_others(bob) == {1: ana.user}
    # Ana's window crashes: her session ends without releasing anything.
    with pg_server.admin() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (ana.conn.raw.info.backend_pid,))
    deadline = time.monotonic() + 5
    while claim_holder(bob, 1) == ana.user and time.monotonic() < deadline:
        time.sleep(0.05)
    assert claim_holder(bob, 1) is None
    assert claims_of_others(bob) == {}
    assert claim(bob, 1) is None and claim_holder(store, 1) == bob.user
    # Bob's claim took the row over: nothing of Ana's is left.
    assert store.scalar("SELECT count(*) FROM claims WHERE user = ?", (ana.user,)) == 0


def test_a_closed_store_releases_its_claims_and_a_reopened_one_claims_again(team):
    _store, open_as, _url = team
    ana, bob = open_as("ana"), open_as("bob")
    assert claim(ana, 2) is None
    release_claims(ana)
    assert claim_holder(bob, 2) is None
    assert claim(ana, 3) is None
    assert claim_holder(bob, 3) == ana.user
    # After a reconnect (the session replaced), a claim takes the session lock again.
    ana.conn.raw.close()
    assert claim(ana, 4) is None
    assert ana.conn.reconnects == 1
    assert claim_holder(bob, 4) == ana.user


def test_next_post_among_the_windows_rows_skips_those_held_by_others(team):
    _store, open_as, _url = team
    ana, bob = open_as("ana"), open_as("bob")
    assert claim(ana, 11) is None
    assert claim_next(bob, [10, 11, 12]) == 10
    assert claim_next(bob, [11, 12]) == 12
    assert claim_next(bob, [11]) is None
    assert claim_next(ana, [10, 11]) == 11  # her own claim is hers to continue
    # An expired claim is no longer anyone's.
    assert claim(ana, 20, seconds=-1) is None
    assert claim_next(bob, [20]) == 20


def test_claims_on_a_post_that_does_not_exist_say_so(team):
    _store, open_as, _url = team
    ana = open_as("ana")
    with pytest.raises(TriageError, match="No post with id 999999"):
        claim(ana, 999999)


def test_two_supervisors_approving_one_post_at_once_give_one_approval(team):
    store, open_as, _url = team
    ana = open_as("ana")
    sue = open_as("sue", "supervisor")
    apply_tags(ana, [5], add=["boat_crossing"])
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def approve(who) -> None:
        start.wait()
        try:
            results[who.user] = review(who, [5], "approve")
        except TriageError as exc:
            results[who.user] = exc

    threads = [threading.Thread(target=approve, args=(s,)) for s in (store, sue)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    approvals = "SELECT count(*) FROM decisions WHERE post_id = 5 AND kind = 'approve'"
    assert store.scalar(approvals) == 1
    refused = [r for r in results.values() if isinstance(r, TriageError)]
    assert len(refused) == 1, results
    message = str(refused[0])
    assert "already approved" in message and "\n" not in message
    winner = next(u for u, r in results.items() if not isinstance(r, TriageError))
    assert winner in message
    assert store.scalar("SELECT status FROM posts WHERE id = 5") == "approved"


KILLED_CHILD = """
import sys, time
from triage_app.store.connection import open_store
store = open_store(sys.argv[1])
with store.transaction() as conn:
    for i in range(1, 41):
        conn.execute("UPDATE posts SET status = 'dismissed' WHERE id = ?", (i,))
        conn.execute(
            "INSERT INTO decisions(uuid, post_id, kind, actor, at) VALUES (?, ?, 'dismiss', ?, ?)",
            (f"killed-{i}", i, store.user, "2026-01-01T00:00:00Z"),
        )
    print("inside", flush=True)
    time.sleep(60)
"""


def test_a_client_killed_inside_a_transaction_leaves_nothing_half_done(team):
    store, _open_as, url = team
    before = (
        store.scalar("SELECT count(*) FROM decisions"),
        store.scalar("SELECT count(*) FROM posts WHERE status = 'dismissed'"),
    )
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "inside", child.stderr.read() if child.stderr else ""
        # While it is inside, its writes are invisible to everyone else.
        assert store.scalar("SELECT count(*) FROM decisions") == before[0]
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    # The server notices the dead session and rolls it back; the writer lock is free again.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        busy = store.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%'"
        )
        if not busy:
            break
        time.sleep(0.05)
    after = (
        store.scalar("SELECT count(*) FROM decisions"),
        store.scalar("SELECT count(*) FROM posts WHERE status = 'dismissed'"),
    )
    assert after == before
    with store.transaction() as conn:  # nothing waits on a lock the dead client held
        conn.execute("UPDATE posts SET note = 'after' WHERE id = 1")
    assert store.scalar("SELECT note FROM posts WHERE id = 1") == "after"


def test_next_post_follows_the_queue_order_and_skips_every_live_claim(team):
    store, open_as, _url = team
    ana, bob = open_as("ana"), open_as("bob")
    order = [
        r[0]
        for r in store.execute(
            "SELECT id FROM posts WHERE status = 'new' ORDER BY priority DESC, id"
        )
    ]
    assert claim(ana, order[0]) is None
    assert claim_next(bob) == order[1]  # the first is Ana's
    assert claim_next(bob) == order[2]  # and the second his own already


CLAIMING_CHILD = """
import sys, time
from triage_app.store.connection import open_store
from triage_app.store.decisions import claim
store = open_store(sys.argv[1])
assert claim(store, int(sys.argv[2])) is None
print("claimed", flush=True)
time.sleep(60)
"""


def test_the_claims_of_a_client_killed_by_the_os_free_themselves(team):
    _store, open_as, _url = team
    bob = open_as("bob")
    ana = open_as("ana").user  # her login and rights; the window that crashes is another process
    ana_url = open_as.logins.url_for("ana")
    child = subprocess.Popen(
        [sys.executable, "-c", CLAIMING_CHILD, ana_url, "9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "claimed", child.stderr.read() if child.stderr else ""
        assert claim_holder(bob, 9) == ana
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    deadline = time.monotonic() + 10
    while claim_holder(bob, 9) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert claim_holder(bob, 9) is None  # long before the five minutes of its expiry
    assert claim(bob, 9) is None


class SentStatements:
    """The statements a store's psycopg connection sends (they still run on the server)."""

    def __init__(self, store: object, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[str] = []
        raw = store.conn.raw  # type: ignore[attr-defined]
        real = raw.execute

        def execute(query, params=None, **kwargs):
            self.sent.append(" ".join(str(query).split()))
            return real(query, params, **kwargs)

        monkeypatch.setattr(raw, "execute", execute)


def test_a_claim_commits_without_waiting_for_the_disk_and_a_decision_waits(team, monkeypatch):
    """A claim dies with its holder's session, and a crashed server ends every session: its
    COMMIT need not wait for the server's disk (one fsync off every tag key), and nothing
    waits after it. A decision's transaction commits unsynced too, to leave the writer lock at
    once, but is followed by the wait for the log (store/pg/adapter.py: _ON_DISK; pinned in
    tests/store/test_pg_tag_key_round_trips.py, its loss caught by the server-restart test).
    Either way the setting is one transaction's own (SET LOCAL), never the session's."""
    import psycopg

    _store, open_as, _url = team
    ana, bob = open_as("ana"), open_as("bob")
    raw = ana.conn.raw  # type: ignore[attr-defined]
    session_setting = raw.execute("SHOW synchronous_commit").fetchone()[0]
    sent = SentStatements(ana, monkeypatch)
    taken = claim_next(ana, [30, 31])
    assert taken == 30 and claim_holder(bob, 30) == ana.user  # committed, seen by others
    assert claim(ana, 40) is None and claim_holder(bob, 40) == ana.user
    assert sent.sent.count("SET LOCAL synchronous_commit TO off") == 2
    assert not any("pg_logical_emit_message" in q for q in sent.sent)  # no wait after a claim
    assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert raw.execute("SHOW synchronous_commit").fetchone()[0] == session_setting
    apply_tags(ana, [30], add=["boat_crossing"])
    assert raw.execute("SHOW synchronous_commit").fetchone()[0] == session_setting
    assert [r[0] for r in bob.execute("SELECT tag FROM post_tags WHERE post_id = 30")] == [
        "boat_crossing"
    ]


def test_a_failed_claim_leaves_the_session_ready_and_a_caller_s_transaction_its_own(team):
    _store, open_as, _url = team
    ana, bob = open_as("ana"), open_as("bob")
    with pytest.raises(TriageError, match="No post with id 999999"):
        claim(ana, 999999)
    assert claim(ana, 12) is None and claim_holder(bob, 12) == ana.user  # rolled back, not stuck
    # Inside a caller's transaction the claim is one of its statements: not committed early.
    with pytest.raises(RuntimeError), ana.transaction() as conn:
        conn.execute("UPDATE posts SET note = 'mid' WHERE id = 13")
        assert claim(ana, 14) is None
        raise RuntimeError("the caller gives up")
    assert bob.scalar("SELECT note FROM posts WHERE id = 13") != "mid"
    assert claim_holder(bob, 14) is None
