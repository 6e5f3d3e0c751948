"""The search keys an import gives the team server (server step 2,
store/pg_migrations/s002_search_keys.py):

- ``search_key_of`` (the fast Python key) is ``python_search_key`` (the reference) for every
  code point, alone and in contexts where case, normalisation and separators interact, bar
  U+034F alone (the reference normalises every text, the server only a text holding one of
  ``normalising_chars``: the fast key does as the server);
- it is the server's ``search_key`` on tricky strings, on every code point of planes 0-2 in
  runs, and on random ones;
- an import writes the keys, the server computes no ``search_key`` for the posts it imports
  (the function is made to fail while the file goes in), and every document is the one the
  server's own ``search_key`` gives (the column's definition before step 2);
- a key is dropped when its column changes without a new key, and a store of step 1 is
  converted by the step (keys computed, the same documents)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import psycopg
import pytest

from triage_app.core.search_normal import fold
from triage_app.store.pg_migrations._fold_sql import python_search_key, search_key_of

from .test_pg_bulk_import import export, hits
from .test_pg_schema import TRICKY, _normalising_strings, _random_strings

PLANES = 0x30000
SURROGATES = range(0xD800, 0xE000)

# Contexts of each code point: letters around it, final sigma, combining marks before and
# after, Hangul jamo that compose, separators and underscores, characters that lower to
# several or decompose.
CONTEXTS = (
    "{}",
    "a{}",
    "{}a",
    "\u03a3{}",
    "{}\u03a3",
    "A\u03a3{}b",
    "e\u0301{}",
    "{}\u0301",
    ", {} _,",
    "\u1100{}",
    "{}\u1161",
    "\uac00{}\u11a8",
    "ß{}İ",
    "①{}",
    "_{}_",
    "x_{}",
)


def _code_points(top: int = 0x110000) -> list[str]:
    return [chr(cp) for cp in range(1, top) if cp not in SURROGATES]


# Above plane 2 every character is part of a word and has no case or decomposition; these
# stand for the rest: the tags and variation selectors of plane 14, private use of 15 and 16.
HIGH = [chr(cp) for cp in (*range(0x30000, 0x30100), *range(0xE0000, 0xE0200), 0xF0000, 0x10FFFD)]


def test_the_fast_key_is_the_reference_for_every_code_point_alone_and_in_context() -> None:
    points = [ch for ch in _code_points(PLANES) + HIGH if ch != "\u034f"]
    wrong = [ch for ch in points if search_key_of(ch) != python_search_key(ch)]
    assert not wrong, f"{len(wrong)} code points differ alone, e.g. {wrong[:5]}"
    for context in CONTEXTS[1:]:  # runs of 100 code points, each in the context
        for i in range(0, len(points), 100):
            text = " ".join(context.format(ch) for ch in points[i : i + 100])
            assert search_key_of(text) == python_search_key(text), (context, points[i])
            folded = fold(text) or ""  # what an import keys (folded=True: no marks to look for)
            assert search_key_of(folded, folded=True) == python_search_key(folded), (
                context,
                points[i],
            )
    # the one character the reference normalises away and the server keeps (as a separator)
    assert python_search_key("\u034f") == "" and search_key_of("\u034f") == " "
    assert search_key_of("e\u0301\u034f") == python_search_key("e\u0301\u034f") == "e"


def test_the_fast_key_on_texts() -> None:
    samples = [fold(s) or "" for s in TRICKY + _random_strings(300) + _normalising_strings(500)]
    samples += [
        "Tiếng Việt có dấu: Nguyễn Thị Minh Khai, Hà Nội",
        "رسالة من أبو_حمزة@example.com: السعر ١٢٤٠٠$ (قابل للتفاوض)!!",
        "سلام، حالت چطوره؟ می‌خوام برم — «کتابخانه»",
        "한국어 텍스트: 안녕하세요... ㅋㅋㅋ",
        "ΟΔΟΣ ΣΟΦΙΑΣ, όδος σοφίας; ΣΑΣ!",
        "a.b@c.com, x_y-z+w/q\\r\t\n\x01\x7f end",
        "ﬁ ﬂ ﬀ Ǆ ǅ ǆ Ⅻ ⅻ ㎏ ㍱ ℃ ™",
        "😀👍🏽 👨\u200d👩\u200d👧 🇸🇾 #hashtag @handle",
        "",
        "   ",
        "_",
    ]
    wrong = [(s, search_key_of(s), python_search_key(s)) for s in samples]
    folded = [fold(s) or "" for s in samples]
    wrong += [(s, search_key_of(s, folded=True), python_search_key(s)) for s in folded]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert not wrong, f"{len(wrong)} texts differ, e.g. {wrong[:3]}"


def _server_keys(pg: Any, texts: list[str]) -> list[str]:
    return [
        r[0]
        for r in pg.execute(
            "SELECT search_key(s) FROM unnest(%s::text[]) WITH ORDINALITY AS t(s, n) ORDER BY n",
            (texts,),
        ).fetchall()
    ]


@pytest.mark.postgresql
def test_the_fast_key_is_the_servers(pg_server: Any) -> None:
    rng = random.Random(5)
    points = _code_points(PLANES)
    runs = ["".join(points[i : i + 50]) for i in range(0, len(points), 50)]
    mixed = []
    for _ in range(300):
        mixed.append("".join(rng.choice(points) for _ in range(rng.randint(1, 12))))
    tricky = [fold(s) or "" for s in TRICKY + _normalising_strings(300)]
    specials = ["\u034f", "a\u034fb", "\u034f\u0301", "Σ", "aΣ", "Σa", "ΟΔΟΣ ΣΑΣ", "_a_", "İ"]
    texts = runs + mixed + tricky + specials
    with psycopg.connect(pg_server.fresh_database()) as pg:
        server = _server_keys(pg, texts)
    pairs = zip(texts, server, strict=True)
    wrong = [(t, k, search_key_of(t)) for t, k in pairs if k != search_key_of(t)]
    assert not wrong, f"{len(wrong)} of {len(texts)} differ, e.g. {wrong[:2]}"


OLD_DOCUMENT = (
    "setweight(to_tsvector('simple', coalesce(search_key(text), '')), 'A') "
    "|| setweight(to_tsvector('simple', coalesce(search_key(handle), '')), 'B') "
    "|| setweight(to_tsvector('simple', coalesce(search_key(name), '')), 'C')"
)
FAILING_KEY = """
CREATE OR REPLACE FUNCTION search_key(s text)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'search_key called during the import';
END $$;
"""


def _import_without_server_keys(pg_server: Any, url: str, source: Path) -> None:
    """Import ``source`` while the server's search_key fails when called."""
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store import open_store

    with psycopg.connect(url) as raw:
        saved = raw.execute(
            "SELECT pg_get_functiondef('search_key(text)'::regprocedure)"
        ).fetchone()[0]
        raw.execute(FAILING_KEY)
    store = open_store(url)
    try:
        [result] = import_paths(store, [source], enrich=False)
        assert result.error is None and result.inserted == 2300
    finally:
        store.close()
        with psycopg.connect(url) as raw:
            raw.execute(saved)


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "bulk, reader",
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["ordinary", "large-load", "ordinary-reading-process", "large-load-reading-process"],
)
def test_an_import_gives_the_keys_and_the_same_documents(
    pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool, reader: bool
) -> None:
    """The keys come from the writer (a small file: prepared on the importing side) or from
    the reading process (a big file: prepared.prepare_keyed there)."""
    from triage_app.ingest import bulk_load, parse_process
    from triage_app.store import open_store

    if bulk:
        monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
        monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)
    if reader:
        monkeypatch.setattr(parse_process, "PROCESS_MIN_BYTES", 0)
    source = export(tmp_path / "export", 2300)
    local = open_store(tmp_path / "local.db", create=True)
    url = pg_server.fresh_database()
    open_store(url, create=True).close()
    try:
        from triage_app.ingest.pipeline import import_paths

        import_paths(local, [source], enrich=False)
        _import_without_server_keys(pg_server, url, source)
        with psycopg.connect(url) as raw:
            counts = raw.execute(
                "SELECT count(*), count(*) FILTER (WHERE text_key = search_key(text) AND "
                "handle_key = coalesce(search_key(handle), '') AND "
                f"name_key = coalesce(search_key(name), '') AND document = {OLD_DOCUMENT}) "
                "FROM posts_fts"
            ).fetchone()
            assert counts == (2300, 2300)
            assert (
                raw.execute(
                    "SELECT count(*) FROM posts_fts WHERE handle IS NULL OR name IS NULL"
                ).fetchone()[0]
                < 2300
            )
        store = open_store(url)
        try:
            assert hits(store) == hits(local) and all(hits(store).values())
        finally:
            store.close()
    finally:
        local.close()


