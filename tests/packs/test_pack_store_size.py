"""Issue 17: a referral pack costs what it holds, not what the store holds. The same 50-post
pack, from a store of 500 posts and from a store of 5,000 (the extra posts are by the pack's
accounts and by the accounts linked to them, as in a store that grew), makes SQLite do about
the same work. Before the fix the build counted every post of every network member, read the
store's whole link graph and, after recording the referral, walked every waiting post of every
linked account to flag the few made since (a 100,000-post pack from the 10M store: 177 s).

Stores are filled through the real importer (its enrichment makes the account links), tagged by
an analyst and approved by the supervisor; the work is counted with SQLite's progress handler
(virtual machine steps), which does not depend on the machine's load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyrage import x25519

from tests.packs.helpers import TAGGER
from tests.support.run_as import tag_as
from triage_app.ingest.pipeline import import_paths
from triage_app.packs.build import build_referral_pack
from triage_app.store.decisions import review
from triage_app.store.networks import recheck_returning

PAIRS = 10  # facebook account fK shares a phone number with telegram account tK
PACK_POSTS = 50
STEP = 100  # VM instructions per progress-handler call


def _post(platform: str, account: str, n: int, text: str, day: int) -> dict[str, object]:
    return {
        "platform": platform,
        "post_id": f"{account}-{n}",
        "url": f"https://{platform}.example/{account}/{n}",
        "created_at": f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T10:00:00Z",
        "text": text,
        "author_id": f"id-{account}",
        "author_handle": account,
    }


def _corpus(path: Path, total: int) -> Path:
    """PACK_POSTS facebook posts naming their pair's phone, one telegram post per pair naming
    it too (the links), then filler posts by the same accounts up to ``total``."""
    rows = []
    for n in range(PACK_POSTS):
        k = n % PAIRS
        phone = f"+44 7700 900{k:03d}"
        rows.append(_post("facebook", f"f{k}", n, f"Boat to Italy, call {phone}", n % 40))
    for k in range(PAIRS):
        phone = f"+44 7700 900{k:03d}"
        rows.append(_post("telegram", f"t{k}", 0, f"Seats left, call {phone}", k))
    n = 0
    while len(rows) < total:
        account = f"{'ft'[n % 2]}{(n // 2) % PAIRS}"
        platform = "facebook" if account[0] == "f" else "telegram"
        rows.append(_post(platform, account, 1000 + n, f"Weather report number {n}", n % 200))
        n += 1
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _build_steps(make_store, folder: Path, total: int) -> int:
    folder.mkdir()
    store = make_store(name=f"store-{total}.db")
    import_paths(store, [_corpus(folder / "posts.jsonl", total)])
    assert store.scalar("SELECT count(*) FROM posts") == total
    assert store.scalar("SELECT count(*) FROM account_links") >= PAIRS  # the networks exist
    chosen = [
        r[0]
        for r in store.execute(
            "SELECT id FROM posts WHERE platform = 'facebook' AND text LIKE 'Boat%' ORDER BY id"
        )
    ]
    assert len(chosen) == PACK_POSTS
    tag_as(store, TAGGER, chosen, ["boat_crossing"])
    review(store, chosen, "approve")
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    store.conn.set_progress_handler(count, STEP)
    key = str(x25519.Identity.generate().to_public())
    result = build_referral_pack(store, "facebook", folder / "pack.age", recipients=[key])
    store.conn.set_progress_handler(None, STEP)
    assert result.posts == PACK_POSTS
    return steps[0] * STEP


@pytest.mark.sqlite_only("counts SQLite's virtual machine steps")
def test_a_pack_costs_what_it_holds_not_what_the_store_holds(make_store, tmp_path) -> None:
    small = _build_steps(make_store, tmp_path / "small", 500)
    large = _build_steps(make_store, tmp_path / "large", 5000)
    # Ten times the store: the same pack. Before the fix the large store's build took about
    # 2.3 times the small one's steps (now the same); reading in proportion to the store fails.
    assert large <= small * 1.15, (small, large)


def test_waiting_posts_read_by_date_are_those_the_account_walk_finds(
    make_store, tmp_path, monkeypatch
) -> None:
    """recheck_returning reads the linked accounts' waiting posts through the date index when
    that is cheaper; the posts it flags are those the per-account walk flags."""
    from triage_app.store.networks import _waiting_since

    flagged = {}
    for name, by_date in (("walk", False), ("dates", True)):
        folder = tmp_path / name
        folder.mkdir()
        store = make_store(name=f"{name}.db")
        import_paths(store, [_corpus(folder / "posts.jsonl", 400)])
        if not by_date:
            monkeypatch.setattr("triage_app.store.networks._waiting_since", lambda c, f: {})
        else:
            monkeypatch.setattr("triage_app.store.networks._waiting_since", _waiting_since)
        with store.transaction() as conn:  # referred on 2026-03-01: later posts come back
            cur = conn.execute(
                "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
                "created_by, created_at, items) VALUES ('r', 'facebook', '[]', ?, 'p.age', "
                "'alice', '2026-03-01T00:00:00Z', 1)",
                ("0" * 64,),
            )
            conn.execute(
                "INSERT INTO referral_items SELECT ?, id, account_id FROM posts "
                "WHERE account_id IN (SELECT id FROM accounts WHERE handle LIKE 'f%')",
                (cur.lastrowid,),
            )
        assert recheck_returning(store)
        flagged[name] = store.execute(
            "SELECT p.platform_post_id, r.linked_account, r.kind, r.value, r.on_date, r.reason "
            "FROM returning_posts r JOIN posts p ON p.id = r.post_id ORDER BY 1"
        ).fetchall()
    assert flagged["dates"] == flagged["walk"]
    assert 0 < len(flagged["dates"]) < 200  # some telegram posts came after the referral
