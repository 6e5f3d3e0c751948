"""Users of a store and their roles; supervisors add users."""

from __future__ import annotations

from ..core.errors import TriageError, UsageError
from ..core.timeutil import utc_now_iso
from ..core.workflow import ROLES, require_role
from .audit import append_audit
from .connection import Store


def add_user(store: Store, name: str, role: str) -> None:
    """Add a user or change their role (supervisor only)."""
    if role not in ROLES:
        raise UsageError(f"Role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise UsageError("A user needs a name")
    require_role(store.user, store.role_of(), "add_user")
    with store.transaction() as conn:
        before = conn.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
        if before and before[0] == role:
            raise TriageError(f"{name} is already a {role}")
        conn.execute(
            "INSERT INTO users(name, role, added_by, added_at) VALUES (?,?,?,?) "
            "ON CONFLICT(name) DO UPDATE SET role = excluded.role",
            (name, role, store.user, utc_now_iso()),
        )
        append_audit(
            conn,
            store.user,
            "user_add" if before is None else "user_role",
            "user",
            name,
            {"role": role, "previous": before[0] if before else None},
        )


def list_users(store: Store) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in store.execute("SELECT name, role FROM users ORDER BY name")]
