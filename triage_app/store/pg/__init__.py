"""The PostgreSQL backend: a team's store on one server (issue 16).

- url.py: which ``--db`` values are PostgreSQL addresses; TLS unless a local socket.
- translate.py: the shared modules' SQLite SQL rewritten for PostgreSQL, once per string.
- adapter.py: a psycopg 3 connection with the sqlite3 interface the store modules use.
- ../pg_migrations/_compat_sql.py (migration 1): SQLite functions made on the server.
- schema.py: the pg_migrations, numbered as the SQLite ones, and the schema version.
- opening.py: the pool, the login as the person, the Store.

Queries that must differ between the engines (full-text search, claims with SKIP LOCKED,
LISTEN/NOTIFY) belong in backend modules beside these, chosen by ``Store.backend``."""
