"""Migration 12: signed checkpoints of the audit chain.

A checkpoint says "the chain had ``rows`` rows and its newest row's hash was ``head``", signed
with the personal key of the person who made it. Checkpoints are made at every approval batch,
pack build and sync export (and by hand), and travel outside the store too (in every referral
pack and sync pack, and as the person's latest copy in their own profile folder), so that a
chain cut back or rewritten after a checkpoint is found by ``triage audit verify``. The rows here
are append-only like the audit rows themselves."""

VERSION = 12

SQL = """
CREATE TABLE audit_checkpoints (
    id          INTEGER PRIMARY KEY,
    rows        INTEGER NOT NULL CHECK (rows >= 0),
    head        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by          TEXT NOT NULL,
    reason      TEXT NOT NULL
                CHECK (reason IN ('approval batch', 'pack build', 'sync export', 'manual')),
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_rows ON audit_checkpoints(rows);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
"""
