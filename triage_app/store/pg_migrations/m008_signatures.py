"""PostgreSQL migration 8: personal signatures (SQLite: migrations/m008_signatures.py); the
legacy high-water marks go into meta the same way."""

VERSION = 8

SQL = """
ALTER TABLE users ADD COLUMN public_key text;
ALTER TABLE users ADD COLUMN key_signed_by text;
ALTER TABLE users ADD COLUMN key_signed_at text;
ALTER TABLE users ADD COLUMN key_signature text;
ALTER TABLE decisions ADD COLUMN signature text;
ALTER TABLE referrals ADD COLUMN signature text;
INSERT INTO meta(key, value)
    SELECT 'legacy_decisions_upto', CAST(COALESCE(MAX(id), 0) AS text) FROM decisions
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
INSERT INTO meta(key, value)
    SELECT 'legacy_referrals_upto', CAST(COALESCE(MAX(id), 0) AS text) FROM referrals
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
"""
