"""The server enforces the roles (store/pg/roles.py): logins made with `triage users add` on a
real PostgreSQL server (tests/support/pg_server.py) connect with psycopg directly, as psql
would, and the server itself refuses what their role does not allow; through the CLI the same
refusals are one clear line.

Logins are the server's (cluster-wide), so each test names its people with a fresh suffix: a
shared test's "alice" or "bob" is never one of these."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from triage_app.cli import main
from triage_app.store.personal_keys import load_personal_key
from triage_app.store.pg.roles import GROUP_ROLES, ROLES_VERSION, TABLES


@dataclass
class Team:
    server: object
    db: str
    owner_url: str
    analyst: str
    other_analyst: str
    supervisor: str
    admin: str
    tag: str

    def newcomer(self, name: str) -> str:
        """A login name of this test's own (dropped at its end with the others)."""
        return f"{name}_{self.tag}"

    def url(self, login: str) -> str:
        return f"postgresql://{login}@/{self.db}?host={self.server.socket_dir}"  # type: ignore[attr-defined]

    def connect(self, login: str) -> psycopg.Connection:
        """A direct session, as psql would open it."""
        return psycopg.connect(
            host=str(self.server.socket_dir),  # type: ignore[attr-defined]
            dbname=self.db,
            user=login,
            autocommit=True,
        )


def cli(capsys: pytest.CaptureFixture[str], url: str, *args: str, code: int = 0) -> str:
    rc = main(["--db", url, *args])
    out, err = capsys.readouterr()
    assert rc == code, f"triage {' '.join(args)} -> {rc}: {out}{err}"
    return out + err


def first_post(team: Team, status: str = "new") -> int:
    with team.connect(team.server.superuser) as conn:  # type: ignore[attr-defined]
        row = conn.execute("SELECT min(id) FROM posts WHERE status = %s", (status,)).fetchone()
    assert row and row[0] is not None
    return int(row[0])


@pytest.fixture
def team(pg_server, capsys, tmp_path) -> Iterator[Team]:
    """A store made with `triage db create` by the server's superuser (its owner), 40 demo
    posts, and an analyst, a second analyst, a supervisor and an admin added with
    `triage users add`."""
    url = pg_server.empty_database()
    cli(capsys, url, "db", "create")
    cli(capsys, url, "demo", "--posts", "40")
    tag = uuid.uuid4().hex[:8]
    made = Team(
        pg_server,
        url.split("///", 1)[1].split("?", 1)[0],
        url,
        f"ana_{tag}",
        f"bea_{tag}",
        f"sam_{tag}",
        f"ada_{tag}",
        tag,
    )
    for login, role in (
        (made.analyst, "analyst"),
        (made.other_analyst, "analyst"),
        (made.supervisor, "supervisor"),
        (made.admin, "admin"),
    ):
        assert "new server login" in cli(capsys, url, "users", "add", login, "--role", role)
        if role != "admin":  # their personal keys, registered by the store's founder
            pub = tmp_path / f"{login}.pub"
            # exported as that login: on a server the person is the login, not the OS account
            said = cli(capsys, made.url(login), "keys", "export-personal", "--out", str(pub))
            assert f"personal public key of {login} to" in said
            assert pub.read_text() == load_personal_key(login).public_text() + "\n"
            cli(capsys, url, "users", "add", login, "--role", role, "--key", str(pub))
    yield made
    _drop_logins(pg_server, made)


def _drop_logins(server: object, team: Team) -> None:
    """Logins belong to the server, not to one database: this test's go when it ends, so other
    tests' `users list` never sees them."""
    with team.connect(server.superuser) as conn:  # type: ignore[attr-defined]
        logins = [
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"%\\_{team.tag}",)
            )
        ]
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(%s)",
            (logins,),
        )
        for login in logins:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(login)))
    with server.admin() as admin:  # type: ignore[attr-defined]
        for login in logins:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))


