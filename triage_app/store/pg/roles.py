"""Who may do what on a team server, enforced by the server itself: the group roles
``triage_analyst``, ``triage_supervisor`` and ``triage_admin``, the GRANTs of every table, and
row-level security (RLS) and triggers where a right depends on the row.

Why the server and not only the program: an analyst can connect with psql and write SQL, so the
rules that matter (an analyst cannot approve, reject, refer, record outcomes, write someone
else's decisions, change the audit trail or read the pack signing key) must hold for any client.
The program still checks roles first (core/workflow.py) so that people get its one-line
messages; the server is the second, unbypassable line.

The rights, by role (supervisors are members of ``triage_analyst`` and so have its rights too):

- everyone: read every table except the pack signing key's secret half; append audit rows in
  their own name only (``actor = session_user``); nobody updates, deletes or truncates the
  audit trail, the decisions or the audit checkpoints (migration triggers, and no GRANT).
- analyst: tag, untag and note (decisions and ``post_tags`` in their own name, kinds ``tag``,
  ``untag``, ``note``, ``dismiss``; a colleague's tag can be removed only while the post is not
  yet reviewed, which records the analyst's own ``untag``), claim posts (their own claims, or
  expired ones), answer the blind reviews given to them, and import and enrich (the workflow's
  ``import`` is an analyst action: new posts, accounts, media, quarantine, the search index and
  the derived tables of enrich and networks, and only the progress marks of ``meta``). A post's
  status moves between ``new``, ``tagged`` and ``dismissed`` only (trigger
  ``triage_review_guard``).
- supervisor: approve and reject (four eyes in SQL: an approval in their own name of a post
  whose offence tags they added is refused unless the store's self-approval switch is on),
  undo reviews, refer (referrals, packs, recipients), outcomes, sync, blind-review sampling,
  settings in ``meta``, and the pack signing key (read and create).
- admin: add people and give them a role (the function ``triage_add_person``, which runs with
  the store owner's right to create roles and is the only way an admin touches roles), the
  ``users`` table and the taxonomy (``tags``). An admin is not an analyst or supervisor unless
  also given that role.
- the owner (who ran ``triage db create``): the schema and its upgrades; the first supervisor
  and admin.

Roles are the server's (cluster-wide): a login that is an analyst in one database of a server
is an analyst in every triage database of that server it may connect to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ...core.errors import PermissionRefused, TriageError, UsageError
from .claims import CLAIM_SPACE

ANALYST = "triage_analyst"
SUPERVISOR = "triage_supervisor"
ADMIN = "triage_admin"
GROUP_ROLES = (ANALYST, SUPERVISOR, ADMIN)
ROLE_OF_GROUP = {ANALYST: "analyst", SUPERVISOR: "supervisor", ADMIN: "admin"}
GROUP_OF_ROLE = {v: k for k, v in ROLE_OF_GROUP.items()}

# Bump when the rights below change: the owner's next open (or `triage db create`) re-applies
# them; the version is kept in the schema-version table under part 'roles'.
ROLES_VERSION = 4
_PART = "roles"
# The same advisory lock as the migrations (store/pg/schema.py): rights are never re-applied
# while another program migrates.
_LOCK = 0x7472_6961_6765

# Statuses an analyst's tagging moves a post between (core/workflow.py: status_after_tags).
ANALYST_STATUSES = ("new", "tagged", "dismissed")
# Decision kinds an analyst records (the rest, approve/reject/undo/conflict, are supervisors').
ANALYST_KINDS = ("tag", "untag", "note", "dismiss")
# meta keys that only record how far derived work went (import, enrich, networks, search).
PROGRESS_KEYS = (
    "fts_bulk",
    "enriched_upto",
    "networks_upto",
    "networks_media_upto",
    "networks_outcomes_upto",
    "networks_referrals_upto",
    "search_fold_version",
)
# meta keys nobody but the owner writes: the store's identity.
IDENTITY_KEYS = (
    "store_id",
    "created",
    "legacy_decisions_upto",
    "legacy_referrals_upto",
    "evidence_key",
)

_WRITE = "INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class Rights:
    """What each group may do to one table beyond reading it (supervisors also have the
    analysts' rights). ``read`` False: nobody reads the whole row (see signing_key)."""

    analyst: str = ""
    supervisor: str = ""
    admin: str = ""
    read: bool = True


# Every table of the schema. A table missing here (a new migration) can only be read until it
# is given its rights here; tests/store/test_pg_roles.py fails until then.
TABLES: dict[str, Rights] = {
    # imports and enrichment (analysts import: core/workflow.py)
    "imports": Rights(analyst="INSERT, UPDATE"),
    "accounts": Rights(analyst="INSERT", supervisor="UPDATE"),
    "posts": Rights(
        analyst="INSERT, UPDATE (status, note, priority, cluster_id, language)",
        supervisor="UPDATE",
    ),
    "post_raw": Rights(analyst="INSERT"),
    "media": Rights(analyst="INSERT, UPDATE"),
    "media_refused": Rights(analyst="INSERT"),
    "quarantine": Rights(analyst="INSERT"),
    "system_notices": Rights(analyst="INSERT"),
    "posts_fts": Rights(analyst=_WRITE),
    "indicators": Rights(analyst=_WRITE),
    "clusters": Rights(analyst=_WRITE),
    "text_signatures": Rights(analyst=_WRITE),
    "lsh_buckets": Rights(analyst=_WRITE),
    "media_text": Rights(analyst=_WRITE),
    "media_video": Rights(analyst=_WRITE),
    "video_frames": Rights(analyst=_WRITE),
    "account_links": Rights(analyst=_WRITE),
    "returning_posts": Rights(analyst=_WRITE),
    "meta": Rights(analyst=_WRITE),  # narrowed by RLS to the keys each role may write
    # the work itself
    "decisions": Rights(analyst="INSERT"),  # RLS: own name, analysts' kinds; four eyes
    "post_tags": Rights(analyst="INSERT, DELETE"),  # RLS
    "claims": Rights(analyst=_WRITE),  # RLS: own claims, or expired ones
    "blind_reviews": Rights(
        analyst="UPDATE (second_tags, reviewed_at, answer_signature)",
        supervisor="INSERT, UPDATE",
    ),
    "audit": Rights(analyst="INSERT", admin="INSERT"),  # RLS: own name; triggers: append-only
    "audit_checkpoints": Rights(analyst="INSERT"),  # RLS: own name; append-only
    # supervisors: referral, outcomes, sync
    "referrals": Rights(supervisor="INSERT, UPDATE"),
    "referral_items": Rights(supervisor="INSERT"),
    "referral_packs": Rights(supervisor="INSERT"),
    "recipients": Rights(supervisor=_WRITE),
    "outcomes": Rights(supervisor="INSERT"),
    "peers": Rights(supervisor="INSERT, UPDATE"),
    "peer_audit": Rights(supervisor="INSERT"),  # append-only (migration triggers)
    "peer_checkpoints": Rights(supervisor="INSERT"),  # append-only
    "decision_origin": Rights(supervisor="INSERT"),
    "sync_imports": Rights(supervisor="INSERT"),
    "sync_seen": Rights(supervisor="INSERT"),
    "sync_self": Rights(supervisor="INSERT"),
    "signing_key": Rights(supervisor="SELECT, INSERT", read=False),
    # admins: people and the taxonomy
    "users": Rights(admin="INSERT, UPDATE"),
    "tags": Rights(admin="INSERT, UPDATE"),
    # the schema's own
    "triage_schema": Rights(),
}
# What everyone may read of the pack signing key: not the secret half.
SIGNING_KEY_PUBLIC = ("id", "place", "key_id", "public_key", "created_at", "rowid")


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


_GROUPS_SQL = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'triage_analyst') THEN
        CREATE ROLE triage_analyst NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'triage_supervisor') THEN
        CREATE ROLE triage_supervisor NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'triage_admin') THEN
        CREATE ROLE triage_admin NOLOGIN;
    END IF;
    -- A supervisor can do whatever an analyst can.
    IF NOT EXISTS (
        SELECT 1 FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles s ON s.oid = m.member
        WHERE g.rolname = 'triage_analyst' AND s.rolname = 'triage_supervisor'
    ) THEN
        GRANT triage_analyst TO triage_supervisor;
    END IF;
