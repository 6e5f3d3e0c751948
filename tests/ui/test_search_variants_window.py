"""Issue 15 in the window: a search typed in one spelling shows the posts written in another,
the preview highlights the words on the characters the post really has (harakat, hamza forms,
Arabic-Indic digits), and a search with no hits says so under the box with links to searches
that find posts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from triage_app.ingest.pipeline import import_paths
from triage_app.store.queue import QueueQuery

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

TEXTS = [
    "قارب إلى إيطاليا، السعر ٢٨٠٠ يورو",
    "مَرْكَبٌ إِلَى إِيطَالِيَا",
    "Boat to Italy, price 2800 euro",
]


@pytest.fixture
def small_store(make_store, tmp_path: Path):
    store = make_store()
    export = tmp_path / "posts.jsonl"
    with open(export, "w", encoding="utf-8") as out:
        for i, text in enumerate(TEXTS):
            record = {
                "platform": "telegram",
                "post_id": f"p{i}",
                "created_at": f"2025-03-01T10:0{i}:00Z",
                "text": text,
                "author_id": "a1",
                "author_handle": "agent",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    import_paths(store, [export], fmt="jsonl", enrich=False)
    return store


def _highlighted(html: str) -> list[str]:
    """The text of the search-hit spans in the preview's HTML (yellow, bold)."""
    return re.findall(
        r'<span style="[^"]*background-color:#fff176;[^"]*"[^>]*>([^<]*)</span>', html
    )


def test_preview_highlights_the_original_characters(small_store, make_window, qtbot):
    w = make_window(small_store)
    assert w.apply_query(QueueQuery(search="ايطاليا 2800"))
    assert w.model.rowCount() == 1
    qtbot.waitUntil(lambda: w.preview.post_id is not None)
    w.preview.refresh()
    html = w.preview.text_view.toHtml()
    assert _highlighted(html) == ["إيطاليا", "٢٨٠٠"]

    assert w.apply_query(QueueQuery(search="مركب"))
    assert w.model.rowCount() == 1
    w.preview.show_post(w.current_post_id())
    # the marks written over the letters are part of the highlighted word
    assert _highlighted(w.preview.text_view.toHtml()) == ["مَرْكَبٌ"]


def test_no_hits_offers_links_that_search(small_store, make_window, qtbot):
    w = make_window(small_store)
    assert w.apply_query(QueueQuery(search="ايطاليو"))
    assert w.model.rowCount() == 0
    label = w.filter_bar.search_error
    assert label.isVisible()
    assert "No posts match “ايطاليو”" in label.text()  # at once
    # The searches that would find posts are counted on the read worker and follow.
    qtbot.waitUntil(lambda: 'href="ايطاليا"' in label.text())
    assert "2 posts, other spelling" in label.text()
    assert w.filter_bar.search.property("invalid") is not True  # not an error
    label.linkActivated.emit("ايطاليا")  # what a click on the link does
    qtbot.waitUntil(lambda: w.model.rowCount() == 2)
    assert w.filter_bar.search.text() == "ايطاليا"
    assert not label.isVisible()


def test_suggestions_for_a_search_already_replaced_are_not_shown(small_store, make_window, qtbot):
    w = make_window(small_store)
    assert w.apply_query(QueueQuery(search="ايطاليو"))  # nothing: suggestions asked of the worker
    assert w.apply_query(QueueQuery(search="ايطاليا"))  # typed on before they came
    qtbot.wait(200)  # the worker's answer for the first search arrives
    assert w.model.rowCount() == 2
    assert not w.filter_bar.search_error.isVisible()
