"""Checking personal signatures: key registrations, decisions, referrals, outcomes and blind
reviews (`audit verify`).

Trust starts at the store's founder (its first user), whose key registration is self-signed.
Every other key registration must be signed by a supervisor whose own registration holds, and
covers the person's role as well as the key, so neither a key nor a role written into ``users``
by hand verifies. Each decision must then be signed by its actor's registered key over
:func:`personal_keys.decision_message`; each referral by its builder's key.

Rows written before migration 8 (ids up to ``meta.legacy_decisions_upto`` /
``legacy_referrals_upto``), and outcomes and blind reviews written before migration 18
(``legacy_outcomes_upto``, ``legacy_blind_upto``, ``legacy_blind_answered``) carry no signature:
they are counted as *legacy, unsigned* and are not failures. Any other row without a valid
signature is one. An outcome must be signed by a supervisor; a blind review's sample by the
supervisor who sampled it, its answer by the second reviewer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .personal_keys import (
    blind_answer_message,
    blind_sample_message,
    decision_message,
    founder,
    outcome_message,
    referral_message,
    registration_message,
    registration_store_id,
    verify_signature,
)


@dataclass(frozen=True)
class Problem:
    kind: str  # "user" | "decision" | "referral" | "own-key"
    ident: str
    line: str


@dataclass
class SignatureCheck:
    users: int = 0
    decisions: int = 0
    referrals: int = 0
    outcomes: int = 0
    blind_reviews: int = 0
    signed: int = 0
    legacy: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "users": self.users,
            "decisions": self.decisions,
            "referrals": self.referrals,
            "outcomes": self.outcomes,
            "blind_reviews": self.blind_reviews,
            "signed": self.signed,
            "legacy_unsigned": self.legacy,
            "problems": [{"kind": p.kind, "id": p.ident, "reason": p.line} for p in self.problems],
        }


def _meta_int(conn: Any, key: str) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    try:
        return int(row[0]) if row else 0
    except (TypeError, ValueError):
        return 0


def valid_registrations(conn: Any) -> tuple[dict[str, tuple[str, str]], list[Problem]]:
    """{name: (role, public key)} of every key registration that holds, and the ones that don't."""
    store_id = registration_store_id(conn)
    root = founder(conn)
    rows = {
        r[0]: r
        for r in conn.execute(
            "SELECT name, role, public_key, key_signed_by, key_signed_at, key_signature "
            "FROM users WHERE public_key IS NOT NULL"
        )
    }
    valid: dict[str, tuple[str, str]] = {}

    def holds(name: str, signer_key: str) -> bool:
        _n, role, key, by, at, sig = rows[name]
        message = registration_message(store_id, name, role, key, by or "", at or "")
        return verify_signature(signer_key, message, sig)

    if (
        root is not None
        and root in rows
        and rows[root][3] == root
        and rows[root][1] == "supervisor"
        and holds(root, rows[root][2])
    ):
        valid[root] = (rows[root][1], rows[root][2])
    changed = True
    while changed:
        changed = False
        for name, (_n, role, key, by, _at, _sig) in rows.items():
            if name in valid or by == name or by not in valid:
                continue
            if valid[by][0] == "supervisor" and holds(name, valid[by][1]):
                valid[name] = (role, key)
                changed = True
    problems = [
        Problem(
            "user",
            name,
            f"user {name}: the key and role registered for them are not signed by a registered "
            "supervisor (written into the store by hand?)",
        )
        for name in sorted(rows)
        if name not in valid
    ]
    return valid, problems


def _decision_rows(conn: Any) -> Iterator[tuple[Any, ...]]:
    yield from conn.execute(
        "SELECT d.id, d.uuid, p.platform, p.platform_post_id, d.kind, d.tag, d.note, d.actor, "
        "d.at, d.batch, d.undoes, d.signature, d.post_id FROM decisions d "
        "JOIN posts p ON p.id = d.post_id ORDER BY d.id"
    )


