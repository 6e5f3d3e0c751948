"""`triage review`, `triage outcome` and `triage blind` as scripts use them."""

from __future__ import annotations

import json

import pytest

from tests.support.run_as import as_person
from triage_app.cli import main
from triage_app.store.connection import open_store
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts
from triage_app.store.users import add_user


@pytest.fixture
def store(make_store):
    s = make_store(user="alice")  # in-process code acts as alice: the supervisor
    add_user(s, "ana", "analyst")
    ids = add_posts(s, 3)
    apply_tags(open_store(s.path, user="ana"), ids, add=["boat_crossing"])
    return s


def cli(store, *args):
    return main(["--db", str(store.path), *args])


def status(store, post_id):
    return store.scalar("SELECT status FROM posts WHERE id = ?", (post_id,))


def test_approve_and_reject(store, capsys):
    assert cli(store, "review", "1", "approve") == 0
    assert "Post 1 approved by alice" in capsys.readouterr().out
    assert cli(store, "review", "2", "reject", "--note", "news report") == 0
    assert (status(store, 1), status(store, 2)) == ("approved", "rejected")


def test_an_analyst_is_refused_with_exit_1_and_the_role_named(store, capsys):
    with as_person("ana"):
        assert cli(store, "review", "1", "approve") == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: 'approve' needs the supervisor role; 'ana' is analyst"
    assert status(store, 1) == "tagged"


@pytest.mark.parametrize(
    "args, code, message",
    [
        (("review", "one", "approve"), 2, "POST_ID must be a post id"),
        (("review", "1", "maybe"), 2, "invalid choice"),
        (("review", "1", "reject"), 2, "needs a reason"),
        (("review", "999", "approve"), 1, "No post with id 999"),
        (("outcome", "nobody", "taken-down"), 1, "No account 'nobody'"),
        (("outcome", "1", "taken-down", "--date", "2025-13-01"), 2, "not a real date"),
        (("blind", "sample", "ana", "--n", "0"), 2, "between 1 and 1,000"),
        (("blind", "answer", "1", "boat_crossing"), 1, "not waiting for a blind review"),
    ],
)
def test_bad_input_gets_one_line_and_the_right_exit(store, capsys, args, code, message):
    assert cli(store, *args) == code
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_outcome_for_a_referred_account(store, capsys):
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO referrals(uuid, platform, recipients, pack_sha256, pack_name, "
            "created_by, created_at, items) VALUES ('r', 'x', '[]', ?, 'p.age', 'alice', "
            "'2025-03-05T00:00:00Z', 1)",
            ("0" * 64,),
        )
        conn.execute(
            "INSERT INTO referral_items SELECT ?, id, account_id FROM posts WHERE id = 1",
            (cur.lastrowid,),
        )
    account = store.scalar("SELECT account_id FROM posts WHERE id = 1")
    assert cli(store, "outcome", str(account), "still-live", "--date", "2025-03-06") == 0
    assert cli(store, "outcome", str(account), "taken-down", "--date", "2025-04-01") == 0
    out = capsys.readouterr().out
    assert "taken down on 2025-04-01" in out and "earlier: still live on 2025-03-06" in out


def test_blind_review_round_trip(store, capsys):
    add_user(store, "bob", "analyst")
    assert cli(store, "blind", "sample", "ana", "--n", "2", "--reviewer", "bob", "--seed", "4") == 0
    assert "Sampled 2 of ana's decisions for a blind review by bob" in capsys.readouterr().out
    with as_person("bob"):
        assert cli(store, "blind", "list", "--json") == 0
        pending = json.loads(capsys.readouterr().out)
        assert len(pending) == 2 and "boat_crossing" not in json.dumps(pending)
        first, second = (str(p["post_id"]) for p in pending)
        assert cli(store, "blind", "answer", first, "boat_crossing") == 0
        assert "(agree)" in capsys.readouterr().out
        assert cli(store, "blind", "answer", second, "not_relevant") == 0
        assert "the analyst tagged boat_crossing (differ)" in capsys.readouterr().out
    assert cli(store, "blind", "agreement", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["by_analyst"]["ana"]["n"] == 2
    assert report["by_analyst"]["ana"]["exact_agreements"] == 1
    assert cli(store, "blind", "agreement") == 0
    assert "ana: 2 posts, identical tags on 1" in capsys.readouterr().out
    assert cli(store, "blind", "disagreements", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["first"], r["second"]) for r in rows] == [(["boat_crossing"], ["not_relevant"])]
