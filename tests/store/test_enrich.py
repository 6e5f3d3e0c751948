"""Enrichment at import: indicators, language, clusters, priority; incremental and crash-safe."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.store.enrich_support import NOW, add_account, add_media, add_posts, snapshot
from triage_app.store import enrich

ADVERT = (
    "Crossing to UK by boat this week, safe and guaranteed. Price {price} € per person, "
    "children half price. Departure from Calais or Dunkirk every night. Contact whatsapp {phone}"
)
ARABIC = (
    "رحلة إلى إيطاليا بالقارب من زوارة كل أسبوع، السعر {price} يورو، الدفع بعد الوصول. "
    "للتواصل واتساب {phone}"
)
CHATTER = [
    "Lovely weather in Leeds today, going for a long walk by the river with the dog",
    "Does anyone know a good mechanic near Croydon, my car is making a strange noise again",
    "Happy birthday to my little sister, you are the best, love you so much",
    "Match tonight at eight, who is coming to the pub to watch it with us",
]


def corpus(seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(60):
        kind = i % 4
        if kind == 0:
            texts.append(
                ADVERT.format(
                    price=rng.randint(2, 6) * 500, phone=f"+44 7911 {rng.randint(100000, 999999)}"
                )
            )
        elif kind == 1:
            texts.append(
                ARABIC.format(
                    price=rng.randint(2, 6) * 500, phone=f"٠٧٧٠ ١٢٣ {rng.randint(1000, 9999)}"
                )
            )
        else:
            texts.append(f"{rng.choice(CHATTER)} {' '.join(rng.sample(CHATTER[0].split(), 6))}")
    return texts


def test_enrichment_fills_indicators_language_clusters_and_priority(make_store: Any) -> None:
    store = make_store()
    account = add_account(store, "boats")
    ids = add_posts(store, corpus()[:12], account_id=account)
    result = enrich.enrich_pending(store, now=NOW)
    assert result.posts == 12 and result.upto == ids[-1] and not result.cancelled
    assert enrich.high_water_mark(store) == ids[-1]
    assert enrich.pending_count(store) == 0
    kinds = {
        r[0] for r in store.execute("SELECT kind FROM indicators WHERE post_id = ?", (ids[0],))
    }
    assert {"phone", "price", "lexicon"} <= kinds
    # Arabic-Indic national number read with the language's regions.
    phones = [
        r[0]
        for r in store.execute(
            "SELECT value FROM indicators WHERE post_id = ? AND kind = 'phone'", (ids[1],)
        )
    ]
    assert len(phones) == 1 and phones[0].startswith("+964770123")
    languages = dict(store.execute("SELECT id, language FROM posts").fetchall())
    assert languages[ids[0]] == "en" and languages[ids[1]] == "ar"
    clusters = dict(store.execute("SELECT id, cluster_id FROM posts").fetchall())
    adverts = [ids[i] for i in range(0, 12, 4)]
    arabic = [ids[i] for i in range(1, 12, 4)]
    assert {clusters[i] for i in adverts} == {adverts[0]}  # cluster id = smallest post id
    assert {clusters[i] for i in arabic} == {arabic[0]}
    assert store.scalar("SELECT size FROM clusters WHERE id = ?", (adverts[0],)) == 3
    priority = dict(store.execute("SELECT id, priority FROM posts").fetchall())
    assert priority[adverts[0]] > priority[ids[2]] > 0
    assert "phone number" in enrich.explain_post_priority(store, adverts[0], now=NOW)


def test_calling_again_with_nothing_new_changes_nothing(make_store: Any) -> None:
    store = make_store()
    add_posts(store, corpus()[:10])
    enrich.enrich_pending(store, now=NOW)
    before = snapshot(store)
    again = enrich.enrich_pending(store, now=NOW)
    assert again.posts == 0
    assert snapshot(store) == before


def test_incremental_enrichment_equals_full_enrichment(make_store: Any) -> None:
    texts = corpus()
    full = make_store("full.db")
    add_posts(full, texts)
    enrich.enrich_pending(full, now=NOW, batch_size=1000)

    step = make_store("step.db")
    for chunk in (texts[:7], texts[7:30], texts[30:31], texts[31:]):
        add_posts(step, chunk)
        enrich.enrich_pending(step, now=NOW, batch_size=5)
    assert snapshot(step) == snapshot(full)
    assert full.scalar("SELECT count(*) FROM clusters") >= 2


def test_a_crash_mid_way_loses_only_the_batch_in_flight(
    make_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = corpus()
    full = make_store("full.db")
    add_posts(full, texts)
    enrich.enrich_pending(full, now=NOW)

    store = make_store("crash.db")
    ids = add_posts(store, texts)
    real = enrich.extract_indicators
    poisoned = texts[25]

    def failing(text: str, **kwargs: Any) -> Any:
        if text == poisoned:
            raise RuntimeError("power cut")
        return real(text, **kwargs)

    monkeypatch.setattr(enrich, "extract_indicators", failing)
    with pytest.raises(RuntimeError, match="power cut"):
        enrich.enrich_pending(store, now=NOW, batch_size=10)
    # Batches 1 and 2 (posts 1-20) are committed; nothing of batch 3 is stored.
    assert enrich.high_water_mark(store) == ids[19]
    assert store.scalar("SELECT max(post_id) FROM indicators") <= ids[19]
    assert store.scalar("SELECT max(post_id) FROM text_signatures") <= ids[19]
    monkeypatch.setattr(enrich, "extract_indicators", real)
    enrich.enrich_pending(store, now=NOW, batch_size=10)
    assert snapshot(store) == snapshot(full)


def test_cancel_stops_between_batches_and_a_later_call_finishes(make_store: Any) -> None:
    store = make_store()
    ids = add_posts(store, corpus()[:30])
    calls: list[tuple[int, int]] = []
    result = enrich.enrich_pending(
        store,
        progress=lambda done, total: calls.append((done, total)),
        cancelled=lambda: len(calls) >= 2,
        batch_size=10,
        now=NOW,
    )
    assert result.cancelled and result.posts == 20
    assert calls == [(10, 30), (20, 30)]
    assert enrich.pending_count(store) == 10
    rest = enrich.enrich_pending(store, now=NOW)
    assert rest.posts == 10 and rest.upto == ids[-1]


def test_older_posts_are_rescored_when_their_cluster_grows(make_store: Any) -> None:
    store = make_store()
    texts = corpus()
    first = add_posts(store, [texts[0], texts[2]])[0]
    enrich.enrich_pending(store, now=NOW)
    alone = store.scalar("SELECT priority FROM posts WHERE id = ?", (first,))
    assert store.scalar("SELECT cluster_id FROM posts WHERE id = ?", (first,)) is None
    add_posts(store, [texts[4], texts[8]])  # two reposts of the first advert
    result = enrich.enrich_pending(store, now=NOW)
    assert result.rescored >= 1
    grown = store.scalar("SELECT priority FROM posts WHERE id = ?", (first,))
    assert grown > alone
    assert store.scalar("SELECT size FROM clusters WHERE id = ?", (first,)) == 3


def test_merging_two_clusters_keeps_the_smaller_id(make_store: Any) -> None:
    store = make_store()
    a = "one two three four five six seven eight nine ten eleven twelve"
    b = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    ids = add_posts(store, [a, b, a + " x", b + " y"])
    enrich.enrich_pending(store, now=NOW)
    assert store.execute("SELECT id, size FROM clusters ORDER BY id").fetchall() == [
        (ids[0], 2),
        (ids[1], 2),
    ]
    # A post holding both texts bridges the two clusters.
    bridge = add_posts(store, [a + " " + b])
    enrich.enrich_pending(store, now=NOW)
    rows = store.execute("SELECT id, cluster_id FROM posts ORDER BY id").fetchall()
    clusters = {cid for _, cid in rows}
    if len(clusters) == 1:  # the bridge matched both: one cluster under the smallest id
        assert clusters == {ids[0]}
        assert store.execute("SELECT id, size FROM clusters").fetchall() == [(ids[0], 5)]
    else:  # it matched one of them only; sizes still add up
        assert store.scalar("SELECT sum(size) FROM clusters") == 5
    assert bridge[0] in {r[0] for r in rows if r[1] is not None}


def _picture(path: Path, seed: int) -> str:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (200, rng.randint(0, 255), 40))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randint(0, 300), rng.randint(0, 220)
        fill = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle((x, y, x + rng.randint(20, 120), y + rng.randint(20, 90)), fill=fill)
    image.save(path)
    return str(path)


def test_a_resized_re_encoded_image_joins_its_originals_cluster(
    make_store: Any, tmp_path: Path
) -> None:
    store = make_store()
    original = _picture(tmp_path / "boat.png", 7)
    copy = tmp_path / "boat_small.jpg"
    with Image.open(original) as image:
        image.resize((200, 150)).convert("RGB").save(copy, quality=55)
    other = _picture(tmp_path / "cat.png", 8)
    ids = add_posts(store, ["photo", "look", "nice"])  # texts too short to compare
    add_media(store, ids[0], original)
    add_media(store, ids[1], str(copy))
    add_media(store, ids[2], other)
    result = enrich.enrich_pending(store, now=NOW)
    assert result.images_hashed == 3
    clusters = dict(store.execute("SELECT id, cluster_id FROM posts").fetchall())
    assert clusters[ids[0]] == clusters[ids[1]] == ids[0]
    assert clusters[ids[2]] is None
    assert store.scalar("SELECT count(*) FROM media WHERE phash IS NOT NULL") == 3


def test_rescore_uses_new_account_state(make_store: Any) -> None:
    store = make_store()
    account = add_account(store, "seller")
    ids = add_posts(store, [corpus()[0]], account_id=account)
    enrich.enrich_pending(store, now=NOW)
    before = store.scalar("SELECT priority FROM posts WHERE id = ?", (ids[0],))
    with store.transaction() as conn:
        conn.execute("UPDATE accounts SET referred = 1 WHERE id = ?", (account,))
    assert enrich.rescore_accounts(store, [account], now=NOW) == 1
    after = store.scalar("SELECT priority FROM posts WHERE id = ?", (ids[0],))
    assert after > before
    assert enrich.rescore(store, now=NOW) == 1
    assert "account already referred" in enrich.explain_post_priority(store, ids[0], now=NOW)
    assert enrich.explain_post_priority(store, 999) == "No such post"


def test_a_helper_process_gives_the_same_result(make_store: Any) -> None:
    texts = corpus()
    inline = make_store("inline.db")
    add_posts(inline, texts)
    enrich.enrich_pending(inline, now=NOW, batch_size=16, workers=0)
    helped = make_store("helped.db")
    add_posts(helped, texts)
    result = enrich.enrich_pending(helped, now=NOW, batch_size=16, workers=1)
    assert result.posts == len(texts)
    assert snapshot(helped) == snapshot(inline)


def test_a_stock_photo_does_not_chain_unrelated_posts(make_store: Any, tmp_path: Path) -> None:
    store = make_store()
    photo = _picture(tmp_path / "stock.png", 11)
    ids = add_posts(
        store,
        [
            "Lovely walk by the river this morning with the whole family and the dog",
            "Looking for a second hand fridge in good condition, can collect this weekend",
            "nice",  # a bare photo: joins the first post with this image, and only that one
        ],
    )
    for post_id in ids:
        add_media(store, post_id, photo, sha256="ab" * 32)
    result = enrich.enrich_pending(store, now=NOW)
    assert result.images_hashed == 1  # one file (one SHA-256): hashed once
    assert store.scalar("SELECT count(DISTINCT phash) FROM media") == 1
    clusters = dict(store.execute("SELECT id, cluster_id FROM posts").fetchall())
    assert clusters[ids[1]] is None
    assert clusters[ids[0]] == clusters[ids[2]] == ids[0]