def verify_signatures(
    conn: Any,
    *,
    own: tuple[str, str] | None = None,
    pinned: tuple[str, str] | None = None,
) -> SignatureCheck:
    """Check every key registration, decision and referral; ``own`` is (login, public key) of
    the person running the check, whose registered key must be their own; ``pinned`` is the
    (founder, key) their profile remembers for this store (personal_keys.pinned_founder)."""
    check = SignatureCheck()
    check.users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
    valid, problems = valid_registrations(conn)
    check.problems.extend(problems)
    if pinned is not None:
        name, key = pinned
        if founder(conn) != name or (name in valid and valid[name][1] != key):
            check.problems.append(
                Problem(
                    "founder",
                    name,
                    f"the store's founder is no longer {name} with the key you first saw here: "
                    "its key registrations were rewritten",
                )
            )
    invalid_users = {p.ident for p in problems}
    if own is not None:
        login, public = own
        registered = conn.execute(
            "SELECT public_key FROM users WHERE name = ?", (login,)
        ).fetchone()
        if registered is not None and registered[0] is not None and registered[0] != public:
            check.problems.append(
                Problem(
                    "own-key",
                    login,
                    f"user {login}: the key registered for you is not your personal key "
                    "(someone replaced it)",
                )
            )

    def why_not(actor: str, message: bytes, signature: str | None) -> str | None:
        if actor not in valid:
            if actor in invalid_users:
                return f"{actor}'s key registration does not verify"
            return f"{actor} has no registered personal key"
        if not verify_signature(valid[actor][1], message, signature):
            return f"the signature is not {actor}'s (altered or forged)"
        return None

    legacy_decisions = _meta_int(conn, "legacy_decisions_upto")
    for row in _decision_rows(conn):
        rid, uuid, platform, natural, kind, tag, note, actor, at, batch, undoes, sig, post = row
        check.decisions += 1
        if not sig:
            if rid <= legacy_decisions:
                check.legacy += 1
                continue
            reason: str | None = "unsigned"
        else:
            message = decision_message(
                uuid, platform, natural, kind, tag, note, actor, at, batch, undoes
            )
            reason = why_not(actor, message, sig)
        if reason is None:
            check.signed += 1
        else:
            check.problems.append(
                Problem(
                    "decision",
                    uuid,
                    f"decision {uuid} ({kind} on post {post} by {actor} at {at}): {reason}",
                )
            )

    legacy_referrals = _meta_int(conn, "legacy_referrals_upto")
    for rid, uuid, platform, sha, name, by, at, sig in conn.execute(
        "SELECT id, uuid, platform, pack_sha256, pack_name, created_by, created_at, signature "
        "FROM referrals ORDER BY id"
    ).fetchall():
        check.referrals += 1
        if not sig:
            if rid <= legacy_referrals:
                check.legacy += 1
                continue
            reason = "unsigned"
        else:
            reason = why_not(
                by, referral_message_for(conn, rid, uuid, platform, sha, name, by, at), sig
            )
        if reason is None:
            check.signed += 1
        else:
            check.problems.append(
                Problem("referral", uuid, f"referral {uuid} ({name} by {by}): {reason}")
            )
    _verify_outcomes(conn, check, why_not, valid)
    _verify_blind_reviews(conn, check, why_not)
    return check


def _count(check: SignatureCheck, problem: Problem | None) -> None:
    if problem is None:
        check.signed += 1
    else:
        check.problems.append(problem)


def _verify_outcomes(
    conn: Any,
    check: SignatureCheck,
    why_not: Callable[[str, bytes, str | None], str | None],
    valid: dict[str, tuple[str, str]],
) -> None:
    legacy = _meta_int(conn, "legacy_outcomes_upto")
    for rid, uuid, platform, natural, outcome, day, actor, at, note, sig in conn.execute(
        "SELECT o.id, o.uuid, a.platform, a.platform_account_id, o.outcome, o.on_date, o.actor, "
        "o.at, o.note, o.signature FROM outcomes o JOIN accounts a ON a.id = o.account_id "
        "ORDER BY o.id"
    ):
        check.outcomes += 1
        if not sig and rid <= legacy:
            check.legacy += 1
            continue
        reason = (
            why_not(
                actor, outcome_message(uuid, platform, natural, outcome, day, actor, at, note), sig
            )
            if sig
            else "unsigned"
        )
        if reason is None and valid[actor][0] != "supervisor":
            reason = f"{actor} is not a registered supervisor"
        what = f"outcome {uuid} ({outcome.replace('_', ' ')} of {platform}:{natural} by {actor})"
        _count(check, None if reason is None else Problem("outcome", uuid, f"{what}: {reason}"))


