"""Post statuses, roles and the rules that move a post from one status to the next."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import PermissionRefused
from .taxonomy import NOT_RELEVANT, Tag

STATUSES = ("new", "tagged", "dismissed", "approved", "rejected", "referred", "conflict")
ROLES = ("analyst", "supervisor")
OUTCOMES = ("taken_down", "still_live")

# What each role may do; supervisors can do everything analysts can.
_ANALYST_ACTIONS = {"tag", "untag", "note", "dismiss", "claim", "import", "undo"}
_SUPERVISOR_ONLY = {"approve", "reject", "retag", "add_user", "build_pack", "outcome", "sync"}


def role_allows(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action``."""
    if role == "supervisor":
        return action in _ANALYST_ACTIONS | _SUPERVISOR_ONLY
    if role == "analyst":
        return action in _ANALYST_ACTIONS
    return False


def require_role(user: str, role: str | None, action: str) -> None:
    """Raise PermissionRefused naming the role needed when ``role`` may not do ``action``."""
    if role is None:
        raise PermissionRefused(
            f"User {user!r} is not a user of this store; a supervisor can add them "
            f"with 'triage users add {user} --role analyst'"
        )
    if not role_allows(role, action):
        needed = "supervisor" if action in _SUPERVISOR_ONLY else "analyst"
        raise PermissionRefused(f"'{action}' needs the {needed} role; {user!r} is {role}")


def status_after_tags(current: str, tag_keys: Iterable[str], taxonomy: dict[str, Tag]) -> str:
    """The status a post takes from its current tags, for posts still in the analyst stage.

    An offence tag makes it `tagged`; only "not relevant" makes it `dismissed`; nothing (or only
    other dispositions) returns it to `new`. Reviewed or referred posts keep their status except
    when a supervisor re-tags (handled by the caller)."""
    if current not in ("new", "tagged", "dismissed"):
        return current
    keys = set(tag_keys)
    if any(taxonomy[k].kind == "offence" for k in keys if k in taxonomy):
        return "tagged"
    if NOT_RELEVANT in keys:
        return "dismissed"
    return "new"
