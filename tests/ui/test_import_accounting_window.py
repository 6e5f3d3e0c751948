"""The import window's summary shows issue 13's accounting per file: where every line of a
line-based file went (posts, continuation, notices, quarantined, adding up to its lines), and
for a JSON file the records read (posts + skipped + quarantined), the reasons in the tooltip."""

from __future__ import annotations

import json
import os
from pathlib import Path

from triage_app.ui.import_dialog import ImportDialog
from triage_app.ui.tasks import TaskRunner

CSV = (
    "platform,post_id,created_at,text\n"
    'x,w1,1647600000,"a field\nover two lines"\n'
    "\n"
    "x,w2,not a date,bad date\n"
)
TELEGRAM = {
    "name": "Trips",
    "type": "private_group",
    "id": 1,
    "messages": [
        {"id": 1, "type": "service", "date": "2023-01-01T10:00:00", "actor": "A", "text": ""},
        {
            "id": 2,
            "type": "message",
            "date": "2023-01-01T10:01:00",
            "date_unixtime": "1672567260",
            "from": "A",
            "from_id": "user1",
            "text": "crossing tonight",
        },
    ],
}


def test_the_summary_shows_the_line_accounting(make_store, qtbot, tmp_path: Path) -> None:
    case = tmp_path / "case"
    (case / "tg").mkdir(parents=True)
    (case / "posts.csv").write_text(CSV, encoding="utf-8")
    (case / "tg" / "result.json").write_text(json.dumps(TELEGRAM), encoding="utf-8")
    store = make_store()
    runner = TaskRunner()
    dialog = ImportDialog(store, [case], runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=20000)
    runner.shutdown()
    assert dialog.error is None
    headers = [
        dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())
    ]
    column = headers.index("Lines / records")
    cells = {
        dialog.table.item(r, 0).text(): dialog.table.item(r, column)
        for r in range(dialog.table.rowCount())
    }
    csv_cell = cells["posts.csv"]
    assert csv_cell.text() == "5 lines: 1 posts, 2 continuation, 1 header, 1 quarantined"
    assert "a quoted field's further lines" in csv_cell.toolTip()
    tg_cell = cells["result.json"]
    assert tg_cell.text() == "2 records: 1 posts, 1 skipped, 0 quarantined"
    assert "Telegram service message" in tg_cell.toolTip()
    dialog.resize(1280, 420)
    shot = dialog.grab()
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    shot.save(f"/tmp/import_accounting_{scale}.png")