END $$;
"""

_FUNCTIONS_SQL = """
-- Whether the login (not a role set with SET ROLE) is in a group: the person is the login.
CREATE OR REPLACE FUNCTION triage_login_is(grp text) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT pg_has_role(session_user, grp, 'MEMBER') $$;

-- Four eyes (store/four_eyes.py): the login may approve the post unless they added one of its
-- offence tags, or the store's self-approval switch is on.
CREATE OR REPLACE FUNCTION triage_four_eyes_ok(post bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value FROM meta WHERE key = 'self_approval'), 'off') = 'on'
        OR NOT EXISTS (
            SELECT 1 FROM post_tags pt JOIN tags t ON t.key = pt.tag
            WHERE pt.post_id = post AND t.kind = 'offence' AND pt.actor = session_user
        )
$$;

-- A claim is alive while it has not expired and a session of its holder holds the claims
-- lock (store/pg/claims.py, whose CLAIM_SPACE and login key these are).
CREATE OR REPLACE FUNCTION triage_claim_alive(holder text, expires double precision)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT expires > extract(epoch FROM clock_timestamp())
       AND (hashtext(holder) & 2147483647) IN (
           SELECT l.objid::bigint FROM pg_locks l
           WHERE l.locktype = 'advisory' AND l.classid = @CLAIM_SPACE@::oid
             AND l.objsubid = 2 AND l.granted
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
$$;

-- Only supervisors move a post into or out of review (approved, rejected, referred, conflict);
-- an analyst's tagging moves it between new, tagged and dismissed.
CREATE OR REPLACE FUNCTION triage_review_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF new.status NOT IN (@STATUSES@) AND NOT triage_login_is('triage_supervisor') THEN
            RAISE EXCEPTION 'permission denied: only a supervisor can add a post as %',
                new.status USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF new.status IS DISTINCT FROM old.status
          AND (old.status NOT IN (@STATUSES@) OR new.status NOT IN (@STATUSES@))
          AND NOT triage_login_is('triage_supervisor') THEN
        RAISE EXCEPTION 'permission denied: only a supervisor can move post % from % to %',
            old.id, old.status, new.status USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN new;
END $$;
DROP TRIGGER IF EXISTS triage_review_guard ON posts;
CREATE TRIGGER triage_review_guard BEFORE INSERT OR UPDATE OF status ON posts
    FOR EACH ROW EXECUTE FUNCTION triage_review_guard();

-- Adding a person: the one door through which an admin touches roles. It runs with the
-- owner's right to create roles, makes only plain logins, never changes an existing login's
-- password or attributes, and takes a SCRAM verifier, never a password, so no password
-- reaches the server's logs.
CREATE OR REPLACE FUNCTION triage_add_person(person text, work text, verifier text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    grp text := 'triage_' || work;
    made boolean := false;
    other text;
BEGIN
    IF NOT pg_has_role(session_user, 'triage_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied: only a member of triage_admin can add people'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF work NOT IN ('analyst', 'supervisor', 'admin') THEN
        RAISE EXCEPTION 'a role is analyst, supervisor or admin, not %', work
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF person IS NULL OR person = '' OR person LIKE 'pg\\_%'
       OR person IN ('triage_analyst', 'triage_supervisor', 'triage_admin', 'public') THEN
        RAISE EXCEPTION '% cannot be a person of the store', quote_ident(person)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF verifier IS NOT NULL AND verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'a password must come as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = person) THEN
        IF verifier IS NULL THEN
            EXECUTE format('CREATE ROLE %I LOGIN', person);
        ELSE
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', person, verifier);
        END IF;
        made := true;
    ELSIF verifier IS NOT NULL THEN
        RAISE EXCEPTION '% already has a login; its password is not changed here', person
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
        JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = grp AND u.rolname = person
    ) THEN
        EXECUTE format('GRANT %I TO %I', grp, person);
    END IF;
    -- One work role at a time: a supervisor made an analyst stops being a supervisor.
    IF work IN ('analyst', 'supervisor') THEN
        other := CASE work WHEN 'analyst' THEN 'triage_supervisor' ELSE 'triage_analyst' END;
        IF EXISTS (
            SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
            JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = other AND u.rolname = person
        ) THEN
            EXECUTE format('REVOKE %I FROM %I', other, person);
        END IF;
    END IF;
    RETURN CASE WHEN made THEN 'created' ELSE 'granted' END;
END $$;
REVOKE ALL ON FUNCTION triage_add_person(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION triage_add_person(text, text, text) TO triage_admin;
""".replace("@STATUSES@", _quoted(ANALYST_STATUSES)).replace("@CLAIM_SPACE@", str(CLAIM_SPACE))


def _policies_sql() -> str:
    analyst_kinds = _quoted(ANALYST_KINDS)
    progress = _quoted(PROGRESS_KEYS)
    identity = _quoted(IDENTITY_KEYS)
    reviewable = _quoted((*ANALYST_STATUSES, "conflict"))
    return f"""
-- Old policies of ours go first, so that re-applying leaves exactly these.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT policyname, tablename FROM pg_policies
             WHERE schemaname = current_schema() AND policyname LIKE 'triage\\_%'
    LOOP
        EXECUTE format('DROP POLICY %I ON %I', r.policyname, r.tablename);
    END LOOP;
END $$;

ALTER TABLE decisions ENABLE ROW LEVEL SECURITY;
CREATE POLICY triage_read ON decisions FOR SELECT USING (true);
CREATE POLICY triage_analyst_own ON decisions FOR INSERT TO triage_analyst
    WITH CHECK (actor = session_user AND kind IN ({analyst_kinds}));
-- Supervisors record every kind; sync replays colleagues' signed decisions in their names.
CREATE POLICY triage_supervisor_any ON decisions FOR INSERT TO triage_supervisor
    WITH CHECK (kind <> 'approve' OR actor <> session_user OR triage_four_eyes_ok(post_id));

ALTER TABLE post_tags ENABLE ROW LEVEL SECURITY;
CREATE POLICY triage_read ON post_tags FOR SELECT USING (true);
CREATE POLICY triage_analyst_add ON post_tags FOR INSERT TO triage_analyst
    WITH CHECK (actor = session_user);
CREATE POLICY triage_analyst_remove ON post_tags FOR DELETE TO triage_analyst
    USING (EXISTS (SELECT 1 FROM posts p WHERE p.id = post_id AND p.status IN ({reviewable})));
CREATE POLICY triage_supervisor_any ON post_tags FOR ALL TO triage_supervisor
    USING (true) WITH CHECK (true);

ALTER TABLE claims ENABLE ROW LEVEL SECURITY;
CREATE POLICY triage_read ON claims FOR SELECT USING (true);
-- Taking over a claim: one's own, or one that is no longer alive (store/pg/claims.py).
CREATE POLICY triage_own ON claims FOR ALL TO triage_analyst
    USING ("user" = session_user OR NOT triage_claim_alive("user", expires_at))
    WITH CHECK ("user" = session_user);

ALTER TABLE blind_reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY triage_read ON blind_reviews FOR SELECT USING (true);
CREATE POLICY triage_reviewer ON blind_reviews FOR UPDATE TO triage_analyst
    USING (reviewer = session_user) WITH CHECK (reviewer = session_user);
CREATE POLICY triage_supervisor_any ON blind_reviews FOR ALL TO triage_supervisor
    USING (true) WITH CHECK (true);

ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY triage_read ON audit FOR SELECT USING (true);
CREATE POLICY triage_own_name ON audit FOR INSERT TO triage_analyst, triage_admin
    WITH CHECK (actor = session_user);

ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY triage_read ON audit_checkpoints FOR SELECT USING (true);
CREATE POLICY triage_own_name ON audit_checkpoints FOR INSERT TO triage_analyst
    WITH CHECK ("by" = session_user);

ALTER TABLE meta ENABLE ROW LEVEL SECURITY;
CREATE POLICY triage_read ON meta FOR SELECT USING (true);
CREATE POLICY triage_analyst_progress ON meta FOR ALL TO triage_analyst
    USING (key IN ({progress})) WITH CHECK (key IN ({progress}));
CREATE POLICY triage_supervisor_settings ON meta FOR ALL TO triage_supervisor
    USING (key NOT IN ({identity})) WITH CHECK (key NOT IN ({identity}));
"""


def _grants_sql(raw: psycopg.Connection) -> str:
    """GRANTs for the tables and sequences present now, from a clean slate."""
    schema = str(raw.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
    present = {
        str(r[0]): str(r[1])
        for r in raw.execute(
            "SELECT c.relname, c.relkind FROM pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r','v','p')"
        )
    }
    groups = ", ".join(GROUP_ROLES)
    ident = sql.Identifier
    lines = [
        # Nobody but the owner makes objects in the store's schema (PostgreSQL 15's default;
        # said again for a schema made otherwise).
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC, " + groups).format(ident(schema)),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO " + groups).format(ident(schema)),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM PUBLIC, " + groups).format(
            ident(schema)
        ),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM PUBLIC, " + groups).format(
            ident(schema)
        ),
        # Identity columns: inserting rows takes the next number.
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO " + groups).format(
            ident(schema)
        ),
    ]
    for table in sorted(present):
        rights = TABLES.get(table, Rights())
        name = ident(table)
        if rights.read:
            lines.append(sql.SQL("GRANT SELECT ON {} TO " + groups).format(name))
        else:
            columns = sql.SQL(", ").join(ident(c) for c in SIGNING_KEY_PUBLIC)
            lines.append(sql.SQL("GRANT SELECT ({}) ON {} TO " + groups).format(columns, name))
        for group, privileges in (
            (ANALYST, rights.analyst),
            (SUPERVISOR, rights.supervisor),
            (ADMIN, rights.admin),
        ):
            if privileges and present[table] != "v":
                lines.append(
                    sql.SQL("GRANT " + privileges + " ON {} TO {}").format(name, ident(group))
                )
    return ";\n".join(line.as_string(raw) for line in lines) + ";\n"


# -- applying ---------------------------------------------------------------------------------


def roles_version(raw: psycopg.Connection) -> int:
    if raw.execute("SELECT to_regclass('triage_schema')").fetchone() == (None,):
        return 0
    row = raw.execute("SELECT version FROM triage_schema WHERE part = %s", (_PART,)).fetchone()
    return int(row[0]) if row else 0


def may_apply(raw: psycopg.Connection) -> bool:
    """Whether this login may set the rights: the owner of the tables (or a superuser)."""
    row = raw.execute(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
        "WHERE c.oid = to_regclass('posts')"
    ).fetchone()
    return bool(row and row[0])


def ensure_roles(conn: Any) -> bool:
    """Apply the rights when the schema's are older than this program's and this login owns
    the schema; True when they were applied now. Other logins leave them as the owner set
    them (the server keeps enforcing those)."""
    raw = conn.raw
    if roles_version(raw) >= ROLES_VERSION or not may_apply(raw):
        return False
    raw.execute("BEGIN")
    try:
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        if roles_version(raw) >= ROLES_VERSION:
            raw.execute("ROLLBACK")
            return False
        apply_roles(raw)
    except BaseException:
        if not raw.closed:
            raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")
    return True


def apply_roles(raw: psycopg.Connection) -> None:
    """The group roles, GRANTs, policies and triggers, in the caller's transaction. Safe to
    repeat: each run first takes back what an earlier one gave."""
    try:
        raw.execute(_GROUPS_SQL)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise TriageError(
            "Creating the roles triage_analyst, triage_supervisor and triage_admin needs a "
            "login with CREATEROLE (or a superuser); ask the server's administrator to create "
            f"them or give you CREATEROLE ({_first_line(exc)})"
        ) from exc
    raw.execute(_FUNCTIONS_SQL)
    raw.execute(_policies_sql())
    raw.execute(_grants_sql(raw))
    _owner_is_supervisor_and_admin(raw)
    raw.execute(
        "INSERT INTO triage_schema(part, version) VALUES (%s, %s) "
        "ON CONFLICT (part) DO UPDATE SET version = EXCLUDED.version",
        (_PART, ROLES_VERSION),
    )


def _owner_is_supervisor_and_admin(raw: psycopg.Connection) -> None:
    """The login that makes the store is its first supervisor (as on SQLite) and its first
    admin. A superuser is every role already and gets no grant."""
    row = raw.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    me, superuser = row.fetchone() or ("", False)
    if superuser:
        return
    have = groups_of(raw, str(me))
    for group in (SUPERVISOR, ADMIN):
        if group not in have:
            raw.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(group)))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


# -- people -----------------------------------------------------------------------------------

_GROUPS_OF = """
WITH RECURSIVE up(oid) AS (
    SELECT oid FROM pg_roles WHERE rolname = %s
    UNION
    SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid
)
SELECT r.rolname FROM pg_roles r JOIN up ON r.oid = up.oid WHERE r.rolname = ANY(%s)
"""


# A login's superuser flag and the triage groups it was granted (as _GROUPS_OF), in one query;
# {groups} and {login} are SQL: parameters, or literals where the query must have none.
_ROLE_AND_GROUPS_OF = """
SELECT r.rolsuper, ARRAY(
    WITH RECURSIVE up(oid) AS (
        SELECT r.oid
        UNION
        SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid
    )
    SELECT g.rolname::text FROM pg_roles g JOIN up ON g.oid = up.oid
    WHERE g.rolname = ANY({groups})
)
FROM pg_roles r WHERE r.rolname = {login}
"""
_ROLE_AND_GROUPS = _ROLE_AND_GROUPS_OF.format(groups="%s", login="%s")
# The same for the session's own login, without parameters: it can ride in the round trip of
# another simple query (the writer lock's BEGIN: PgStore.decision_transaction).
SESSION_ROLE_AND_GROUPS = _ROLE_AND_GROUPS_OF.format(
    groups="ARRAY[" + ", ".join(f"'{g}'" for g in GROUP_ROLES) + "]", login="session_user"
).strip()


def groups_of(raw: psycopg.Connection, login: str) -> set[str]:
    """The triage groups ``login`` was granted (directly or through another role); a
    superuser's implicit membership of everything does not count."""
    return {str(r[0]) for r in raw.execute(_GROUPS_OF, (login, list(GROUP_ROLES)))}


def work_role(store: Any, login: str) -> str | None:
    """The role the program believes for ``login``: the server's grant (supervisor before
    analyst); a login without a triage role has none, whatever the users table says. Two
    exceptions take the users table's record: a name that is no login of the server (people
    of a synced or copied store) and a superuser (whom no GRANT or policy holds anyway: a
    database administrator trying the program, the tests of the shared code)."""
    raw = store.conn.raw
    # One round trip: superuser or not, and the groups.
    row = raw.execute(_ROLE_AND_GROUPS, (list(GROUP_ROLES), login)).fetchone()
    return role_from_grants(store, login, row)


def role_from_grants(store: Any, login: str, row: Any) -> str | None:
    """:func:`work_role` from its query's row (superuser flag, groups), None for no login."""
    raw = store.conn.raw
    if row is None or row[0]:
        found = raw.execute("SELECT role FROM users WHERE name = %s", (login,)).fetchone()
        return None if found is None else str(found[0])
    groups = {str(g) for g in row[1]}
    if SUPERVISOR in groups:
        return "supervisor"
    if ANALYST in groups:
        return "analyst"
    return None


def login_exists(store: Any, login: str) -> bool:
    row = store.conn.raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
    return row is not None


def is_admin(store: Any, login: str) -> bool:
    return ADMIN in groups_of(store.conn.raw, login)


def team(store: Any) -> dict[str, list[str]]:
    """Every login granted a triage group (directly or not) -> its roles, e.g. ['supervisor',
    'admin'] (a supervisor's inherited analyst role is not repeated)."""
    rows = store.conn.raw.execute(
        """
        WITH RECURSIVE down(oid, grp) AS (
            SELECT oid, rolname FROM pg_roles WHERE rolname = ANY(%s)
            UNION
            SELECT m.member, down.grp FROM pg_auth_members m JOIN down ON m.roleid = down.oid
        )
        SELECT r.rolname, down.grp FROM down JOIN pg_roles r ON r.oid = down.oid
        WHERE r.rolcanlogin ORDER BY r.rolname
        """,
        (list(GROUP_ROLES),),
    ).fetchall()
    out: dict[str, set[str]] = {}
    for name, group in rows:
        out.setdefault(str(name), set()).add(ROLE_OF_GROUP[str(group)])
    ordered = ("supervisor", "analyst", "admin")
    result: dict[str, list[str]] = {}
    for name, found in out.items():
        if "supervisor" in found:
            found.discard("analyst")
        result[name] = [r for r in ordered if r in found]
    return result


MAX_NAME_BYTES = 63  # longer identifiers are cut short by the server without a word


def check_login_name(name: str) -> None:
    if not name.strip() or name != name.strip():
        raise UsageError("A login name cannot be empty or start or end with spaces")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UsageError(f"A login name has at most {MAX_NAME_BYTES} bytes")
    if "\x00" in name:
        raise UsageError("A login name cannot hold a NUL character")


def grant_person(store: Any, name: str, role: str, password: str | None) -> str:
    """Create the login ``name`` (with ``password``, sent as a SCRAM verifier) or take the
    existing one, and give it ``role``'s group, in the caller's transaction; 'created' or
    'granted'. The server refuses unless the person running it is an admin."""
    check_login_name(name)
    if role not in GROUP_OF_ROLE:
        raise UsageError("A role on a team server is analyst, supervisor or admin")
    raw = store.conn.raw
    verifier = None
    if password is not None:
        verifier = raw.pgconn.encrypt_password(
            password.encode("utf-8"), name.encode("utf-8"), b"scram-sha-256"
        ).decode("ascii")
    try:
        row = raw.execute("SELECT triage_add_person(%s, %s, %s)", (name, role, verifier)).fetchone()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PermissionRefused(
            f"Only a triage admin can add people on this server; {store.user} is not one "
            f"(the server said: {_first_line(exc)})"
        ) from exc
    except psycopg.errors.InvalidParameterValue as exc:
        raise UsageError(_first_line(exc).removeprefix("ERROR:").strip()) from exc
    except psycopg.errors.UndefinedFunction as exc:
        raise TriageError(
            "This server store has no roles yet; its owner sets them up by opening it once "
            "with this version of the program"
        ) from exc
    return str(row[0]) if row else "granted"  # type: ignore[index]
