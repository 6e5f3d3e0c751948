"""Outcomes and blind reviews carry personal signatures (issue 12): an outcome is signed by the
supervisor who records it, a blind review's sample by the supervisor who samples it and its
answer by the second reviewer. `triage audit verify` names every one that is unsigned, altered
or forged; a signed outcome keeps its signature through a sync pack and verifies there."""

from __future__ import annotations

from pathlib import Path

from pyrage import x25519

from tests.packs.helpers import TAGGER, approved_store
from tests.packs.sync_helpers import Field
from triage_app.cli import main
from triage_app.packs.build import build_referral_pack
from triage_app.store import blind_review
from triage_app.store.decisions import apply_tags, review
from triage_app.store.outcomes import record_outcome
from triage_app.store.signature_audit import verify_signatures


def _referred_store(make_store, tmp_path: Path):
    store = approved_store(make_store, tmp_path, n=4)
    out = tmp_path / "out"
    out.mkdir()
    build_referral_pack(
        store, "facebook", out / "p.age", recipients=[str(x25519.Identity.generate().to_public())]
    )
    return store


def _verify(store, capsys) -> tuple[int, str, str]:
    code = main(["--db", str(store.path), "audit", "verify"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _drop_triggers(store) -> None:
    for name in ("blind_reviews_answer_once",):
        store.conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def test_outcomes_are_signed_and_audit_verify_names_a_forged_or_unsigned_one(
    make_store, tmp_path, capsys
):
    store = _referred_store(make_store, tmp_path)
    account = store.scalar("SELECT account_id FROM posts WHERE id = 1")
    record_outcome(store, account, "taken-down")
    assert store.scalar("SELECT signature FROM outcomes") is not None
    checked = verify_signatures(store.conn)
    assert checked.ok and checked.outcomes == 1, [p.line for p in checked.problems]
    code, out, err = _verify(store, capsys)
    assert code == 0, out + err
    assert "decisions, referrals, outcomes and blind reviews" in out

    with store.transaction() as conn:  # someone with the file turns it into "still live"
        conn.execute("UPDATE outcomes SET outcome = 'still_live'")
        conn.execute(
            "INSERT INTO outcomes(uuid, account_id, outcome, on_date, actor, at) "
            "VALUES ('forged-1', ?, 'taken_down', '2025-01-01', 'alice', '2025-01-01T00:00:00Z')",
            (account,),
        )
    code, out, err = _verify(store, capsys)
    assert code == 1
    lines = [ln for ln in out.splitlines() if ln.startswith("outcome ")]
    assert len(lines) == 2, out
    assert (
        "still live" in lines[0] and "the signature is not alice's (altered or forged)" in lines[0]
    )
    assert lines[1].startswith("outcome forged-1 (taken down") and lines[1].endswith("unsigned")
    assert "signature problem(s)" in err


def test_blind_reviews_are_signed_by_sampler_and_reviewer(make_store, tmp_path, capsys):
    store = approved_store(make_store, tmp_path, n=4)
    chosen = blind_review.sample(store, TAGGER, 2, seed=1)
    blind_review.record_answer(store, chosen[0], ["boat_crossing"])
    rows = store.execute(
        "SELECT sample_signature, answer_signature FROM blind_reviews ORDER BY id"
    ).fetchall()
    assert all(r[0] for r in rows) and rows[0][1] and rows[1][1] is None
    checked = verify_signatures(store.conn)
    assert checked.ok and checked.blind_reviews == 2, [p.line for p in checked.problems]

    _drop_triggers(store)
    with store.transaction() as conn:  # the answer changed afterwards, the sample rewritten
        conn.execute(
            "UPDATE blind_reviews SET second_tags = '[\"not_relevant\"]' WHERE post_id = ?",
            (chosen[0],),
        )
        conn.execute("UPDATE blind_reviews SET first_tags = '[]' WHERE post_id = ?", (chosen[1],))
    code, out, _err = _verify(store, capsys)
    assert code == 1
    lines = [ln for ln in out.splitlines() if ln.startswith("blind review ")]
    assert len(lines) == 2, out
    assert any("its answer: the signature is not alice's" in ln for ln in lines)
    assert any("its sample by alice: the signature is not alice's" in ln for ln in lines)


def test_a_signed_outcome_travels_and_verifies_on_the_receiver(tmp_path):
    a, b = Field(tmp_path, "a", "anna"), Field(tmp_path, "b", "ben")
    a.register(b)
    b.register(a)
    a.import_posts(range(1, 3))
    post = a.post_id("p1")
    apply_tags(a.store, [post], add=["boat_crossing"])
    review(a.store, [post], "approve")
    out = tmp_path / "packs"
    out.mkdir()
    build_referral_pack(
        a.store, "facebook", out / "r.age", recipients=[str(x25519.Identity.generate().to_public())]
    )
    record_outcome(
        a.store, a.store.scalar("SELECT account_id FROM posts WHERE id = ?", (post,)), "taken-down"
    )
    b.receive(a.export_to(b), a)
    sent = a.store.scalar("SELECT signature FROM outcomes")
    assert sent and b.store.scalar("SELECT signature FROM outcomes") == sent
    checked = verify_signatures(b.store.conn)
    assert checked.outcomes == 1
    assert not [p for p in checked.problems if p.kind == "outcome"], checked.problems
