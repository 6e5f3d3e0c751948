"""An import's rows written to a team server with COPY instead of one INSERT per row.

Why: the import pipeline (ingest/pipeline.py) writes each batch of 2,000 posts as four or five
``executemany`` calls, which psycopg sends as one INSERT per row (pipelined, but each row still
parsed, planned and answered on its own). COPY streams the whole batch as one statement, which is
what a raw loader does and what the import is measured against (issue 16: at least half the
speed of a raw psycopg COPY of the same rows).

What it keeps: the rows are exactly those the SQLite path writes (ingest/batch_rows.py):

- plain INSERTs (post_raw, posts_fts, media, media_refused) are COPYed straight into their
  table (posts_fts with the search keys of its text, handle and name computed here, so that
  the server does not run plpgsql for them: pg_migrations/s002_search_keys.py); so are the
  posts of a large load into an empty store (below), with their ids given from the posts'
  identity, a batch that meets a post already written going the staging way;
- posts are INSERT OR IGNORE on their natural key (platform, platform_post_id): the batch is
  COPYed into a temporary staging table of the file's transaction (ON COMMIT DROP) and moved with
  ``INSERT … SELECT … ORDER BY seq ON CONFLICT (the natural key) DO NOTHING RETURNING`` (an id
  that collides is an error, never a post silently left out), which hands back the ids
  of the rows that went in (the raw, search and media rows need them) and gives ids in the file's
  order, the first of two copies of a post winning, as on SQLite;
- everything happens inside the file's transaction (one file = one transaction: a failure or a
  cancel rolls the staging table, the rows and any index change back together).

Rights: COPY needs only INSERT on the table (what an analyst has, store/pg/roles.py) and a
temporary table needs the database's TEMP right, which PostgreSQL gives PUBLIC by default; a
server where it was taken away gets the row-by-row INSERTs instead (``staging_allowed``).

Large loads into an empty store (the rule of ingest/bulk_load.py says the file is big; on a
server the store must also hold no posts yet), when the login owns the tables
(the store's owner, not an analyst: only an owner may drop an index): the posts table's
secondary indexes, the search index's GIN index and post_raw's primary key are dropped at the
start and built once at the end, in the same transaction, as the SQLite path does; the foreign
keys of posts and post_raw are checked once at the end too, and the posts table's own row
triggers are off until then (``drop_indexes`` says which and why). While such a load runs, other
sessions wait for the posts table (DROP INDEX locks it, readers too), which is why it is kept
to a store with no posts yet: the first load of a new team store. Into a store in use, the
posts go through the staging table with every index kept up to date, and nobody waits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from psycopg import sql

from ..pg_migrations._fold_sql import search_key_of
from ..pg_migrations.m016_search_normal import is_current
from ..pg_migrations.s002_search_keys import KEY_COLUMNS, has_keys

T = TypeVar("T")

STAGE = "triage_import_posts"
# The indexes a bulk load rebuilds: every non-unique index of these tables (the unique ones
# make a re-import add nothing and stay).
DEFERRED_TABLES = ("posts", "posts_fts")
# The tables whose indexes or constraints a bulk load drops (only their owner may).
OWNED_TABLES = ("posts", "posts_fts", "post_raw")
# The tables whose foreign keys a bulk load checks once at its end instead of row by row.
CHECKED_TABLES = ("posts", "post_raw")
# The tables whose primary key a bulk load builds once at its end (see drop_indexes): no other
# table refers to it, and the load gives each row the id of a post it has just written.
KEYED_AT_END = ("post_raw",)
# The tables COPYed in binary (see copy_into): every value of their rows has its column's
# type, none is a file's value passed on as it came (an int where text is stored, which only
# the text format would take). post_raw and posts_fts hold values this program makes (the ids
# it gives, the raw record as decoded text, its extra fields as JSON text, the folded texts
# and their keys); the posts (and their staging table) the fields of a record that passed the
# record check (ingest/record_check.py: text fields str or None, times int64), the account's
# id, the import's id and time. Binary for the posts too: a million posts' rows in 2.7 s less
# of the importing process's CPU (12.2 -> 9.5 s) and the file in 40 s instead of 42-44
# (2026-12-05).
BINARY_TABLES = ("post_raw", "posts_fts", "posts", STAGE)
# The column types a binary COPY sends (the server's name -> psycopg's); a table with any
# other type is COPYed as text.
BINARY_TYPES = {"bigint": "int8", "text": "text"}
# Memory for building the dropped indexes again at the end (sorting a million rows' keys).
BUILD_MEMORY = "256MB"


class CopyRows:
    """Writes one file's batches to the server with COPY (see the module's docstring).

    ``large_load``: the caller's rule (ingest/bulk_load.should_defer) says the file is big for
    the store; the indexes are then rebuilt at the end (``finish``) if this login may."""

    def __init__(
        self,
        conn: Any,
        post_columns: Sequence[str],
        large_load: bool = False,
        posts_by_row: Callable[[Sequence[Sequence[Any]]], dict[tuple[str, str], int]] | None = None,
    ) -> None:
        self.conn = conn  # store/pg/adapter.PgConnection, inside the file's transaction
        self.post_columns = tuple(post_columns)
        self._staged = False
        # without the TEMP right, the posts go in row by row (the caller's INSERT OR IGNORE)
        self._posts_by_row = None if staging_allowed(conn) else posts_by_row
        self._deferred: list[str] | None = None  # the dropped indexes, while they are
        # Into an empty store the posts are COPYed straight into their table with ids given
        # here (the next of the posts' identity, see _copy_posts); None: staged
        self._next_id: int | None = None
        if large_load and owns_tables(conn):
            # Only into an empty store: dropping an index locks the posts table against every
            # other session's reads until the file commits (on SQLite, readers keep their
            # snapshot). A team store already in use must not freeze everyone's window for
            # the length of an import (a window reading the table met its lock timeout).
            self._next_id = self._run(first_id_if_empty)
            if self._next_id is not None:
                self._deferred = self._run(lambda raw: drop_indexes(raw))
        self._first_id = self._next_id or 0
        # posts_fts rows get their search keys (server step 2) when the server's search
        # functions are this program's (else the server computes them): the import gives
        # them (ingest/prepared.prepare_keyed), or rows without them get them here
        self.search_keys = self._run(search_keys_wanted)
        self._types: dict[tuple[str, tuple[str, ...]], list[str] | None] = {}

    # -- what ingest/batch_rows.py's writers offer ------------------------------------------
    def insert_posts(self, rows: Sequence[Sequence[Any]]) -> dict[tuple[str, str], int]:
        """INSERT OR IGNORE the posts (values in ``post_columns`` order); the ids of those
        that went in, by (platform, platform_post_id)."""
        if not rows:
            return {}
        if self._posts_by_row is not None:
            return self._posts_by_row(rows)
        if self._next_id is not None:
            return self._run(lambda raw: self._copy_posts(raw, rows))
        return self._run(lambda raw: self._insert_posts(raw, rows))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A plain INSERT of ``rows`` into ``table`` (its ``columns``), as one COPY."""
        if not rows:
            return
        if table == "posts_fts" and self.search_keys and tuple(columns) == FTS_COLUMNS:
            columns, rows = FTS_COLUMNS + KEY_COLUMNS, with_search_keys(rows)
        self._run(
            lambda raw: copy_into(raw, table, columns, rows, self._binary(raw, table, columns))
        )

    def finish(self) -> None:
        """Build the indexes dropped at the start, before the file's transaction commits."""
        deferred, self._deferred = self._deferred, None
        if deferred is not None:
            self._run(lambda raw: build_indexes(raw, deferred))
        if self._next_id is not None and self._next_id > self._first_id:
            last = self._next_id - 1  # the posts' identity continues after the ids given
            self._run(lambda raw: raw.execute(POSTS_ID_SETVAL, (last,)))
        self._next_id = None

    # -- inside ---------------------------------------------------------------------------
    def _binary(
        self, raw: psycopg.Connection, table: str, columns: Sequence[str]
    ) -> list[str] | None:
        """The types of a binary COPY of ``table``'s ``columns`` (BINARY_TABLES only), or
        None for a text COPY; asked of the server once per file and table."""
        if table not in BINARY_TABLES:
            return None
        key = (table, tuple(columns))
        if key not in self._types:
            self._types[key] = binary_types(raw, table, columns)
        return self._types[key]

    def _run(self, step: Callable[[psycopg.Connection], T]) -> T:
        """``step`` on the psycopg connection; its errors as the store's (the pipeline's
        ``except DatabaseError`` reports a file the store could not take in one line)."""
        return self.conn.on_live_session(lambda: step(self.conn.raw))  # type: ignore[no-any-return]

    def _copy_posts(
        self, raw: psycopg.Connection, rows: Sequence[Sequence[Any]]
    ) -> dict[tuple[str, str], int]:
        """A batch into an empty store: COPYed into posts with the next ids, as one
        subtransaction. A post already written (given twice in the file) makes the natural
        key's unique index refuse the COPY: the batch is rolled back to its savepoint and goes
        through the staging table with the same ids, where the first copy wins."""
        first = self._next_id
        assert first is not None
        self._next_id = first + len(rows)
        raw.execute("SAVEPOINT triage_copy_posts")
        try:
            columns = ("id", *self.post_columns)
            copy_into(
                raw,
                "posts",
                columns,
                [(first + i, *r) for i, r in enumerate(rows)],
                self._binary(raw, "posts", columns),
            )
        except psycopg.errors.UniqueViolation:
            raw.execute("ROLLBACK TO SAVEPOINT triage_copy_posts")
            raw.execute("RELEASE SAVEPOINT triage_copy_posts")
            return self._insert_posts(raw, rows, first)
        raw.execute("RELEASE SAVEPOINT triage_copy_posts")
        return {(r[1], r[2]): first + i for i, r in enumerate(rows)}

    def _insert_posts(
        self, raw: psycopg.Connection, rows: Sequence[Sequence[Any]], first_id: int | None = None
    ) -> dict[tuple[str, str], int]:
        """Through the staging table; ``first_id``: the posts are given ids from it (those
        of an empty store's load, _copy_posts), else the identity gives them."""
        stage = sql.Identifier(STAGE)
        columns = sql.SQL(", ").join(map(sql.Identifier, self.post_columns))
        if not self._staged:
            # the posts columns' own types; gone with the transaction, committed or not
            raw.execute(
                sql.SQL(
                    "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS "
                    "SELECT 0::bigint AS seq, {} FROM posts WITH NO DATA"
                ).format(stage, columns)
            )
            self._staged = True
        else:
            raw.execute(sql.SQL("TRUNCATE {}").format(stage))
        start = first_id or 0
        staged = ("seq", *self.post_columns)
        copy_into(
            raw,
            STAGE,
            staged,
            [(start + i, *r) for i, r in enumerate(rows)],
            self._binary(raw, STAGE, staged),
        )
        given = sql.SQL("id, " if first_id is not None else "")
        cur = raw.execute(
            sql.SQL(
                "INSERT INTO posts({}{}) SELECT {}{} FROM {} ORDER BY seq "
                "ON CONFLICT (platform, platform_post_id) DO NOTHING "
                "RETURNING id, platform, platform_post_id"
            ).format(
                given, columns, sql.SQL("seq, " if first_id is not None else ""), columns, stage
            )
        )
        return {(r[1], r[2]): int(r[0]) for r in cur.fetchall()}


