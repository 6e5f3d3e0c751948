"""The priority score that orders the review queue, and the plain-words explanation shown as
the priority column's tooltip.

The score is a sum of parts (indicators found, lexicon concepts, cluster size, account already
referred, recency) with weights from resources/priority.toml, so an analyst can read why a post
is near the top and a supervisor can change the weights without touching code.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import TriageError
from .resources import resources_dir

# Counted parts, in the order the tooltip lists them, with their labels.
COUNTED = (
    ("phone", "phone number", "phone numbers"),
    ("messaging", "messaging link", "messaging links"),
    ("handle", "handle", "handles"),
    ("email", "e-mail address", "e-mail addresses"),
    ("url", "link", "links"),
    ("price", "price", "prices"),
    ("lexicon", "lexicon concept", "lexicon concepts"),
)
WEIGHT_KEYS = tuple(k for k, _, _ in COUNTED) + ("cluster", "account_referred", "recency")
DAY = 86400.0


@dataclass(frozen=True)
class PriorityWeights:
    """resources/priority.toml, checked."""

    weights: dict[str, float]
    caps: dict[str, int]
    half_life_days: float

    def __hash__(self) -> int:
        return id(self)


@dataclass(slots=True)
class PostFeatures:
    """What the score looks at for one post. ``counts`` are distinct indicator values by kind
    (``lexicon``: distinct concepts)."""

    counts: dict[str, int] = field(default_factory=dict)
    cluster_size: int = 1
    account_referred: bool = False
    posted_at: int | None = None  # unix seconds
    # A post returning after a takedown (store/networks.py): the reason and its points.
    returning: str | None = None
    returning_points: float = 0.0


@dataclass(frozen=True, slots=True)
class PriorityPart:
    label: str
    points: float


@dataclass(frozen=True, slots=True)
class PriorityBreakdown:
    """A score and the parts it is made of (parts with no points are left out)."""

    total: float
    parts: tuple[PriorityPart, ...]


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TriageError(f"{where} must be a number of 0 or more")
    return float(value)


def load_weights(path: Path | None = None) -> PriorityWeights:
    """Read resources/priority.toml (cached per path); a bad file is a TriageError naming the
    key."""
    return _load_weights(path or resources_dir() / "priority.toml")


@lru_cache(maxsize=4)
def _load_weights(path: Path) -> PriorityWeights:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TriageError(f"Priority weights file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TriageError(f"Priority weights file {path} is not valid TOML: {exc}") from exc
    raw_weights = data.get("weights", {})
    unknown = set(raw_weights) - set(WEIGHT_KEYS)
    if unknown:
        raise TriageError(f"{path}: unknown weight '{sorted(unknown)[0]}'")
    weights = {k: _number(raw_weights.get(k, 0.0), f"{path}: weights.{k}") for k in WEIGHT_KEYS}
    caps = {k: int(_number(v, f"{path}: caps.{k}")) for k, v in dict(data.get("caps", {})).items()}
    half_life = _number(data.get("recency", {}).get("half_life_days", 14), f"{path}: half_life")
    if half_life == 0:
        raise TriageError(f"{path}: recency.half_life_days must be more than 0")
    return PriorityWeights(weights, caps, half_life)


def cluster_points(size: int, weights: PriorityWeights) -> float:
    """Points for a cluster of ``size`` posts (0 for a post on its own)."""
    size = min(size, weights.caps.get("cluster_size", 16))
    return weights.weights["cluster"] * math.log2(size) if size > 1 else 0.0


def score_post(
    features: PostFeatures, now: float, weights: PriorityWeights | None = None
) -> PriorityBreakdown:
    """The post's score at time ``now`` (unix seconds) and its parts."""
    weights = weights or load_weights()
    w = weights.weights
    parts: list[PriorityPart] = []
    for kind, one, many in COUNTED:
        count = features.counts.get(kind, 0)
        if count <= 0 or w[kind] == 0:
            continue
        counted = min(count, weights.caps.get(kind, count))
        label = f"{count} {one if count == 1 else many}"
        if counted < count:
            label += f" (counted {counted})"
        parts.append(PriorityPart(label, counted * w[kind]))
    if features.cluster_size > 1 and w["cluster"]:
        parts.append(
            PriorityPart(
                f"cluster of {features.cluster_size} near-duplicates",
                cluster_points(features.cluster_size, weights),
            )
        )
    if features.account_referred and w["account_referred"]:
        parts.append(PriorityPart("account already referred", w["account_referred"]))
    if features.posted_at is not None and w["recency"]:
        age_days = max(0.0, (now - features.posted_at) / DAY)
        points = w["recency"] * 0.5 ** (age_days / weights.half_life_days)
        if points >= 0.005:
            parts.append(PriorityPart(f"posted {_age(age_days)} ago", points))
    if features.returning and features.returning_points:
        parts.append(PriorityPart(f"returning: {features.returning}", features.returning_points))
    total = round(sum(p.points for p in parts), 3)
    return PriorityBreakdown(total, tuple(parts))


def priority_total(features: PostFeatures, now: float, weights: PriorityWeights) -> float:
    """``score_post(...).total`` without building the explanation (for scoring many posts)."""
    w = weights.weights
    caps = weights.caps
    points = 0.0
    counts = features.counts
    for kind, _, _ in COUNTED:  # the same order as score_post, so the sums round alike
        count = counts.get(kind, 0)
        if count > 0 and w[kind]:
            points += min(count, caps.get(kind, count)) * w[kind]
    if features.cluster_size > 1 and w["cluster"]:
        points += cluster_points(features.cluster_size, weights)
    if features.account_referred:
        points += w["account_referred"]
    if features.posted_at is not None and w["recency"]:
        age_days = max(0.0, (now - features.posted_at) / DAY)
        recency = w["recency"] * 0.5 ** (age_days / weights.half_life_days)
        if recency >= 0.005:
            points += recency
    if features.returning and features.returning_points:
        points += features.returning_points
    return round(points, 3)


def _age(days: float) -> str:
    if days < 1:
        hours = int(days * 24)
        return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "under an hour"
    whole = int(days)
    return f"{whole} day{'s' if whole != 1 else ''}"


def explain_priority(breakdown: PriorityBreakdown) -> str:
    """The tooltip text: the total, then one line per part with its points."""
    if not breakdown.parts:
        return "Priority 0: no indicators, no near-duplicates, no date"
    lines = [f"Priority {breakdown.total:.1f}:"]
    for part in sorted(breakdown.parts, key=lambda p: -p.points):
        lines.append(f"  +{part.points:.1f}  {part.label}")
    return "\n".join(lines)
