"""The accounting rule (issue 13): every line of a chat export is a post, a continuation of the
post before it, a recognised system notice (kept in the store) or quarantined with a reason, and
the import summary shows the four numbers adding up to the file's lines."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from tests.conftest import run_cli
from tests.ingest.format_helpers import read_with
from triage_app.core.records import Notice
from triage_app.ingest.base import ReadContext
from triage_app.ingest.pipeline import import_paths
from triage_app.ingest.registry import importers

# 16 lines, every kind of line in it (the last line has no final newline)
CHAT = (
    "\n"  # 1 blank before the first message: continuation (carries nothing)
    "18/03/2022, 14:56 - Messages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"  # 2 notice
    "18/03/2022, 14:57 - Omar: Departure Friday\n"  # 3 post
    "price 2500\n"  # 4 continuation
    "\n"  # 5 continuation (blank inside the message)
    "call now\n"  # 6 continuation
    "18/03/2022, 14:58 - Omar left\n"  # 7 notice
    "stray words\n"  # 8 after a notice: quarantined, never glued on
    "18/03/2022, 25:61 - Sara: a header whose time cannot be read\n"  # 9 quarantined
    "and its next line\n"  # 10 quarantined with it, not appended to line 3's message
    "31/02/2022, 10:00 - Sara: 31 February\n"  # 11 impossible date: quarantined
    "with a second line\n"  # 12 quarantined with it
    "18/03/2022, 15:00 - Sara: This message was deleted\n"  # 13 notice (deleted)
    "18/03/2022, 15:01 - Sara: <Media omitted>\n"  # 14 post with missing media
    "\n"  # 15 trailing blank: continuation, not kept in the text
    "18/03/2022, 15:02 - Ali: last"  # 16 post
)


def _write(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "WhatsApp Chat with Boats.txt"
    path.write_text(CHAT, encoding="utf-8")
    return path


def test_every_line_lands_in_exactly_one_place(tmp_path: Path) -> None:
    path = _write(tmp_path)
    ctx = ReadContext(path, path.parent)
    results = list(importers()["whatsapp"].read(path, ctx))
    assert ctx.lines is not None and ctx.lines.balanced()
    assert ctx.lines.as_dict() == {
        "total": 16,
        "posts": 3,
        "continuation": 5,
        "notices": 3,
        "quarantined": 5,
    }
    got = read_with("whatsapp", path)
    assert [p.text for p in got.posts] == ["Departure Friday\nprice 2500\n\ncall now", "", "last"]
    assert got.posts[1].media[0].missing
    assert [(b.line_no, b.reason) for b in got.bad] == [
        (8, "text after a WhatsApp system notice (member) on line 7; not part of any message"),
        (9, "line starts like a message header but its date or time cannot be read"),
        (11, "impossible date for this file's day/month order"),
    ]
    assert got.bad[1].raw == (
        b"18/03/2022, 25:61 - Sara: a header whose time cannot be read\nand its next line"
    )
    notices = [r for r in results if isinstance(r, Notice)]
    assert [(n.line_no, n.kind) for n in notices] == [
        (2, "encryption"),
        (7, "member"),
        (13, "deleted"),
    ]
    assert notices[2].sender == "Sara"


def test_the_old_defects_lost_lines(tmp_path: Path) -> None:
    """Hour 0 in a 12-hour clock after a system line: the old reader glued every later line
    onto the notice and dropped them all; now each is its own message."""
    path = tmp_path / "WhatsApp Chat with A.txt"
    path.write_text(
        "[3/18/22, 11:58:00 PM] A: \u200eA added B\n"
        "[3/19/22, 00:04:00 AM] B: hi\n"
        "[3/19/22, 00:05:00 AM] B: there\n",
        encoding="utf-8",
    )
    ctx = ReadContext(path, path.parent)
    results = list(importers()["whatsapp"].read(path, ctx))
    assert ctx.lines is not None
    assert ctx.lines.as_dict() == {
        "total": 3,
        "posts": 2,
        "continuation": 0,
        "notices": 1,
        "quarantined": 0,
    }
    assert len([r for r in results if isinstance(r, Notice)]) == 1


def test_notices_are_kept_in_the_store_and_the_account_recorded(make_store, tmp_path: Path) -> None:
    store = make_store()
    [summary] = import_paths(store, [_write(tmp_path)], enrich=False)
    assert summary.error is None
    assert summary.lines == {
        "total": 16,
        "posts": 3,
        "continuation": 5,
        "notices": 3,
        "quarantined": 5,
    }
    assert (summary.inserted, summary.quarantined, summary.notices) == (3, 3, 3)
    rows = store.execute(
        "SELECT line_no, kind, language, sender, raw FROM system_notices ORDER BY line_no"
    ).fetchall()
    assert [tuple(r[:4]) for r in rows] == [
        (2, "encryption", "en", None),
        (7, "member", "en", None),
        (13, "deleted", "en", "Sara"),
    ]
    assert rows[1][4] == "18/03/2022, 14:58 - Omar left"
    recorded = store.execute("SELECT line_account FROM imports").fetchone()[0]
    assert json.loads(recorded)["total"] == 16
    accounts = {r[0] for r in store.execute("SELECT platform_account_id FROM accounts")}
    assert accounts == {"Omar", "Sara", "Ali"}


def test_cli_summary_shows_the_four_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path)
    env = {"TRIAGE_PLAIN_STORE": "1"}
    code, out, err = run_cli("import", str(path), "--no-enrich", env=env)
    assert (code, err) == (0, "")
    assert (
        "  lines 16: 3 posts, 5 continuation, 3 system notices, 5 quarantined "
        "(blank lines count with the message they sit in)"
    ) in out.splitlines()
    code, out, err = run_cli("import", str(path), "--no-enrich", "--json", env=env)
    assert code == 0, err
    [summary] = json.loads(out)
    lines = summary["lines"]
    assert lines["posts"] + lines["continuation"] + lines["notices"] + lines["quarantined"] == 16
    assert summary["notices"] == 3
    db = Path(os.environ["TRIAGE_DATA_DIR"]) / "store.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM system_notices").fetchone()[0] == 6  # 2 imports


def test_cli_date_order(tmp_path: Path) -> None:
    env = {"TRIAGE_PLAIN_STORE": "1"}
    ambiguous = tmp_path / "WhatsApp Chat with Q.txt"
    ambiguous.write_text("03/04/22, 10:00 - A: one\n05/06/22, 10:05 - B: two\n", encoding="utf-8")
    code, out, err = run_cli("import", str(ambiguous), "--no-enrich", env=env)
    assert code == 1
    assert "--date-order dmy" in err and "Traceback" not in err
    code, out, err = run_cli(
        "import", str(ambiguous), "--no-enrich", "--date-order", "mdy", env=env
    )
    assert (code, err) == (0, "")
    assert "dates read month first as asked (--date-order mdy)" in out


def test_generic_jsonl_accounts_for_every_line(make_store, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    good = '{"platform": "x", "post_id": "1", "text": "boat on friday", "created_at": 1647600000}'
    path.write_text(
        f"{good}\n\n{{broken\n"
        '{"platform": "x", "post_id": "2", "text": "price 2500", "created_at": 1647600060}\n\n',
        encoding="utf-8",
    )
    [summary] = import_paths(make_store(), [path], enrich=False)
    assert summary.error is None, summary.error
    assert summary.lines == {
        "total": 5,
        "posts": 2,
        "continuation": 2,  # the blank lines (they carry nothing)
        "notices": 0,
        "quarantined": 1,
    }


def test_a_whatsapp_zip_is_accounted_for_like_its_chat(make_store, tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "WhatsApp Chat - Boats.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("_chat.txt", CHAT)
    path = _write(tmp_path / "plain")
    store = make_store()
    for item in (archive, path):
        [summary] = import_paths(store, [item], enrich=False)
        assert summary.error is None, summary.error
        assert summary.lines is not None and summary.lines["total"] == 16
        assert summary.lines["notices"] == 3 and summary.lines["quarantined"] == 5
