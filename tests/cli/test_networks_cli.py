"""Networks of accounts and posts returning after a takedown (issue 18), through the real CLI
on a real store: two platforms, accounts linked by a phone number and by near-duplicate text, a
stop-listed common number linking nobody, a taken-down account's successor flagged returning
with the reason, and the links growing after a second import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.support.run_as import real_login
from triage_app.store.connection import open_store

TEMPLATE = (
    "Safe crossing from Zuwara to Lampedusa every Friday night in a big wooden boat with "
    "life jackets for every passenger, experienced captain, food and water included, children "
    "welcome, families travel together, departure from the old harbour after midnight"
)
WEATHER = (
    "Raining again in Leicester this morning, the bus was late and the park is full of puddles, "
    "so the children stayed home and we baked bread and watched films all afternoon"
)
BOAT_PHONE = "+218 91 234 5678"
BOAT_SHOWN = "+218 91-2345678"  # as phonenumbers writes a Libyan mobile number
COMMON = "+44 20 7946 0018"


def _record(platform: str, post: str, handle: str, day: str, text: str) -> dict[str, str]:
    return {
        "platform": platform,
        "post_id": post,
        "url": f"https://{platform}.example/{post}",
        "created_at": f"{day}T10:00:00Z",
        "text": text,
        "author_id": f"id-{handle}",
        "author_handle": handle,
        "author_name": handle,
    }


FIRST = [
    _record("telegram", "t1", "boatman1", "2026-01-10", f"Crossing to Italy, call {BOAT_PHONE}"),
    _record(
        "facebook", "f1", "sea_travel", "2026-01-11", "Boat trips weekly https://wa.me/218912345678"
    ),
    _record("telegram", "t2", "ferry_a", "2026-01-12", TEMPLATE + " ask for Sami"),
    _record("facebook", "f2", "ferry_b", "2026-01-13", TEMPLATE + " ask for Omar"),
    _record("telegram", "t4", "weather1", "2026-01-16", WEATHER + " Stay dry, friends!"),
    _record("facebook", "f4", "weather2", "2026-01-17", WEATHER + " Stay dry, everyone!"),
    _record("telegram", "t3", "shop1", "2026-01-14", f"Phone repairs, support line {COMMON}"),
    _record("facebook", "f3", "shop2", "2026-01-15", f"Phone cases, support line {COMMON}"),
]
SECOND = [
    _record("telegram", "t9", "boatman2", "2026-03-05", f"New account! Same captain: {BOAT_PHONE}"),
    _record(
        "facebook",
        "f9",
        "shop3",
        "2026-03-06",
        f"Cheap SIM cards and chargers for tourists at the market, or ring {COMMON}",
    ),
]


def _write(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _cli(env: dict[str, str], *args: str) -> str:
    code, out, err = run_cli(*args, env=env)
    assert code == 0, err
    return out


def _network(env: dict[str, str], account: str) -> dict:
    return json.loads(_cli(env, "network", account, "--json"))


def _handles(network: dict) -> set[str]:
    return {a["handle"] for a in network["accounts"]}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "nets").mkdir()
    key_passphrase = tmp_path / "key-passphrase"
    key_passphrase.write_text("correct horse battery staple networks\n", encoding="utf-8")
    key_passphrase.chmod(0o600)
    return {
        "TRIAGE_DATA_DIR": str(tmp_path / "nets"),
        "TRIAGE_PLAIN_STORE": "1",
        "TRIAGE_KEY_PASSPHRASE_FILE": str(key_passphrase),
    }


def test_network_of_an_account_in_a_subprocess(env: dict[str, str], tmp_path: Path) -> None:
    """The quick one (the default suite): an import, then the network as a script reads it."""
    _cli(env, "import", str(_write(tmp_path / "first.jsonl", FIRST[:2])), "--format", "jsonl")
    boat = _network(env, "telegram:boatman1")
    assert _handles(boat) == {"boatman1", "sea_travel"}
    assert {a["platform"] for a in boat["accounts"]} == {"telegram", "facebook"}


@pytest.mark.slow  # about 20 s of subprocesses; tests/store/test_networks.py runs it in-process
def test_networks_and_a_returning_smuggler(env: dict[str, str], tmp_path: Path) -> None:
    _cli(env, "import", str(_write(tmp_path / "first.jsonl", FIRST)), "--format", "jsonl")

    # Linked by a phone number across platforms (the WhatsApp number written without '+').
    boat = _network(env, "telegram:boatman1")
    assert _handles(boat) == {"boatman1", "sea_travel"}
    assert {s["shown"] for link in boat["links"] for s in link["shared"]} >= {BOAT_SHOWN}
    # Linked by near-duplicate text.
    ferry = _network(env, "ferry_a")
    assert _handles(ferry) == {"ferry_a", "ferry_b"}
    assert [s["kind"] for s in ferry["links"][0]["shared"]] == ["text"]

    # The common number links the shops until it is stop-listed; then it links nobody.
    assert _handles(_network(env, "shop1")) == {"shop1", "shop2"}
    out = _cli(env, "networks", "--stop", COMMON)
    assert "added to the stop list" in out
    assert _handles(_network(env, "shop1")) == {"shop1"}
    listed = json.loads(_cli(env, "networks", "--json"))["networks"]
    assert sorted(n["accounts"] for n in listed) == [2, 2]
    assert {n["platforms"]["telegram"] for n in listed} == {1}
    text = _cli(env, "networks")
    assert f"shared: {BOAT_SHOWN} (2 accounts)" in text

    # boatman1 is referred, then taken down (the outcome through the CLI).
    store = open_store(Path(env["TRIAGE_DATA_DIR"]) / "store.db", user=real_login())
    account = store.scalar("SELECT id FROM accounts WHERE handle = 'boatman1'")
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r1', 'telegram', '[]', ?, 'p.age', "
            "'x', '2026-02-01T00:00:00Z', 1)",
            ("0" * 64,),
        )
        conn.execute(
            "INSERT INTO referral_items SELECT ?, id, account_id FROM posts WHERE account_id = ?",
            (cur.lastrowid, account),
        )
        conn.execute("UPDATE accounts SET referred = 1 WHERE id = ?", (account,))
    store.close()
    _cli(env, "outcome", "telegram:boatman1", "taken-down", "--date", "2026-03-01")

    # The second import: boatman2 returns with the same number; shop3's common number links
    # nobody; the links grew incrementally.
    _cli(env, "import", str(_write(tmp_path / "second.jsonl", SECOND)), "--format", "jsonl")
    boat = _network(env, "boatman1")
    assert _handles(boat) == {"boatman1", "sea_travel", "boatman2"}
    statuses = {a["handle"]: a["status"] for a in boat["accounts"]}
    assert statuses["boatman1"] == "taken_down"
    assert _handles(_network(env, "shop3")) == {"shop3"}

    queue = json.loads(_cli(env, "queue", "--json", "--limit", "3"))["posts"]
    top = queue[0]
    assert top["text"].startswith("New account!")
    shown = _cli(env, "show", str(top["id"]))
    reason = f"shares {BOAT_SHOWN} with @boatman1 on telegram, taken down 2026-03-01"
    assert reason in shown

    stats = json.loads(_cli(env, "stats", "--json"))
    assert stats["queue"]["returning"] == {"posts": 1, "accounts": 1, "waiting": 1}
    assert "Returning after a takedown: 1 post from 1 account (1 waiting)" in _cli(env, "stats")
