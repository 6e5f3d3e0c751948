"""Near-duplicates: MinHash/LSH over normalised text, perceptual hashes of images."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from triage_app.core import similarity as sim

ORIGINAL = (
    "Crossing to UK by boat this week, safe and guaranteed. Price 3500 € per person, children "
    "half price. Departure from Calais or Dunkirk every night. Contact whatsapp +44 7911 123456"
)
REPOST = (
    "Crossing to UK by boat this week, safe and guaranteed!! Price 2,800 € per person, children "
    "half price. Departure from Calais or Dunkirk every night. Contact whatsapp 07700 900555"
)
EDITED = (
    "Crossing to UK by boat this week, safe and guaranteed. Price 3000 € per person, children "
    "half price. Departure from Calais or Dunkirk every night. Call now on whatsapp +44 7911 999"
)
UNRELATED = (
    "Selling my old bike, good condition, ring me on whatsapp 07911 123456 if you are interested"
)
ARABIC = "رحلة إلى إيطاليا بالقارب من زوارة، السعر ٣٥٠٠ يورو، الدفع بعد الوصول. واتساب ٠٧٧٠١٢٣٤٥٦٧"
ARABIC_REPOST = (
    "رحلة إلى إيطاليا بالقارب من زوارة، السعر ٢٨٠٠ يورو، الدفع بعد الوصول. واتساب ٠٧٨٠٧٦٥٤٣٢١"
)


def test_normalisation_masks_numbers_and_drops_punctuation() -> None:
    assert sim.normalise_text("Price: 3,500€ call +44 7911 123456!") == "price 0 call 0"
    assert sim.normalise_text(ORIGINAL) == sim.normalise_text(REPOST.replace("!!", "."))


def test_a_reposted_advert_clusters_with_its_original_and_an_unrelated_post_does_not() -> None:
    labels = sim.cluster_texts([ORIGINAL, UNRELATED, REPOST, EDITED, ARABIC, ARABIC_REPOST])
    assert labels[2] == labels[0]  # new price and phone number
    assert labels[3] == labels[0]  # a few words changed too
    assert labels[1] != labels[0]
    assert labels[5] == labels[4] != labels[0]


def test_similarity_estimates() -> None:
    sigs, has = sim.text_signatures([ORIGINAL, REPOST, UNRELATED, "ok thanks"])
    assert has.tolist() == [True, True, True, False]  # too short to compare
    assert sim.jaccard(sigs[0], sigs[1]) >= 0.9
    assert sim.jaccard(sigs[0], sigs[2]) < sim.TEXT_THRESHOLD
    assert sim.jaccard_many(sigs[0], sigs[:3]).tolist()[0] == 1.0


def test_signatures_are_stable_and_round_trip_through_bytes() -> None:
    first, _ = sim.text_signatures([ORIGINAL])
    again, _ = sim.text_signatures([UNRELATED, ORIGINAL])
    assert np.array_equal(first[0], again[1])
    blob = sim.signature_bytes(first[0])
    assert len(blob) == 4 * sim.NUM_PERM
    assert np.array_equal(sim.signature_from_bytes(blob), first[0])
    keys = sim.text_band_keys(first)
    assert keys.shape == (1, sim.BANDS)
    assert all(int(k) % 2 == 0 for k in keys[0])  # text keys are even, image keys odd


def test_many_random_texts_do_not_collapse_into_one_cluster() -> None:
    rng = random.Random(5)
    words = [f"w{i}" for i in range(400)]
    texts = [" ".join(rng.choice(words) for _ in range(25)) for _ in range(300)]
    labels = sim.cluster_texts(texts)
    assert len(set(labels)) == 300


def _picture(path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (rng.randint(0, 255), 90, 160))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randint(0, 300), rng.randint(0, 220)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.ellipse((x, y, x + rng.randint(20, 120), y + rng.randint(20, 90)), fill=colour)
    image.save(path)
    return path


def test_a_resized_re_encoded_image_lands_with_its_original(tmp_path: Path) -> None:
    original = _picture(tmp_path / "original.png", 1)
    copy = tmp_path / "copy.jpg"
    with Image.open(original) as image:
        image.resize((160, 120)).convert("RGB").save(copy, quality=60)
    other = _picture(tmp_path / "other.png", 2)
    h_original, h_copy, h_other = (sim.image_phash(p) for p in (original, copy, other))
    assert h_original and h_copy and h_other
    assert sim.hamming(h_original, h_copy) <= sim.PHASH_MAX_DISTANCE
    assert sim.hamming(h_original, h_other) > sim.PHASH_MAX_DISTANCE
    keys = set(sim.image_band_keys(h_original))
    assert keys & set(sim.image_band_keys(h_copy))
    assert all(k % 2 == 1 for k in keys)


def test_an_unreadable_image_has_no_hash(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    assert sim.image_phash(bad) is None
    assert sim.image_phash(tmp_path / "missing.jpg") is None


def test_linking_compares_only_with_representatives() -> None:
    compared: list[tuple[int, int]] = []

    def similar(a: int, b: int) -> bool:
        compared.append((a, b))
        return True

    result = sim.link_to_representatives([(5, [1, 2]), (6, [2, 3]), (7, [9])], {1: 3}, similar)
    assert compared == [(5, 3), (6, 5)]
    assert result.links == [(5, 3), (6, 5)]
    assert result.new_buckets == {2: 5, 3: 6, 9: 7}


def test_union_find_roots_are_the_smallest_label() -> None:
    uf = sim.UnionFind()
    uf.union(9, 4)
    uf.union(4, 7)
    uf.union(12, 11)
    assert uf.groups() == {4: [4, 7, 9], 11: [11, 12]}


@pytest.mark.parametrize("seed", range(5))
def test_candidate_pairs_are_what_the_one_by_one_linking_asks(seed: int) -> None:
    """The numpy candidate search asks about the same pairs, in the same order, and makes the
    same new buckets as link_to_representatives going post by post (keys drawn from a small
    range so that posts share keys, repeat one within a post, and meet stored ones)."""
    rng = np.random.default_rng(seed)
    post_ids = sorted(rng.choice(10_000, size=300, replace=False).tolist())
    keys = rng.integers(-40, 40, size=(300, sim.BANDS), dtype=np.int64)
    known = {k: int(rng.integers(1, 10_000)) for k in range(-40, 40, 3)}
    asked: list[tuple[int, int]] = []

    def ask(post: int, rep: int) -> bool:
        asked.append((post, rep))
        return False

    items = [(pid, keys[i].tolist()) for i, pid in enumerate(post_ids)]
    one_by_one = sim.link_to_representatives(items, known, ask)
    pairs, buckets = sim.candidate_pairs(post_ids, keys, known)
    assert pairs == asked
    assert buckets == one_by_one.new_buckets
    assert list(buckets) == list(one_by_one.new_buckets)
    assert len(pairs) > 300
