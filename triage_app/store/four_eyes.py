"""Four eyes: an approval comes from a supervisor who did not tag the post.

A post's *taggers* are the people who added its current offence tags (``post_tags.actor``, which
sync replays from the original decisions, so a colleague's tag keeps its author). A supervisor
who is one of them may not approve it, unless the store's self-approval switch is on: a
one-person team's choice, made by a supervisor and kept in the audit trail. A post approved by
one of its own taggers is *self-approved*, and says so wherever it is shown or exported (the
supervisor view, ``triage show``, the referral pack's custody.jsonl and referral.html).

Bulk approvals are all or nothing: when any selected post fails four eyes, the whole batch is
refused with the count, so a supervisor never has half a selection approved without noticing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import PermissionRefused
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role
from .audit import append_audit
from .connection import Store

SETTING = "self_approval"
SWITCH_ON_HINT = (
    "a one-person team can switch self-approval on with 'triage settings self-approval on'"
)
_CHUNK = 500


def self_approval_enabled(store_or_conn: Store | Any) -> bool:
    """Whether this store lets a supervisor approve posts they tagged themselves."""
    row = store_or_conn.execute("SELECT value FROM meta WHERE key = ?", (SETTING,)).fetchone()
    return bool(row) and str(row[0]) == "on"


def set_self_approval(store: Store, enabled: bool) -> bool:
    """Switch self-approval on or off (supervisors only, one audit row); returns whether it
    changed."""
    require_role(store.user, store.role_of(), "approve")
    value = "on" if enabled else "off"
    with store.transaction() as conn:
        before = self_approval_enabled(conn)
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (SETTING, value),
        )
        append_audit(
            conn,
            store.user,
            "self_approval",
            "store",
            store.store_id,
            {"enabled": enabled, "was": before},
            at=utc_now_iso(),
        )
    return before != enabled


def taggers(conn: Any, post_ids: Sequence[int]) -> dict[int, list[str]]:
    """The people who added each post's current offence tags (posts without any are absent)."""
    out: dict[int, set[str]] = {}
    ids = list(post_ids)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for post_id, actor in conn.execute(
            "SELECT pt.post_id, pt.actor FROM post_tags pt JOIN tags t ON t.key = pt.tag "
            f"WHERE t.kind = 'offence' AND pt.post_id IN ({marks})",
            chunk,
        ):
            out.setdefault(int(post_id), set()).add(str(actor))
    return {p: sorted(names) for p, names in out.items()}


@dataclass(frozen=True)
class FourEyesCheck:
    """Which of the posts to approve the approver tagged (post id -> its taggers)."""

    approver: str
    own: dict[int, list[str]]
    self_approval_on: bool

    @property
    def allowed(self) -> bool:
        return not self.own or self.self_approval_on


def check_approval(conn: Any, approver: str, post_ids: Sequence[int]) -> FourEyesCheck:
    own = {p: names for p, names in taggers(conn, post_ids).items() if approver in names}
    return FourEyesCheck(approver, own, self_approval_enabled(conn))


def refusal(check: FourEyesCheck, total: int) -> PermissionRefused:
    """One line: who tagged what, and how to switch self-approval on."""
    first = min(check.own)
    names = ", ".join(f"{n} (you)" if n == check.approver else n for n in check.own[first])
    if total == 1:
        return PermissionRefused(
            f"Four eyes: post {first} was tagged by {names}, so another supervisor must "
            f"approve it; {SWITCH_ON_HINT}"
        )
    others = [n for n in check.own[first] if n != check.approver]
    also = f", also tagged by {', '.join(others)}" if others else ""
    return PermissionRefused(
        f"Four eyes: you ({check.approver}) tagged {len(check.own)} of the {total} selected "
        f"posts (first: post {first}{also}); nothing was approved. Another supervisor must "
        f"approve those, or {SWITCH_ON_HINT}"
    )


def _latest_approvers(conn: Any, post_ids: Sequence[int]) -> dict[int, str]:
    """The author of each post's standing approval (the newest approve not undone)."""
    out: dict[int, str] = {}
    ids = list(post_ids)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT d.post_id, d.actor FROM decisions d "
            f"WHERE d.kind = 'approve' AND d.post_id IN ({marks}) AND NOT EXISTS "
            "(SELECT 1 FROM decisions u WHERE u.kind = 'undo' AND u.undoes = d.uuid) "
            "ORDER BY d.at, d.id",
            chunk,
        )
        for post_id, actor in rows:
            out[int(post_id)] = str(actor)  # the last row of a post wins: its newest approval
    return out


@dataclass(frozen=True)
class SelfApproval:
    post_id: int
    approver: str


def self_approved(store_or_conn: Store | Any, post_ids: Iterable[int]) -> dict[int, SelfApproval]:
    """The approved or referred posts among ``post_ids`` whose standing approval came from one
    of the people who tagged them."""
    ids = list(dict.fromkeys(int(p) for p in post_ids))
    if not ids:
        return {}
    statuses: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        statuses.update(
            (int(r[0]), str(r[1]))
            for r in store_or_conn.execute(
                f"SELECT id, status FROM posts WHERE id IN ({marks})", chunk
            )
        )
    decided = [p for p in ids if statuses.get(p) in ("approved", "referred")]
    if not decided:
        return {}
    approvers = _latest_approvers(store_or_conn, decided)
    tagged_by = taggers(store_or_conn, decided)
    return {
        p: SelfApproval(p, approvers[p])
        for p in decided
        if p in approvers and approvers[p] in tagged_by.get(p, [])
    }


def marker(approval: SelfApproval | None) -> str:
    """The words shown next to a self-approved post (empty when it is not one)."""
    if approval is None:
        return ""
    return f"self-approved: {approval.approver} tagged and approved it"


def self_approved_count(store_or_conn: Store | Any) -> int:
    """How many approved or referred posts of the store are self-approved."""
    ids = [
        int(r[0])
        for r in store_or_conn.execute(
            "SELECT DISTINCT d.post_id FROM decisions d "
            "JOIN post_tags pt ON pt.post_id = d.post_id AND pt.actor = d.actor "
            "JOIN posts p ON p.id = d.post_id AND p.status IN ('approved', 'referred') "
            "WHERE d.kind = 'approve'"
        )
    ]
    return len(self_approved(store_or_conn, ids))


def self_approval_notes(store_or_conn: Store | Any, post_ids: Iterable[int]) -> dict[int, str]:
    """Post id -> "self-approved: …" for the self-approved posts among ``post_ids``."""
    ids = list(post_ids)
    out: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        for post_id, approval in self_approved(store_or_conn, ids[i : i + _CHUNK]).items():
            out[post_id] = marker(approval)
    return out
