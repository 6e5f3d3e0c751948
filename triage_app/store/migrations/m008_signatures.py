"""Migration 8: personal signatures.

``users.public_key`` is the person's registered Ed25519 public key ("ed25519:<base64>");
``key_signed_by`` / ``key_signed_at`` / ``key_signature`` record which supervisor registered
that key (and the person's role) and their signature over the registration, so a key written
into the table by hand is noticed. ``decisions.signature`` and ``referrals.signature`` hold the
author's signature over the row's canonical content (see store/personal_keys.py). Rows written
before this migration have no signature; ``meta`` remembers the highest decision and referral
id of that time, and ``audit verify`` reports those rows as unsigned legacy rows (counted, not
failures), never as forged. Any other row without a valid signature is a failure."""

VERSION = 8

SQL = """
ALTER TABLE users ADD COLUMN public_key TEXT;
ALTER TABLE users ADD COLUMN key_signed_by TEXT;
ALTER TABLE users ADD COLUMN key_signed_at TEXT;
ALTER TABLE users ADD COLUMN key_signature TEXT;
ALTER TABLE decisions ADD COLUMN signature TEXT;
ALTER TABLE referrals ADD COLUMN signature TEXT;
INSERT OR REPLACE INTO meta(key, value)
    SELECT 'legacy_decisions_upto', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM decisions;
INSERT OR REPLACE INTO meta(key, value)
    SELECT 'legacy_referrals_upto', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM referrals;
"""
