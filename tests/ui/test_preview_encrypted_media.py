"""The preview shows an encrypted store's media: the thumbnails are decrypted in memory from the
sealed evidence copies (issue 12: evidence media lie unencrypted), nothing plain is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.store.test_evidence_at_rest import png
from triage_app.ingest.evidence import evidence_dir
from triage_app.ingest.pipeline import import_paths
from triage_app.store.evidence_crypto import MAGIC
from triage_app.store.opening import open_for_user
from triage_app.ui.media_view import load_thumbnail
from triage_app.ui.preview_pane import PreviewPane


def test_the_preview_shows_an_encrypted_stores_photo(qtbot, tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "boat.png").write_bytes(png(5))
    row = {
        "platform": "facebook",
        "post_id": "p1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "Boat tonight",
        "media": ["boat.png"],
    }
    (export / "posts.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "data2").mkdir()
    store = open_for_user(tmp_path / "data2" / "store.db", create=True)
    try:
        import_paths(store, [export / "posts.jsonl"], enrich=False)
        (copy,) = [p for p in evidence_dir(store.path).rglob("*.png")]
        assert copy.read_bytes().startswith(MAGIC)
        before = set(os.listdir(tmp_path / "data2"))
        pane = PreviewPane(store)
        qtbot.addWidget(pane)
        pane.show_post(1)
        (tile,) = pane.media.tiles
        assert tile.item.still == copy and tile.concealed_image()  # a picture, not a card
        tile.set_revealed(True)
        image = tile.pixmap().toImage()
        assert image.width() > 0
        # The key is what makes the difference: without it the copy cannot be shown.
        assert load_thumbnail(copy, concealed=False, key=None) is None
        assert load_thumbnail(copy, concealed=False, key=tile.item.key) is not None
        assert set(os.listdir(tmp_path / "data2")) == before  # nothing decrypted to disk
    finally:
        store.close()
