"""Migration 22: an index on ``decisions.undoes``.

"Is this decision undone?" is asked as ``NOT EXISTS (SELECT 1 FROM decisions u WHERE u.kind =
'undo' AND u.undoes = d.uuid)`` for every approval a pack, the four-eyes check and the
supervisor's queue look at. Without an index each question read the whole decisions table, so
a 10,000-post pack (10,000 approvals among 20,000 decisions) took 45 s instead of a few."""

VERSION = 22

SQL = """
CREATE INDEX decisions_undoes ON decisions(undoes);
"""
