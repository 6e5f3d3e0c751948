"""What became of referred accounts: "taken down" or "still live", with the date it was seen.

Outcomes are kept as a history (an account can be taken down, come back, and be taken down
again); the latest by date is the account's current outcome. Recording one needs the supervisor
role, is signed by the supervisor's personal key and leaves an audit row in the same
transaction."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from dataclasses import dataclass

from ..core.errors import TriageError, UsageError
from ..core.timeutil import utc_now_iso
from ..core.workflow import OUTCOMES, require_role
from .audit import append_audit
from .connection import Store
from .personal_keys import outcome_message, personal_key_for

# What people type (CLI, menus) -> what the store keeps.
OUTCOME_WORDS = {
    "taken-down": "taken_down",
    "taken_down": "taken_down",
    "still-live": "still_live",
    "still_live": "still_live",
}


@dataclass(frozen=True)
class Outcome:
    account_id: int
    outcome: str
    on_date: str
    actor: str
    at: str
    note: str | None


@dataclass(frozen=True)
class AccountRef:
    id: int
    platform: str
    platform_account_id: str
    handle: str | None

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.handle or self.platform_account_id}"


def find_account(store: Store, ref: str) -> AccountRef:
    """An account by store id, uuid, ``platform:handle``, ``platform:account_id`` or a handle.

    A bare handle that matches accounts on several platforms is refused (say which platform)."""
    text = ref.strip()
    if not text:
        raise UsageError("Name an account: its id, platform:handle or handle")
    cols = "id, platform, platform_account_id, handle"
    rows: list[tuple[int, str, str, str | None]] = []
    if text.isdigit():
        rows = store.execute(f"SELECT {cols} FROM accounts WHERE id = ?", (int(text),)).fetchall()
    if not rows:
        rows = store.execute(f"SELECT {cols} FROM accounts WHERE uuid = ?", (text,)).fetchall()
    if not rows and ":" in text:
        platform, _, name = text.partition(":")
        name = name.lstrip("@")
        rows = store.execute(
            f"SELECT {cols} FROM accounts WHERE platform = ? AND (handle = ? OR "
            "platform_account_id = ?)",
            (platform.lower(), name, name),
        ).fetchall()
    if not rows:
        name = text.lstrip("@")
        rows = store.execute(
            f"SELECT {cols} FROM accounts WHERE handle = ? OR platform_account_id = ?", (name, name)
        ).fetchall()
    if not rows:
        raise TriageError(f"No account {text!r} in this store")
    if len(rows) > 1:
        options = ", ".join(f"{r[1]}:{r[3] or r[2]}" for r in rows[:5])
        raise UsageError(f"{text!r} matches several accounts ({options}); say platform:handle")
    return AccountRef(*rows[0])


def first_referred(store: Store, account_id: int) -> str | None:
    """The date (YYYY-MM-DD) the account was first in a referral pack; "" when it is marked
    referred (e.g. by a sync) without a pack in this store; None when never referred."""
    value = store.scalar(
        "SELECT min(r.created_at) FROM referral_items ri JOIN referrals r ON r.id = ri.referral_id "
        "WHERE ri.account_id = ?",
        (account_id,),
    )
    if value is None and store.scalar("SELECT referred FROM accounts WHERE id = ?", (account_id,)):
        return ""
    return None if value is None else str(value)[:10]


def parse_outcome_date(text: str | None) -> str:
    """YYYY-MM-DD (today, UTC, when not given); a future date or a non-date is a usage error."""
    today = dt.datetime.now(dt.UTC).date()
    if text is None:
        return today.isoformat()
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"Date {text!r} is not a real date in the form YYYY-MM-DD") from exc
    if day > today:
        raise UsageError(f"Date {day.isoformat()} is in the future")
    return day.isoformat()


def record_outcome(
    store: Store,
    account: str | int,
    outcome: str,
    on_date: str | None = None,
    note: str | None = None,
) -> Outcome:
    """Record what became of a referred account (supervisor only)."""
    kind = OUTCOME_WORDS.get(outcome.strip().lower())
    if kind not in OUTCOMES:
        raise UsageError(f"An outcome is 'taken-down' or 'still-live', not {outcome!r}")
    day = parse_outcome_date(on_date)
    require_role(store.user, store.role_of(), "outcome")
    ref = find_account(store, str(account))
    referred = first_referred(store, ref.id)
    if referred is None:
        raise TriageError(
            f"Account {ref.label} has not been referred; outcomes are for referred accounts"
        )
    if day < referred:
        raise UsageError(
            f"Account {ref.label} was first referred on {referred}; an outcome "
            f"cannot be dated {day}"
        )
    at = utc_now_iso()
    uid = str(uuidlib.uuid4())
    # Signed by the supervisor's personal key (store/personal_keys.py); audit verify checks it.
    signature = personal_key_for(store).sign(
        outcome_message(uid, ref.platform, ref.platform_account_id, kind, day, store.user, at, note)
    )
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at, note, "
            "signature) VALUES (?,?,?,?,?,?,?,?)",
            (uid, ref.id, kind, day, store.user, at, note, signature),
        )
        append_audit(
            conn,
            store.user,
            "outcome",
            "account",
            ref.id,
            {"outcome": kind, "on_date": day, "account": ref.label},
            at=at,
        )
    from .networks import recheck_returning  # linked accounts' posts now returning

    recheck_returning(store)
    return Outcome(ref.id, kind, day, store.user, at, note)


def outcome_history(store: Store, account_id: int) -> list[Outcome]:
    """Every outcome recorded for the account, oldest first (the account card shows this)."""
    rows = store.execute(
        "SELECT account_id, outcome, on_date, actor, at, note FROM outcomes WHERE account_id = ? "
        "ORDER BY on_date, id",
        (account_id,),
    ).fetchall()
    return [Outcome(*r) for r in rows]


def current_outcome(store: Store, account_id: int) -> Outcome | None:
    history = outcome_history(store, account_id)
    return history[-1] if history else None
