"""PostgreSQL migration 13: which signing key speaks for which peer store (SQLite:
migrations/m013_sync_trust.py), with the same partial unique indexes."""

VERSION = 13

SQL = """
ALTER TABLE peers ADD COLUMN signer_key_id text;
ALTER TABLE peers ADD COLUMN signer_public_key text;
ALTER TABLE peers ADD COLUMN trusted_how text
    CHECK (trusted_how IS NULL OR trusted_how IN ('first_use', 'registered'));
ALTER TABLE peers ADD COLUMN trusted_by text;
ALTER TABLE peers ADD COLUMN trusted_at text;
CREATE UNIQUE INDEX peers_signer_key ON peers(signer_key_id) WHERE signer_key_id IS NOT NULL;
CREATE UNIQUE INDEX peers_signer_store ON peers(store_id) WHERE signer_key_id IS NOT NULL;
"""
