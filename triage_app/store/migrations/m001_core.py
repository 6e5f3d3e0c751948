"""Migration 1: the core tables of DESIGN.md (posts, accounts, media, FTS, decisions, audit)."""

VERSION = 1

SQL = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    name      TEXT PRIMARY KEY,
    role      TEXT NOT NULL CHECK (role IN ('analyst', 'supervisor')),
    added_by  TEXT,
    added_at  TEXT NOT NULL
);

CREATE TABLE tags (
    key         TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    number_key  TEXT,
    colour      TEXT,
    description TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('offence', 'disposition'))
);

CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    path         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    format       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    inserted     INTEGER NOT NULL DEFAULT 0,
    present      INTEGER NOT NULL DEFAULT 0,
    quarantined  INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    platform            TEXT NOT NULL,
    platform_account_id TEXT NOT NULL,
    handle              TEXT,
    display_name        TEXT,
    url                 TEXT,
    created_at          INTEGER,
    followers           INTEGER,
    referred            INTEGER NOT NULL DEFAULT 0,
    first_seen_import   INTEGER REFERENCES imports(id),
    UNIQUE (platform, platform_account_id)
);
CREATE INDEX accounts_handle ON accounts(handle);

CREATE TABLE posts (
    id               INTEGER PRIMARY KEY,
    -- uuid5 of (platform, platform_post_id): the same in every store, so it needs no index of
    -- its own (the natural key's UNIQUE index finds a post; a random-order index costs imports).
    uuid             TEXT NOT NULL,
    platform         TEXT NOT NULL,
    platform_post_id TEXT NOT NULL,
    account_id       INTEGER REFERENCES accounts(id),
    kind             TEXT NOT NULL DEFAULT 'post',
    parent_post_id   TEXT,
    url              TEXT,
    posted_at        INTEGER,
    text             TEXT NOT NULL DEFAULT '',
    language         TEXT,
    status           TEXT NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new','tagged','dismissed','approved','rejected',
                                       'referred','conflict')),
    priority         REAL NOT NULL DEFAULT 0,
    cluster_id       INTEGER,
    note             TEXT,
    import_id        INTEGER NOT NULL REFERENCES imports(id),
    imported_at      TEXT NOT NULL,
    UNIQUE (platform, platform_post_id)
);
CREATE INDEX posts_status_priority ON posts(status, priority DESC, id);
CREATE INDEX posts_priority ON posts(priority DESC, id);
CREATE INDEX posts_posted ON posts(posted_at);
CREATE INDEX posts_account ON posts(account_id);
CREATE INDEX posts_cluster ON posts(cluster_id);
CREATE INDEX posts_import ON posts(import_id);

-- The record exactly as received, apart from posts so that queue scans stay small.
CREATE TABLE post_raw (
    post_id INTEGER PRIMARY KEY REFERENCES posts(id),
    raw     TEXT NOT NULL,
    extra   TEXT  -- JSON: what a format carries beyond the common fields (links, transcripts…)
);

CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    kind        TEXT NOT NULL,
    name        TEXT,
    source_path TEXT,
    url         TEXT,
    stored_path TEXT,
    sha256      TEXT,
    size        INTEGER,
    mime        TEXT,
    missing     INTEGER NOT NULL DEFAULT 0,
    phash       TEXT
);
CREATE INDEX media_post ON media(post_id);
CREATE INDEX media_sha ON media(sha256);

CREATE VIRTUAL TABLE posts_fts USING fts5(
    text, handle, name, tokenize = 'unicode61 remove_diacritics 2'
);

-- Bulk imports write their FTS rows themselves (much faster than row by row through the
-- trigger) and say so with a 'fts_bulk' meta row that lives only inside their transaction.
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts
WHEN (SELECT value FROM meta WHERE key = 'fts_bulk') IS NULL BEGIN
    INSERT INTO posts_fts(rowid, text, handle, name)
    SELECT new.id, new.text, a.handle, a.display_name
    FROM (SELECT 1) LEFT JOIN accounts a ON a.id = new.account_id;
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF text, account_id ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = old.id;
    INSERT INTO posts_fts(rowid, text, handle, name)
    SELECT new.id, new.text, a.handle, a.display_name
    FROM (SELECT 1) LEFT JOIN accounts a ON a.id = new.account_id;
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = old.id;
END;
CREATE TRIGGER accounts_fts_update AFTER UPDATE OF handle, display_name ON accounts BEGIN
    UPDATE posts_fts SET handle = new.handle, name = new.display_name
    WHERE rowid IN (SELECT id FROM posts WHERE account_id = new.id);
END;

-- Append-only events; post_tags is the current state derived from them.
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    kind        TEXT NOT NULL CHECK (kind IN ('tag','untag','note','approve','reject',
                                              'dismiss','undo','conflict')),
    tag         TEXT,
    note        TEXT,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    workstation TEXT,
    batch       TEXT,
    undoes      TEXT
);
CREATE INDEX decisions_post ON decisions(post_id, id);
CREATE INDEX decisions_batch ON decisions(batch);
CREATE INDEX decisions_actor ON decisions(actor, at);
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    tag     TEXT NOT NULL REFERENCES tags(key),
    actor   TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags(tag, post_id);

CREATE TABLE claims (
    post_id    INTEGER PRIMARY KEY REFERENCES posts(id),
    user       TEXT NOT NULL,
    expires_at REAL NOT NULL
);

CREATE TABLE quarantine (
    id        INTEGER PRIMARY KEY,
    import_id INTEGER REFERENCES imports(id),
    path      TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    record_no INTEGER,
    line_no   INTEGER,
    reason    TEXT NOT NULL,
    raw       BLOB NOT NULL,
    at        TEXT NOT NULL
);
CREATE UNIQUE INDEX quarantine_record ON quarantine(sha256, record_no, line_no, reason);

CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    platform    TEXT NOT NULL,
    recipients  TEXT NOT NULL,
    pack_sha256 TEXT NOT NULL,
    pack_name   TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    items       INTEGER NOT NULL
);

CREATE TABLE referral_items (
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    account_id  INTEGER REFERENCES accounts(id),
    PRIMARY KEY (referral_id, post_id)
) WITHOUT ROWID;
CREATE INDEX referral_items_post ON referral_items(post_id);

CREATE TABLE outcomes (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    outcome    TEXT NOT NULL CHECK (outcome IN ('taken_down', 'still_live')),
    on_date    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX outcomes_account ON outcomes(account_id, on_date);

-- Append-only and hash-chained: hash = sha256(prev_hash || canonical content).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT,
    object_id   TEXT,
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_object ON audit(object_type, object_id);
CREATE INDEX audit_actor ON audit(actor, at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
"""
