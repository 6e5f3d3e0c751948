"""Near-duplicate detection: MinHash signatures of texts, perceptual hashes of images, LSH band
keys for both, and the "compare with bucket representatives" step that links a new post to
older ones.

Why this shape: smuggling adverts are reposted with a new price and phone number, so texts are
normalised first (lower case, every number masked as ``0``, punctuation dropped) and compared
on word pairs. Signatures are computed for a whole batch at once with numpy (one
multiply-shift hash per permutation), which is far faster than hashing shingle by shingle.

LSH: a signature of ``NUM_PERM`` values is cut into ``BANDS`` bands of ``ROWS`` values; two
texts whose Jaccard similarity is J share at least one band with probability
``1 - (1 - J**ROWS) ** BANDS`` (0.90 at J=0.6, 0.97 at J=0.7, 0.999 at J=0.8). Each band key
remembers the first post that produced it (its *representative*); a new post is compared only
with the representatives of its band keys and linked when the estimated Jaccard similarity is
at least ``TEXT_THRESHOLD``. That bounds the work per post however large the store is, and
makes the result independent of how posts are split into batches (posts are always taken in id
order). The store keeps band keys in an indexed table (store/enrich.py).

Images use a 64-bit perceptual hash (``imagehash.phash``); its four 16-bit quarters are its
band keys (two hashes within Hamming distance 3 always share one; resized or re-encoded copies
are usually within 0-6), and a link needs a distance of at most ``PHASH_MAX_DISTANCE``. So that
one stock photo does not chain unrelated posts together, a post with text joins by its image
only a post whose text is at least ``IMAGE_TEXT_MIN`` alike; a post with no comparable text
(a bare photo) joins the first post with the same image, and only that one.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

NUM_PERM = 30
BANDS = 10
ROWS = 3
TEXT_THRESHOLD = 0.5
MIN_TOKENS = 4  # shorter texts ("ok", "thanks") are not compared: they would all match
PHASH_MAX_DISTANCE = 8
PHASH_BANDS = 4
# Two posts with the same image but both with comparable text are linked only when their texts
# are at least this alike: a stock photo must not chain unrelated posts into one cluster.
IMAGE_TEXT_MIN = 0.2

_MASK64 = (1 << 64) - 1
_rng = np.random.Generator(np.random.PCG64(20240611))  # fixed: signatures must be stable
_A = (_rng.integers(1, 1 << 63, size=NUM_PERM, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)
_BAND_SALT = _rng.integers(1, 1 << 63, size=BANDS, dtype=np.uint64)
_IMAGE_SALT = 0x9E3779B97F4A7C15

_NUMBER = re.compile(r"(?<!\w)\d(?:[\d\W_]*\d)?")  # not inside words like "w123"
_WORD = re.compile(r"\w+")


def normalise_text(text: str) -> str:
    """Lower case, every number (with its separators) as ``0``, punctuation dropped."""
    return " ".join(_WORD.findall(_NUMBER.sub(" 0 ", text.lower())))


def shingles(text: str) -> list[str]:
    """Word pairs of the normalised text; empty when the text is too short to compare."""
    words = _WORD.findall(_NUMBER.sub(" 0 ", text.lower()))
    if len(words) < MIN_TOKENS:
        return []
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def text_signatures(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures for many texts at once.

    Returns ``(signatures, has_signature)``: a ``(len(texts), NUM_PERM)`` uint32 array and a
    bool array, false for texts too short to compare (their row is zeros)."""
    n = len(texts)
    sigs = np.zeros((n, NUM_PERM), dtype=np.uint32)
    has = np.zeros(n, dtype=bool)
    hashes: list[int] = []
    starts: list[int] = []
    rows: list[int] = []
    crc = zlib.crc32
    for i, text in enumerate(texts):
        items = shingles(text)
        if not items:
            continue
        starts.append(len(hashes))
        rows.append(i)
        hashes.extend({crc(s.encode("utf-8")) for s in items})
    if not rows:
        return sigs, has
    values = np.asarray(hashes, dtype=np.uint64)
    # Multiply-shift hashing, one column per permutation; the top 32 bits are the hash value.
    with np.errstate(over="ignore"):
        permuted = (values[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    mins = np.minimum.reduceat(permuted, np.asarray(starts, dtype=np.intp), axis=0)
    sigs[rows] = mins.astype(np.uint32)
    has[rows] = True
    return sigs, has


def text_band_keys(signatures: np.ndarray) -> np.ndarray:
    """``(n, BANDS)`` signed 64-bit LSH keys (SQLite integers) for ``(n, NUM_PERM)`` signatures."""
    sigs = signatures.astype(np.uint64).reshape(len(signatures), BANDS, ROWS)
    keys = np.broadcast_to(_BAND_SALT, (len(signatures), BANDS)).copy()
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            keys = (keys ^ sigs[:, :, r]) * np.uint64(0x100000001B3)
            keys ^= keys >> np.uint64(29)
    # Even keys only: odd keys are the image space (image_band_keys), so the two never meet.
    keys &= np.uint64(_MASK64 - 1)
    return keys.view(np.int64)


def signature_bytes(signature: np.ndarray) -> bytes:
    """A signature as stored in the ``text_signatures`` table (little-endian uint32)."""
    return signature.astype("<u4").tobytes()


def signature_from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4")


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts behind two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def jaccard_many(a: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Estimated similarity of one signature with each row of ``others``."""
    if len(others) == 0:
        return np.zeros(0)
    return (others == a[None, :]).sum(axis=1) / NUM_PERM


# -- images -----------------------------------------------------------------------------------


def image_phash(path: Path | str | IO[bytes]) -> str | None:
    """The 64-bit perceptual hash of an image file (or an opened, seekable stream of one) as 16
    hex digits; None if it is unreadable."""
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.draft("L", (256, 256))  # a JPEG decodes at a reduced scale: much faster
            return str(imagehash.phash(image))
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex perceptual hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def image_band_keys(phash: str) -> list[int]:
    """LSH keys of a perceptual hash: one per 16-bit quarter, odd (text keys are even)."""
    value = int(phash, 16)
    keys = []
    for band in range(PHASH_BANDS):
        chunk = (value >> (16 * band)) & 0xFFFF
        key = ((chunk + 1) * _IMAGE_SALT + band * 0x632BE59BD9B4E019) & _MASK64
        key ^= key >> 31
        key |= 1
        keys.append(key - (1 << 64) if key >= 1 << 63 else key)
    return keys


# -- linking ----------------------------------------------------------------------------------


@dataclass(slots=True)
class LinkResult:
    """What ``link_to_representatives`` found for a batch."""

    links: list[tuple[int, int]]  # (new post, older or earlier-in-batch post) judged similar
    new_buckets: dict[int, int]  # band key -> post that now represents it


def link_to_representatives(
    items: Iterable[tuple[int, Sequence[int]]],
    known: dict[int, int],
    similar: Callable[[int, int], bool],
    *,
    first_only: bool = False,
) -> LinkResult:
    """Compare each post (in the order given: ascending ids) with the representatives of its
    band keys. ``known`` maps keys already stored to their representative; a key seen for the
    first time is represented by the post that brought it. ``similar(post, rep)`` decides;
    with ``first_only`` a post gets at most one link (its first similar representative)."""
    new_buckets: dict[int, int] = {}
    links: list[tuple[int, int]] = []
    for post_id, keys in items:
        checked: set[int] = set()
        linked = False
        for key in keys:
            rep = known.get(key)
            if rep is None:
                rep = new_buckets.get(key)
            if rep is None:
                new_buckets[key] = post_id
                continue
            if rep == post_id or rep in checked or (first_only and linked):
                continue
            checked.add(rep)
            if similar(post_id, rep):
                links.append((post_id, rep))
                linked = True
    return LinkResult(links, new_buckets)


def candidate_pairs(
    post_ids: Sequence[int], keys: np.ndarray, known: dict[int, int]
) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """What ``link_to_representatives`` would ask ``similar`` about, in the same order, and the
    new buckets, for posts (ascending ids) whose band keys are the rows of ``keys``: done with
    numpy for a whole batch, the pairs then judged all at once (``similar_texts``).

    A key's representative is the stored one, else the first post of the batch that has the
    key; each post is asked about each other representative once."""
    if len(post_ids) == 0:
        return [], {}
    posts = np.repeat(np.asarray(post_ids, dtype=np.int64), keys.shape[1])
    flat = np.ascontiguousarray(keys, dtype=np.int64).ravel()
    unique, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    first_post = posts[first].tolist()
    reps = np.fromiter(
        (known.get(key, post) for key, post in zip(unique.tolist(), first_post, strict=True)),
        dtype=np.int64,
        count=len(unique),
    )
    new_buckets = {
        key: post
        for at, key, post in sorted(zip(first.tolist(), unique.tolist(), first_post, strict=True))
        if key not in known
    }
    rep_of = reps[inverse.ravel()]
    asked = np.flatnonzero(rep_of != posts)  # not the post itself (its own new bucket)
    if len(asked) == 0:
        return [], new_buckets
    pairs = np.stack([posts[asked], rep_of[asked]], axis=1)
    _, once = np.unique(pairs, axis=0, return_index=True)
    once.sort()  # back in the order they were met
    return [(int(a), int(b)) for a, b in pairs[once].tolist()], new_buckets


def similar_texts(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Row by row, whether two ``(n, NUM_PERM)`` stacks of signatures are similar texts: the
    same test as ``jaccard(a, b) >= TEXT_THRESHOLD``, for many pairs in one numpy step."""
    if len(mine) == 0:
        return np.zeros(0, dtype=bool)
    same = np.count_nonzero(mine == theirs, axis=1)
    return same / NUM_PERM >= TEXT_THRESHOLD


class UnionFind:
    """Disjoint sets over integer labels; a set's root is its smallest label (stable ids)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = parent.setdefault(x, x)
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra

    def groups(self) -> dict[int, list[int]]:
        """Root -> members, for every set of two or more labels."""
        out: dict[int, list[int]] = {}
        for x in list(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return {root: sorted(m) for root, m in out.items() if len(m) > 1}


def cluster_texts(texts: Sequence[str]) -> list[int]:
    """In-memory clustering of a list of texts: the cluster label (smallest index) of each.

    The same algorithm the store runs incrementally; handy for tests and one-off analysis."""
    sigs, has = text_signatures(texts)
    keys = text_band_keys(sigs)
    items = [(i, [int(k) for k in keys[i]]) for i in range(len(texts)) if has[i]]
    result = link_to_representatives(
        items, {}, lambda a, b: jaccard(sigs[a], sigs[b]) >= TEXT_THRESHOLD
    )
    uf = UnionFind()
    for a, b in result.links:
        uf.union(a, b)
    return [uf.find(i) for i in range(len(texts))]
