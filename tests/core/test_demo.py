"""The demo corpus: deterministic, in many languages and scripts, with the traits analysts seek."""

from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import imagehash
import phonenumbers
import pytest
from PIL import Image

from triage_app.core.demo import (
    ADVERT_SHARE,
    LANGUAGES,
    PLATFORMS,
    UNTIL,
    DemoPost,
    generate_demo_posts,
    generate_demo_records,
    write_demo_jsonl,
)
from triage_app.core.demo_phrases import ADVERTS, PLACES
from triage_app.core.errors import TriageError
from triage_app.core.timeutil import parse_iso_to_unix

ROOT = Path(__file__).resolve().parents[2]
N = 20_000

ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
ETHIOPIC = re.compile("[\u1200-\u137f]")
LATIN_DIACRITICS = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
ARABIC_INDIC_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]{2}")


@pytest.fixture(scope="module")
def posts() -> list[DemoPost]:
    return list(generate_demo_posts(N, seed=2024))


def _by_language(posts: list[DemoPost]) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = collections.defaultdict(list)
    for post in posts:
        texts[str(post.record["language"])].append(str(post.record["text"]))
    return texts


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    a = write_demo_jsonl(tmp_path / "a" / "demo.jsonl", 3000, 42, media_dir=tmp_path / "a" / "m")
    b = write_demo_jsonl(tmp_path / "b" / "demo.jsonl", 3000, 42, media_dir=tmp_path / "b" / "m")
    c = write_demo_jsonl(tmp_path / "c" / "demo.jsonl", 3000, 43, media_dir=tmp_path / "c" / "m")
    first = (tmp_path / "a" / "demo.jsonl").read_bytes()
    assert first == (tmp_path / "b" / "demo.jsonl").read_bytes()
    assert first != (tmp_path / "c" / "demo.jsonl").read_bytes()
    assert a.posts == b.posts == c.posts == 3000
    images = sorted((tmp_path / "a" / "m").iterdir())
    assert images
    for image in images:
        assert image.read_bytes() == (tmp_path / "b" / "m" / image.name).read_bytes(), image.name


def test_output_does_not_depend_on_the_interpreters_hash_seed(tmp_path: Path) -> None:
    script = (
        "import hashlib, json, sys\n"
        "from triage_app.core.demo import generate_demo_records\n"
        "h = hashlib.sha256()\n"
        "for r in generate_demo_records(2000, 9):\n"
        "    h.update(json.dumps(r, ensure_ascii=False).encode())\n"
        "print(h.hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
            timeout=120,
        )
        digests.add(out.stdout.strip())
    local = hashlib.sha256()
    for record in generate_demo_records(2000, 9):
        local.update(json.dumps(record, ensure_ascii=False).encode())
    assert digests == {local.hexdigest()}


def test_records_follow_the_generic_schema(posts: list[DemoPost]) -> None:
    required = {
        "platform",
        "post_id",
        "url",
        "created_at",
        "text",
        "author_id",
        "author_handle",
        "author_name",
        "language",
    }
    optional = {"media", "author_followers", "author_created_at"}
    until = parse_iso_to_unix(UNTIL)
    keys: set[tuple[str, str]] = set()
    for post in posts:
        r = post.record
        assert required <= r.keys() <= required | optional
        assert r["platform"] in PLATFORMS
        assert r["language"] in LANGUAGES
        assert isinstance(r["post_id"], str) and r["post_id"]
        keys.add((str(r["platform"]), str(r["post_id"])))
        assert str(r["url"]).startswith("https://")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(r["created_at"]))
        posted = parse_iso_to_unix(str(r["created_at"]))
        assert until - 731 * 86400 <= posted < until
        assert isinstance(r["author_followers"], int) and r["author_followers"] >= 0
        assert parse_iso_to_unix(str(r["author_created_at"])) <= posted
        assert "media" not in r  # no media unless a media folder is asked for
    assert len(keys) == len(posts), "post ids must be unique per platform"


