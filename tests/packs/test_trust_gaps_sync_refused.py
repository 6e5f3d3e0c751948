"""Media an import refused travel in sync packs (issue 12): the receiving store's `triage show`
and preview pane say "media refused: reason" as the sender's do, once each however often the
post is sent again. Two real stores exchange real (age-encrypted, signed) sync packs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.packs.sync_helpers import Field
from tests.support.run_as import as_person
from triage_app.cli import main
from triage_app.ingest.pipeline import import_paths
from triage_app.packs.sync import export_sync_pack
from triage_app.store.post_detail import post_detail
from triage_app.ui.preview_pane import PreviewPane


def _export_with_refused_media(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(b"not part of the export")
    export = tmp_path / "export"
    export.mkdir()
    row = {
        "platform": "facebook",
        "post_id": "r1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "Boat tonight, 1500 EUR",
        "author_id": "a1",
        "media": ["../outside/secret.jpg", "/etc/passwd"],
    }
    path = export / "posts.jsonl"
    path.write_text(json.dumps(row) + "\n")
    return path


def test_refused_media_are_named_on_the_receiving_store(tmp_path: Path, qtbot, capsys) -> None:
    a, b = Field(tmp_path, "a", "anna"), Field(tmp_path, "b", "ben")
    a.register(b)
    b.register(a)
    summaries = import_paths(a.store, [_export_with_refused_media(tmp_path)], enrich=False)
    assert summaries[0].media_refused == 2
    sent = post_detail(a.store, a.post_id("r1"))["media_refused"]
    assert [r["reason"] for r in sent] == ["outside the export folder", "outside the export folder"]

    b.receive(a.export_to(b), a)
    post = b.post_id("r1")
    assert post_detail(b.store, post)["media_refused"] == sent

    # Sent again (everything, after a lost pack): still one record each.
    again = tmp_path / "again.age"
    export_sync_pack(a.store, b.recipient, again, everything=True)
    b.receive(again, a)
    assert post_detail(b.store, post)["media_refused"] == sent

    with as_person("ben"):
        assert main(["--db", str(b.store.path), "show", str(post)]) == 0
    out = capsys.readouterr().out
    assert "media refused: outside the export folder: '../outside/secret.jpg'" in out
    assert "media refused: outside the export folder: '/etc/passwd'" in out

    pane = PreviewPane(b.store)
    qtbot.addWidget(pane)
    pane.show_post(post)
    assert pane.source.text().count("media refused:</b> outside the export folder") == 2