def refused(conn: psycopg.Connection, statement: str, params: tuple[object, ...] = ()) -> str:
    """The server's refusal of ``statement`` (a permission error, nothing changed)."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        conn.execute(statement, params)
    return str(caught.value)


# -- the rights as a table ----------------------------------------------------------------------


def test_every_table_of_the_schema_has_its_rights_decided(pg_server):
    url = pg_server.fresh_database()
    db = url.split("///", 1)[1].split("?", 1)[0]
    with psycopg.connect(
        host=str(pg_server.socket_dir), dbname=db, user=pg_server.superuser
    ) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = current_schema()::regnamespace"
            )
        }
    assert tables - set(TABLES) == set(), "give the new tables their rights in store/pg/roles.py"


def test_db_create_makes_the_group_roles_and_records_the_rights(team):
    with team.connect(team.server.superuser) as conn:
        groups = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE NOT rolcanlogin")}
        assert set(GROUP_ROLES) <= groups
        assert conn.execute(
            "SELECT version FROM triage_schema WHERE part = 'roles'"
        ).fetchone() == (ROLES_VERSION,)
        secured = {r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relrowsecurity")}
        assert {"decisions", "post_tags", "claims", "audit", "meta"} <= secured


# -- an analyst with psql -----------------------------------------------------------------------


def test_an_analyst_reads_and_tags_in_their_own_name(team):
    post = first_post(team)
    with team.connect(team.analyst) as conn:
        assert conn.execute("SELECT count(*) FROM posts").fetchone() == (40,)
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] > 0
        with conn.transaction():
            conn.execute(
                "INSERT INTO post_tags(post_id, tag, actor, at) VALUES (%s, 'boat_crossing', "
                "session_user, '2026-01-01T00:00:00Z')",
                (post,),
            )
            conn.execute(
                "INSERT INTO decisions(uuid, post_id, kind, tag, actor, at) VALUES "
                "(%s, %s, 'tag', 'boat_crossing', session_user, '2026-01-01T00:00:00Z')",
                (str(uuid.uuid4()), post),
            )
            conn.execute("UPDATE posts SET status = 'tagged', note = 'seen' WHERE id = %s", (post,))
        assert conn.execute("SELECT status FROM posts WHERE id = %s", (post,)).fetchone() == (
            "tagged",
        )


def test_an_analyst_cannot_approve_reject_or_refer(team):
    post = first_post(team)
    with team.connect(team.analyst) as conn:
        for kind in ("approve", "reject", "undo"):
            refused(
                conn,
                "INSERT INTO decisions(uuid, post_id, kind, actor, at) "
                "VALUES (%s, %s, %s, session_user, 'now')",
                (str(uuid.uuid4()), post, kind),
            )
        for status in ("approved", "rejected", "referred"):
            assert "only a supervisor" in refused(
                conn, "UPDATE posts SET status = %s WHERE id = %s", (status, post)
            )
        refused(
            conn,
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r', 'x', 'l', 'h', 'p', session_user, "
            "'now', 1)",
        )
        refused(
            conn,
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at) "
            "SELECT 'o', id, 'taken_down', '2026-01-01', session_user, 'now' FROM accounts "
            "LIMIT 1",
        )
        refused(conn, "UPDATE accounts SET referred = 1")
        # The four-eyes switch is a supervisor's setting, not an analyst's.
        refused(conn, "INSERT INTO meta(key, value) VALUES ('self_approval', 'on')")
        refused(conn, "SET ROLE triage_supervisor")
        refused(conn, "CREATE TABLE mine (x int)")
        refused(conn, "CREATE FUNCTION triage_login_is(int) RETURNS boolean LANGUAGE sql "
                "AS 'SELECT true'")  # fmt: skip
    with team.connect(team.server.superuser) as conn:
        assert conn.execute("SELECT status FROM posts WHERE id = %s", (post,)).fetchone() == (
            "new",
        )


def test_nobody_edits_the_audit_trail_and_analysts_write_only_their_own_name(team):
    with team.connect(team.analyst) as conn:
        refused(conn, "UPDATE audit SET actor = 'someone else'")
        refused(conn, "DELETE FROM audit")
        refused(conn, "TRUNCATE audit")
        refused(
            conn,
            "INSERT INTO audit(uuid, at, actor, action, prev_hash, hash) "
            "VALUES ('a', 'now', %s, 'tag', 'x', 'y')",
            (team.supervisor,),
        )
    with team.connect(team.supervisor) as conn:
        refused(conn, "UPDATE audit SET detail = '{}'")
        refused(conn, "DELETE FROM audit_checkpoints")
    # Even the owner meets the append-only triggers.
    with (
        team.connect(team.server.superuser) as conn,
        pytest.raises(psycopg.errors.RestrictViolation),
    ):
        conn.execute("DELETE FROM audit")


def test_an_analyst_cannot_change_another_persons_decisions(team, capsys):
    post = first_post(team)
    cli(capsys, team.url(team.other_analyst), "tag", str(post), "boat_crossing")
    cli(capsys, team.url(team.supervisor), "review", str(post), "approve")
    with team.connect(team.analyst) as conn:
        refused(conn, "UPDATE decisions SET tag = 'not_relevant' WHERE actor = %s",
                (team.other_analyst,))  # fmt: skip
        refused(conn, "DELETE FROM decisions WHERE actor = %s", (team.other_analyst,))
        refused(conn, "UPDATE post_tags SET actor = session_user")
        refused(
            conn,
            "INSERT INTO decisions(uuid, post_id, kind, tag, actor, at) "
            "VALUES (%s, %s, 'untag', 'boat_crossing', %s, 'now')",
            (str(uuid.uuid4()), post, team.other_analyst),
        )
        refused(
            conn,
            "INSERT INTO post_tags(post_id, tag, actor, at) VALUES (%s, 'not_relevant', %s, 'now')",
            (post, team.other_analyst),
        )
        # A reviewed post's tags stay: the delete reaches no row.
        gone = conn.execute("DELETE FROM post_tags WHERE post_id = %s", (post,))
        assert gone.rowcount == 0
        refused(
            conn,
            'INSERT INTO claims(post_id, "user", expires_at) VALUES (%s, %s, 1e12)',
            (post, team.other_analyst),
        )
    with team.connect(team.server.superuser) as conn:
        assert conn.execute(
            "SELECT actor FROM post_tags WHERE post_id = %s", (post,)
        ).fetchall() == [(team.other_analyst,)]


def test_only_supervisors_read_the_pack_signing_key(team, capsys):
    # Before any key exists, an analyst cannot make one; a supervisor's first use does.
    err = cli(capsys, team.url(team.analyst), "keys", "export-public", code=1)
    assert err.startswith("error: The server refused") and err.count("\n") == 1
    public = cli(capsys, team.url(team.supervisor), "keys", "export-public")
    assert "untrusted comment" in public
    with team.connect(team.analyst) as conn:
        refused(conn, "SELECT secret_key FROM signing_key")
        refused(conn, "SELECT * FROM signing_key")
        assert conn.execute("SELECT public_key FROM signing_key").fetchone()[0]
    with team.connect(team.admin) as conn:
        refused(conn, "SELECT secret_key FROM signing_key")
    with team.connect(team.supervisor) as conn:
        assert conn.execute("SELECT secret_key FROM signing_key").fetchone()[0]
    # The public half is everyone's: an analyst exports the same key, from its own column.
    assert cli(capsys, team.url(team.analyst), "keys", "export-public") == public


# -- supervisors and four eyes -------------------------------------------------------------------


def approve_sql(conn: psycopg.Connection, post: int) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO decisions(uuid, post_id, kind, actor, at) "
            "VALUES (%s, %s, 'approve', session_user, 'now')",
            (str(uuid.uuid4()), post),
        )
        conn.execute("UPDATE posts SET status = 'approved' WHERE id = %s", (post,))


def test_a_supervisor_approves_what_an_analyst_tagged_but_not_their_own_tagging(team, capsys):
    theirs = first_post(team)
    cli(capsys, team.url(team.analyst), "tag", str(theirs), "boat_crossing")
    with team.connect(team.supervisor) as conn:
        approve_sql(conn, theirs)
        assert conn.execute("SELECT status FROM posts WHERE id = %s", (theirs,)).fetchone() == (
            "approved",
        )
    own = first_post(team)
    cli(capsys, team.url(team.supervisor), "tag", str(own), "boat_crossing")
    with team.connect(team.supervisor) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            approve_sql(conn, own)
        # A one-person team's switch, kept in meta by a supervisor, lets it through.
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('self_approval', 'on') "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        approve_sql(conn, own)
        # The store's identity is the owner's: the row is out of a supervisor's reach.
        assert conn.execute("UPDATE meta SET value = 'x' WHERE key = 'store_id'").rowcount == 0


# -- the program: roles from the server, one-line refusals ------------------------------------


def test_through_the_cli_an_analyst_tags_and_their_approval_is_one_clear_line(team, capsys):
    post = first_post(team)
    url = team.url(team.analyst)
    assert "tags: boat_crossing" in cli(capsys, url, "tag", str(post), "boat_crossing")
    err = cli(capsys, url, "review", str(post), "approve", code=1)
    assert err == f"error: 'approve' needs the supervisor role; {team.analyst!r} is analyst\n"
    assert "approved" in cli(capsys, team.url(team.supervisor), "review", str(post), "approve")
    verify = cli(capsys, team.owner_url, "audit", "verify")
    assert "Audit chain intact" in verify
    with team.connect(team.server.superuser) as conn:
        actors = {r[0] for r in conn.execute("SELECT actor FROM audit")}
    assert {team.analyst, team.supervisor} <= actors


def test_the_role_is_the_servers_grant_not_the_users_table(team, capsys):
    # A row written into users by the owner does not make the analyst a supervisor.
    with team.connect(team.server.superuser) as conn:
        conn.execute("UPDATE users SET role = 'supervisor' WHERE name = %s", (team.analyst,))
    post = first_post(team)
    cli(capsys, team.url(team.other_analyst), "tag", str(post), "boat_crossing")
    err = cli(capsys, team.url(team.analyst), "review", str(post), "approve", code=1)
    assert "needs the supervisor role" in err
    listed = json.loads(cli(capsys, team.url(team.analyst), "users", "list", "--json"))
    roles = {row["name"]: row["role"] for row in listed}
    assert roles[team.analyst] == "analyst" and roles[team.supervisor] == "supervisor"
    assert roles[team.admin] == "admin"
    assert next(r for r in listed if r["name"] == team.admin)["server_roles"] == ["admin"]


def test_only_an_admin_adds_people(team, capsys):
    newcomer = team.newcomer("new")
    for login in (team.analyst, team.supervisor):
        err = cli(capsys, team.url(login), "users", "add", newcomer, "--role", "analyst", code=1)
        assert err.startswith("error: Only a triage admin can add people") and err.count("\n") == 1
    with team.connect(team.supervisor) as conn:
        refused(conn, "SELECT triage_add_person(%s, 'supervisor', NULL)", (newcomer,))
        refused(conn, "INSERT INTO users(name, role, added_at) VALUES (%s, 'supervisor', 'now')",
                (newcomer,))  # fmt: skip
        refused(conn, "CREATE ROLE sneaky LOGIN")
    out = cli(capsys, team.url(team.admin), "users", "add", newcomer, "--role", "analyst")
    assert out == f"{newcomer} is now a analyst (new server login)\n"
    # Made a supervisor, the login stops being an analyst; the admin's change is audited.
    cli(capsys, team.url(team.admin), "users", "add", newcomer, "--role", "supervisor")
    listed = json.loads(cli(capsys, team.url(team.admin), "users", "list", "--json"))
    row = next(r for r in listed if r["name"] == newcomer)
    assert row["role"] == "supervisor" and row["server_roles"] == ["supervisor"]
    err = cli(capsys, team.url(team.admin), "users", "add", newcomer, "--role", "supervisor",
              code=1)  # fmt: skip
    assert err == f"error: {newcomer} is already a supervisor\n"
    with team.connect(team.server.superuser) as conn:
        audit = conn.execute(
            "SELECT actor, action FROM audit WHERE object_id = %s ORDER BY id", (newcomer,)
        ).fetchall()
    assert audit == [(team.admin, "user_add"), (team.admin, "user_role")]


def test_a_bad_login_name_or_a_local_only_option_is_one_usage_line(team, capsys, tmp_path):
    err = cli(capsys, team.owner_url, "users", "add", "x" * 64, "--role", "analyst", code=2)
    assert "at most 63 bytes" in err and err.count("\n") == 1
    err = cli(capsys, team.owner_url, "users", "add", "triage_admin", "--role", "analyst",
              code=2)  # fmt: skip
    assert "cannot be a person" in err and err.count("\n") == 1
    local = str(tmp_path / "local.db")
    cli(capsys, local, "db", "create", "--plain")
    err = cli(capsys, local, "users", "add", "bob", "--role", "admin", code=2)
    assert "team server only" in err


def test_a_password_is_read_from_stdin_and_kept_only_as_a_scram_verifier(team, capsys, monkeypatch):
    login = team.newcomer("pw")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    out = cli(capsys, team.owner_url, "users", "add", login, "--role", "analyst",
              "--password-stdin")  # fmt: skip
    assert "new server login with a password" in out
    with team.connect(team.server.superuser) as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)
        ).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$") and "horse" not in stored
    # An existing login's password is never changed this way.
    monkeypatch.setattr("sys.stdin", io.StringIO("another one entirely\n"))
    err = cli(capsys, team.owner_url, "users", "add", login, "--role", "supervisor",
              "--password-stdin", code=2)  # fmt: skip
    assert "already has a login" in err


def test_the_sqlite_users_commands_are_unchanged(tmp_path, capsys):
    local = str(tmp_path / "local.db")
    cli(capsys, local, "db", "create", "--plain")
    assert (
        cli(capsys, local, "users", "add", "bob", "--role", "analyst") == "bob is now a analyst\n"
    )
    rows = json.loads(cli(capsys, local, "users", "list", "--json"))
    assert [(r["name"], r["role"]) for r in rows] == [("alice", "supervisor"), ("bob", "analyst")]
    assert all("server_roles" not in r for r in rows)


def test_a_day_of_work_through_the_cli_needs_no_more_rights_than_the_roles_give(
    team, capsys, tmp_path
):
    """What each role does in the program works under the server's rules: the analyst imports,
    enriches, tags, notes, undoes, claims and answers a blind review; the supervisor samples,
    approves, rejects, undoes a review, switches self-approval, checkpoints and builds a pack."""
    from tests.packs.helpers import write_corpus

    ana, sam = team.url(team.analyst), team.url(team.supervisor)
    corpus = write_corpus(tmp_path / "corpus", n=6, platform="telegram")
    assert "inserted 6" in cli(capsys, ana, "import", str(corpus))
    cli(capsys, ana, "enrich")
    cli(capsys, ana, "networks")
    with team.connect(team.server.superuser) as conn:
        ids = [
            r[0]
            for r in conn.execute("SELECT id FROM posts WHERE platform = 'telegram' ORDER BY id")
        ]
    first, second, third, fourth = (str(i) for i in ids[:4])
    cli(capsys, ana, "tag", first, "boat_crossing", "--note", "boat and price")
    cli(capsys, ana, "tag", second, "boat_crossing")
    batch = json.loads(cli(capsys, ana, "tag", third, "boat_crossing", "--json"))["batch"]
    from triage_app.store.connection import open_store
    from triage_app.store.decisions import claim, undo_batch

    store = open_store(ana)
    try:
        assert store.user == team.analyst and store.role_of() == "analyst"
        undo_batch(store, batch)
        assert claim(store, int(fourth)) is None  # a claim in their own name
    finally:
        store.close()
    cli(capsys, ana, "tag", third, "boat_crossing")
    cli(capsys, ana, "queue", "--limit", "3")
    cli(capsys, ana, "show", first)
    cli(capsys, ana, "audit", "checkpoint")
    cli(capsys, team.url(team.other_analyst), "tag", fourth, "not_relevant")
    # blind review: the supervisor samples the analyst's work for the other analyst
    cli(
        capsys,
        sam,
        "blind",
        "sample",
        team.analyst,
        "--reviewer",
        team.other_analyst,
        "--seed",
        "1",
    )
    waiting = json.loads(cli(capsys, team.url(team.other_analyst), "blind", "list", "--json"))
    assert waiting
    post = str(waiting[0]["post_id"] if isinstance(waiting, list) else waiting)
    cli(capsys, team.url(team.other_analyst), "blind", "answer", post, "boat_crossing")
    assert "approved" in cli(capsys, sam, "review", first, "approve")
    assert "rejected" in cli(capsys, sam, "review", second, "reject", "--note", "not a crossing")
    cli(capsys, sam, "review", second, "undo")
    cli(capsys, sam, "settings", "self-approval", "on")
    cli(capsys, sam, "settings", "self-approval", "off")
    secret = tmp_path / "pack-passphrase"
    secret.write_text("a long pack passphrase for the test\n")
    built = cli(capsys, sam, "pack", "build", "--platform", "telegram", "--pack-passphrase-file",
                str(secret), "--out", str(tmp_path / "pack.zip"))  # fmt: skip
    assert "Wrote" in built
    with team.connect(team.server.superuser) as conn:
        account = str(
            conn.execute("SELECT account_id FROM posts WHERE id = %s", (int(first),)).fetchone()[0]
        )
    err = cli(capsys, ana, "outcome", account, "taken-down", code=1)
    assert err.startswith("error: ") and err.count("\n") == 1 and "supervisor" in err
    cli(capsys, sam, "outcome", account, "taken-down")
    verify = cli(capsys, team.owner_url, "audit", "verify")
    assert "Audit chain intact" in verify


# -- the "done when": three OS accounts, peer logins, one queue -----------------------


@pytest.mark.slow
def test_a_supervisor_and_two_analysts_on_three_os_accounts_work_one_queue():
    """Real OS accounts (useradd), each its own server login by peer authentication on the
    local socket, run the CLI and the window against one server-held queue
    (tests/support/team_machine.py)."""
    from tests.support.pg_server import running_server
    from tests.support.team_machine import PEER_HBA, os_accounts, work_one_queue

    roles = {"sup": "supervisor", "ana": "analyst", "bea": "analyst"}
    with running_server(hba=PEER_HBA) as server:
        url = server.empty_database()
        db = url.split("///", 1)[1].split("?", 1)[0]
        with os_accounts(roles, server.socket_dir, db) as machine:
            trail = work_one_queue(machine, server)
            people = list(machine.people)
            # Peer authentication: one account cannot log in as another.
            code, _out, err = machine.run(people[1], "queue")
            assert code == 0
            other = machine.url.replace("postgresql:///", f"postgresql://{people[0]}@/")
            code, _out, err = machine.run(people[1], "--db", other, "queue")
            assert code == 1 and err.count("\n") == 1, err
            assert err.startswith("error: ") and "Peer authentication failed" in err
    actors = {actor for actor, _action, _obj in trail}
    assert set(people) <= actors
    sup = people[0]
    assert (sup, "approve") in {(a, act) for a, act, _o in trail}
    tags = [a for a, act, _o in trail if act == "tag"]
    assert set(tags) == set(people[1:])


# -- the owner: not a superuser; rights re-applied after an upgrade -----------------------------


def test_an_owner_with_createrole_only_makes_the_store_and_adds_people(pg_server, capsys):
    """What the docs tell a server's administrator to do: a login with CREATEROLE (no
    superuser) owning an empty database runs db create and becomes its supervisor and admin."""
    tag = uuid.uuid4().hex[:8]
    owner, db = f"own_{tag}", f"t_own_{tag}"
    with pg_server.admin() as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(owner)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                sql.Identifier(db), sql.Identifier(owner)
            )
        )
    team = Team(pg_server, db, "", owner, f"ana_{tag}", f"sam_{tag}", owner, tag)
    team.owner_url = team.url(owner)
    try:
        assert "enforces the roles" in cli(capsys, team.owner_url, "db", "create")
        listed = json.loads(cli(capsys, team.owner_url, "users", "list", "--json"))
        assert next(r for r in listed if r["name"] == owner)["server_roles"] == [
            "supervisor",
            "admin",
        ]
        cli(capsys, team.owner_url, "demo", "--posts", "10")
        cli(capsys, team.owner_url, "users", "add", team.other_analyst, "--role", "analyst")
        post = first_post(team)
        cli(capsys, team.url(team.other_analyst), "tag", str(post), "boat_crossing")
        assert "approved" in cli(capsys, team.owner_url, "review", str(post), "approve")
    finally:
        with pg_server.admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
            )
            for login in (team.other_analyst, owner):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))


def test_the_rights_are_applied_again_by_the_owner_only(team, capsys):
    """A newer program's rights (a higher roles version) reach the server at the owner's next
    open; an analyst's open leaves them as they are."""
    with team.connect(team.server.superuser) as conn:
        conn.execute("UPDATE triage_schema SET version = 0 WHERE part = 'roles'")
        conn.execute("REVOKE INSERT ON decisions FROM triage_analyst")
    post = first_post(team)
    err = cli(capsys, team.url(team.analyst), "tag", str(post), "boat_crossing", code=1)
    assert err.startswith("error: The server refused: permission denied for table decisions")
    assert err.count("\n") == 1
    with team.connect(team.server.superuser) as conn:
        assert conn.execute(
            "SELECT version FROM triage_schema WHERE part = 'roles'"
        ).fetchone() == (0,)
    cli(capsys, team.owner_url, "queue", "--limit", "1")  # the owner opens the store
    assert "tags: boat_crossing" in cli(capsys, team.url(team.analyst), "tag", str(post),
                                        "boat_crossing")  # fmt: skip


