"""The pinned fold digest (store/pg_migrations/_fold_sql.PINNED_DIGESTS): every open of a team
store compares it with meta, so it is not computed from 196,000 code points each time; it must
name exactly the tables this program has, or a server would keep functions made from old
tables (or rebuild its index for nothing)."""

from __future__ import annotations

import unicodedata

import pytest

from triage_app.core import search_normal
from triage_app.store.pg_migrations import _fold_sql


@pytest.fixture(autouse=True)
def _fresh_caches():
    _fold_sql.fold_digest.cache_clear()
    yield
    _fold_sql.fold_digest.cache_clear()


def test_the_pinned_digest_is_the_computed_one():
    key = (unicodedata.unidata_version, search_normal.FOLD_VERSION)
    # FOLD_VERSION bumped without a pin would make every open of a team store slow again.
    pinned_versions = [u for u, v in _fold_sql.PINNED_DIGESTS if v == key[1]]
    assert pinned_versions, f"no digest pinned for fold version {key[1]}: pin it"
    if key in _fold_sql.PINNED_DIGESTS:
        # A table changed without FOLD_VERSION bumped or the pin updated fails here: put
        # computed_fold_digest() in PINNED_DIGESTS (and bump FOLD_VERSION, as search_normal
        # says).
        assert _fold_sql.PINNED_DIGESTS[key] == _fold_sql.computed_fold_digest()
    # Pinned or not for this Python's Unicode version, the digest in use is the tables' own.
    assert _fold_sql.fold_digest() == _fold_sql.computed_fold_digest()


def test_an_unpinned_version_computes_the_digest(monkeypatch):
    monkeypatch.setattr(_fold_sql, "PINNED_DIGESTS", {})
    assert _fold_sql.fold_digest() == _fold_sql.computed_fold_digest()


def test_a_changed_table_changes_the_computed_digest(monkeypatch):
    """What the first test relies on: the computed digest sees a one-character change."""
    before = _fold_sql.computed_fold_digest()
    table = dict(search_normal.fold_table())
    table[ord("\u06cc")] = "\u06cc"  # Persian yeh no longer folded
    monkeypatch.setattr(_fold_sql, "fold_table", lambda: table)
    assert _fold_sql.computed_fold_digest() != before


def test_the_digest_is_not_computed_at_open(monkeypatch):
    """The pinned path never builds the tables (what made every open slow)."""
    key = (unicodedata.unidata_version, search_normal.FOLD_VERSION)
    # This Python's Unicode version pinned (as the project's own Python is, above).
    pinned = {key: _fold_sql.computed_fold_digest()}
    monkeypatch.setattr(_fold_sql, "PINNED_DIGESTS", pinned)
    _fold_sql.fold_digest.cache_clear()

    def refuse() -> str:
        raise AssertionError("computed")

    monkeypatch.setattr(_fold_sql, "computed_fold_digest", refuse)
    assert _fold_sql.fold_digest() == pinned[key]
