"""Networks of accounts (store/networks.py) through the CLI's own entry point in this process
(fast twin of tests/cli/test_networks_cli.py): links and what they share, the frequency cut-off,
the incremental update, returning posts at the top with the reason, and the supervisor's
returning weight (audited; analysts refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_networks_cli import BOAT_PHONE, BOAT_SHOWN, COMMON, FIRST, SECOND, _write
from tests.support.run_as import as_person
from triage_app.cli import main
from triage_app.store.connection import open_store
from triage_app.store.enrich import explain_post_priority
from triage_app.store.networks import rebuild_networks, update_networks
from triage_app.store.users import add_user


@pytest.fixture
def store(make_store):
    return make_store(user="alice")  # alice created the store: the supervisor


def cli(store, capsys, *args: str, code: int = 0) -> str:
    capsys.readouterr()
    assert main(["--db", str(store.path), *args]) == code
    captured = capsys.readouterr()
    return captured.out if code == 0 else captured.err


def network(store, capsys, account: str) -> dict:
    return json.loads(cli(store, capsys, "network", account, "--json"))


def handles(net: dict) -> set[str]:
    return {a["handle"] for a in net["accounts"]}


def take_down(store, handle: str, capsys) -> None:
    account = store.scalar("SELECT id FROM accounts WHERE handle = ?", (handle,))
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES (?, 'telegram', '[]', ?, 'p.age', "
            "'alice', '2026-02-01T00:00:00Z', 1)",
            (f"r-{handle}", "0" * 64),
        )
        conn.execute(
            "INSERT INTO referral_items SELECT ?, id, account_id FROM posts WHERE account_id = ?",
            (cur.lastrowid, account),
        )
        conn.execute("UPDATE accounts SET referred = 1 WHERE id = ?", (account,))
    cli(store, capsys, "outcome", str(account), "taken-down", "--date", "2026-03-01")


def test_links_returning_and_weight(store, capsys, tmp_path: Path) -> None:
    first = _write(tmp_path / "first.jsonl", FIRST)
    cli(store, capsys, "import", str(first), "--format", "jsonl")
    boat = network(store, capsys, "telegram:boatman1")
    assert handles(boat) == {"boatman1", "sea_travel"}
    assert {a["platform"] for a in boat["accounts"]} == {"telegram", "facebook"}
    shared = {s["kind"]: s["shown"] for link in boat["links"] for s in link["shared"]}
    assert shared["phone"] == BOAT_SHOWN
    ferry = network(store, capsys, "ferry_b")
    assert [s["kind"] for s in ferry["links"][0]["shared"]] == ["text"]
    assert "near-duplicate text (posts" in ferry["links"][0]["shared"][0]["shown"]
    # Everyday posts alike (no contact point, price or lexicon concept) link nobody.
    assert (
        store.scalar(
            "SELECT count(DISTINCT cluster_id) FROM posts p JOIN accounts a ON a.id = p.account_id "
            "WHERE a.handle IN ('weather1', 'weather2')"
        )
        == 1
    )
    assert handles(network(store, capsys, "weather1")) == {"weather1"}
    text = cli(store, capsys, "network", "ferry_a")
    assert "is in network" in text and "near-duplicate text" in text
    cli(store, capsys, "networks", "--stop", COMMON)
    assert handles(network(store, capsys, "shop2")) == {"shop2"}
    assert COMMON.replace(" ", "") in cli(store, capsys, "networks", "--stop-list")

    take_down(store, "boatman1", capsys)
    before = store.scalar("SELECT count(*) FROM account_links")
    second = _write(tmp_path / "second.jsonl", SECOND)
    out = cli(store, capsys, "import", str(second), "--format", "jsonl")
    assert "1 new post returning after a takedown, at the top of the queue" in out
    # Incremental: only the new posts were looked at, and their links were added.
    assert store.scalar("SELECT count(*) FROM account_links") > before
    assert handles(network(store, capsys, "boatman2")) == {"boatman1", "sea_travel", "boatman2"}
    assert handles(network(store, capsys, "shop3")) == {"shop3"}

    top = json.loads(cli(store, capsys, "queue", "--json", "--limit", "1"))["posts"][0]
    assert BOAT_PHONE.split()[-1] in top["text"] or "Same captain" in top["text"]
    explained = explain_post_priority(store, top["id"])
    reason = f"shares {BOAT_SHOWN} with @boatman1 on telegram, taken down 2026-03-01"
    assert top["returning"] == reason
    shown = json.loads(cli(store, capsys, "show", str(top["id"]), "--json"))
    assert shown["returning"] == reason  # the post's own view says why it came back
    assert f"+100.0  returning: {reason}" in explained
    listed = cli(store, capsys, "networks")
    assert "returning posts: 1" in listed and "taken down 1" in listed

    # The supervisor's weight: audited, rescored at once; an analyst is refused.
    priority = top["priority"]
    assert "now 20 points" in cli(store, capsys, "settings", "returning-weight", "20")
    assert store.scalar("SELECT priority FROM posts WHERE id = ?", (top["id"],)) == pytest.approx(
        priority - 80
    )
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'returning_weight'") == 1
    assert "20 points" in cli(store, capsys, "settings", "returning-weight")
    err = cli(store, capsys, "settings", "returning-weight", "lots", code=2)
    assert "number from 0 to 10,000" in err and "Traceback" not in err
    add_user(store, "ana", "analyst")
    with as_person("ana"):
        err = cli(store, capsys, "settings", "returning-weight", "5", code=1)
    assert "supervisor" in err and len(err.strip().splitlines()) == 1


def test_frequency_cut_off_and_posts_before_the_takedown(store, capsys, tmp_path) -> None:
    records = [
        {**FIRST[0], "post_id": f"c{i}", "author_id": f"id-c{i}", "author_handle": f"c{i}"}
        for i in range(4)
    ]
    cli(store, capsys, "import", str(_write(tmp_path / "c.jsonl", records)), "--format", "jsonl")
    assert store.scalar("SELECT count(*) FROM account_links WHERE kind = 'phone'") == 6
    # Four accounts share the number: with a cut-off of three it links nobody.
    rebuild_networks(store, max_accounts=3)
    assert store.scalar("SELECT count(*) FROM account_links WHERE kind = 'phone'") == 0
    rebuild_networks(store)
    take_down(store, "c0", capsys)
    # Posts made before the takedown are not "returning"; a rebuild finds none.
    assert rebuild_networks(store).returning == []
    assert update_networks(store).posts == 0  # nothing new to look at


def test_unknown_account_and_empty_store(store, capsys) -> None:
    assert "No networks yet" in cli(store, capsys, "networks")
    err = cli(store, capsys, "network", "nobody", code=1)
    assert err.strip() == "error: No account 'nobody' in this store"
    err = cli(store, capsys, "networks", "--limit", "-1", code=2)
    assert "--limit: must be between 0" in err and len(err.strip().splitlines()) == 1
    err = cli(store, capsys, "network", code=2)
    assert "ACCOUNT" in err and "Traceback" not in err


def test_network_schema_in_a_reopened_store(store) -> None:
    again = open_store(store.path, user="alice")
    assert again.scalar("SELECT count(*) FROM account_links") == 0
    again.close()


def test_shipped_stop_list(store, capsys, tmp_path, monkeypatch) -> None:
    import shutil

    from triage_app.core.resources import resources_dir
    from triage_app.store import networks

    shipped = tmp_path / "resources"
    shutil.copytree(resources_dir(), shipped)
    (shipped / "network_stoplist.toml").write_text(
        f'values = ["{COMMON}"]  # a support line\n', encoding="utf-8"
    )
    monkeypatch.setenv("TRIAGE_RESOURCES", str(shipped))
    networks._shipped_stoplist.cache_clear()
    try:
        cli(store, capsys, "import", str(_write(tmp_path / "f.jsonl", FIRST)), "--format", "jsonl")
        assert handles(network(store, capsys, "shop1")) == {"shop1"}
        (shipped / "network_stoplist.toml").write_text("values = [1]\n", encoding="utf-8")
        networks._shipped_stoplist.cache_clear()
        err = cli(store, capsys, "networks", "--rebuild", code=1)
        assert "'values' must be a list of strings" in err
        assert store.scalar("SELECT count(*) FROM account_links") > 0  # nothing forgotten
    finally:
        networks._shipped_stoplist.cache_clear()


def test_referred_and_still_live(store, capsys, tmp_path) -> None:
    cli(store, capsys, "import", str(_write(tmp_path / "a.jsonl", FIRST[:1])), "--format", "jsonl")
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
    cli(store, capsys, "import", str(_write(tmp_path / "b.jsonl", SECOND[:1])), "--format", "jsonl")
    reason = store.scalar("SELECT reason FROM returning_posts")
    linked = "with @boatman1 on telegram, referred 2026-02-01, still live"
    assert reason == f"shares {BOAT_SHOWN} {linked}"
    assert "referred 2026-02-01" in cli(store, capsys, "network", "boatman2")


def test_other_commands_do_not_load_networkx() -> None:
    import subprocess
    import sys

    code = "import sys, triage_app.cli as c; c.build_parser(); print('networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
