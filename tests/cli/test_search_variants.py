"""Issue 15, the examples of "Search that matches how people write", end to end: a JSONL export
imported by the real CLI into a real store, then `triage queue --search` in a real process.

Before the search normalisation each of these found only the posts spelt like the query (or
nothing); now every spelling finds every post, and a search with no hits says so and offers
searches that would find something."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

POSTS = {
    "it1": "رحلة الى ايطاليا غدا، اتصل بنا",  # Italy, plain alef
    "it2": "قارب إلى إيطاليا الليلة",  # Italy, alef with hamza below
    "boat_fa": "قایق به ترکیه، جای محدود",  # boat, Persian yeh
    "boat_fa2": "قایق‌ها آماده‌اند",  # with ZWNJ
    "ku": "کەشتی بۆ ئیتالیا ئامادەیە",  # Sorani Kurdish, keheh
    "ar_kaf": "مركب كبير للعائلات",  # Arabic kaf
    "price_ar": "السعر ٢٨٠٠ يورو للشخص",  # Arabic-Indic digits
    "price_fa": "قیمت ۳۵۰۰ یورو",  # Persian digits
    "price_en": "Price 2800 euro per person",
    "school": "قرب المدرسة",  # taa marbuta
    "harakat": "سَفَرٌ آمِنٌ إلى أُوروبا",  # harakat on every letter
}


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("search")
    export = root / "posts.jsonl"
    with open(export, "w", encoding="utf-8") as out:
        for i, (post_id, text) in enumerate(POSTS.items()):
            record = {
                "platform": "telegram",
                "post_id": post_id,
                "url": f"https://t.example/{post_id}",
                "created_at": f"2025-03-01T10:{i:02d}:00Z",
                "text": text,
                "author_id": "a1",
                "author_handle": "نقل_سريع",
                "author_name": "وكيل",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    env = {
        "TRIAGE_DATA_DIR": str(root / "data"),
        "TRIAGE_PLAIN_STORE": "1",
    }
    (root / "data").mkdir()
    code, _out, err = run_cli("import", str(export), "--format", "jsonl", "--no-enrich", env=env)
    assert code == 0, err
    return env


_BY_TEXT = {text: post_id for post_id, text in POSTS.items()}


def _found(env: dict[str, str], search: str) -> set[str]:
    code, out, err = run_cli("queue", "--search", search, "--limit", "100", "--json", env=env)
    assert code == 0, err
    return {_BY_TEXT[p["text"]] for p in json.loads(out)["posts"]}


def _found_in_process(env: dict[str, str], search: str) -> set[str]:
    from triage_app.store import open_store
    from triage_app.store.queue import QueueQuery, queue_ids

    store = open_store(Path(env["TRIAGE_DATA_DIR"]) / "store.db", user="alice")
    try:
        ids = list(queue_ids(store, QueueQuery(search=search)))
        return {
            str(store.scalar("SELECT platform_post_id FROM posts WHERE id = ?", (i,))) for i in ids
        }
    finally:
        store.close()


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ايطاليا", {"it1", "it2"}),  # 1 of 2 before
        ("إيطاليا", {"it1", "it2"}),  # and the reverse
        ("قايق", {"boat_fa"}),  # Arabic yeh found 0 before
        ("قایق", {"boat_fa"}),
        ("كەشتي", {"ku"}),  # Arabic kaf and yeh find the Kurdish post
        ("2800", {"price_ar", "price_en"}),  # found nothing Arabic before
        ("٢٨٠٠", {"price_ar", "price_en"}),
        ("3500", {"price_fa"}),
        ("۳۵۰۰", {"price_fa"}),
    ],
)
def test_the_issue_examples_through_the_cli(store_env, search, expected):
    assert _found(store_env, search) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("قايقها", {"boat_fa2"}),  # ZWNJ ignored
        ("مرکب", {"ar_kaf"}),  # Persian kaf finds the Arabic post
        ("المدرسه", {"school"}),  # final heh finds taa marbuta
        ("سفر امن الى اوروبا", {"harakat"}),  # no marks typed
        ("نقل_سريع", set(POSTS)),  # handles are folded too
    ],
)
def test_other_variants_in_the_same_store(store_env, search, expected):
    assert _found_in_process(store_env, search) == expected


def test_the_stored_text_is_untouched(store_env):
    code, out, err = run_cli("queue", "--search", "2800", "--json", env=store_env)
    texts = {p["text"] for p in json.loads(out)["posts"]}
    assert POSTS["price_ar"] in texts  # still with its Arabic-Indic digits


def test_no_hits_says_so_and_offers_other_spellings(store_env):
    code, out, err = run_cli("queue", "--search", "ايطاليو", env=store_env)
    assert code == 0, err
    assert out.startswith("No posts match “ايطاليو”. Try “ايطاليا” (2 posts, other spelling)")
    code, out, err = run_cli("queue", "--search", "ايطاليو", "--json", env=store_env)
    result = json.loads(out)
    assert result["total"] == 0
    assert result["suggestions"][0] == {
        "search": "ايطاليا",
        "posts": 2,
        "at_least": False,
        "why": "other spelling",
    }


def test_no_hits_offers_fewer_words(store_env):
    code, out, err = run_cli("queue", "--search", "إيطاليا submarine", "--json", env=store_env)
    assert code == 0, err
    suggestions = json.loads(out)["suggestions"]
    assert {"search": "إيطاليا", "posts": 2, "at_least": False, "why": "fewer words"} in suggestions
    code, out, err = run_cli("queue", "--search", "zzzqqq", env=store_env)
    assert out.strip() == (
        "No posts match “zzzqqq” (spelling variants of Arabic-script letters and digits "
        "were included)."
    )


def test_a_search_of_marks_only_is_one_clear_line(store_env):
    code, out, err = run_cli("queue", "--search", "ـــ", env=store_env)
    assert code == 1
    assert err.count("\n") == 1 and "Nothing to search for" in err and "Traceback" not in err
