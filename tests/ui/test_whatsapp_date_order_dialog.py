"""The import dialog's twin of `triage import --date-order` (issue 13): a WhatsApp chat whose
dates never show whether the day or the month comes first is refused with advice the window
can follow, and imports once day first or month first is chosen."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from triage_app.ui.wording import CLI_MARKERS

SHOTS = Path("/tmp/whatsapp_shots")


def test_an_ambiguous_chat_is_imported_once_the_date_order_is_chosen(
    make_store, make_window, qtbot, tmp_path: Path
) -> None:
    store = make_store(user="sue")
    chat = tmp_path / "WhatsApp Chat with Boats.txt"
    chat.write_text(
        "03/04/22, 10:00 - Omar: boat friday\n05/06/22, 10:05 - Sara: price 2500\n",
        encoding="utf-8",
    )
    w = make_window(store)
    dialog = w.start_import([chat])
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=10000)
    result = dialog.table.item(0, dialog.table.columnCount() - 1).text()
    assert result.startswith("not imported:") and "Chat dates list" in result, result
    assert not CLI_MARKERS.search(result), result
    assert dialog.again_button.isVisible() and dialog.date_choice.isEnabled()
    SHOTS.mkdir(exist_ok=True)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    dialog.grab().save(str(SHOTS / f"import_date_order_refused_x{scale}.png"))
    dialog.date_choice.setCurrentIndex(dialog.date_choice.findData("mdy"))
    dialog.again_button.click()
    qtbot.waitUntil(lambda: dialog.is_finished, timeout=10000)
    assert dialog.summaries is not None and dialog.summaries[0].inserted == 2
    first = store.scalar("SELECT min(posted_at) FROM posts")
    assert first == int(dt.datetime(2022, 3, 4, 10, 0, tzinfo=dt.UTC).timestamp())
    dialog.grab().save(str(SHOTS / f"import_date_order_done_x{scale}.png"))
