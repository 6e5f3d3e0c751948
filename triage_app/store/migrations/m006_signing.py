"""Migration 6: where this store's pack signing key lives.

The minisign key is kept in the OS keyring when one works. On a locked-down workstation with
no keyring, an *encrypted* store keeps the secret key inside itself (protected by SQLCipher, like
the sync identity in ``sync_self``). Either way the public key is recorded here, so that a key
made in one place keeps being found there and the store never silently gets a new identity."""

VERSION = 6

SQL = """
CREATE TABLE signing_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    place       TEXT NOT NULL CHECK (place IN ('keyring', 'store')),
    key_id      TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    -- minisign secret key (base64), only when place = 'store'; never in a plain store
    secret_key  TEXT,
    created_at  TEXT NOT NULL,
    CHECK ((place = 'store') = (secret_key IS NOT NULL))
);
"""
