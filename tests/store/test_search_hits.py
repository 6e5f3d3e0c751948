"""store.queue.search_hits: every post a search matches, in id order, as the window's search
over its copy of the queue takes them (read as decimal text and parsed by numpy on SQLite,
store/search_map.py). Checked against the matches listed one row at a time."""

from __future__ import annotations

from array import array

import pytest

from tests.ui.fill import fill_posts
from triage_app.core.errors import TriageError
from triage_app.store.queue import QueueQuery, queue_ids, search_hits


@pytest.mark.parametrize("search", ["boat", "hawala", "boat OR visa", "bo*", "nothingmatches"])
def test_search_hits_are_the_matches_in_id_order(make_store, search):
    store = make_store()
    fill_posts(store, 900, seed=5)
    hits = search_hits(store, search)
    expected = sorted(queue_ids(store, QueueQuery(status="", search=search)))
    assert isinstance(hits, array) and hits.typecode == "q"
    assert list(hits) == expected
    assert (len(hits) == 0) == (search == "nothingmatches")


def test_a_search_the_index_cannot_read_is_one_clear_error(make_store):
    store = make_store()
    fill_posts(store, 10)
    with pytest.raises(TriageError) as caught:
        search_hits(store, '"unclosed')
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)
