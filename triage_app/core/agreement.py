"""Agreement between two reviewers who tagged the same posts independently (Cohen's kappa).

A post carries a set of tags, so agreement is measured three ways, each with its counts so a
supervisor can see how much evidence a number rests on:

* per tag: did both reviewers put (or both leave off) that tag — a yes/no kappa per tag;
* relevance: did both see an offence (any offence tag) or both not — the decision that sends a
  post towards a platform;
* exact: the share of posts where the two tag sets are identical (no chance correction).

Kappa is ``None`` where it is undefined: no items, or both reviewers used a single category
for every item (expected agreement of 1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa with what it was computed from."""

    n: int
    agreements: int
    observed: float | None  # share of items where both gave the same answer
    expected: float | None  # agreement expected by chance from each reviewer's own rates
    kappa: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "agreements": self.agreements,
            "observed": _round(self.observed),
            "expected": _round(self.expected),
            "kappa": _round(self.kappa),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def cohens_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> Kappa:
    """Kappa for paired categorical answers: (first reviewer's answer, second reviewer's)."""
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return Kappa(0, 0, None, None, None)
    agreements = sum(1 for a, b in pairs if a == b)
    observed = agreements / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second.get(c, 0) for c in first) / (n * n)
    if expected >= 1.0:
        return Kappa(n, agreements, observed, expected, None)
    return Kappa(n, agreements, observed, expected, (observed - expected) / (1.0 - expected))


@dataclass(frozen=True)
class ReviewPair:
    """One post tagged by two people: the first analyst and the blind second reviewer."""

    post_id: int
    analyst: str
    reviewer: str
    first: frozenset[str]
    second: frozenset[str]


@dataclass
class AgreementSummary:
    """Agreement for one group of pairs (one analyst, or everyone)."""

    n: int
    exact: int
    relevance: Kappa
    tags: dict[str, Kappa] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "exact_agreements": self.exact,
            "exact_share": _round(self.exact / self.n) if self.n else None,
            "relevance": self.relevance.as_dict(),
            "tags": {key: k.as_dict() for key, k in sorted(self.tags.items())},
        }


def summarise(
    pairs: Sequence[ReviewPair], offence_tags: Iterable[str], tag_keys: Iterable[str] | None = None
) -> AgreementSummary:
    """Relevance and per-tag kappa for ``pairs``.

    Per-tag kappa covers ``tag_keys`` (default: every tag either reviewer used)."""
    offences = set(offence_tags)
    if tag_keys is None:
        used: set[str] = set()
        for p in pairs:
            used |= p.first | p.second
        tag_keys = sorted(used)
    relevance = cohens_kappa((bool(p.first & offences), bool(p.second & offences)) for p in pairs)
    tags = {tag: cohens_kappa((tag in p.first, tag in p.second) for p in pairs) for tag in tag_keys}
    exact = sum(1 for p in pairs if p.first == p.second)
    return AgreementSummary(len(pairs), exact, relevance, tags)


def by_analyst(
    pairs: Sequence[ReviewPair], offence_tags: Iterable[str]
) -> dict[str, AgreementSummary]:
    """One summary per first analyst."""
    offences = list(offence_tags)
    groups: dict[str, list[ReviewPair]] = {}
    for p in pairs:
        groups.setdefault(p.analyst, []).append(p)
    return {name: summarise(group, offences) for name, group in sorted(groups.items())}