def test_a_password_login_over_scram_works_and_a_wrong_password_is_one_line(capsys, monkeypatch):
    """A server of its own whose pg_hba.conf asks every login but the tests' own for a SCRAM
    password: the login made by `users add --password-stdin` connects with it, and a wrong one
    is refused at once in one line (no retries)."""
    import time

    from tests.support.pg_server import running_server

    hba = "local all {superuser} trust\nlocal all all scram-sha-256\n"
    with running_server(hba=hba) as server:
        url = server.empty_database()
        cli(capsys, url, "db", "create")
        cli(capsys, url, "demo", "--posts", "5")
        monkeypatch.setattr("sys.stdin", io.StringIO("a long password for carol\n"))
        cli(capsys, url, "users", "add", "carol", "--role", "analyst", "--password-stdin")
        db = url.split("///", 1)[1].split("?", 1)[0]
        carol = f"postgresql://carol@/{db}?host={server.socket_dir}"
        monkeypatch.setenv("PGPASSWORD", "a long password for carol")
        assert "5 posts" in cli(capsys, carol, "queue")
        monkeypatch.setenv("PGPASSWORD", "not her password")
        started = time.monotonic()
        err = cli(capsys, carol, "queue", code=1)
        assert time.monotonic() - started < 5
        assert err.count("\n") == 1 and "password authentication failed" in err, err
        monkeypatch.delenv("PGPASSWORD")
        err = cli(capsys, carol, "queue", code=1)
        assert err.count("\n") == 1 and "Cannot log in to the" in err, err


