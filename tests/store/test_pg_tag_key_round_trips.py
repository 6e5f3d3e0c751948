"""The tag key on a team server in few round trips (issue 16): with twenty analysts on two cores,
every statement sent to the server is a chance to wait for a CPU, and every one sent while the
writer lock is held makes the other nineteen wait too. These tests count the statements of one
key ("next post", then the tag) as psycopg sends them, so that the number cannot grow back
silently: before, "next post" took 4 and the tag 15 (10 of them under the writer lock). Writes
sent together in one pipeline, answered by the COMMIT, are one round trip (2026-12-05: the tag's
four writes and its COMMIT were five)."""

from __future__ import annotations

import psycopg
import pytest
import sqlcipher3.dbapi2 as sqlite_errors

from tests.store.keys_helpers import write_posts
from tests.support.pg_logins import Logins
from triage_app.core.errors import PermissionRefused, TriageError
from triage_app.ingest.pipeline import import_paths
from triage_app.store.audit import verify_audit
from triage_app.store.connection import ReadAfterCommit, open_store
from triage_app.store.decisions import (
    apply_tags,
    claim_holder,
    claim_next,
    current_tags,
    toggle_tag,
    toggle_tag_outcome,
)
from triage_app.store.personal_keys import has_personal_key
from triage_app.store.post_detail import detail_from, detail_reads, post_detail
from triage_app.store.users import add_user

TAG = "boat_crossing"
# "Next post": one statement that selects the first free post SKIP LOCKED and claims it.
CLAIM_NEXT = 1
# The tag: BEGIN with the login's role, then the writer lock (1); under the lock, the posts with
# the chain's head (1), then post_tags, the decision, the status, the audit row and the COMMIT
# sent together (1), with the wait for the server's log after the COMMIT, outside the lock.
# (The role was a round trip of its own before the BEGIN until 2026-12-05.)
APPLY_TAGS = 3
UNDER_WRITER_LOCK = 2
WRITES_WITH_COMMIT = [
    "INSERT INTO post_tags",
    "INSERT INTO decisions",
    "UPDATE posts",
    "INSERT INTO audit",
    "COMMIT",
    "SELECT pg_logical_emit_message",
]


@pytest.fixture
def analyst(pg_server, tmp_path):
    """An analyst's store on a server store of 30 new posts, with one key already done (the
    first loads the personal key, the tables' descriptions and the claims session lock)."""
    url = pg_server.fresh_database()
    owner = open_store(url, create=True)
    import_paths(owner, [write_posts(tmp_path / "posts.jsonl", 30)])
    logins = Logins(pg_server, url)
    address = logins.url_for("tagger", "analyst")
    add_user(owner, logins.login("tagger"), "analyst")
    store = open_store(address)
    try:
        first = claim_next(store)
        assert first is not None
        apply_tags(store, [first], add=[TAG])
        yield store, owner
    finally:
        store.close()
        owner.close()
        logins.drop()


