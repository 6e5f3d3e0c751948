"""Users of a store and their roles; supervisors add users.

On a team server (PostgreSQL) a person is a server login and their role is the server's grant
(store/pg/roles.py): adding someone creates the login or grants the group role, which only an
admin may do, and the ``users`` table keeps the same record as on SQLite (name, role, who added
them, their registered key)."""

from __future__ import annotations

from typing import Any

from ..core.errors import TriageError, UsageError
from ..core.timeutil import utc_now_iso
from ..core.workflow import ROLES, require_role
from .audit import append_audit
from .connection import Store
from .personal_keys import (
    PersonalKey,
    canonical_public_key,
    personal_key_for,
    registered_public_key,
    write_registration,
)


def add_user(
    store: Store,
    name: str,
    role: str,
    public_key: str | None = None,
    *,
    password: str | None = None,
) -> str | None:
    """Add a user, change their role and/or register their personal public key (supervisor
    only). The registration (name, role, key) is signed with the supervisor's own key, so a key
    or role written into the table by hand does not verify.

    On a team server: the login is created (``password`` stored as a SCRAM verifier) or given
    the role, by an admin only; returns 'created' or 'granted' there, None on SQLite."""
    if store.backend == "postgresql":
        return _add_on_server(store, name, role, public_key, password)
    if password is not None:
        raise UsageError("A password belongs to a login on a team server; a local store has none")
    if role not in ROLES:
        raise UsageError(f"Role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise UsageError("A user needs a name")
    key_text = canonical_public_key(public_key) if public_key is not None else None
    require_role(store.user, store.role_of(), "add_user")
    with store.transaction() as conn:
        before = conn.execute(
            "SELECT role, public_key FROM users WHERE name = ?", (name,)
        ).fetchone()
        if before and before[0] == role and (key_text is None or key_text == before[1]):
            raise TriageError(f"{name} is already a {role}")
        _record_person(store, conn, name, role, key_text, before, {})
    return None


def _record_person(
    store: Store,
    conn: Any,
    name: str,
    role: str,
    key_text: str | None,
    before: tuple[str, str | None] | None,
    audit_extra: dict[str, Any],
) -> None:
    """The person's row, its audit line and their (re-)signed key registration, in the
    caller's transaction: the same on a laptop and on a server. The last supervisor is never
    made something else: nobody could then approve, refer or register keys."""
    if before is not None and before[0] == "supervisor" and role != "supervisor":
        others = conn.execute(
            "SELECT count(*) FROM users WHERE role = 'supervisor' AND name <> ?", (name,)
        ).fetchone()[0]
        if not others:
            raise TriageError(
                f"{name} is this store's only supervisor; add another supervisor before "
                f"making {name} {'an' if role[0] in 'aeiou' else 'a'} {role}"
            )
    if key_text is not None:
        holder = conn.execute(
            "SELECT name FROM users WHERE public_key = ? AND name <> ?", (key_text, name)
        ).fetchone()
        if holder is not None:
            raise TriageError(f"That key is already registered for {holder[0]}")
    conn.execute(
        "INSERT INTO users(name, role, added_by, added_at) VALUES (?,?,?,?) "
        "ON CONFLICT(name) DO UPDATE SET role = excluded.role",
        (name, role, store.user, utc_now_iso()),
    )
    if before is None or before[0] != role:
        append_audit(
            conn,
            store.user,
            "user_add" if before is None else "user_role",
            "user",
            name,
            {"role": role, "previous": before[0] if before else None, **audit_extra},
        )
    key_now = key_text or (before[1] if before else None)
    if key_now is not None:
        # (Re-)sign the registration: a role change is vouched for like a new key.
        write_registration(store, conn, name, role, key_now, _registrar(store))


def _add_on_server(
    store: Store, name: str, role: str, public_key: str | None, password: str | None
) -> str:
    """The login and its group role on the server, and the person's row, in one transaction:
    if any part is refused, nothing changes."""
    from .pg.roles import grant_person, login_exists, team

    if role not in (*ROLES, "admin"):
        raise UsageError(f"Role must be one of {', '.join(ROLES)}, admin")
    key_text = canonical_public_key(public_key) if public_key is not None else None
    if key_text is not None and role == "admin":
        raise UsageError("A personal key is registered with a work role (analyst or supervisor)")
    with store.transaction() as conn:
        before = conn.execute(
            "SELECT role, public_key FROM users WHERE name = ?", (name,)
        ).fetchone()
        if not login_exists(store, name):
            same = False  # a person of the table (a synced colleague) gets a login
        elif role == "admin":
            same = "admin" in team(store).get(name, [])
        else:
            same = (
                store.role_of(name) == role
                and before is not None
                and before[0] == role
                and key_text in (None, before[1])
            )
        if same and password is None:
            raise TriageError(f"{name} is already {'an' if role == 'admin' else 'a'} {role}")
        outcome = grant_person(store, name, role, password)
        if role == "admin":
            append_audit(conn, store.user, "user_admin", "user", name, {"login": outcome})
            return outcome
        _record_person(store, conn, name, role, key_text, before, {"login": outcome})
    return outcome


def _registrar(store: Store) -> PersonalKey:
    """The supervisor's own key, which must be the one registered for them here."""
    signer = personal_key_for(store)
    own = registered_public_key(store.conn, store.user)
    if own is None:
        raise TriageError(
            f"No personal key is registered for {store.user} in this store, so you cannot "
            "register other people's keys; a supervisor registers yours with 'triage users add "
            f"{store.user} --role supervisor --key FILE'"
        )
    if own != signer.public_text():
        raise TriageError(
            f"Your personal key is not the one registered for {store.user} in this store, so "
            "you cannot register other people's keys"
        )
    return signer


def list_users(store: Store) -> list[tuple[str, str]]:
    return [(name, role) for name, role, _key in list_users_with_keys(store)]


def list_users_with_keys(store: Store) -> list[tuple[str, str, str | None]]:
    """(name, role, registered public key or None), by name. On a team server the role is the
    server's grant, and logins granted a work role outside the program are listed too."""
    rows = [
        (str(r[0]), str(r[1]), r[2])
        for r in store.execute("SELECT name, role, public_key FROM users ORDER BY name")
    ]
    if store.backend != "postgresql":
        return rows
    keys = {name: key for name, _role, key in rows}
    names = sorted(set(keys) | set(server_roles(store)))
    out: list[tuple[str, str, str | None]] = []
    for name in names:
        role = store.role_of(name)
        if role is not None:
            out.append((name, role, keys.get(name)))
    return out


def server_roles(store: Store) -> dict[str, list[str]]:
    """Login -> its triage roles on the server (e.g. ['supervisor', 'admin']); empty for a
    local store."""
    if store.backend != "postgresql":
        return {}
    from .pg.roles import team

    return team(store)
