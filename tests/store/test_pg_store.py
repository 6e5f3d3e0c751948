"""The team's store on a real PostgreSQL server (tests/support/pg_server.py): opened through
the same CLI path as a SQLite store, with the shared store code running unchanged through the
adapter (store/pg)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from triage_app.cli import main
from triage_app.core.errors import StoreVersionError, TriageError
from triage_app.store.connection import IntegrityError, open_store
from triage_app.store.pg.translate import translate
from triage_app.store.pg.url import check_transport


def cli(url: str, capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> str:
    rc = main(["--db", url, *args])
    out, err = capsys.readouterr()
    assert rc == code, f"triage {' '.join(args)} -> {rc}: {out}{err}"
    return out + err


# -- no server needed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://db.example.org/triage",
        "postgresql://db.example.org/triage?sslmode=prefer",
        "postgres://analyst@10.0.0.5:5432/triage?sslmode=disable",
        "postgresql:///triage?host=/run/postgresql,db.example.org",
    ],
)
def test_a_network_connection_without_tls_is_refused(url, monkeypatch):
    monkeypatch.delenv("PGSSLMODE", raising=False)
    with pytest.raises(TriageError, match="without TLS"):
        check_transport(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://db.example.org/triage?sslmode=verify-full",
        "postgresql://db.example.org/triage?sslmode=require",
        "postgresql:///triage?host=/run/postgresql",
        "postgresql:///triage",
    ],
)
def test_tls_or_a_local_socket_is_accepted(url, monkeypatch):
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGHOSTADDR", raising=False)
    assert check_transport(url)["dbname"] == "triage"


def test_the_cli_refuses_plain_tcp_in_one_line_before_connecting(capsys):
    rc = main(["--db", "postgresql://db.example.org/triage", "queue"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.count("\n") == 1 and "without TLS" in err and "Traceback" not in err


def test_translation_of_shared_sql():
    t = translate("SELECT user, printf('%d', ?) FROM claims WHERE post_id = ? AND note LIKE '?%'")
    assert t.sql == (
        "SELECT \"user\", printf('%%d', %s) FROM claims WHERE post_id = %s AND note LIKE '?%%'"
    )
    assert translate("BEGIN IMMEDIATE").sql == "BEGIN"
    ignore = translate("INSERT OR IGNORE INTO post_tags(post_id, tag) VALUES (?, ?)")
    assert ignore.sql.endswith("VALUES (%s, %s) ON CONFLICT DO NOTHING")
    each = translate("SELECT id FROM posts WHERE a = ? AND id IN (SELECT value FROM json_each(?))")
    assert each.sql == "SELECT id FROM posts WHERE a = %s AND id = ANY(%s)"
    assert each.json_params == (1,)
    numbered = translate("SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM t WHERE a = ?1)")
    assert numbered.numbered and numbered.sql.count("%(p1)s") == 2
    assert "AS _sq1" in translate("SELECT count(*) FROM (SELECT id FROM posts)").sql
    assert "AS _sq" not in translate("SELECT * FROM (SELECT 1) AS x").sql
    assert translate("PRAGMA user_version = 7").pragma == ("user_version", "7")


# -- on the server ------------------------------------------------------------------------------


@pytest.fixture
def pg_url(pg_server) -> str:
    """A new database with the schema, not yet opened (open it with create=True)."""
    return pg_server.fresh_database()


def test_db_create_demo_queue_tag_undo_approve_and_audit_verify(pg_server, capsys, tmp_path):
    url = pg_server.empty_database()
    out = cli(url, capsys, "db", "create")
    assert "Created store" in out and f"first supervisor: {pg_server.superuser}" in out
    cli(url, capsys, "db", "create", code=1)  # a second create is refused
    out = cli(url, capsys, "demo", "--posts", "200")
    assert "inserted 200" in out
    queue = cli(url, capsys, "queue", "--limit", "5", "--json")
    listed = json.loads(queue)
    posts = listed["posts"] if isinstance(listed, dict) else listed
    post = str(posts[0]["id"])
    assert "tags: boat_crossing" in cli(url, capsys, "tag", post, "boat_crossing")
    assert "tags: (none)" in cli(url, capsys, "tag", post, "boat_crossing", "--remove")
    cli(url, capsys, "tag", post, "boat_crossing")
    cli(url, capsys, "settings", "self-approval", "on")
    assert "approved" in cli(url, capsys, "review", post, "approve")
    cli(url, capsys, "review", post, "undo")
    assert "approved" in cli(url, capsys, "review", post, "approve")
    platform = next(p["platform"] for p in posts if str(p["id"]) == post)
    secret = tmp_path / "pack-passphrase"
    secret.write_text("a long pack passphrase for the test\n")
    pack = tmp_path / "pack.zip"
    built = cli(
        url,
        capsys,
        "pack",
        "build",
        "--platform",
        platform,
        "--pack-passphrase-file",
        str(secret),
        "--out",
        str(pack),
    )
    assert "Wrote" in built and pack.exists()
    verify = cli(url, capsys, "audit", "verify")
    assert "Audit chain intact" in verify and "match their tags and statuses" in verify
    store = open_store(url)
    try:
        assert store.backend == "postgresql"
        assert store.user == pg_server.superuser  # the login, whatever the OS user is called
        assert store.scalar("SELECT status FROM posts WHERE id = ?", (int(post),)) == "referred"
        assert store.scalar("SELECT count(*) FROM posts") == 200
        # The pack signing key is the server store's, never one workstation's keyring.
        assert store.scalar("SELECT place FROM signing_key") == "store"
    finally:
        store.close()


def test_an_empty_database_is_not_opened_without_create(pg_server, capsys):
    url = pg_server.empty_database()
    out = cli(url, capsys, "queue", code=1)
    assert "holds no triage store; create it with 'triage db create'" in out


def test_a_newer_schema_is_refused(pg_url):
    store = open_store(pg_url, create=True)
    store.conn.raw.execute("UPDATE triage_schema SET version = 999 WHERE part = 'schema'")
    store.close()
    with pytest.raises(StoreVersionError, match="schema 999"):
        open_store(pg_url)


def test_transactions_roll_back_and_errors_keep_their_sqlite_class(pg_url):
    store = open_store(pg_url, create=True)
    try:
        # The SQLite driver's class, so that shared code catches it.
        with pytest.raises(IntegrityError), store.transaction() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('probe', 'x')")
            conn.execute("INSERT INTO meta(key, value) VALUES ('probe', 'y')")
        assert not store.conn.in_transaction
        assert store.meta("probe") is None
        with store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('probe', 'a')")
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('probe', 'b')")
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('probe', 'c')")
        assert store.meta("probe") == "b"
        other = store.reopen()  # another pooled connection sees the committed row
        try:
            assert other.meta("probe") == "b" and other.conn.raw is not store.conn.raw
        finally:
            other.close()
        with store.transaction() as conn:
            ids = [
                conn.execute(
                    "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
                    "VALUES (?, 'x.jsonl', '00', 1, 'jsonl', 'me', '2026-01-01T00:00:00Z')",
                    (f"u{n}",),
                ).lastrowid
                for n in range(2)
            ]
        assert ids[1] == ids[0] + 1 == store.scalar("SELECT max(id) FROM imports")
    finally:
        store.close()


def test_a_fresh_database_from_the_template_is_faster_than_migrating(pg_server):
    """A new store ready for a test, from the template or migrated from nothing; best of three
    each, so that a busy machine does not decide the comparison."""
    pg_server.fresh_database()  # the template exists
    copied, migrated = [], []
    for _ in range(3):
        started = time.perf_counter()
        open_store(pg_server.fresh_database(), create=True).close()
        copied.append(time.perf_counter() - started)
        started = time.perf_counter()
        url = pg_server.empty_database()
        open_store(url, create=True).close()
        migrated.append(time.perf_counter() - started)
    print(
        f"fresh database: template copy {min(copied) * 1000:.0f} ms, "
        f"migrate {min(migrated) * 1000:.0f} ms"
    )
    assert min(copied) < min(migrated)


def test_the_migrations_have_the_sqlite_numbers():
    from triage_app.store.migrations import all_migrations
    from triage_app.store.pg.schema import pg_migrations

    assert [m.version for m in pg_migrations()] == [m.version for m in all_migrations()]


def test_server_only_steps_count_apart_and_a_missing_one_is_applied(pg_server):
    """A server-only step (pg_migrations/sNNN_*) is recorded under its own counter, so the
    schema's number stays the SQLite one; a database whose steps are behind gets them on open
    (here: the notify triggers dropped and the counter put back, as before step 1 existed)."""
    import psycopg

    from triage_app.store.pg.adapter import schema_version
    from triage_app.store.pg_migrations import latest_pg_version, server_only_steps

    url = pg_server.fresh_database()
    store = open_store(url)
    store.close()
    with psycopg.connect(url, autocommit=True) as raw:
        assert schema_version(raw) == latest_pg_version()
        assert schema_version(raw, "server") == server_only_steps()[-1].version
        raw.execute("DROP TRIGGER IF EXISTS decisions_notify ON decisions")
        raw.execute("DELETE FROM triage_schema WHERE part = 'server'")
        triggers = "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%notify%'"
        dropped = raw.execute(triggers).fetchone()[0]
    store = open_store(url)
    store.close()
    with psycopg.connect(url, autocommit=True) as raw:
        assert schema_version(raw, "server") == server_only_steps()[-1].version
        assert raw.execute(triggers).fetchone()[0] > dropped


def test_path_is_a_local_folder_per_database(pg_url, tmp_path: Path):
    store = open_store(pg_url, create=True)
    try:
        assert store.path.parent.is_dir() and not store.path.exists()
    finally:
        store.close()


@pytest.mark.parametrize(
    "action, message",
    [("check", "pg_amcheck"), ("encrypt", "no store key"), ("rekey", "no store key")],
)
def test_store_file_actions_say_what_replaces_them_on_a_server(action, message, capsys):
    url = "postgresql:///triage?host=/nonexistent-socket-dir"
    rc = main(["--db", url, "db", action])
    err = capsys.readouterr().err
    assert rc == 1 and message in err and err.count("\n") == 1


def test_writing_transactions_follow_one_another_as_on_sqlite(pg_url):
    """BEGIN IMMEDIATE on one connection waits for another's to end (and gives up with
    SQLite's 'locked' class of error after the lock timeout)."""
    from triage_app.store.connection import OperationalError

    first = open_store(pg_url, create=True)
    second = first.reopen()
    try:
        second.conn.raw.execute("SET lock_timeout = '200ms'")
        with first.transaction():
            with pytest.raises(OperationalError, match="lock timeout"):
                second.conn.execute("BEGIN IMMEDIATE")
            assert not second.conn.in_transaction
            second.conn.execute("BEGIN")  # a reader's transaction does not wait
            second.conn.execute("ROLLBACK")
        with second.transaction():  # free again once the first committed
            second.execute("INSERT INTO meta(key, value) VALUES ('w', '1')")
    finally:
        second.close()
        first.close()


def test_triage_db_names_the_server_too(pg_server, capsys, monkeypatch):
    store = pg_server.fresh_store()
    url = pg_server.url(store.conn.raw.info.dbname)
    store.close()
    monkeypatch.setenv("TRIAGE_DB", url)
    assert main(["users", "list"]) == 0
    # Logins are the server's, not one database's: others' tests may have added some.
    lines = capsys.readouterr().out.splitlines()
    assert any(ln.startswith(f"{pg_server.superuser}\tsupervisor") for ln in lines), lines


def test_a_connection_the_server_dropped_is_replaced_on_reopen(pg_url):
    store = open_store(pg_url, create=True)
    try:
        other = store.reopen()
        pid = other.conn.raw.info.backend_pid
        other.close()  # back in the pool
        store.execute("SELECT pg_terminate_backend(?)", (pid,))
        again = store.reopen()  # the pool notices the dead one and opens a new connection
        try:
            assert again.scalar("SELECT count(*) FROM tags") > 0
            assert again.conn.raw.info.backend_pid != pid
        finally:
            again.close()
    finally:
        store.close()
