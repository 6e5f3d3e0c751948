"""Migration 4: sync between stores — this store's sync identity, peers, what each peer has
seen, where each decision came from, and the audit rows of other stores."""

VERSION = 4

SQL = """
-- The age key pair other stores encrypt sync packs to. The secret is kept inside the store,
-- which is itself encrypted at rest, so it needs no keyring and travels with the store.
CREATE TABLE sync_self (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    age_identity  TEXT NOT NULL,
    age_recipient TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- Stores we exchange packs with, known by the age public key we encrypt to.
CREATE TABLE peers (
    recipient     TEXT PRIMARY KEY,
    store_id      TEXT,
    label         TEXT,
    first_seen_at TEXT NOT NULL,
    last_export_at TEXT,
    last_import_at TEXT
);

-- What each peer has: everything we sent it and everything it sent us (kind + uuid).
CREATE TABLE sync_seen (
    recipient TEXT NOT NULL,
    kind      TEXT NOT NULL,
    uuid      TEXT NOT NULL,
    PRIMARY KEY (recipient, kind, uuid)
) WITHOUT ROWID;

-- Packs already merged here: importing the same pack again changes nothing.
CREATE TABLE sync_imports (
    pack_id      TEXT PRIMARY KEY,
    from_store   TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    counts       TEXT NOT NULL
);

-- The store each decision was first made in (absent: made in this store). Conflicts are
-- decided between origins, not between local and remote, so every store decides alike.
CREATE TABLE decision_origin (
    uuid       TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL
) WITHOUT ROWID;

-- Audit rows of other stores, exactly as their chains hold them (each store's own chain
-- stays in `audit`, untouched). seq is the row's id in its own store, for chain order.
CREATE TABLE peer_audit (
    uuid        TEXT PRIMARY KEY,
    origin      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT,
    object_id   TEXT,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (origin, seq)
);
CREATE TRIGGER peer_audit_no_update BEFORE UPDATE ON peer_audit BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
CREATE TRIGGER peer_audit_no_delete BEFORE DELETE ON peer_audit BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
"""