@pytest.fixture
def sent(monkeypatch):
    """Every round trip from now on, in order: a statement sent alone, or the list of those
    sent together in one pipeline (answered together)."""
    statements: list[str | list[str]] = []
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
    pipelines: list[object] = []

    def record(cursor, query):
        pipeline = cursor.connection._pipeline
        if pipeline is None:
            statements.append(str(query))
        elif pipelines and pipelines[-1] is pipeline and isinstance(statements[-1], list):
            statements[-1].append(str(query))
        else:
            pipelines.append(pipeline)
            statements.append([str(query)])

    def counted(self, query, params=None, **kwargs):
        record(self, query)
        return execute(self, query, params, **kwargs)

    def counted_many(self, query, params_seq, **kwargs):
        record(self, query)
        return executemany(self, query, params_seq, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    monkeypatch.setattr(psycopg.Cursor, "executemany", counted_many)
    return statements


def test_one_tag_key_takes_four_round_trips_two_after_the_writer_lock(analyst, sent):
    store, owner = analyst
    post = claim_next(store)
    assert post is not None
    claimed = len(sent)
    apply_tags(store, [post], add=[TAG])
    tagging = sent[claimed:]

    assert claimed == CLAIM_NEXT, sent[:claimed]
    assert len(tagging) == APPLY_TAGS, tagging
    locked = next(i for i, s in enumerate(tagging) if "pg_advisory_xact_lock" in s)
    together = tagging[-1]
    assert isinstance(together, list), tagging
    assert [next(w for w in WRITES_WITH_COMMIT if s.startswith(w)) for s in together] == (
        WRITES_WITH_COMMIT
    ), together
    assert len(tagging) - 1 - locked == UNDER_WRITER_LOCK, tagging[locked:]
    # What is stored is what it was: the tag, its signed decision, a whole chain, the claim.
    assert current_tags(store, post) == [TAG]
    row = owner.execute(
        "SELECT kind, tag, actor, signature FROM decisions WHERE post_id = ?", (post,)
    ).fetchone()
    assert row[:3] == ("tag", TAG, store.user) and row[3]
    assert owner.scalar("SELECT status FROM posts WHERE id = ?", (post,)) == "tagged"
    assert verify_audit(owner.conn).ok
    assert claim_holder(owner, post) == store.user


def test_the_window_s_toggle_is_decided_under_the_lock_in_the_tag_s_own_round_trips(analyst, sent):
    """The window's key toggles (store.decisions.toggle_tag): whether the posts have the tag
    is read under the writer lock by the tag's own read (it was one statement before the tag,
    and two before that); a second press removes the tag the same way. A post that does not
    exist is refused there, with nothing written."""
    store, owner = analyst
    post = claim_next(store)
    assert post is not None
    del sent[:]

    toggle_tag(store, [post], TAG)
    assert len(sent) == APPLY_TAGS, sent
    assert current_tags(store, post) == [TAG]

    del sent[:]
    toggle_tag(store, [post], TAG)
    assert len(sent) == APPLY_TAGS, sent
    assert current_tags(store, post) == []

    decisions = owner.scalar("SELECT count(*) FROM decisions")
    with pytest.raises(TriageError, match="No post with id 999999 in this store"):
        toggle_tag(store, [post, 999_999], TAG)
    assert owner.scalar("SELECT count(*) FROM decisions") == decisions
    assert current_tags(store, post) == []
    assert verify_audit(owner.conn).ok


def test_a_write_the_server_refuses_fails_the_commit_and_nothing_is_kept(analyst):
    """The writes sent together are answered at the COMMIT: when the server refuses one (here
    a trigger on the audit trail, the last write), the tag says why, nothing of it
    is stored (the tag row and the decision sent before it are rolled back with it), the chain
    holds, and the next key on the same connection works."""
    store, owner = analyst
    post = claim_next(store)
    assert post is not None
    owner.conn.raw.execute(
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit trail is closed for this test'; END $$"
    )
    owner.conn.raw.execute(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit "
        "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
    )
    decisions = owner.scalar("SELECT count(*) FROM decisions")
    with pytest.raises(sqlite_errors.DatabaseError, match="audit trail is closed") as caught:
        toggle_tag(store, [post], TAG)
    assert str(caught.value).startswith("the audit trail is closed for this test"), caught.value
    assert not store.conn.in_transaction
    assert current_tags(owner, post) == []
    assert owner.scalar("SELECT count(*) FROM decisions") == decisions
    assert owner.scalar("SELECT status FROM posts WHERE id = ?", (post,)) == "new"

    owner.conn.raw.execute("DROP TRIGGER refuse_audit ON audit")
    toggle_tag(store, [post], TAG)
    assert current_tags(store, post) == [TAG]
    assert verify_audit(owner.conn).ok


def test_the_role_read_with_the_begin_is_the_server_s_grant_of_the_moment(analyst, pg_server):
    """The role is read in the BEGIN's round trip, under the writer lock, at every key: a
    login whose analyst role a supervisor took away between two keys is refused at the next
    one in the program's own words, with nothing written and no transaction left open; given
    back, the key works again on the same connection."""
    store, owner = analyst
    post = claim_next(store)
    assert post is not None
    login = store.user
    owner.conn.raw.execute(f'REVOKE triage_analyst FROM "{login}"')
    decisions = owner.scalar("SELECT count(*) FROM decisions")
    with pytest.raises(PermissionRefused, match=f"User '{login}' is not a user of this store"):
        toggle_tag(store, [post], TAG)
    assert not store.conn.in_transaction
    assert owner.scalar("SELECT count(*) FROM decisions") == decisions
    assert current_tags(owner, post) == []

    owner.conn.raw.execute(f'GRANT triage_analyst TO "{login}"')
    toggle_tag(store, [post], TAG)
    assert current_tags(owner, post) == [TAG]
    assert verify_audit(owner.conn).ok


def test_a_login_without_a_role_is_refused_before_a_key_is_made_for_it(pg_server, tmp_path):
    """The first key of a session asks the role on its own, as before, so that a login the
    team never added is told so before the program makes a signing key for it."""
    url = pg_server.fresh_database()
    owner = open_store(url, create=True)
    logins = Logins(pg_server, url)
    try:
        import_paths(owner, [write_posts(tmp_path / "posts.jsonl", 3)])
        address = logins.url_for("stranger", "nobody")  # no such group: a bare login
        store = open_store(address)
        try:
            post = store.scalar("SELECT min(id) FROM posts")
            with pytest.raises(PermissionRefused, match="is not a user of this store"):
                toggle_tag(store, [post], TAG)
            assert not has_personal_key(store)
            assert not store.conn.in_transaction
        finally:
            store.close()
        assert owner.scalar("SELECT count(*) FROM decisions") == 0
    finally:
        owner.close()
        logins.drop()


def test_the_next_post_s_check_goes_in_the_commit_s_round_trip(analyst, sent):
    """The window's key also reads the post its preview was made ahead for (the next one), to
    check it before it is shown (ui/preview_ahead.py): the eight reads follow the COMMIT and
    its wait for the disk in the same pipeline, so the key is still three round trips, and
    what they read is what the preview reads by itself."""
    store, owner = analyst
    post = claim_next(store)
    assert post is not None
    following = post + 1
    later = ReadAfterCommit(detail_reads(store, following))  # made while the analyst reads
    del sent[:]

    toggle_tag_outcome(store, [post], TAG, then_read=later)

    assert len(sent) == APPLY_TAGS, sent
    together = sent[-1]
    assert isinstance(together, list), sent
    commit = together.index("COMMIT")
    assert together[commit + 1].startswith("SELECT pg_logical_emit_message"), together
    assert len(together[commit + 2 :]) == len(later.reads), together
    assert later.answers is not None
    carried = detail_from(store, following, later.answers, explain=False, account_counts=False)
    assert carried == post_detail(store, following, explain=False, account_counts=False)
    assert current_tags(owner, post) == [TAG]