def test_every_language_and_script_is_present(posts: list[DemoPost]) -> None:
    texts = _by_language(posts)
    assert set(texts) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert len(texts[lang]) >= 100, lang
    for lang in ("ar", "fa", "ckb", "ps"):  # right to left
        assert all(ARABIC_SCRIPT.search(t) for t in texts[lang][:200]), lang
    for lang in ("am", "ti"):
        share = sum(bool(ETHIOPIC.search(t)) for t in texts[lang]) / len(texts[lang])
        assert share > 0.9, lang
    for lang in ("fr", "sq", "tr", "vi"):
        assert sum(bool(LATIN_DIACRITICS.search(t)) for t in texts[lang]) > 50, lang
    # Letters only Sorani, Persian and Pashto use: the scripts are told apart, not just Arabic.
    assert any(re.search("[ێڕۆ]", t) for t in texts["ckb"])
    assert any(re.search("[پگ]", t) for t in texts["fa"])
    assert any(re.search("[ټډښ]", t) for t in texts["ps"])


def test_about_a_third_are_adverts_and_the_rest_ordinary(posts: list[DemoPost]) -> None:
    categories = collections.Counter(p.category for p in posts)
    adverts = N - categories["ordinary"]
    assert abs(adverts / N - ADVERT_SHARE) < 0.03
    assert 0.6 <= categories["ordinary"] / N <= 0.7
    for category in (
        "crossing",
        "speedboat",
        "documents",
        "referral",
        "testimonial",
        "recruitment",
        "transport",
    ):
        assert categories[category] > 50, category


def test_adverts_carry_contacts_and_ordinary_posts_mostly_do_not(posts: list[DemoPost]) -> None:
    contact = re.compile(
        r"\+\d|00\d{2}|wa\.me/|t\.me/|@\w|chat\.whatsapp\.com|[٠-٩۰-۹]{3}|\d{3}|(\d ){6}\d"
    )
    adverts = [str(p.record["text"]) for p in posts if p.category != "ordinary"]
    ordinary = [str(p.record["text"]) for p in posts if p.category == "ordinary"]
    assert sum(bool(contact.search(t)) for t in adverts) / len(adverts) > 0.95
    with_contact = sum(bool(contact.search(t)) for t in ordinary) / len(ordinary)
    assert 0.02 < with_contact < 0.4  # shops and sellers: a number alone is no proof


def test_phone_numbers_links_and_prices_appear_in_many_forms(posts: list[DemoPost]) -> None:
    text = "\n".join(str(p.record["text"]) for p in posts if p.category != "ordinary")
    for pattern in (
        r"\+44 7700 900\d{3}",  # international, UK drama range
        r"0044 7700 900\d{3}",  # 00 prefix
        r"\b07700 900\d{3}\b",  # national
        r"\+\d{2,3}\.\d",  # split by dots
        r"\+218 9[124]-\d{7}",  # Libya
        r"\b(?:\d ){9}\d\b",  # digit by digit
        r"wa\.me/\d{9,15}",
        r"https://t\.me/\w+",
        r"chat\.whatsapp\.com/[0-9A-Za-z]{22}",
        r"€\d{3,5}|\d{3,5}€",
        r"\d{1,3}(,\d{3}) euro",
        r"میلیون تومان",
    ):
        assert re.search(pattern, text), pattern
    assert ARABIC_INDIC_DIGITS.search(text)
    # UK and French numbers come only from the ranges reserved for fiction.
    for match in re.finditer(r"\+44 ?(\d{4}) ?(\d{3})", text):
        assert match.groups() == ("7700", "900"), match.group(0)
    for match in re.finditer(r"\+33 ?(\d) ?(\d\d) ?(\d\d)", text):
        assert match.groups() == ("6", "39", "98"), match.group(0)
    # The numbers are well formed: a standard parser finds them in the adverts.
    found = {
        phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
        for line in text.splitlines()[:3000]
        for m in phonenumbers.PhoneNumberMatcher(
            line, "GB", leniency=phonenumbers.Leniency.POSSIBLE
        )
    }
    assert len(found) >= 20


