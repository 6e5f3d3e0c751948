"""Migration 18: the audit checkpoints of peer stores, kept from their sync packs; personal
signatures on outcomes and blind reviews.

Every sync pack's manifest carries a checkpoint of its sender's audit chain (rows and head hash,
signed by the person who exported it). The receiver keeps it here, with how many of that
store's rows up to the checkpoint it held once the pack was merged, so that `audit verify`
checks the peer rows in ``peer_audit`` against it: rows cut back or rewritten later are found.
Append-only, like the store's own checkpoints.

``outcomes.signature`` is the recording supervisor's signature over the outcome
(personal_keys.outcome_message); ``blind_reviews.sample_signature`` the sampling supervisor's
over the sample row and ``answer_signature`` the second reviewer's over their answer. Rows
written before this migration have none: ``meta`` remembers the highest outcome and blind review
id of that time and which blind reviews were answered, and `audit verify` counts those as legacy
unsigned rows, never as forged; any other row without a valid signature is a failure."""

VERSION = 18

SQL = """
CREATE TABLE peer_checkpoints (
    id          INTEGER PRIMARY KEY,
    store_id    TEXT NOT NULL,
    rows        INTEGER NOT NULL CHECK (rows >= 0),
    head        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by          TEXT NOT NULL,
    reason      TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL,
    pack_id     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    held_rows   INTEGER NOT NULL CHECK (held_rows >= 0),
    UNIQUE (store_id, rows, head, signature)
);
CREATE INDEX peer_checkpoints_store ON peer_checkpoints(store_id, rows);
CREATE TRIGGER peer_checkpoints_no_update BEFORE UPDATE ON peer_checkpoints BEGIN
    SELECT RAISE(ABORT, 'peer checkpoints are append-only');
END;
CREATE TRIGGER peer_checkpoints_no_delete BEFORE DELETE ON peer_checkpoints BEGIN
    SELECT RAISE(ABORT, 'peer checkpoints are append-only');
END;
ALTER TABLE outcomes ADD COLUMN signature TEXT;
ALTER TABLE blind_reviews ADD COLUMN sample_signature TEXT;
ALTER TABLE blind_reviews ADD COLUMN answer_signature TEXT;
INSERT OR REPLACE INTO meta(key, value)
    SELECT 'legacy_outcomes_upto', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM outcomes;
INSERT OR REPLACE INTO meta(key, value)
    SELECT 'legacy_blind_upto', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM blind_reviews;
INSERT OR REPLACE INTO meta(key, value)
    SELECT 'legacy_blind_answered', json_group_array(id) FROM blind_reviews
    WHERE second_tags IS NOT NULL;
"""
