"""Two years of made-up casework — referred accounts, packs, outcomes, blind reviews and a queue
awaiting review — so the statistics and the supervisor view have something real to show
(``triage demo --history``) and tests can check figures against what was seeded.

The counts are exact and chosen by the caller: ``referred={2024: 56, 2025: 80}`` seeds 56
accounts first referred in 2024 and 80 in 2025; ``taken_down`` says how many of each year's
accounts are taken down, dated within that same year. Everything else (dates, platforms,
texts) comes from ``random.Random(seed)``, so a seed gives the same store every time."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import TriageError, UsageError
from ..core.timeutil import utc_now_iso
from .audit import append_audit
from .connection import IntegrityError, Store
from .personal_keys import (
    PersonalKey,
    blind_answer_message,
    blind_sample_message,
    generate_key,
    outcome_message,
    personal_key_for,
    referral_message,
    registered_public_key,
    sign_decision_with,
    write_registration,
)

PLATFORMS = ("facebook", "instagram", "x", "tiktok", "youtube", "telegram")
ANALYSTS = ("bob", "carol")
OFFENCE_TAGS = (
    "boat_crossing",
    "fake_documents",
    "referral_prize",
    "testimonial",
    "transport_offer",
    "moved_to_messaging",
    "money_transfer",
)

TEXTS = (
    "Safe boat to Italy this week, places left, message on WhatsApp",
    "Passports and residence permits, real look, fast delivery, DM for price",
    "Bring a friend and your place is half price. Departure Friday night",
    "Watch my brother arrive safely in Europe, contact the captain below",
    "Truck from Libya to the coast, cheap, families welcome, call now",
    "Speedboat crossing, 2 hours only, life jackets included",
    "Visa and ID cards for every EU country, pay half now half after",
    "رحلة آمنة إلى إيطاليا هذا الأسبوع، تواصل عبر واتساب",
    "Travel to Germany without problems, 100% guaranteed, write on Telegram",
    "Drivers needed for the Balkans route, good money, start immediately",
    "Hawala payment accepted, money held until you arrive",
    "Ruta segura a España, salida desde la costa, pregunta por precio",
)


@dataclass
class HistorySummary:
    """What was seeded, to check figures against."""

    referred: dict[int, int]
    taken_down: dict[int, int]
    still_live: dict[int, int]
    packs: int = 0
    referred_posts: int = 0
    awaiting_review: int = 0
    blind_reviews: int = 0
    post_ids: list[int] = field(default_factory=list)


def default_counts(today: dt.date) -> tuple[dict[int, int], dict[int, int]]:
    """Last year and this year, up 40% (the shape of a published figure)."""
    y = today.year
    return {y - 1: 560, y: 800}, {y - 1: 400, y: 560}


def seed_history(
    store: Store,
    seed: int = 0,
    *,
    referred: dict[int, int] | None = None,
    taken_down: dict[int, int] | None = None,
    still_live_share: float = 0.5,
    posts_per_account: int = 2,
    platforms: Sequence[str] = PLATFORMS,
    analysts: Sequence[str] = ANALYSTS,
    awaiting_review: int = 60,
    blind_per_analyst: int = 25,
    today: dt.date | None = None,
) -> HistorySummary:
    """Seed referred accounts with packs and outcomes, then a queue awaiting review and some
    answered blind reviews. One transaction, one audit row ("demo_history")."""
    today = today or dt.datetime.now(dt.UTC).date()
    if referred is None or taken_down is None:
        referred, taken_down = default_counts(today)
    for year, count in taken_down.items():
        if count > referred.get(year, 0):
            raise UsageError(
                f"Cannot take down {count} accounts in {year}: only "
                f"{referred.get(year, 0)} referred"
            )
    for year in referred:
        if dt.date(year, 1, 1) > today:
            raise UsageError(f"{year} is in the future")
    rng = random.Random(seed)
    summary = HistorySummary(dict(referred), dict(taken_down), {})
    # Four eyes: the supervisor approving the history never tags it (store/four_eyes.py).
    taggers = [a for a in analysts if a != store.user]
    if not taggers:
        raise UsageError("The demo history needs an analyst other than you to tag its posts")
    seeder = _Seeder(store, rng, list(platforms), taggers)
    try:
        with store.transaction() as conn:
            seeder.begin(conn)
            for year in sorted(referred):
                seeder.year(
                    conn,
                    year,
                    referred[year],
                    taken_down.get(year, 0),
                    still_live_share,
                    posts_per_account,
                    today,
                    summary,
                )
            seeder.awaiting(conn, awaiting_review, today, summary)
            seeder.blind(conn, blind_per_analyst, summary)
            append_audit(
                conn,
                store.user,
                "demo_history",
                "store",
                store.store_id,
                {
                    "seed": seed,
                    "referred": {str(k): v for k, v in referred.items()},
                    "taken_down": {str(k): v for k, v in taken_down.items()},
                    "posts": len(summary.post_ids),
                    "packs": summary.packs,
                },
            )
    except IntegrityError as exc:
        raise TriageError(f"This store already holds the history of seed {seed}") from exc
    return summary


class _Seeder:
    """The row writers behind seed_history (one transaction, the caller's)."""

    def __init__(
        self, store: Store, rng: random.Random, platforms: list[str], analysts: list[str]
    ) -> None:
        self.store, self.rng, self.platforms, self.analysts = store, rng, platforms, analysts
        self.import_id = 0
        self.cluster = 10_000 + rng.randrange(1000) * 100
        # The fictional analysts' personal keys: made here, public halves registered by the
        # store's user, private halves gone when the seeder is (so `audit verify` is clean).
        self.keys: dict[str, PersonalKey] = {}

    def key_of(self, actor: str) -> PersonalKey:
        if actor == self.store.user:
            return personal_key_for(self.store)
        return self.keys[actor]

    def _uuid(self) -> str:
        return str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))

    def begin(self, conn: Any) -> None:
        now = utc_now_iso()
        for name in self.analysts:
            conn.execute(
                "INSERT OR IGNORE INTO users(name, role, added_by, added_at) "
                "VALUES (?, 'analyst', ?, ?)",
                (name, self.store.user, now),
            )
            if name in self.keys:
                continue
            if registered_public_key(conn, name) is not None:
                raise TriageError(
                    f"{name} already has a registered personal key in this store; demo history "
                    "is made once per store"
                )
            key = generate_key(name)
            self.keys[name] = key
            write_registration(
                self.store, conn, name, "analyst", key.public_text(), personal_key_for(self.store)
            )
        cur = conn.execute(
            "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at, "
            "finished_at) VALUES (?,?,?,?,?,?,?,?)",
            (self._uuid(), "demo-history", "0" * 64, 0, "demo", self.store.user, now, now),
        )
        self.import_id = int(cur.lastrowid)

    def _account(self, conn: Any, platform: str) -> int:
        handle = (
            f"{self.rng.choice(['travel', 'safe', 'euro', 'boat', 'docs'])}_"
            f"{self.rng.getrandbits(32):08x}"
        )
        cur = conn.execute(
            "INSERT INTO accounts(uuid, platform, platform_account_id, handle, display_name, "
            "first_seen_import) VALUES (?,?,?,?,?,?)",
            (
                self._uuid(),
                platform,
                handle,
                handle,
                handle.replace("_", " ").title(),
                self.import_id,
            ),
        )
        return int(cur.lastrowid)

    def _post(
        self,
        conn: Any,
        platform: str,
        account_id: int,
        imported: dt.datetime,
        status: str,
        cluster: int | None = None,
    ) -> int:
        pid = f"{self.rng.getrandbits(48)}"
        text = self.rng.choice(TEXTS)
        language = "ar" if "\u0600" <= text[0] <= "\u06ff" else "es" if text[:4] == "Ruta" else "en"
        cur = conn.execute(
            "INSERT INTO posts(uuid, platform, platform_post_id, account_id, url, posted_at, text, "
            "language, status, priority, cluster_id, import_id, imported_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                self._uuid(),
                platform,
                pid,
                account_id,
                f"https://{platform}.example/p/{pid}",
                int((imported - dt.timedelta(hours=self.rng.randint(1, 72))).timestamp()),
                text,
                language,
                status,
                round(self.rng.random(), 3),
                cluster,
                self.import_id,
                _iso(imported),
            ),
        )
        return int(cur.lastrowid)

    def _decide(
        self,
        conn: Any,
        post_id: int,
        kind: str,
        actor: str,
        at: dt.datetime,
        tag: str | None = None,
        note: str | None = None,
    ) -> None:
        uid, batch, when = self._uuid(), self._uuid(), _iso(at)
        signature = sign_decision_with(
            self.key_of(actor), conn, uid, post_id, kind, tag, note, when, batch, None
        )
        conn.execute(
            "INSERT INTO decisions(uuid, post_id, kind, tag, note, actor, at, workstation, batch, "
            "signature) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (uid, post_id, kind, tag, note, actor, when, "demo", batch, signature),
        )
        if kind == "tag":
            conn.execute(
                "INSERT OR IGNORE INTO post_tags(post_id, tag, actor, at) VALUES (?,?,?,?)",
                (post_id, tag, actor, _iso(at)),
            )

    def year(
        self,
        conn: Any,
        year: int,
        n_referred: int,
        n_down: int,
        live_share: float,
        posts_per_account: int,
        today: dt.date,
        summary: HistorySummary,
    ) -> None:
        last = min(dt.date(year, 12, 31), today)
        first = dt.date(year, 1, 1)
        span = (last - first).days
        # Each account lands in a (day, platform) pack; accounts sharing one share its date.
        packs: dict[tuple[dt.date, str], list[int]] = {}
        for _ in range(n_referred):
            day = first + dt.timedelta(days=self.rng.randint(0, span))
            platform = self.rng.choice(self.platforms)
            packs.setdefault((day, platform), []).append(self._account(conn, platform))
        referred_on: dict[int, dt.date] = {}
        for (day, platform), accounts in sorted(packs.items()):
            created = dt.datetime.combine(day, dt.time(15, 0), dt.UTC)
            posts: list[tuple[int, int]] = []
            for account_id in accounts:
                referred_on[account_id] = day
                for _ in range(posts_per_account):
                    imported = created - dt.timedelta(hours=self.rng.randint(6, 24 * 10))
                    post_id = self._post(conn, platform, account_id, imported, "referred")
                    analyst = self.rng.choice(self.analysts)
                    self._decide(
                        conn,
                        post_id,
                        "tag",
                        analyst,
                        imported + dt.timedelta(hours=2),
                        tag=self.rng.choice(OFFENCE_TAGS),
                    )
                    self._decide(
                        conn, post_id, "approve", self.store.user, imported + dt.timedelta(hours=4)
                    )
                    posts.append((post_id, account_id))
                    summary.post_ids.append(post_id)
            referral_uuid, name = self._uuid(), f"referral-{platform}-{day.isoformat()}.age"
            natural = [
                (platform, str(r[0]))
                for p, _a in posts
                for r in conn.execute("SELECT platform_post_id FROM posts WHERE id = ?", (p,))
            ]
            signature = self.key_of(self.store.user).sign(
                referral_message(
                    referral_uuid, platform, "0" * 64, name, self.store.user, _iso(created), natural
                )
            )
            cur = conn.execute(
                "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
                "created_by, created_at, items, signature) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    referral_uuid,
                    platform,
                    json.dumps([f"{platform}-liaison"]),
                    "0" * 64,
                    name,
                    self.store.user,
                    _iso(created),
                    len(posts),
                    signature,
                ),
            )
            referral_id = int(cur.lastrowid)
            conn.executemany(
                "INSERT INTO referral_items(referral_id, post_id, account_id) VALUES (?,?,?)",
                [(referral_id, p, a) for p, a in posts],
            )
            conn.executemany(
                "UPDATE accounts SET referred = 1 WHERE id = ?", [(a,) for a in accounts]
            )
            summary.packs += 1
            summary.referred_posts += len(posts)
        order = list(referred_on)
        self.rng.shuffle(order)
        down, rest = order[:n_down], order[n_down:]
        live = rest[: int(len(rest) * live_share)]
        for account_id in down:
            self._outcome(conn, account_id, "taken_down", referred_on[account_id], last)
        for account_id in live:
            self._outcome(conn, account_id, "still_live", referred_on[account_id], last)
        summary.still_live[year] = len(live)

    def _outcome(
        self, conn: Any, account_id: int, outcome: str, referred: dt.date, last: dt.date
    ) -> None:
        day = min(referred + dt.timedelta(days=self.rng.randint(1, 30)), last)
        uid, at = self._uuid(), _iso(dt.datetime.combine(day, dt.time(10), dt.UTC))
        platform, natural = conn.execute(
            "SELECT platform, platform_account_id FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()
        user = self.store.user
        signature = self.key_of(user).sign(
            outcome_message(uid, platform, natural, outcome, day.isoformat(), user, at, None)
        )
        conn.execute(
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at, signature) "
            "VALUES (?,?,?,?,?,?,?)",
            (uid, account_id, outcome, day.isoformat(), user, at, signature),
        )

    def awaiting(self, conn: Any, n: int, today: dt.date, summary: HistorySummary) -> None:
        """Tagged posts the supervisor has not reviewed yet, some in clusters of duplicates."""
        now = dt.datetime.combine(today, dt.time(9, 0), dt.UTC)
        for i in range(n):
            platform = self.rng.choice(self.platforms)
            account_id = self._account(conn, platform)
            cluster = self.cluster + i % 7 if i % 3 == 0 else None
            imported = now - dt.timedelta(hours=self.rng.randint(1, 24 * 5))
            post_id = self._post(conn, platform, account_id, imported, "tagged", cluster)
            analyst = self.analysts[i % len(self.analysts)]
            for tag in self.rng.sample(OFFENCE_TAGS, self.rng.choice((1, 1, 2))):
                self._decide(
                    conn, post_id, "tag", analyst, imported + dt.timedelta(minutes=30), tag=tag
                )
            summary.post_ids.append(post_id)
        summary.awaiting_review += n
        # Dismissals too: blind review samples them like any other decision.
        for i in range(n // 2):
            platform = self.rng.choice(self.platforms)
            imported = now - dt.timedelta(hours=self.rng.randint(1, 24 * 5))
            post_id = self._post(
                conn, platform, self._account(conn, platform), imported, "dismissed"
            )
            self._decide(
                conn,
                post_id,
                "tag",
                self.analysts[i % len(self.analysts)],
                imported + dt.timedelta(minutes=20),
                tag="not_relevant",
            )
            summary.post_ids.append(post_id)

    def blind(self, conn: Any, per_analyst: int, summary: HistorySummary) -> None:
        """Answered blind reviews: the supervisor agrees with the analyst most of the time."""
        if per_analyst <= 0:
            return
        for analyst in self.analysts:
            rows = conn.execute(
                "SELECT post_id, group_concat(tag) FROM post_tags WHERE actor = ? "
                "GROUP BY post_id ORDER BY post_id",
                (analyst,),
            ).fetchall()
            # Half dismissals, half offences: a sample of offences only cannot show whether
            # the two reviewers agree on what is relevant (kappa needs both answers).
            dismissed = [r for r in rows if r[1] == "not_relevant"]
            offences = [r for r in rows if r[1] != "not_relevant"]
            half = min(per_analyst // 2, len(dismissed))
            chosen = self.rng.sample(dismissed, half) + self.rng.sample(
                offences, min(per_analyst - half, len(offences))
            )
            sample_id = self._uuid()
            for post_id, tags in chosen:
                first = sorted(tags.split(","))
                second = list(first)
                if self.rng.random() < 0.15:  # a disagreement: relevance or the offence
                    second = [self.rng.choice(OFFENCE_TAGS + ("not_relevant",) * 3)]
                at, uid, user = utc_now_iso(), self._uuid(), self.store.user
                platform, natural = conn.execute(
                    "SELECT platform, platform_post_id FROM posts WHERE id = ?", (post_id,)
                ).fetchone()
                first_text, second_text = json.dumps(first), json.dumps(sorted(second))
                key = self.key_of(user)
                conn.execute(
                    "INSERT INTO blind_reviews(uuid, sample_id, post_id, analyst, reviewer, "
                    "first_tags, sampled_by, sampled_at, second_tags, reviewed_at, "
                    "sample_signature, answer_signature) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        uid,
                        sample_id,
                        post_id,
                        analyst,
                        user,
                        first_text,
                        user,
                        at,
                        second_text,
                        at,
                        key.sign(
                            blind_sample_message(
                                uid, platform, natural, analyst, user, first_text, user, at
                            )
                        ),
                        key.sign(
                            blind_answer_message(uid, platform, natural, user, second_text, at)
                        ),
                    ),
                )
                summary.blind_reviews += 1


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def add_posts(
    store: Store, n: int, *, platform: str = "x", cluster: int | None = None, seed: int = 0
) -> list[int]:
    """``n`` new posts, one account each, in one import (one transaction, one audit row).

    A quick way for tests and demos to get posts without writing an export file."""
    if n < 1:
        raise UsageError("Add at least one post")
    seeder = _Seeder(store, random.Random(seed), [platform], [])
    now = dt.datetime.now(dt.UTC)
    ids: list[int] = []
    with store.transaction() as conn:
        seeder.begin(conn)
        for _ in range(n):
            account_id = seeder._account(conn, platform)
            ids.append(seeder._post(conn, platform, account_id, now, "new", cluster))
        append_audit(
            conn,
            store.user,
            "import",
            "import",
            seeder.import_id,
            {"format": "demo", "inserted": n},
        )
    return ids
