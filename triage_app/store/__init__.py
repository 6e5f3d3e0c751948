"""The local SQLite (SQLCipher) store: opening, migrations, queries, audit chain, keys at rest."""

from .connection import Store, open_store

__all__ = ["Store", "open_store"]
