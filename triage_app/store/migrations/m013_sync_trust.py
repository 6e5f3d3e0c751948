"""Migration 13: which signing key speaks for which peer store.

A sync pack's manifest names the store it comes from; the pack is only believed when the
minisign key that verified it is that store's key. ``peers`` gains the peer's signing key (key
id and public key, minisign base64), how it came to be trusted ('first_use': the first pack
from that store, recorded in the audit; 'registered': a supervisor registered it with
``triage sync peers add``), who trusted it and when. One key speaks for one store and one store
has one key; a pack that breaks either is refused whole."""

VERSION = 13

SQL = """
ALTER TABLE peers ADD COLUMN signer_key_id TEXT;
ALTER TABLE peers ADD COLUMN signer_public_key TEXT;
ALTER TABLE peers ADD COLUMN trusted_how TEXT
    CHECK (trusted_how IS NULL OR trusted_how IN ('first_use', 'registered'));
ALTER TABLE peers ADD COLUMN trusted_by TEXT;
ALTER TABLE peers ADD COLUMN trusted_at TEXT;
CREATE UNIQUE INDEX peers_signer_key ON peers(signer_key_id) WHERE signer_key_id IS NOT NULL;
CREATE UNIQUE INDEX peers_signer_store ON peers(store_id) WHERE signer_key_id IS NOT NULL;
"""
