"""Server-only step 1 (PostgreSQL only, no SQLite counterpart): every window on the server
hears of other people's work as it is committed.

A trigger on ``decisions`` (tags, notes, approvals, rejections, undo) and on ``claims`` sends
``NOTIFY triage_changes`` with ``"<table> <post id>"``. PostgreSQL delivers a notification only
when (and if) its transaction commits, so a window never refreshes for work that was rolled
back, and identical payloads of one transaction arrive once. store/pg/notify.py listens;
ui/live_updates.py refreshes the rows named."""

VERSION = 1

SQL = """
CREATE OR REPLACE FUNCTION triage_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('triage_changes', TG_TABLE_NAME || ' ' || OLD.post_id);
    ELSE
        PERFORM pg_notify('triage_changes', TG_TABLE_NAME || ' ' || NEW.post_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER decisions_notify AFTER INSERT ON decisions
    FOR EACH ROW EXECUTE FUNCTION triage_notify_change();
CREATE OR REPLACE TRIGGER claims_notify AFTER INSERT OR UPDATE OR DELETE ON claims
    FOR EACH ROW EXECUTE FUNCTION triage_notify_change();
"""