def copy_into(
    raw: psycopg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    types: Sequence[str] | None = None,
) -> None:
    """COPY ``rows`` into ``table``'s ``columns``: in text format each value as psycopg
    writes it for an INSERT, so the rows are the same as the row-by-row path's; with
    ``types`` (binary_types), in binary.

    Why binary for some tables: psycopg formats a binary row in about half the client CPU of
    a text one (the text format escapes every string), and the server reads it without
    parsing (a million posts' raw lines and search rows: about 2.3 s less of the importing
    process's CPU, 2026-12-05). The stored values are the same: a string goes to the
    server's ``textrecv``, which checks its encoding as ``textin`` does, and an int to
    ``int8recv``. What binary gives up: the text format takes a value of another Python
    type (an int for a text column, written as its digits), binary refuses it and the
    file's transaction with it; hence only for BINARY_TABLES, whose values have their
    column's type."""
    binary = sql.SQL(" (FORMAT BINARY)" if types is not None else "")
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)), binary
    )
    with raw.cursor() as cur, cur.copy(statement) as copy:
        if types is not None:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def binary_types(raw: psycopg.Connection, table: str, columns: Sequence[str]) -> list[str] | None:
    """psycopg's names of ``columns``' types for a binary COPY into ``table`` (from the
    server's catalog, so a column whose type a later migration changed is never sent in the
    old type's binary form), or None when one of them is not in BINARY_TYPES."""
    found: dict[str, str] = dict(
        raw.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = ANY(%s) AND NOT attisdropped",
            (table, list(columns)),
        ).fetchall()
    )
    types = [BINARY_TYPES.get(str(found.get(column))) for column in columns]
    return None if None in types else [str(t) for t in types]


