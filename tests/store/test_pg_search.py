"""Search and statistics on a PostgreSQL store give what the same store gives on SQLite.

The same JSONL export is imported by the real importer into a SQLite store and into a store on
the test session's PostgreSQL server (tests/support/pg_server.py); every search below must find
the same posts, in the same queue order, on both: Arabic-script spelling variants, digits of
other scripts, Latin diacritics, phone numbers, handles, prefixes, phrases, FTS5's operators
and their precedence, column filters and NEAR. Bad searches fail in one plain line on both.
``triage stats`` figures of a demo store with two years of history are equal too."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from triage_app.core.errors import TriageError
from triage_app.store import open_store
from triage_app.store.pg.translate import translate
from triage_app.store.queue import QueueQuery, queue_ids, search_hits
from triage_app.store.search_suggest import suggest

POSTS = {
    "it1": "رحلة الى ايطاليا غدا، اتصل بنا",
    "it2": "قارب إلى إيطاليا الليلة",
    "boat_fa": "قایق به ترکیه، جای محدود",
    "boat_fa2": "قایق‌ها آماده‌اند",
    "ku": "کەشتی بۆ ئیتالیا ئامادەیە",
    "ar_kaf": "مركب كبير للعائلات",
    "price_ar": "السعر ٢٨٠٠ يورو للشخص",
    "price_fa": "قیمت ۳۵۰۰ یورو",
    "price_en": "Price 2800 euro per person, boat leaves Friday night",
    "school": "قرب المدرسة",
    "school2": "مدرسه جديدة",
    "harakat": "سَفَرٌ آمِنٌ إلى أُوروبا",
    "cafe": "Meet at the Café São Paulo, naïve façade, Ömer knows",
    "cafe2": "cafe sao paulo again",
    "phone1": "Call +44 7911 123456 now, boat to Italy",
    "phone2": "whatsapp wa.me/447911123456 for the boat",
    "phone3": "numbers 7911 and 123456 far apart: 7911 is a street",
    "email": "write to agent.smith@example.com for prices",
    "passports": "Real passports and residence permits, fast delivery",
    "passports2": "passport photos and passes for the border",
    "near1": "boat leaves from the north beach tonight",
    "near2": "boat with many people and then finally a beach",
    "order": "beach before boat here",
    "mixed": "Boat بلم قارب 2800",
}
ACCOUNTS = {"it1": ("نقل_سريع", "وكيل"), "cafe": ("omer_ç", "Ömer Çelik"), "near1": ("beach", "x")}

SEARCHES = [
    "ايطاليا",
    "إيطاليا",
    "قايق",
    "قایق",
    "قايقها",
    "كەشتي",
    "مرکب",
    "2800",
    "٢٨٠٠",
    "۳۵۰۰",
    "المدرسه",
    "مدرسة",
    "سفر امن الى اوروبا",
    "نقل_سريع",
    "cafe",
    "Café",
    "sao paulo",
    '"São Paulo"',
    "naive facade",
    "omer",
    "+44 7911 123456",
    "7911 123456",
    '"7911 123456"',
    "447911123456",
    "wa.me/447911123456",
    "agent.smith@example.com",
    "pass*",
    "passport*",
    "passp* NOT real",
    "boat",
    "boat beach",
    "boat OR beach",
    "boat OR beach NOT north",
    "boat NOT beach OR passports",
    "boat beach NOT north",
    "boat NOT north beach",
    "(boat OR passports) AND NOT_A_WORD",
    "(boat OR passports) AND (fast OR friday)",
    '"boat leaves"',
    '"boat leaves"*',
    "boat + leaves",
    "text:beach",
    "handle:beach",
    "-handle:beach",
    "{handle name}: omer",
    "{text name}: (omer OR beach)",
    "name:celik",
    "NEAR(boat beach)",
    "NEAR(boat beach, 2)",
    "NEAR(boat beach, 4)",
    "NEAR(beach boat, 1)",
    'NEAR("boat leaves" night, 3)',
    "NEAR(boat beach north, 3)",
    'boat NEAR(from "the north beach" tonight, 1)',  # the middle phrase is too long: nothing
    'boat NEAR(from "the north beach" tonight, 3)',
    "boat OR text:(handle:beach)",  # columns excluding one another: nothing
    "nothingmatches",
    "Boat 2800 بلم",
]
BAD = [
    '"unclosed',
    "AND",
    "a OR",
    "text:(",
    "NOT",
    "colour:red",
    "boat ;",
    "(a) b",
    "NEAR(a b, x)",
    "NEAR(boat AND beach)",
]


def _export(path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for i, (post_id, text) in enumerate(POSTS.items()):
            handle, name = ACCOUNTS.get(post_id, (f"user{i % 3}", f"User {i % 3}"))
            record = {
                "platform": "telegram",
                "post_id": post_id,
                "url": f"https://t.example/{post_id}",
                "created_at": f"2025-03-01T10:{i:02d}:00Z",
                "text": text,
                "author_id": handle,
                "author_handle": handle,
                "author_name": name,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def stores(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from triage_app.ingest.pipeline import import_paths

    root = tmp_path_factory.mktemp("pgsearch")
    export = _export(root / "posts.jsonl")
    pg = pg_server.fresh_store()
    sq = open_store(root / "store.db", user=pg.user, create=True)
    for store in (sq, pg):
        [summary] = import_paths(store, [export], fmt="jsonl", enrich=False)
        assert summary.inserted == len(POSTS)
    yield sq, pg
    sq.close()
    pg.close()


def _names(store: Any, ids: Any) -> list[str]:
    names = dict(store.execute("SELECT id, platform_post_id FROM posts").fetchall())
    return [names[i] for i in ids]


@pytest.mark.parametrize("search", SEARCHES)
def test_the_same_search_finds_the_same_posts_in_the_same_order(stores: Any, search: str) -> None:
    sq, pg = stores
    on_sqlite = _names(sq, queue_ids(sq, QueueQuery(search=search)))
    on_server = _names(pg, queue_ids(pg, QueueQuery(search=search)))
    assert on_server == on_sqlite
    assert sorted(_names(pg, search_hits(pg, search))) == sorted(on_sqlite)
    by_date = QueueQuery(search=search, sort="posted", descending=False)
    assert _names(pg, queue_ids(pg, by_date)) == _names(sq, queue_ids(sq, by_date))


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ايطاليا", {"it1", "it2"}),
        ("٢٨٠٠", {"price_ar", "price_en", "mixed"}),
        ("قايقها", {"boat_fa2"}),
        ("المدرسه", {"school"}),
        ("مدرسة", {"school2"}),  # "المدرسة" is another word
        ("cafe", {"cafe", "cafe2"}),
        ('"7911 123456"', {"phone1"}),
        ("passport*", {"passports", "passports2"}),
        # boat NOT (north AND beach): words side by side bind tighter than NOT
        ("boat NOT north beach", {"near2", "price_en", "phone1", "phone2", "mixed", "order"}),
        ("NEAR(boat beach, 4)", {"near1", "order"}),
        ("handle:beach", {"near1"}),
        ("omer", {"cafe"}),
    ],
)
def test_what_the_server_finds_is_what_was_meant(
    stores: Any, search: str, expected: set[str]
) -> None:
    """The comparison above could pass with both engines wrong in the same way: these say
    what the right posts are, on the server."""
    _sq, pg = stores
    assert set(_names(pg, queue_ids(pg, QueueQuery(search=search)))) == expected


@pytest.mark.parametrize("search", ["boat", "ايطاليا", '"boat leaves"', "boat NOT beach", "zzz"])
def test_both_forms_of_the_server_condition_select_the_same_posts(stores: Any, search: str) -> None:
    """Matches first or the queue walked (search_pg.posts_condition picks by the estimate)."""
    from triage_app.store.queue import fts_query
    from triage_app.store.search_pg import MATCHES_FIRST_SQL, WALK_SQL, to_tsquery_text

    _sq, pg = stores
    tsquery = to_tsquery_text(pg.conn, fts_query(search))
    found = [
        [r[0] for r in pg.execute(f"SELECT id FROM posts p WHERE {form} ORDER BY id", (tsquery,))]
        for form in (MATCHES_FIRST_SQL, WALK_SQL)
    ]
    assert found[0] == found[1]
    assert found[0] == sorted(queue_ids(pg, QueueQuery(search=search)))


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_search_is_one_plain_line_on_both(stores: Any, bad: str) -> None:
    for store in stores:
        with pytest.raises(TriageError) as info:
            queue_ids(store, QueueQuery(search=bad))
        message = str(info.value)
        assert message.startswith("Search not understood"), message
        assert "\n" not in message and "Traceback" not in message
        with pytest.raises(TriageError, match="Search not understood"):
            search_hits(store, bad)


def test_first_word_of_a_column_is_refused_plainly_on_the_server(stores: Any) -> None:
    _sq, pg = stores
    with pytest.raises(TriageError, match="Search not understood.*first word"):
        queue_ids(pg, QueueQuery(search="^boat"))


@pytest.mark.parametrize(
    "search", ["pasports", "bota beach", "cafee", "ايطاليه", "boat zzqq", "passports lampedusa"]
)
def test_suggestions_after_no_hits_are_the_same(stores: Any, search: str) -> None:
    sq, pg = stores
    on_sqlite = suggest(sq, QueueQuery(search=search))
    assert suggest(pg, QueueQuery(search=search)) == on_sqlite
    assert on_sqlite or search == "boat zzqq"


def test_suggestions_do_not_read_the_whole_index(stores: Any) -> None:
    """ts_stat over posts_fts (the posts_fts_vocab view) reads every post: about a second at
    100,000 posts. The suggestions read a bounded number of posts through the index."""
    _sq, pg = stores
    statements: list[str] = []
    pg.conn.set_trace_callback(statements.append)
    try:
        suggest(pg, QueueQuery(search="pasports"))
    finally:
        pg.conn.set_trace_callback(None)
    assert statements
    assert not any("posts_fts_vocab" in s for s in statements)
    assert all("LIMIT" in s for s in statements if "ts_stat" in s)


def test_the_search_index_is_refolded_and_rebuilt_on_the_server(stores: Any) -> None:
    from triage_app.core.search_normal import fold
    from triage_app.store.search_index import ensure_current, fold_is_current, refold_index

    _sq, pg = stores
    post = pg.scalar("SELECT id FROM posts WHERE platform_post_id = 'price_ar'")
    with pg.transaction() as conn:
        conn.execute("UPDATE posts_fts SET text = ? WHERE rowid = ?", (POSTS["price_ar"], post))
    assert post not in search_hits(pg, "2800")  # unfolded: the Arabic-Indic digits stay
    with pg.transaction() as conn:
        assert refold_index(conn) == 1
    assert post in search_hits(pg, "2800")
    assert fold_is_current(pg.conn)
    with pg.transaction() as conn:
        conn.execute("UPDATE posts_fts SET text = ? WHERE rowid = ?", (POSTS["price_ar"], post))
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'search_fold_digest'")
    assert not fold_is_current(pg.conn)
    ensure_current(pg.conn, progress=lambda done, total: None)
    assert fold_is_current(pg.conn) and not pg.conn.in_transaction
    assert pg.scalar("SELECT text FROM posts_fts WHERE rowid = ?", (post,)) == fold(
        POSTS["price_ar"]
    )
    assert post in search_hits(pg, "2800")

    # Opening the store does it too, as on SQLite (here the test's login owns the schema).
    with pg.transaction() as conn:
        conn.execute("UPDATE posts_fts SET text = ? WHERE rowid = ?", (POSTS["price_ar"], post))
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'search_fold_digest'")
    again = open_store(pg.url)
    try:
        assert fold_is_current(again.conn) and post in search_hits(again, "2800")
    finally:
        again.close()


def test_group_concat_is_written_as_string_agg() -> None:
    packed = translate("SELECT group_concat(printf('%016x', id), '') FROM (SELECT id FROM posts)")
    assert packed.sql.startswith("SELECT string_agg((printf('%%016x', id))::text, '') FROM (")
    assert translate("SELECT group_concat(tag) FROM t").sql == (
        "SELECT string_agg((tag)::text, ',') FROM t"
    )
    assert translate("SELECT group_concat(DISTINCT tag) FROM t").sql == (
        "SELECT string_agg(DISTINCT (tag)::text, ',') FROM t"
    )
    odd = translate("SELECT group_concat(replace(x, ',', ';'), ?), 'group_concat(y)' FROM t")
    assert odd.sql == (
        "SELECT string_agg((replace(x, ',', ';'))::text, %s), 'group_concat(y)' FROM t"
    )


def test_string_agg_keeps_the_order_and_the_empty_answers(stores: Any) -> None:
    _sq, pg = stores
    assert pg.scalar("SELECT group_concat(x) FROM (SELECT 1 AS x WHERE 1 = 0)") is None
    assert pg.scalar("SELECT group_concat(x, '-') FROM (SELECT 'b' AS x UNION SELECT NULL)") == "b"
    ids = list(queue_ids(pg, QueueQuery(sort="text")))
    assert len(ids) == len(POSTS)
    assert ids == [r[0] for r in pg.execute("SELECT id FROM posts ORDER BY text DESC, id DESC")]


# -- statistics ------------------------------------------------------------------------------


def test_stats_on_the_server_equal_stats_on_sqlite(pg_server: Any, tmp_path: Path) -> None:
    from triage_app.commands.demo import make_demo_store
    from triage_app.store.demo_history import seed_history
    from triage_app.store.stats import compute_stats

    today = dt.date(2026, 6, 15)
    pg = pg_server.fresh_store()
    sq = open_store(tmp_path / "stats.db", user=pg.user, create=True)
    try:
        figures = []
        for store in (sq, pg):
            make_demo_store(store, 300, seed=5)
            seed_history(store, seed=5, today=today)
            got = compute_stats(store, days=0, today=today)
            got.pop("store_id")
            figures.append(got)
        on_sqlite, on_server = figures
        assert on_sqlite["referrals"]["accounts_referred"] > 0
        assert on_sqlite["time_to_referral"]["referred_posts"] > 0
        assert on_sqlite["referrals"]["outcomes"]["taken_down"] > 0
        # Hours from import: the two stores were imported a few seconds apart.
        for side in figures:
            side["time_to_referral"] = _rounded(side["time_to_referral"])
        assert on_server == on_sqlite
    finally:
        sq.close()
        pg.close()


def _rounded(section: dict[str, Any]) -> dict[str, Any]:
    def hours(value: float | None) -> float | None:
        return None if value is None else round(value)

    return {
        **section,
        "median_hours": hours(section["median_hours"]),
        "by_year": [{**y, "median_hours": hours(y["median_hours"])} for y in section["by_year"]],
    }


# -- random searches ---------------------------------------------------------------------------

_WORDS = [
    "boat",
    "beach",
    "north",
    "the",
    "from",
    "tonight",
    "leaves",
    "friday",
    "price",
    "2800",
    "passports",
    "real",
    "fast",
    "cafe",
    "sao",
    "paulo",
    "omer",
    "7911",
    "123456",
    "ايطاليا",
    "قايق",
    "مدرسة",
    "user0",
    "user1",
    "a",
    "with",
]


def _random_search(rnd: Any, depth: int = 0) -> str:
    """A search in FTS5's syntax: words, prefixes, phrases, +, column filters, NEAR, AND, OR,
    NOT, words side by side and parentheses, mixed at random."""

    def phrase() -> str:
        r = rnd.random()
        if r < 0.15:
            return '"' + " ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(2, 3))) + '"'
        if r < 0.25:
            return rnd.choice(_WORDS)[:3] + "*"
        if r < 0.3:
            return rnd.choice(_WORDS) + " + " + rnd.choice(_WORDS)
        return str(rnd.choice(_WORDS))

    def atom() -> str:
        r = rnd.random()
        if r < 0.1 and depth < 2:
            return "(" + _random_search(rnd, depth + 1) + ")"
        if r < 0.17:
            columns = rnd.choice(["text", "handle", "name", "{text handle}", "-text"])
            inner = "(" + _random_search(rnd, depth + 1) + ")" if depth < 2 else phrase()
            return columns + ":" + (inner if rnd.random() < 0.3 else phrase())
        if r < 0.25:
            body = " ".join(phrase().rstrip("*") for _ in range(2))
            return f"NEAR({body}, {rnd.randint(0, 5)})" if rnd.random() < 0.7 else f"NEAR({body})"
        return " ".join(phrase() for _ in range(rnd.randint(1, 2)))

    search = atom()
    for _ in range(rnd.randint(0, 2)):
        search += f" {rnd.choice(['AND', 'OR', 'NOT', ''])} {atom()}"
    return search


def test_random_searches_find_the_same_posts_on_both(stores: Any) -> None:
    """200 random searches (seeded): the same posts on both, or a plain error on both. The
    one difference allowed is a NEAR group too wide to write as a tsquery, refused plainly."""
    import random

    rnd = random.Random(16)
    sq, pg = stores
    compared = 0
    for _ in range(200):
        search = _random_search(rnd)
        found = []
        for store in (sq, pg):
            try:
                found.append(sorted(_names(store, queue_ids(store, QueueQuery(search=search)))))
            except TriageError as exc:
                found.append(str(exc).split(".")[0])
        if isinstance(found[1], str) and "too wide" in found[1]:
            continue
        assert isinstance(found[0], str) == isinstance(found[1], str), (search, found)
        if not isinstance(found[0], str):
            assert found[0] == found[1], search
            compared += bool(found[0])
    assert compared > 50  # most searches find something
