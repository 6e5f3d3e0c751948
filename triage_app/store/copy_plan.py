"""What `triage db copy` copies, in which order, and which rows of each table a slice takes.

The order is the schema's dependency order (a row is written after every row it refers to), so
the copy runs with foreign keys checked on both engines. Every table of the schema is named
here: as copied (``TABLES``) or as left out on purpose (``SKIPPED``); a table that is neither
(a new migration) stops the copy rather than being lost silently (tests/store/test_db_copy.py
checks both engines' schemas against these lists).

A slice (platform, date range, cluster) selects posts; a table then takes the rows that belong
to those posts and what they refer to: their accounts, imports and clusters, the referrals whose
every post is in the slice (a referral's signature covers all its posts, so a referral is never
cut: the posts of a referral touching the selection come along), and the accounts' outcomes.
Store-wide rows (meta, people and their keys, tags, recipients, peers, sync state) and the whole
audit trail are always copied: the audit chain is one hash chain, and a cut chain would no
longer verify. This is the sync pack's rule too (packs/sync_export.py ships every audit row "so
peer chains stay complete"); a slice, a store of its own, holds the source's chain as a peer's
(store/copy_slice.py, which also says what of the source's own stays behind). Quarantined lines
and system notices belong to no post: a slice leaves them behind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Copied, parents before children.
TABLES: tuple[str, ...] = (
    "meta",
    "users",
    "tags",
    "recipients",
    "peers",
    "signing_key",
    "sync_self",
    "sync_imports",
    "sync_seen",
    "imports",
    "quarantine",
    "system_notices",
    "clusters",
    "accounts",
    "posts",
    "posts_fts",
    "post_raw",
    "media",
    "media_text",
    "media_video",
    "video_frames",
    "media_refused",
    "indicators",
    "text_signatures",
    "lsh_buckets",
    "account_links",
    "returning_posts",
    "decisions",
    "decision_origin",
    "post_tags",
    "blind_reviews",
    "referrals",
    "referral_items",
    "referral_packs",
    "outcomes",
    "audit",
    "audit_checkpoints",
    "peer_audit",
    "peer_checkpoints",
)

# The search index's rows are copied as they are (its words, already folded, and the text of
# pictures read since), through the columns both engines share; the posts' own triggers are
# told to leave it alone meanwhile (``meta.fts_bulk``, as a bulk import does), which is also
# far faster than folding every post again in the database.
COLUMNS = {"posts_fts": ("rowid", "text", "handle", "name")}

# Left out: the search index's engine-specific parts (FTS5 shadow tables, the vocabulary),
# claims (a claim belongs to a working session, not to the data), and each engine's own
# bookkeeping.
SKIPPED_PREFIXES = ("posts_fts_", "sqlite_")
SKIPPED = frozenset({"claims", "triage_schema"})

# Rows of ``meta`` that describe the destination itself rather than the data: its evidence key
# (its media files are sealed with it), whether its media are all sealed, the version of the
# search folding its index was built with (SQLite's version, the server functions' digest), and
# an import's in-transaction marker.
LOCAL_META = (
    "evidence_key",
    "evidence_encrypted",
    "search_fold_version",
    "search_fold_digest",
    "fts_bulk",
)

# Append-only tables: their guard triggers refuse DELETE, so a destination that holds rows in
# them (a store made by `db create` has its founder's key registration in ``audit``) is cleared
# with the guards lifted inside the copy's transaction.
GUARDED = frozenset(
    {"audit", "decisions", "peer_audit", "blind_reviews", "audit_checkpoints", "peer_checkpoints"}
)

# Tables without a rowid (SQLite WITHOUT ROWID): read in no particular order.
NO_ROWID = frozenset(
    {"account_links", "decision_origin", "post_tags", "referral_items", "sync_seen"}
)


def is_skipped(table: str) -> bool:
    return table in SKIPPED or table.startswith(SKIPPED_PREFIXES)


@dataclass(frozen=True)
class Slice:
    """The posts a field laptop takes: any of platform, a day range (UTC, both days included)
    and a cluster; all None is the whole store."""

    platform: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    cluster: int | None = None

    @property
    def whole(self) -> bool:
        return (
            self.platform is None
            and self.since is None
            and self.until is None
            and (self.cluster is None)
        )

    def describe(self) -> str:
        if self.whole:
            return "the whole store"
        parts = []
        if self.platform is not None:
            parts.append(f"platform {self.platform}")
        if self.since is not None or self.until is not None:
            parts.append(f"posted {self.since or '...'} to {self.until or '...'}")
        if self.cluster is not None:
            parts.append(f"cluster {self.cluster}")
        return ", ".join(parts)


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


@dataclass
class Filters:
    """For each table, a WHERE clause (``?`` placeholders) and its parameters; a table absent
    from ``where`` is copied whole."""

    where: dict[str, tuple[str, tuple[object, ...]]] = field(default_factory=dict)

    def of(self, table: str) -> tuple[str, tuple[object, ...]]:
        return self.where.get(table, ("", ()))


def slice_filters(chosen: Slice) -> Filters:
    """The WHERE clause of every table for ``chosen`` (none for the whole store).

    Each clause re-selects the slice's posts as a subquery (both engines plan such an ``IN``
    once per statement), so nothing is written to the source to remember them."""
    if chosen.whole:
        return Filters()
    conds: list[str] = []
    params: list[object] = []
    if chosen.platform is not None:
        conds.append("p.platform = ?")
        params.append(chosen.platform)
    if chosen.since is not None:
        conds.append("p.posted_at >= ?")
        params.append(_epoch(chosen.since))
    if chosen.until is not None:
        conds.append("p.posted_at < ?")
        params.append(_epoch(chosen.until + dt.timedelta(days=1)))
    if chosen.cluster is not None:
        conds.append("p.cluster_id = ?")
        params.append(chosen.cluster)
    cond = " AND ".join(conds)
    picked = tuple(params)
    # The selected posts, and every post of a referral that touches one of them.
    posts_sql = (
        f"SELECT p.id FROM posts p WHERE {cond} UNION SELECT ri.post_id FROM referral_items ri "
        "WHERE ri.referral_id IN (SELECT ri2.referral_id FROM referral_items ri2 "
        f"JOIN posts p ON p.id = ri2.post_id WHERE {cond})"
    )
    posts_params = picked + picked
    P = f"({posts_sql})"
    # Referrals whose every post is in the slice.
    referrals_sql = (
        f"SELECT r.id FROM referrals r WHERE r.id IN (SELECT referral_id FROM referral_items "
        f"WHERE post_id IN {P}) AND NOT EXISTS (SELECT 1 FROM referral_items x WHERE "
        f"x.referral_id = r.id AND x.post_id NOT IN {P})"
    )
    referrals_params = posts_params * 2
    accounts_sql = (
        f"SELECT account_id FROM posts WHERE id IN {P} AND account_id IS NOT NULL "
        f"UNION SELECT account_id FROM referral_items WHERE referral_id IN ({referrals_sql}) "
        "AND account_id IS NOT NULL "
        f"UNION SELECT account_id FROM returning_posts WHERE post_id IN {P} "
        f"UNION SELECT linked_account FROM returning_posts WHERE post_id IN {P}"
    )
    accounts_params = posts_params + referrals_params + posts_params * 2
    A = f"({accounts_sql})"
    imports_sql = (
        f"SELECT import_id FROM posts WHERE id IN {P} "
        f"UNION SELECT first_seen_import FROM accounts WHERE id IN {A} "
        "AND first_seen_import IS NOT NULL "
        f"UNION SELECT import_id FROM media_refused WHERE post_id IN {P} "
        "AND import_id IS NOT NULL"
    )
    imports_params = posts_params + accounts_params + posts_params

    def by_post(column: str = "post_id") -> tuple[str, tuple[object, ...]]:
        return f'"{column}" IN {P}', posts_params

    where: dict[str, tuple[str, tuple[object, ...]]] = {
        "imports": (f"id IN ({imports_sql})", imports_params),
        "quarantine": ("1 = 0", ()),
        "system_notices": ("1 = 0", ()),
        "clusters": (f"id IN (SELECT cluster_id FROM posts WHERE id IN {P})", posts_params),
        "accounts": (f"id IN {A}", accounts_params),
        "posts": by_post("id"),
        "posts_fts": by_post("rowid"),
        "account_links": (f"a IN {A} AND b IN {A}", accounts_params * 2),
        "decision_origin": (
            f"uuid IN (SELECT uuid FROM decisions WHERE post_id IN {P})",
            posts_params,
        ),
        "referrals": (f"id IN ({referrals_sql})", referrals_params),
        "referral_items": (f"referral_id IN ({referrals_sql})", referrals_params),
        "referral_packs": (f"referral_id IN ({referrals_sql})", referrals_params),
        "outcomes": (f"account_id IN {A}", accounts_params),
    }
    for table in (
        "post_raw",
        "media",
        "media_text",
        "media_video",
        "video_frames",
        "media_refused",
        "indicators",
        "text_signatures",
        "lsh_buckets",
        "returning_posts",
        "decisions",
        "post_tags",
        "blind_reviews",
    ):
        where[table] = by_post()
    return Filters(where)