def test_supervisors_exchange_sync_packs_between_two_server_stores(pg_server, capsys, tmp_path):
    """Sync is a supervisor's: a non-owner supervisor exports from one server store and another
    imports into a second, under the server's rules (colleagues' decisions replayed in their
    names)."""
    teams = []
    for _side in ("field", "hq"):
        url = pg_server.empty_database()
        cli(capsys, url, "db", "create")
        tag = uuid.uuid4().hex[:8]
        teams.append(
            Team(
                pg_server,
                url.split("///", 1)[1].split("?", 1)[0],
                url,
                f"ana_{tag}",
                f"bea_{tag}",
                f"sam_{tag}",
                f"ada_{tag}",
                tag,
            )
        )
    field, hq = teams
    try:
        cli(capsys, field.owner_url, "demo", "--posts", "10")
        for t in teams:
            for login, role in ((t.analyst, "analyst"), (t.supervisor, "supervisor")):
                pub = tmp_path / f"{login}.pub"
                pub.write_text(load_personal_key(login).public_text() + "\n")
                cli(capsys, t.owner_url, "users", "add", login, "--role", role, "--key", str(pub))
        for login, role in ((field.analyst, "analyst"), (field.supervisor, "supervisor")):
            # HQ knows the field's people (the logins are the server's already)
            cli(capsys, hq.owner_url, "users", "add", login, "--role", role, "--key",
                str(tmp_path / f"{login}.pub"))  # fmt: skip
        post = first_post(field)
        cli(capsys, field.url(field.analyst), "tag", str(post), "boat_crossing")
        cli(capsys, field.url(field.supervisor), "review", str(post), "approve")
        hq_id = cli(capsys, hq.url(hq.supervisor), "sync", "id").strip().splitlines()[-1]
        pack = tmp_path / "to-hq.age"
        cli(capsys, field.url(field.supervisor), "sync", "export", "--recipient", hq_id,
            "--out", str(pack))  # fmt: skip
        signer = tmp_path / "field.pub"
        cli(capsys, field.url(field.supervisor), "keys", "export-public", "--out", str(signer))
        err = cli(capsys, hq.url(hq.analyst), "sync", "import", str(pack), "--signer",
                  str(signer), code=1)  # fmt: skip
        assert "supervisor" in err and err.count("\n") == 1
        cli(capsys, hq.url(hq.supervisor), "sync", "import", str(pack), "--signer", str(signer))
        with hq.connect(pg_server.superuser) as conn:
            actors = {r[0] for r in conn.execute("SELECT actor FROM decisions")}
        assert {field.analyst, field.supervisor} <= actors
    finally:
        for t in teams:
            _drop_logins(pg_server, t)


