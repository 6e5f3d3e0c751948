"""PostgreSQL migration 22: SQLite's migration 22 (an index on ``decisions.undoes``, why in
store/migrations/m022_undo_index.py), whose SQL both engines read the same way."""

from ..migrations.m022_undo_index import SQL, VERSION

__all__ = ["SQL", "VERSION"]