@pytest.mark.postgresql
def test_a_key_goes_when_its_column_changes(pg_server: Any, tmp_path: Path) -> None:
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.ocr import rebuild_search_row
    from triage_app.store.queue import search_hits

    store = pg_server.fresh_store()
    try:
        import_paths(store, [export(tmp_path / "export", 30)], enrich=False)
        post = store.scalar("SELECT min(rowid) FROM posts_fts WHERE text LIKE 'Speedboat%'")
        assert store.scalar("SELECT text_key FROM posts_fts WHERE rowid = ?", (post,))
        with store.transaction() as conn:
            conn.execute("UPDATE posts SET text = 'Changed Words' WHERE id = ?", (post,))
            rebuild_search_row(conn, post)
            conn.execute(
                "UPDATE accounts SET handle = 'Renamed' WHERE id = "
                "(SELECT account_id FROM posts WHERE id = ?)",
                (post,),
            )
        row = store.conn.execute(
            f"SELECT text_key, handle_key, document = {OLD_DOCUMENT} FROM posts_fts "
            "WHERE rowid = ?",
            (post,),
        ).fetchone()
        assert tuple(row) == (None, None, True)
        others = store.scalar(
            "SELECT count(*) FROM posts_fts WHERE text_key IS NULL AND rowid <> ?", (post,)
        )
        assert others == 0  # the other posts keep theirs
        assert post in search_hits(store, "changed") and post in search_hits(store, "renamed")
        with store.transaction() as conn:  # a new key given with the new text stays
            conn.execute(
                "UPDATE posts_fts SET text = 'Other', text_key = 'other' WHERE rowid = ?", (post,)
            )
        assert store.scalar("SELECT text_key FROM posts_fts WHERE rowid = ?", (post,)) == "other"
    finally:
        store.close()


