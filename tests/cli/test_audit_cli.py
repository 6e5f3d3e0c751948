"""`triage audit verify` and `triage audit list`."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from triage_app.cli import main
from triage_app.store.decisions import apply_tags
from triage_app.store.demo_history import add_posts


def make_busy(make_store):
    store = make_store()
    ids = add_posts(store, 3)
    apply_tags(store, ids[:2], add=["boat_crossing"])
    apply_tags(store, [ids[2]], add=["not_relevant"])
    return store


def test_verify_an_intact_chain(make_store, capsys):
    store = make_busy(make_store)
    assert main(["--db", str(store.path), "audit", "verify"]) == 0
    # the founder's key registration, the import and two tags
    assert capsys.readouterr().out.startswith("Audit chain intact: 4 rows")


def test_an_edited_row_is_named_with_exit_1(make_store):
    store = make_busy(make_store)
    with store.transaction() as conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET detail = '{}' WHERE id = 2")
    store.close()
    code, out, err = run_cli("--db", str(store.path), "audit", "verify")
    assert code == 1
    assert err.strip() == (
        "error: Audit chain broken at row 2: its content does not match its hash"
    )
    code, out, _ = run_cli("--db", str(store.path), "audit", "verify", "--json")
    assert code == 1 and json.loads(out)["first_bad_id"] == 2


def test_a_broken_link_is_named(make_store, capsys):
    store = make_busy(make_store)
    with store.transaction() as conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET prev_hash = ? WHERE id = 3", ("f" * 64,))
    assert main(["--db", str(store.path), "audit", "verify"]) == 1
    assert "row 3: its link to the previous row is broken" in capsys.readouterr().err


def test_list_filters(make_store, capsys):
    store = make_busy(make_store)
    assert main(["--db", str(store.path), "audit", "list", "--action", "tag", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in rows] == ["tag", "tag"] and rows[0]["id"] > rows[1]["id"]
    assert main(["--db", str(store.path), "audit", "list", "--post", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["detail"]["add"] for r in rows] == [["not_relevant"]]
    assert main(["--db", str(store.path), "audit", "list", "--actor", "alice"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 4  # with the key registration
    assert main(["--db", str(store.path), "audit", "list", "--post", "x"]) == 2
    assert "--post must be a post id" in capsys.readouterr().err


def test_verify_of_a_large_store_says_how_far_it_is(make_store, capsys, monkeypatch):
    """At ten million posts the replay of every post's decisions takes a while: `audit verify`
    reports its progress on stderr (here the thresholds are lowered to this small store)."""
    from triage_app.commands import audit
    from triage_app.store import replay

    store = make_store()
    ids = add_posts(store, 7)
    apply_tags(store, ids[:2], add=["boat_crossing"])
    monkeypatch.setattr(audit, "PROGRESS_ABOVE", 0)
    monkeypatch.setattr(replay, "REPLAY_PROGRESS_EVERY", 2)
    assert main(["--db", str(store.path), "audit", "verify"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Audit chain intact")
    lines = err.splitlines()
    assert "checking the audit chain" in err
    replayed = [ln for ln in lines if ln.startswith("replaying decisions: post ")]
    assert replayed and replayed[-1] == "replaying decisions: post 7 of 7"


def test_verify_of_a_small_store_prints_no_progress(make_store, capsys):
    store = make_busy(make_store)
    assert main(["--db", str(store.path), "audit", "verify"]) == 0
    assert capsys.readouterr().err == ""