FTS_COLUMNS = ("rowid", "text", "handle", "name")


def with_search_keys(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """posts_fts rows (rowid and the folded text, handle and name) with the three columns'
    search keys after them (s002_search_keys.py), as the server's ``search_key`` would make
    them: the server's document then costs no plpgsql call. A NULL column's key is ''."""
    key, name_key = search_key_of, _name_key
    return [
        (rowid, text, handle, name, key(text) if text else "", name_key(handle), name_key(name))
        for rowid, text, handle, name in rows
    ]


@lru_cache(maxsize=1 << 15)
def _name_key(value: str | None) -> str:
    """A handle's or name's key (an account posts many times: worked out once)."""
    return search_key_of(value) if value else ""


def search_keys_wanted(raw: psycopg.Connection) -> bool:
    """Whether an import should give posts_fts its keys: the key columns are there (server
    step 2) and the server's search functions were made from this program's tables (meta
    ``search_fold_digest``; opening the store sees to it, but another program with other
    tables may have opened it since). Otherwise the server computes them."""
    return has_keys(raw) and is_current(raw)


def staging_allowed(conn: Any) -> bool:
    """Whether this login may make the temporary staging table (the database's TEMP right)."""
    row = conn.raw.execute("SELECT has_database_privilege(current_database(), 'TEMP')").fetchone()
    return bool(row and row[0])


def owns_tables(conn: Any) -> bool:
    """Whether this login owns the tables whose indexes a large load rebuilds (only an owner
    may drop an index: the store's owner, not an analyst)."""
    row = conn.raw.execute(
        "SELECT bool_and(pg_has_role(c.relowner, 'USAGE')) FROM pg_class c "
        "WHERE c.oid = ANY(%s::regclass[])",
        (list(OWNED_TABLES),),
    ).fetchone()
    return bool(row and row[0])


def drop_indexes(raw: psycopg.Connection) -> list[str]:
    """Drop the non-unique indexes of DEFERRED_TABLES and the foreign keys of the tables a
    load fills row by row; the statements that make them again, in order (indexes first)."""
    indexes = raw.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary "
        "ORDER BY 1",
        (list(DEFERRED_TABLES),),
    ).fetchall()
    for name, _definition in indexes:
        raw.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))  # a regclass name, quoted
    # A foreign key checks every row with a query of its own (half of a COPY into posts);
    # added again at the end, it checks them all with one join (and refuses the file, which
    # then leaves nothing, if one row had no parent).
    keys = raw.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
        "ORDER BY 1, 2",
        (list(CHECKED_TABLES),),
    ).fetchall()
    # The primary key of KEYED_AT_END too: kept row by row it costs the server a btree
    # insert per row on the load's critical path (post_raw, a million rows: about 1.7 s of
    # server CPU, 2026-12-05), built at the end it is one sort shared with the parallel
    # workers (0.6 s). Every row's post_id is the id of a post this load has just written,
    # so the rows are unique; if they were not, the key's build refuses the file.
    primary = raw.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'p' AND conrelid = ANY(%s::regclass[]) "
        "ORDER BY 1, 2",
        (list(KEYED_AT_END),),
    ).fetchall()
    for table, name, _definition in [*primary, *keys]:
        raw.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.SQL(table), sql.SQL(name))
        )
    # The posts table's own row triggers are off too: the search row (posts_fts_insert, which
    # this import writes itself) and the status guard (an import adds every post as 'new'; the
    # owner is a supervisor anyway). A plpgsql call per row each; nobody else writes posts
    # while this transaction holds the table.
    raw.execute("ALTER TABLE posts DISABLE TRIGGER USER")
    return [str(definition) for _name, definition in indexes] + [
        f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        for table, name, definition in [*primary, *keys]
    ]


# The posts' identity (GENERATED BY DEFAULT: ids may be given, as db copy does too).
POSTS_ID_SEQUENCE = "pg_get_serial_sequence('posts', 'id')"
POSTS_ID_SETVAL = f"SELECT setval({POSTS_ID_SEQUENCE}, %s)"


def first_id_if_empty(raw: psycopg.Connection) -> int | None:
    """The id of an empty store's first post (taken from the posts' identity), or None when
    the store holds posts (their natural keys must be checked: the staging table)."""
    row = raw.execute(
        f"SELECT CASE WHEN EXISTS (SELECT 1 FROM posts) THEN NULL "
        f"ELSE nextval({POSTS_ID_SEQUENCE}) END"
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def build_indexes(raw: psycopg.Connection, definitions: Sequence[str]) -> None:
    """The dropped indexes built and the foreign keys added again (drop_indexes' statements,
    the server's own text), and the posts table's own triggers back on."""
    raw.execute("ALTER TABLE posts ENABLE TRIGGER USER")
    raw.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
    for definition in definitions:
        raw.execute(definition)
