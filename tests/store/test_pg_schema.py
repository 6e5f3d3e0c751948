"""The PostgreSQL schema (store/pg_migrations) against the SQLite one (store/migrations), on a
real server (tests/support/pg_server.py: the session's ``pg_server``).

- every SQLite migration has a PostgreSQL counterpart with the same number and name;
- the whole PostgreSQL schema applies on an empty database;
- the two schemas hold the same tables and columns, with matching types and NOT NULL, apart
  from the differences listed in PG_ONLY_TABLES / PG_ONLY_COLUMNS / SQLITE_ONLY_TABLES;
- search_fold and search_key on the server give what the Python functions give;
- the triggers and the SQLite-compatible functions behave as on SQLite."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from triage_app.core.search_normal import fold, fold_table
from triage_app.store.connection import connect, migrate
from triage_app.store.migrations import all_migrations
from triage_app.store.pg_migrations import all_pg_migrations
from triage_app.store.pg_migrations._fold_sql import python_search_key

# FTS5's shadow tables: PostgreSQL indexes posts_fts with a GIN index instead.
SQLITE_ONLY_TABLES = {
    "posts_fts_data",
    "posts_fts_idx",
    "posts_fts_content",
    "posts_fts_docsize",
    "posts_fts_config",
}
# The adapter's schema version (SQLite: PRAGMA user_version) and the compat catalogue view.
PG_ONLY_TABLES = {"triage_schema", "sqlite_master"}
# SQLite's implicit rowid, made a real column; the full-text document of posts_fts and the
# search keys it is built from (server step 2, s002_search_keys.py).
PG_ONLY_COLUMNS = {"rowid"}
PG_ONLY_COLUMNS_OF = {"posts_fts": {"document", "text_key", "handle_key", "name_key"}}
# Tables that have no rowid on SQLite either.
WITHOUT_ROWID = {"post_tags", "referral_items", "sync_seen", "decision_origin", "account_links"}
VIRTUAL = {"posts_fts", "posts_fts_vocab"}
PG_TYPE = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "BLOB": "bytea"}

TRICKY = [
    "",
    " ",
    "plain ASCII, nothing to fold: user@example.com +44 7911 123456",
    "أحمد إبراهيم آمنة ٱلله ٲ ٳ ٵ",
    "مُحَمَّدٌ رَسُولُ ٱللَّهِ ـــمرحبـــا",
    "رئيس ريس مؤسسة",
    "می‌روم میروم کتابخانهٔ دانشگاه یک ی ى",
    "ﻻ إله إلا ﷲ ﷺ ﻼ",  # presentation forms and ligatures (several characters each)
    "٢٨٠٠ ۱۲۳۴ ० १ २ ৩ ๔ １２３ 𝟏𝟐𝟑",
    "ሀሁሂ ሐሑሒ ኀኁ ሠሡሣ ሧ ዐዑዓ ፀፁ ጸ — ሰላም ዓለም",
    "Café naïve Ärger Ψυχή ПРИВЕТ Tiếng Việt e\u0301",
    "ﬁle ﬂow ＡＢＣ ｆｕｌｌ＇ｑｕｏｔｅ＂",
    "\ufeffBOM\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u2066\u2069\u061c\u00ad",
    "ہ ۀ ۂ ە ھ ک ڪ ے ۓ ٸ ؤ ٶ",
    "مدرسة مدرسه",
    "'quotes' and \\backslash\\ and $dollar$ and %percent%",
    "emoji 😀 ✅ ️ in text",
]


@pytest.fixture(scope="module")
def pg_url(pg_server: Any) -> str:
    """A database holding the migrated PostgreSQL schema (the adapter's migrate_pg applies
    store/pg_migrations on an empty database to make it)."""
    return str(pg_server.fresh_database())


@pytest.fixture
def pg(pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    conn = psycopg.connect(pg_url)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture
def sqlite_conn(tmp_path: Path) -> Iterator[Any]:
    path = tmp_path / "fresh.db"
    conn = connect(path, create=True)
    migrate(conn, path, progress=lambda done, total: None)
    try:
        yield conn
    finally:
        conn.close()


def test_every_sqlite_migration_has_a_postgresql_counterpart() -> None:
    sqlite = {m.version: m.name for m in all_migrations()}
    postgres = {m.version: m.name for m in all_pg_migrations()}
    missing = {v: n for v, n in sqlite.items() if v not in postgres}
    assert not missing, (
        "SQLite migrations without a PostgreSQL counterpart in triage_app/store/pg_migrations/: "
        + ", ".join(f"{n} (VERSION {v})" for v, n in sorted(missing.items()))
    )
    # What only a server needs (LISTEN/NOTIFY triggers) is a server-only step (sNNN_*), never an
    # mNNN_ module: its number would collide with a later SQLite migration's.
    extra = {v: n for v, n in postgres.items() if v not in sqlite}
    assert not extra, f"PostgreSQL migrations without a SQLite one (make them sNNN_): {extra}"
    renamed = {v: (sqlite[v], postgres[v]) for v in sqlite if sqlite[v] != postgres[v]}
    assert not renamed, f"same VERSION, different module names (SQLite, PostgreSQL): {renamed}"


def test_the_whole_schema_applies_as_a_database_owner_who_is_not_superuser(
    pg_server: Any,
) -> None:
    """What `triage db create` does on a team server, where the person creating the schema owns
    the database but is no superuser: every migration, each SQL string sent whole."""
    from triage_app.store.pg_migrations import apply_migration

    name = f"owner_{uuid.uuid4().hex[:12]}"
    with pg_server.admin() as admin:
        admin.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER')
        admin.execute(f'CREATE DATABASE "{name}" OWNER "{name}" TEMPLATE template0')
    with psycopg.connect(pg_server.url(name), autocommit=True) as admin:
        admin.execute(f'ALTER SCHEMA public OWNER TO "{name}"')
    url = f"postgresql:///{name}?host={pg_server.socket_dir}&user={name}"
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone() == (False,)
        for migration in all_pg_migrations():
            apply_migration(conn, migration, progress=None)
            conn.commit()
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }
    assert {"posts", "posts_fts", "audit", "account_links", "returning_posts"} <= tables


def _sqlite_schema(conn: Any) -> dict[str, dict[str, tuple[str, bool]]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    out: dict[str, dict[str, tuple[str, bool]]] = {}
    for table in tables:
        if table in SQLITE_ONLY_TABLES:
            continue
        rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
        # pk columns of INTEGER PRIMARY KEY are NOT NULL in effect; PRAGMA says notnull=0.
        out[table] = {r[1]: (str(r[2]).upper(), bool(r[3]) or bool(r[5])) for r in rows}
    return out


def _pg_schema(conn: psycopg.Connection[Any]) -> dict[str, dict[str, tuple[str, bool]]]:
    out: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, data_type, nullable in conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    ):
        out.setdefault(table, {})[column] = (data_type, nullable == "NO")
    return out


def test_postgresql_has_the_same_tables_and_columns_as_sqlite(sqlite_conn: Any, pg: Any) -> None:
    lite = _sqlite_schema(sqlite_conn)
    post = _pg_schema(pg)
    assert set(post) - PG_ONLY_TABLES == set(lite), (
        f"only on PostgreSQL: {sorted(set(post) - PG_ONLY_TABLES - set(lite))}; "
        f"only on SQLite: {sorted(set(lite) - set(post))}"
    )
    problems: list[str] = []
    for table, columns in sorted(lite.items()):
        pg_columns = dict(post[table])
        # SQLite's implicit rowid, usable as on SQLite: present where SQLite has one.
        wanted = table not in WITHOUT_ROWID and table != "posts_fts_vocab"
        if ("rowid" in pg_columns) != wanted:
            problems.append(f"{table}: rowid column {'missing' if wanted else 'unexpected'}")
        for extra in PG_ONLY_COLUMNS | PG_ONLY_COLUMNS_OF.get(table, set()):
            pg_columns.pop(extra, None)
        if set(pg_columns) != set(columns):
            problems.append(
                f"{table}: only on PostgreSQL {sorted(set(pg_columns) - set(columns))}, "
                f"only on SQLite {sorted(set(columns) - set(pg_columns))}"
            )
            continue
        if table in VIRTUAL:
            continue
        for column, (declared, not_null) in columns.items():
            pg_type, pg_not_null = pg_columns[column]
            if PG_TYPE.get(declared) != pg_type:
                problems.append(f"{table}.{column}: SQLite {declared}, PostgreSQL {pg_type}")
            if not_null != pg_not_null:
                problems.append(f"{table}.{column}: NOT NULL {not_null} vs {pg_not_null}")
    assert not problems, "\n".join(problems)


def test_indexes_and_triggers_have_their_sqlite_names(sqlite_conn: Any, pg: Any) -> None:
    lite = {
        (r[0], r[1])
        for r in sqlite_conn.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND name NOT LIKE 'sqlite_autoindex%'"
        )
    }
    post = set(pg.execute("SELECT type, name FROM sqlite_master").fetchall())
    missing = sorted(lite - post)
    assert not missing, f"indexes or triggers missing on PostgreSQL: {missing}"


def _random_strings(count: int) -> list[str]:
    rng = random.Random(16)
    keys = [chr(cp) for cp in fold_table()]
    pool = keys + list("abcXYZ 019.,-'\"\\%$") + ["ا", "ب", "ة", "ه", "ሀ", "é", "Ω"]
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def test_search_fold_on_the_server_is_the_python_fold(pg: Any) -> None:
    samples = TRICKY + _random_strings(400) + [chr(cp) for cp in fold_table()]
    got = pg.execute(
        "SELECT s, search_fold(s) FROM unnest(%s::text[]) WITH ORDINALITY AS t(s, n) ORDER BY n",
        (samples,),
    ).fetchall()
    wrong = [(s, folded, fold(s)) for s, folded in got if folded != fold(s)]
    assert not wrong, f"{len(wrong)} strings fold differently, e.g. {wrong[:3]}"
    assert pg.execute("SELECT search_fold(NULL)").fetchone() == (None,)


def _normalising_strings(count: int) -> list[str]:
    """Strings where NFKD, NFC and case matter: Bengali vowel parts that NFC composes, Hangul
    jamo, Hebrew marks that NFKD reorders, accented and upper-case letters, compatibility forms."""
    rng = random.Random(17)
    pool = list("abcXYZ .,-") + [
        "\u09c7", "\u09be", "\u1100", "\u1161", "\u11a8", "\u0591", "\u05b0",
        "é", "É", "Ω", "Ǆ", "ß", "İ", "²", "①", "가", "ẞ", "Ꭰ", "\U0001d400",
    ]  # fmt: skip
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 20))) for _ in range(count)]


def test_search_key_on_the_server_is_the_python_reference(pg: Any) -> None:
    samples = [fold(s) or "" for s in TRICKY + _random_strings(200) + _normalising_strings(500)]
    got = pg.execute(
        "SELECT s, search_key(s) FROM unnest(%s::text[]) WITH ORDINALITY AS t(s, n) ORDER BY n",
        (samples,),
    ).fetchall()
    wrong = [(s, key, python_search_key(s)) for s, key in got if key != python_search_key(s)]
    assert not wrong, f"{len(wrong)} strings differ, e.g. {wrong[:3]}"


def _post(pg: Any, text: str, handle: str = "Ahmad") -> int:
    import_id = pg.execute(
        "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
        "VALUES (gen_random_uuid()::text, 'p', 's', 1, 'f', 'a', 'now') RETURNING id"
    ).fetchone()[0]
    account = pg.execute(
        "INSERT INTO accounts(uuid, platform, platform_account_id, handle, display_name) "
        "VALUES (gen_random_uuid()::text, 'x', gen_random_uuid()::text, %s, 'أحمد') RETURNING id",
        (handle,),
    ).fetchone()[0]
    return int(
        pg.execute(
            "INSERT INTO posts(uuid, platform, platform_post_id, account_id, text, import_id, "
            "imported_at) VALUES ('u', 'x', gen_random_uuid()::text, %s, %s, %s, 'now') "
            "RETURNING id",
            (account, text, import_id),
        ).fetchone()[0]
    )


def test_the_index_triggers_keep_posts_fts_folded_and_searchable(
    pg: Any,
) -> None:
    post = _post(pg, "می‌روم به مدرسة ٢٨٠٠ Café")
    row = pg.execute("SELECT text, handle, name FROM posts_fts WHERE rowid = %s", (post,))
    assert row.fetchone() == (fold("می‌روم به مدرسة ٢٨٠٠ Café"), "Ahmad", fold("أحمد"))

    def found(word: str, weight: str = "") -> bool:
        query = f"{word}:{weight}" if weight else word
        return bool(
            pg.execute(
                "SELECT count(*) FROM posts_fts WHERE rowid = %s AND document @@ "
                "to_tsquery('simple', %s)",
                (post, query),
            ).fetchone()[0]
        )

    key = pg.execute("SELECT search_key(search_fold(%s))", ("ميروم",)).fetchone()[0]
    assert found(key) and found("2800") and found("cafe") and found("ahmad", "B")
    assert not found("ahmad", "A")
    pg.execute("UPDATE posts SET text = 'something else' WHERE id = %s", (post,))
    assert not found("2800") and found("something")
    pg.execute(
        "UPDATE accounts SET handle = 'Ömer' WHERE id = (SELECT account_id FROM posts "
        "WHERE id = %s)",
        (post,),
    )
    assert found("omer", "B")
    pg.execute("DELETE FROM posts WHERE id = %s", (post,))
    assert pg.execute("SELECT count(*) FROM posts_fts WHERE rowid = %s", (post,)).fetchone() == (0,)
    # A bulk import writes its own rows while meta fts_bulk is set.
    pg.execute("INSERT INTO meta(key, value) VALUES ('fts_bulk', '1')")
    bulk = _post(pg, "bulk")
    assert pg.execute("SELECT count(*) FROM posts_fts WHERE rowid = %s", (bulk,)).fetchone() == (0,)
    assert pg.execute("SELECT count(*) FROM posts_fts_vocab WHERE term = 'something'").fetchone()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("audit", "audit rows are append-only"),
        ("decisions", "decisions are append-only"),
        ("audit_checkpoints", "audit checkpoints are append-only"),
    ],
)
def test_append_only_tables_refuse_changes_with_the_sqlite_message(
    pg: Any, table: str, message: str
) -> None:
    post = _post(pg, "x")
    rows = {
        "audit": "INSERT INTO audit(uuid, at, actor, action, prev_hash, hash) "
        "VALUES ('u1', 'now', 'a', 'b', '', 'h')",
        "decisions": "INSERT INTO decisions(uuid, post_id, kind, actor, at) "
        f"VALUES ('d1', {post}, 'tag', 'a', 'now')",
        "audit_checkpoints": "INSERT INTO audit_checkpoints(rows, head, at, by, reason, "
        "public_key, signature) VALUES (1, 'h', 'now', 'a', 'manual', 'k', 's')",
    }
    pg.execute(rows[table])
    for change in (f"UPDATE {table} SET at = 'later'", f"DELETE FROM {table}", f"TRUNCATE {table}"):
        pg.execute("SAVEPOINT s")
        with pytest.raises(psycopg.Error) as caught:
            pg.execute(change)
        pg.execute("ROLLBACK TO SAVEPOINT s")
        assert caught.value.diag.message_primary == message, change


def test_a_blind_review_answer_cannot_be_changed(pg: Any) -> None:
    post = _post(pg, "x")
    pg.execute(
        "INSERT INTO blind_reviews(uuid, sample_id, post_id, analyst, reviewer, first_tags, "
        "sampled_by, sampled_at) VALUES ('b', 's', %s, 'a', 'r', '[]', 'sup', 'now')",
        (post,),
    )
    pg.execute("UPDATE blind_reviews SET second_tags = '[]', reviewed_at = 'now'")
    with pytest.raises(psycopg.Error, match="a blind review answer cannot be changed"):
        pg.execute("UPDATE blind_reviews SET second_tags = '[\"x\"]'")


COMPAT_QUERIES = [
    "SELECT printf('%012d', 42)",
    "SELECT printf('%016x', 255)",
    "SELECT printf('%016x', -1)",
    "SELECT printf('%5d|', 7), printf('%-4s|', 'ab'), printf('100%%'), printf('%d', NULL)",
    "SELECT julianday('2024-03-01T10:00:00.125Z') - julianday('2024-02-28T00:00:00Z')",
    "SELECT julianday('2000-01-01T12:00:00')",
    "SELECT julianday('2024-01-01T02:00:00+02:00')",
    "SELECT julianday('not a date')",
    'SELECT json_extract(\'{"batch": "b1", "n": {"m": ["x", "y"]}}\', \'$.batch\')',
    'SELECT json_extract(\'{"n": {"m": ["x", "y"]}}\', \'$.n.m[1]\')',
    "SELECT json_extract('{\"batch\": \"b1\"}', '$.missing')",
    "SELECT instr('messaging:wa.me/44', ':'), instr('abc', 'z')",
    "SELECT lower(substr('Messaging:ABC', instr('Messaging:ABC', ':') + 1))",
    "SELECT group_concat(x) FROM (SELECT 'a' AS x UNION ALL SELECT 'b' UNION ALL SELECT NULL) AS t",
    "SELECT group_concat(x, '') FROM (SELECT 'a' AS x UNION ALL SELECT 'b') AS t",
    "SELECT group_concat(x, '') FROM (SELECT 'a' AS x WHERE 1 = 0) AS t",
    "SELECT sum(x > 1) FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3) AS t",
    "SELECT sum(x > 1) FROM (SELECT 1 AS x WHERE 1 = 0) AS t",
]


@pytest.mark.parametrize("query", COMPAT_QUERIES)
def test_sqlite_functions_answer_alike_on_postgresql(sqlite_conn: Any, pg: Any, query: str) -> None:
    expected = sqlite_conn.execute(query).fetchone()
    got = pg.execute(query).fetchone()  # no parameters: psycopg leaves % alone
    normalised = tuple(int(v) if isinstance(v, bool) else v for v in got)
    assert normalised == expected


def test_explicit_ids_then_identities_continue_after_them(pg: Any) -> None:
    """db copy inserts the source store's ids; triage_sync_identities() moves every identity
    past them so that the next row made on the server gets a free id, as on SQLite."""
    pg.execute(
        "INSERT INTO imports(id, uuid, path, sha256, size, format, actor, started_at) "
        "VALUES (1000, 'copied', 'p', 's', 1, 'f', 'a', 'now')"
    )
    pg.execute("SELECT triage_sync_identities()")
    new = pg.execute(
        "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
        "VALUES ('made here', 'p', 's', 1, 'f', 'a', 'now') RETURNING id, rowid"
    ).fetchone()
    assert new == (1001, 1001)
    pg.execute(
        "INSERT INTO tags(key, label, kind) VALUES ('z', 'Z', 'offence'), ('a', 'A', 'offence')"
    )
    keys = [r[0] for r in pg.execute("SELECT key FROM tags ORDER BY rowid").fetchall()]
    assert keys[-2:] == ["z", "a"]  # insertion order, like SQLite's rowid


def test_search_functions_are_made_again_when_the_fold_tables_change(pg: Any) -> None:
    from triage_app.store.pg_migrations import m016_search_normal as m016

    assert m016.is_current(pg)
    post = _post(pg, "ﻻ stale ٢٨")
    pg.execute("UPDATE meta SET value = 'older tables' WHERE key = 'search_fold_digest'")
    pg.execute("UPDATE posts_fts SET text = 'ﻻ stale ٢٨' WHERE rowid = %s", (post,))  # unfolded
    assert not m016.is_current(pg)
    m016.ensure_current(pg)
    assert m016.is_current(pg)
    row = pg.execute("SELECT text FROM posts_fts WHERE rowid = %s", (post,)).fetchone()
    assert row == (fold("ﻻ stale ٢٨"),)
    hits = pg.execute(
        "SELECT count(*) FROM posts_fts WHERE rowid = %s "
        "AND document @@ to_tsquery('simple', '28')",
        (post,),
    ).fetchone()
    assert hits == (1,)
