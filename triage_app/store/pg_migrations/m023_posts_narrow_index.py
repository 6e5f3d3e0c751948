"""PostgreSQL migration 23: SQLite's migration 23 (a narrow index on posts(id, priority,
status), why in store/migrations/m023_posts_narrow_index.py), the same index under the same
name: the schemas keep the same index names (tests/store/test_pg_schema.py). The server's
search does not ask for it (its planner picks its own form: store/search_pg.py); it may use it
for an index-only read of a match's priority and status."""

from ..migrations.m023_posts_narrow_index import INDEX_SQL, VERSION

SQL = INDEX_SQL + ";"  # a server sorts within its own work_mem and temporary files

__all__ = ["SQL", "VERSION"]
