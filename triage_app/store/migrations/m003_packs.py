"""Migration 3: referral packs — the address book of platform liaisons' age public keys, and
the pack details a referral needs beyond the core `referrals` table."""

VERSION = 3

SQL = """
CREATE TABLE recipients (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL UNIQUE,
    platform   TEXT,
    public_key TEXT NOT NULL UNIQUE,
    added_by   TEXT NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX recipients_platform ON recipients(platform);

-- One row per referral pack: what a liaison needs to match a pack to our records.
CREATE TABLE referral_packs (
    referral_id    INTEGER PRIMARY KEY REFERENCES referrals(id),
    pack_id        TEXT NOT NULL UNIQUE,
    protection     TEXT NOT NULL CHECK (protection IN ('recipients', 'passphrase')),
    signature_name TEXT NOT NULL,
    signer_key_id  TEXT NOT NULL,
    size           INTEGER NOT NULL,
    accounts       INTEGER NOT NULL,
    audit_head     TEXT NOT NULL
);
CREATE INDEX referrals_platform ON referrals(platform, created_at);
"""