@pytest.mark.postgresql
def test_a_store_of_step_one_is_converted(pg_server: Any, tmp_path: Path) -> None:
    """A store whose index was built before step 2 (no keys, the old document): the step
    computes every key on the server, with progress, and the documents stay the same."""
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.pg_migrations import s002_search_keys as s002

    store = pg_server.fresh_store()
    try:
        import_paths(store, [export(tmp_path / "export", 300)], enrich=False)
        url = store.url
    finally:
        store.close()
    with psycopg.connect(url) as raw:
        raw.execute("DROP TRIGGER posts_fts_keys_stale ON posts_fts")
        raw.execute(
            "ALTER TABLE posts_fts DROP COLUMN document, DROP COLUMN text_key, "
            "DROP COLUMN handle_key, DROP COLUMN name_key"
        )
        raw.execute(
            f"ALTER TABLE posts_fts ADD COLUMN document tsvector GENERATED ALWAYS AS "
            f"({OLD_DOCUMENT}) STORED"
        )
        before = raw.execute("SELECT rowid, document FROM posts_fts ORDER BY rowid").fetchall()
        assert not s002.has_keys(raw)
        raw.execute(s002.SQL)
        seen: list[tuple[int, int]] = []
        s002.run(raw, lambda done, total: seen.append((done, total)))
        assert s002.has_keys(raw) and seen[-1] == (300, 300)
        after = raw.execute("SELECT rowid, document FROM posts_fts ORDER BY rowid").fetchall()
        assert after == before
        assert (
            raw.execute(
                "SELECT count(*) FROM posts_fts WHERE text_key = search_key(text)"
            ).fetchone()[0]
            == 300
        )
        assert (
            raw.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_fts_document'"
            ).fetchone()[0]
            == 1
        )
