"""Posts already in the store become returning when a linked account is taken down or referred
afterwards (store/networks.py recheck_returning, called from record_outcome and referrals)."""

from __future__ import annotations

from tests.cli.test_networks_cli import BOAT_SHOWN, FIRST, SECOND, _write
from tests.store.test_networks import cli, store, take_down  # noqa: F401  (fixture)
from triage_app.store.networks import recheck_returning


def test_takedown_after_the_linked_posts_flags_them(store, capsys, tmp_path) -> None:  # noqa: F811
    posts = [*FIRST[:2], SECOND[0]]  # boatman1, sea_travel (January), boatman2 (5 March)
    cli(store, capsys, "import", str(_write(tmp_path / "a.jsonl", posts)), "--format", "jsonl")
    assert store.scalar("SELECT count(*) FROM returning_posts") == 0
    take_down(store, "boatman1", capsys)  # 1 March: only boatman2's post came after it
    rows = store.execute(
        "SELECT a.handle, r.reason FROM returning_posts r JOIN accounts a ON a.id = r.account_id"
    ).fetchall()
    reason = f"shares {BOAT_SHOWN} with @boatman1 on telegram, taken down 2026-03-01"
    assert rows == [("boatman2", reason)]
    top = store.scalar("SELECT id FROM posts ORDER BY priority DESC LIMIT 1")
    assert store.scalar("SELECT account_id FROM returning_posts") == store.scalar(
        "SELECT account_id FROM posts WHERE id = ?", (top,)
    )
    assert recheck_returning(store) == []  # nothing new since


def test_referral_flags_only_untagged_posts(store, capsys, tmp_path) -> None:  # noqa: F811
    posts = [FIRST[0], SECOND[0]]
    cli(store, capsys, "import", str(_write(tmp_path / "a.jsonl", posts)), "--format", "jsonl")
    account = store.scalar("SELECT id FROM accounts WHERE handle = 'boatman1'")
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r', 'telegram', '[]', ?, 'p.age', "
            "'alice', '2026-02-01T00:00:00Z', 1)",
            ("0" * 64,),
        )
        conn.execute(
            "INSERT INTO referral_items SELECT ?, id, account_id FROM posts WHERE account_id = ?",
            (cur.lastrowid, account),
        )
        conn.execute("UPDATE accounts SET referred = 1 WHERE id = ?", (account,))
        conn.execute(
            "UPDATE posts SET status = 'tagged' WHERE account_id = "
            "(SELECT id FROM accounts WHERE handle = 'boatman2')"
        )
    cli(store, capsys, "networks")  # the check also runs here (referral recorded elsewhere)
    assert store.scalar("SELECT count(*) FROM returning_posts") == 0  # already tagged: left
    with store.transaction() as conn:
        conn.execute("UPDATE posts SET status = 'new'")
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r2', 'telegram', '[]', ?, 'p.age', "
            "'alice', '2026-02-02T00:00:00Z', 1)",
            ("1" * 64,),
        )
        conn.execute(
            "INSERT INTO referral_items SELECT ?, id, account_id FROM posts WHERE account_id = ?",
            (cur.lastrowid, account),
        )
    assert len(recheck_returning(store)) == 1
    assert "referred 2026-02-01, still live" in store.scalar("SELECT reason FROM returning_posts")