def test_ask_password_reads_it_twice_from_the_terminal_without_echo(team):
    """`users add --ask-password` on a real terminal (a pty): asked twice, not echoed, stored
    only as a SCRAM verifier."""
    import os
    import pty
    import subprocess
    import sys
    import time

    login = team.newcomer("tty")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "triage_app.cli",
            "--db",
            team.owner_url,
            "users",
            "add",
            login,
            "--role",
            "analyst",
            "--ask-password",
        ],  # fmt: skip
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    assert proc.stderr is not None

    def wait_for(text: bytes) -> None:
        seen = b""
        deadline = time.monotonic() + 60
        while text not in seen:
            assert time.monotonic() < deadline, seen
            chunk = os.read(proc.stderr.fileno(), 1024)  # type: ignore[union-attr]
            assert chunk, seen
            seen += chunk

    wait_for(b"Password for")  # asked once echo is off: typing now is kept
    os.write(master, b"tty password of the newcomer\n")
    wait_for(b"Again:")
    os.set_blocking(master, False)
    try:  # what the terminal showed of the first answer
        echoed = os.read(master, 4096)
    except (BlockingIOError, OSError):
        echoed = b""
    os.write(master, b"tty password of the newcomer\n")
    out, _err = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0, out
    assert b"with a password" in out
    assert b"newcomer" not in echoed
    with team.connect(team.server.superuser) as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)
        ).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$")


def test_an_older_schema_is_upgraded_by_its_owner_and_others_are_told_so(team, capsys):
    with team.connect(team.server.superuser) as conn:
        latest = conn.execute("SELECT version FROM triage_schema WHERE part = 'schema'").fetchone()
        conn.execute("UPDATE triage_schema SET version = 1 WHERE part = 'schema'")
        try:
            err = cli(capsys, team.url(team.analyst), "queue", code=1)
        finally:
            conn.execute("UPDATE triage_schema SET version = %s WHERE part = 'schema'", latest)
    assert err.count("\n") == 1 and "only its owner can do" in err
    assert team.server.superuser in err  # type: ignore[attr-defined]
