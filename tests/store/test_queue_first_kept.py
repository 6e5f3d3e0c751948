"""first_kept: a cached queue's first page of a search, a slice at a time (store/queue.py)."""

from __future__ import annotations

import random
from array import array

from triage_app.store.queue import first_kept, keep_only


def test_first_kept_is_the_front_of_keep_only_less_the_dropped():
    rng = random.Random(7)
    ids = array("q", rng.sample(range(1, 400_000), 200_000))  # a queue's order, not id order
    hits = array("q", sorted(rng.sample(range(1, 450_000), 30_000)))  # some not in the queue
    whole = list(keep_only(ids, hits))
    dropped = set(whole[5:40:3])
    expected = [i for i in whole if i not in dropped]
    page, ended = first_kept(ids, hits, 200, dropped)
    assert list(page) == expected[:200] and not ended
    page, ended = first_kept(ids, hits, len(expected) + 10, dropped)
    assert list(page) == expected and ended  # fewer than asked: the queue read to its end


def test_first_kept_with_nothing_to_keep():
    assert first_kept(array("q"), array("q", [1]), 10) == (array("q"), True)
    assert first_kept(array("q", [3, 1, 2]), array("q"), 10) == (array("q"), True)
    assert first_kept(array("q", [3, 1, 2]), array("q", [9]), 10) == (array("q"), True)
    # a page shorter than the kept ids: not the whole list, though the queue was read through
    assert first_kept(array("q", [3, 1, 2]), array("q", [2, 3]), 1) == (array("q", [3]), False)
    assert first_kept(array("q", [3, 1, 2]), array("q", [2, 3]), 2) == (array("q", [3, 2]), True)
