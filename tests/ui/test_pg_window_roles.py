"""The window on a team server as an analyst whose rights are only those the server grants
triage_analyst (store/pg/roles.py): it opens, shows the role the server gives, and tags with
one key; nothing it does at start needs a supervisor's or the owner's rights."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

from triage_app.cli import main
from triage_app.store.connection import open_store
from triage_app.store.queue import QueueQuery


def test_an_analyst_opens_the_window_and_tags_under_the_servers_rules(
    pg_server, make_window, problems, capsys
):
    url = pg_server.empty_database()
    db = url.split("///", 1)[1].split("?", 1)[0]
    analyst, supervisor = (f"{n}_{uuid.uuid4().hex[:8]}" for n in ("ana", "sam"))
    assert main(["--db", url, "db", "create"]) == 0
    assert main(["--db", url, "demo", "--posts", "20"]) == 0
    assert main(["--db", url, "users", "add", analyst, "--role", "analyst"]) == 0
    assert main(["--db", url, "users", "add", supervisor, "--role", "supervisor"]) == 0
    capsys.readouterr()
    opened = []
    try:
        for login, role in ((analyst, "analyst"), (supervisor, "supervisor")):
            store = open_store(f"postgresql://{login}@/{db}?host={pg_server.socket_dir}")
            opened.append(store)
            window = make_window(store)
            assert window.user_label.text() == f"{login} ({role})"
            if role == "analyst":
                window.apply_query(QueueQuery(sort="id"))
                window.select_row(0)
                post = window.current_post_id()
                assert window.tag_current_and_advance("boat_crossing")
                tagged = store.execute(
                    "SELECT actor FROM post_tags WHERE post_id = ?", (post,)
                ).fetchall()
                assert [tuple(r) for r in tagged] == [(analyst,)]
            window.close()
        assert problems == []
    finally:
        for store in opened:
            store.close()
        with psycopg.connect(
            host=str(pg_server.socket_dir), dbname=db, user=pg_server.superuser, autocommit=True
        ) as conn:
            for login in (analyst, supervisor):
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(login)))
        with pg_server.admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
            )
            for login in (analyst, supervisor):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