def _verify_blind_reviews(
    conn: Any, check: SignatureCheck, why_not: Callable[[str, bytes, str | None], str | None]
) -> None:
    legacy = _meta_int(conn, "legacy_blind_upto")
    row = conn.execute("SELECT value FROM meta WHERE key = 'legacy_blind_answered'").fetchone()
    try:
        answered_before = {int(i) for i in json.loads(row[0])} if row and row[0] else set()
    except (TypeError, ValueError):
        answered_before = set()
    for (
        rid,
        uuid,
        platform,
        natural,
        analyst,
        reviewer,
        first,
        by,
        sampled_at,
        second,
        reviewed_at,
        sample_sig,
        answer_sig,
    ) in conn.execute(
        "SELECT b.id, b.uuid, p.platform, p.platform_post_id, b.analyst, b.reviewer, "
        "b.first_tags, b.sampled_by, b.sampled_at, b.second_tags, b.reviewed_at, "
        "b.sample_signature, b.answer_signature FROM blind_reviews b "
        "JOIN posts p ON p.id = b.post_id ORDER BY b.id"
    ):
        check.blind_reviews += 1
        what = f"blind review {uuid} (post {platform}:{natural}, {analyst} by {reviewer})"
        if not sample_sig and rid <= legacy:
            check.legacy += 1
        else:
            message = blind_sample_message(
                uuid, platform, natural, analyst, reviewer, first, by, sampled_at
            )
            reason = why_not(by, message, sample_sig) if sample_sig else "unsigned"
            _count(
                check,
                None
                if reason is None
                else Problem("blind", uuid, f"{what}: its sample by {by}: {reason}"),
            )
        if second is None:
            continue
        if not answer_sig and rid in answered_before:
            check.legacy += 1
            continue
        message = blind_answer_message(uuid, platform, natural, reviewer, second, reviewed_at or "")
        reason = why_not(reviewer, message, answer_sig) if answer_sig else "unsigned"
        _count(
            check,
            None if reason is None else Problem("blind", uuid, f"{what}: its answer: {reason}"),
        )


def referral_message_for(
    conn: Any, referral_id: int, uuid: str, platform: str, sha: str, name: str, by: str, at: str
) -> bytes:
    posts = [
        (str(r[0]), str(r[1]))
        for r in conn.execute(
            "SELECT p.platform, p.platform_post_id FROM referral_items i "
            "JOIN posts p ON p.id = i.post_id WHERE i.referral_id = ?",
            (referral_id,),
        )
    ]
    return referral_message(uuid, platform, sha, name, by, at, posts)


def approval_problem(conn: Any, post_id: int, valid: dict[str, tuple[str, str]]) -> str | None:
    """Why the post's approval cannot be trusted for a referral pack, or None when it can.

    The post's latest review decision (approve/reject, not undone) must be an approval signed by
    a registered supervisor; a post marked approved with no such decision behind it is refused."""
    undone = {
        r[0]
        for r in conn.execute(
            "SELECT undoes FROM decisions WHERE post_id = ? AND kind = 'undo' "
            "AND undoes IS NOT NULL",
            (post_id,),
        )
    }
    row = None
    for candidate in conn.execute(
        "SELECT d.uuid, p.platform, p.platform_post_id, d.kind, d.tag, d.note, d.actor, d.at, "
        "d.batch, d.undoes, d.signature FROM decisions d JOIN posts p ON p.id = d.post_id "
        "WHERE d.post_id = ? AND d.kind IN ('approve', 'reject') ORDER BY d.at DESC, d.id DESC",
        (post_id,),
    ):
        if candidate[0] not in undone:
            row = candidate
            break
    if row is None or row[3] != "approve":
        return (
            f"post {post_id} is marked approved but no supervisor's approval decision is behind it"
        )
    uuid, platform, natural, kind, tag, note, actor, at, batch, undoes, sig = row
    if actor not in valid or valid[actor][0] != "supervisor":
        return f"post {post_id}: its approval by {actor} is not by a registered supervisor"
    message = decision_message(uuid, platform, natural, kind, tag, note, actor, at, batch, undoes)
    if not verify_signature(valid[actor][1], message, sig):
        return f"post {post_id}: its approval is not signed by {actor}'s registered key (forged?)"
    return None
