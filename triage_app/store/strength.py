"""How strong a new store passphrase is: zxcvbn's estimate (the Dropbox estimator, maintained as
the ``zxcvbn`` package), with its own warning and suggestions as the message.

A passphrase that wraps a store key must be at least MIN_LENGTH characters (as pack passphrases
are) and reach MIN_SCORE on zxcvbn's 0-4 scale ("safely unguessable" against an offline attack
on a slow hash; ours is Argon2id with 64 MiB). It is checked whenever a passphrase wraps a store
key: a new store, ``db encrypt``, ``db rekey --new-passphrase-file``. Opening a store with an
existing passphrase is never refused for strength."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..core.errors import TriageError

MIN_LENGTH = 8
MIN_SCORE = 3
# zxcvbn refuses (and would be slow on) long input; the first 72 characters decide (a longer
# passphrase is at least as strong as its first 72 characters).
_ESTIMATED_CHARS = 72
WORDS = ("very weak", "weak", "fair", "strong", "very strong")
APP_WORDS = ("triage", "workstation", "store", "passphrase")


class WeakPassphrase(TriageError):
    """A new store passphrase that is empty, too short or too easy to guess."""


@dataclass(frozen=True)
class Strength:
    score: int  # 0-4 (zxcvbn)
    warning: str
    suggestions: tuple[str, ...]
    length: int

    @property
    def words(self) -> str:
        return WORDS[self.score]

    @property
    def acceptable(self) -> bool:
        return self.length >= MIN_LENGTH and self.score >= MIN_SCORE

    def problem(self) -> str | None:
        """Why the passphrase is refused, in one line (None when it is acceptable)."""
        if self.length == 0:
            return "The passphrase is empty"
        if self.length < MIN_LENGTH:
            return (
                f"The passphrase is too short: {self.length} character"
                f"{'s' if self.length != 1 else ''}, at least {MIN_LENGTH} are needed"
            )
        if self.score < MIN_SCORE:
            advice = " ".join(x for x in (self.warning, *self.suggestions) if x)
            return (
                f"The passphrase is too easy to guess ({self.words}: strength {self.score} of 4, "
                f"at least {MIN_SCORE} needed)" + (f": {advice}" if advice else "")
            )
        return None


def estimate(passphrase: str, user_inputs: Sequence[str] = ()) -> Strength:
    """zxcvbn's estimate of ``passphrase`` (``user_inputs``: words that make it weaker, such as
    the user's login)."""
    from zxcvbn import zxcvbn

    if not passphrase:
        return Strength(0, "", (), 0)
    result = zxcvbn(passphrase[:_ESTIMATED_CHARS], user_inputs=[*APP_WORDS, *user_inputs])
    feedback = result.get("feedback") or {}
    return Strength(
        int(result["score"]),
        str(feedback.get("warning") or "").strip(),
        tuple(str(s).strip() for s in feedback.get("suggestions") or () if s),
        len(passphrase),
    )


def require_strong(passphrase: str, user_inputs: Sequence[str] = ()) -> Strength:
    """The estimate, or WeakPassphrase with the reason and zxcvbn's advice."""
    strength = estimate(passphrase, user_inputs)
    problem = strength.problem()
    if problem:
        raise WeakPassphrase(problem)
    return strength