def test_adverts_are_reposted_as_near_duplicates_across_accounts_and_platforms(
    posts: list[DemoPost],
) -> None:
    families: dict[int, list[dict[str, object]]] = collections.defaultdict(list)
    for post in posts:
        if post.family >= 0:
            families[post.family].append(post.record)
    spread = [
        records
        for records in families.values()
        if len({r["platform"] for r in records}) >= 2
        and len({r["author_id"] for r in records}) >= 2
    ]
    assert len(spread) >= 10

    def words(record: dict[str, object]) -> set[str]:
        """The words of a post without links, hashtags, numbers and emoji (these vary)."""
        text = re.sub(r"\S*[./#]\S*", " ", str(record["text"]))
        return set(re.findall(r"[^\W\d_]{2,}", text))

    for records in spread[:10]:
        texts = {str(r["text"]) for r in records}
        assert len(texts) > 1, "reposts vary (price, phone, emoji, order)"
        first = words(records[0])
        similar = sorted(len(first & words(r)) / len(first | words(r)) for r in records[1:30])
        assert similar[len(similar) // 2] >= 0.6  # the median repost shares most words
    # One network's phone number shows up on several platforms.
    platforms_by_number: dict[str, set[str]] = collections.defaultdict(set)
    for post in posts:
        if post.category == "ordinary":
            continue
        for m in re.finditer(r"wa\.me/\+?(\d{9,15})", str(post.record["text"])):
            platforms_by_number[m.group(1)].add(str(post.record["platform"]))
    assert max(len(p) for p in platforms_by_number.values()) >= 3


def test_accounts_are_few_and_skewed(posts: list[DemoPost]) -> None:
    per_account = collections.Counter((p.record["platform"], p.record["author_id"]) for p in posts)
    counts = sorted(per_account.values(), reverse=True)
    assert 60 <= len(counts) <= 400
    top_tenth = sum(counts[: len(counts) // 10])
    assert top_tenth > 0.3 * N  # a few accounts post much of the corpus


def test_media_files_exist_where_referenced(tmp_path: Path) -> None:
    summary = write_demo_jsonl(tmp_path / "demo.jsonl", N, seed=5, media_dir=tmp_path / "media")
    referenced: collections.Counter[str] = collections.Counter()
    with open(tmp_path / "demo.jsonl", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for path in record.get("media", []):
                referenced[path] += 1
    assert 100 <= sum(referenced.values()) == summary.posts_with_media <= 1000
    assert summary.media_files >= 40
    for path in referenced:
        assert path.startswith("media/")
        with Image.open(tmp_path / path) as img:
            img.verify()
    # Reposted pictures: a resized, re-encoded copy stays close, another picture does not.
    boat = imagehash.phash(Image.open(tmp_path / "media" / "boat_00.png"))
    small = imagehash.phash(Image.open(tmp_path / "media" / "boat_00_small.jpg"))
    edited = imagehash.phash(Image.open(tmp_path / "media" / "boat_00_edit.jpg"))
    other = imagehash.phash(Image.open(tmp_path / "media" / "document_03.png"))
    assert boat - small <= 6 and boat - edited <= 12
    assert boat - other > 16


def test_media_in_another_folder_is_referenced_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    write_demo_jsonl(tmp_path / "out" / "demo.jsonl", 3000, seed=1, media_dir=tmp_path / "pics")
    paths = [
        p
        for line in (tmp_path / "out" / "demo.jsonl").read_text(encoding="utf-8").splitlines()
        for p in json.loads(line).get("media", [])
    ]
    assert paths and all(p.startswith("../pics/") for p in paths)
    assert all((tmp_path / "out" / p).is_file() for p in paths)


def test_texts_are_the_same_with_and_without_media() -> None:
    plain = list(generate_demo_records(3000, 8))
    with_media = list(generate_demo_records(3000, 8, media_prefix="media"))
    assert any("media" in r for r in with_media)
    assert plain == [{k: v for k, v in r.items() if k != "media"} for r in with_media]


def test_summary_counts_what_was_written(tmp_path: Path) -> None:
    started = time.perf_counter()
    summary = write_demo_jsonl(tmp_path / "demo.jsonl", N, seed=3)
    elapsed = time.perf_counter() - started
    lines = (tmp_path / "demo.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == N + 1
    assert summary.posts == N == summary.adverts + summary.ordinary
    assert sum(summary.by_platform.values()) == N == sum(summary.by_language.values())
    assert summary.bytes == (tmp_path / "demo.jsonl").stat().st_size
    assert summary.posts_with_media == 0 and summary.media_files == 0
    assert 60 <= summary.accounts <= 400
    assert not list(tmp_path.glob("*.part"))
    print(f"demo: {N} posts in {elapsed:.2f}s ({N / elapsed:,.0f} posts/s)")


def test_every_advert_route_has_places() -> None:
    for lang, adverts in ADVERTS.items():
        for advert in adverts:
            assert advert.route == "" or advert.route in PLACES[lang], (lang, advert.route)


@pytest.mark.parametrize("n", [0, -5])
def test_a_corpus_needs_at_least_one_post(tmp_path: Path, n: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(TriageError, match="at least 1"):
        write_demo_jsonl(out / "demo.jsonl", n, seed=1)
    assert not list(out.iterdir())


def test_a_missing_folder_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(TriageError, match="does not exist"):
        write_demo_jsonl(tmp_path / "nowhere" / "demo.jsonl", 10, seed=1)
    assert not (tmp_path / "nowhere").exists()


def test_an_unwritable_media_folder_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "media"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(TriageError, match="Cannot write the demo images"):
        write_demo_jsonl(tmp_path / "demo.jsonl", 10, seed=1, media_dir=blocker)
    assert not (tmp_path / "demo.jsonl").exists()


@pytest.mark.slow
def test_a_million_posts_have_unique_ids(tmp_path: Path) -> None:
    summary = write_demo_jsonl(tmp_path / "big.jsonl", 1_000_000, seed=1)
    seen: set[tuple[str, str]] = set()
    with open(tmp_path / "big.jsonl", encoding="utf-8") as lines:
        for line in lines:
            r = json.loads(line)
            seen.add((r["platform"], r["post_id"]))
    assert len(seen) == 1_000_000
    assert 2000 <= summary.accounts <= 6000
    print(f"demo: 1,000,000 posts in {summary.seconds:.1f}s ({summary.posts_per_second:,.0f}/s)")


def test_dates_cover_about_two_years(posts: list[DemoPost]) -> None:
    months = {str(p.record["created_at"])[:7] for p in posts}
    assert len(months) >= 23
    assert max(months) <= UNTIL[:7]


def test_the_generic_jsonl_importer_reads_every_demo_post(tmp_path: Path) -> None:
    from triage_app.core.records import PostRecord
    from triage_app.ingest.base import ReadContext
    from triage_app.ingest.registry import detect_format

    path = tmp_path / "demo.jsonl"
    write_demo_jsonl(path, 5000, seed=12, media_dir=tmp_path / "media")
    importer = detect_format(path)
    assert importer.name == "jsonl"
    results = list(importer.read(path, ReadContext(path=path, base_dir=tmp_path)))
    assert len(results) == 5000
    assert all(isinstance(r, PostRecord) for r in results)
    posts = [r for r in results if isinstance(r, PostRecord)]
    assert all(p.account is not None and p.account.followers is not None for p in posts)
    media = [m for p in posts for m in p.media]
    assert media and not any(m.missing for m in media)
