"""The queue model: Qt's model rules (qtmodeltester), paging, refresh after a decision."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from tests.ui.fill import fill_posts
from triage_app.store.decisions import apply_tags
from triage_app.store.queue import QueueQuery, queue_ids
from triage_app.ui.queue_model import MAX_PAGES, PAGE_SIZE, RTL_ROLE, QueueModel


def _model(make_store, n=1000):
    store = make_store()
    fill_posts(store, n)
    model = QueueModel(store)
    model.set_query(QueueQuery())
    return store, model


def test_qtmodeltester(qtmodeltester, make_store):
    _store, model = _model(make_store, 450)
    qtmodeltester.check(model, force_py=True)
    model.set_query(QueueQuery(status="tagged"))  # empty
    qtmodeltester.check(model, force_py=True)


def test_rows_load_a_page_at_a_time(make_store):
    store, model = _model(make_store, 5000)
    assert model.rowCount() == 5000
    assert not model._pages
    far = model.index(4321, 4)
    text = model.data(far)
    post_id = model.post_id(4321)
    assert text.startswith(store.scalar("SELECT text FROM posts WHERE id = ?", (post_id,))[:20])
    assert list(model._pages) == [4321 // PAGE_SIZE]
    for row in range(0, 5000, PAGE_SIZE):
        model.data(model.index(row, 0))
    assert len(model._pages) == min(MAX_PAGES, 5000 // PAGE_SIZE)


def test_columns_show_what_the_store_holds(make_store):
    store, model = _model(make_store, 300)
    post_id = model.post_id(0)
    row = store.execute(
        "SELECT priority, platform, status FROM posts WHERE id = ?", (post_id,)
    ).fetchone()
    assert model.data(model.index(0, 0)) == f"{row[0]:.2f}"
    assert model.data(model.index(0, 1)) == row[1]
    assert model.data(model.index(0, 6)).startswith(row[2])
    assert model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole).endswith("(UTC)")
    arabic = [r for r in range(300) if "رحلة" in (model.data(model.index(r, 4)) or "")]
    assert arabic and all(model.data(model.index(r, 4), RTL_ROLE) for r in arabic)


def test_refresh_posts_repaints_a_tagged_row(qtbot, make_store):
    store, model = _model(make_store, 300)
    post_id = model.post_id(7)
    assert model.data(model.index(7, 5)) == ""
    apply_tags(store, [post_id], add=["boat_crossing"])
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_posts([post_id])
    assert blocker.args[0].row() == 7
    assert model.data(model.index(7, 5)) == "Small-boat crossing"


def test_refresh_posts_finds_every_cached_row_of_the_posts_and_only_those(qtbot, make_store):
    """A bulk tag on rows of several cached pages (not next to each other, the last one
    partly filled): each of those rows is read again and repainted; a post on no cached page
    and a row the store could not give are left alone."""
    store, model = _model(make_store, 2 * PAGE_SIZE * 3 + 50)
    last = model.rowCount() - 1
    for row in (0, 4 * PAGE_SIZE + 3, last):  # pages 0, 4 and the last one cached
        model.data(model.index(row, 5))
    rows = [1, PAGE_SIZE - 1, 4 * PAGE_SIZE, 4 * PAGE_SIZE + 17, last]
    uncached = model.post_id(2 * PAGE_SIZE + 5)  # page 2: never shown
    gone_row = 4 * PAGE_SIZE + 40
    model._pages[4][40] = None  # a row the store did not give when its page was read
    tagged = [model.post_id(r) for r in rows] + [uncached, model.post_id(gone_row)]
    apply_tags(store, tagged, add=["boat_crossing"])
    changed: list[int] = []
    model.dataChanged.connect(lambda first, _last: changed.append(first.row()))
    model.refresh_posts(tagged)
    assert sorted(changed) == rows
    assert all(model.data(model.index(r, 5)) == "Small-boat crossing" for r in rows)
    assert 2 not in model._pages and model._pages[4][40] is None
    assert model.data(model.index(2, 5)) == ""  # a row next to them is as it was


def test_sort_runs_a_new_query(make_store):
    store, model = _model(make_store, 300)
    model.sort(3, Qt.SortOrder.AscendingOrder)
    times = [
        store.scalar("SELECT posted_at FROM posts WHERE id = ?", (model.post_id(r),))
        for r in range(300)
    ]
    assert times == sorted(times)
    assert model.query.sort == "posted" and not model.query.descending


def test_search_reuses_the_queue_but_not_after_a_tag(make_store):
    store, model = _model(make_store, 600)
    model.set_query(QueueQuery(status="new"))
    model.set_query(QueueQuery(status="new", search="passports"))
    first = list(model.ids())
    assert first == list(queue_ids(store, QueueQuery(status="new", search="passports")))
    # Tagging moves a post out of "new": the next search must not use the old list.
    apply_tags(store, [first[0]], add=["fake_documents"])
    model.refresh_posts([first[0]])
    model.set_query(QueueQuery(status="new", search="passports"))
    assert list(model.ids()) == first[1:]


def test_first_page_first_then_the_rest_as_new_rows(qtbot, make_store):
    from triage_app.ui.queue_model import HEAD_ROWS

    store, model = _model(make_store, 1500)
    full = list(model.ids())
    with (
        qtbot.waitSignal(model.completed, timeout=5000),
        qtbot.waitSignal(model.rowsInserted) as inserted,
    ):
        model.set_query(QueueQuery(), first_page_first=True)
        assert model.rowCount() == HEAD_ROWS and model.loading
        assert model.data(model.index(0, 4))
    assert inserted.args[1:] == [HEAD_ROWS, 1499]
    assert list(model.ids()) == full and not model.loading


def test_cached_queue_follows_posts_leaving_and_joining_a_filter(make_store):
    from triage_app.store.decisions import undo_batch

    store, model = _model(make_store, 600)
    model.set_query(QueueQuery(status="new"))
    search = QueueQuery(status="new", search="passports OR boat")
    model.set_query(search)
    hits = list(model.ids())
    batch = apply_tags(store, hits[:3], add=["boat_crossing"])
    model.refresh_posts(hits[:3])
    model.set_query(search)
    assert list(model.ids()) == hits[3:] == list(queue_ids(store, search))
    undo_batch(store, batch)  # back to "new": they join the filter again
    model.refresh_posts(hits[:3])
    model.set_query(search)
    assert list(model.ids()) == hits == list(queue_ids(store, search))


def test_tag_and_untag_on_screen_keeps_the_cached_queue_true(make_store):
    store, model = _model(make_store, 600)
    query = QueueQuery(status="new")
    model.set_query(query)
    post = model.post_id(0)
    model.data(model.index(0, 0))  # on screen
    batch = apply_tags(store, [post], add=["boat_crossing"])
    model.refresh_posts([post])  # leaves "new": dropped from the cache
    from triage_app.store.decisions import undo_batch

    undo_batch(store, batch)
    model.refresh_posts([post])  # back in "new", still on screen
    model.set_query(replace(query, search="boat OR passports OR bateau"))
    assert list(model.ids()) == list(
        queue_ids(store, replace(query, search="boat OR passports OR bateau"))
    )


def test_a_search_after_a_tag_filters_the_matches_not_a_copy_of_the_queue(make_store, monkeypatch):
    """At ten million posts the cached queue is 80 MB of ids: taking a tagged post out of it
    copied all of them at every search (with numpy's temporaries, 320 MB at the peak). The
    posts that left are now taken out of the search's matches, which are few."""
    import triage_app.ui.queue_model as queue_model

    store, model = _model(make_store, 1200)
    query = QueueQuery(status="new")
    model.set_query(query)
    queue_length = model.rowCount()
    tagged = model.post_id(0)
    apply_tags(store, [tagged], add=["boat_crossing"])
    model.refresh_posts([tagged])
    filtered: list[int] = []
    real = queue_model._without
    monkeypatch.setattr(
        queue_model, "_without", lambda ids, drop: filtered.append(len(ids)) or real(ids, drop)
    )
    search = replace(query, search="passports")
    found = list(model._run(search))
    assert found == list(queue_ids(store, search)) and tagged not in found
    assert filtered and max(filtered) < queue_length // 2
