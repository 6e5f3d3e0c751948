"""Building blocks for pack tests: a store with approved posts (imported through the real
pipeline, tagged and approved through the real decisions), identities and signer keys."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pyrage import x25519

from tests.support.run_as import tag_as
from triage_app.ingest.pipeline import import_paths
from triage_app.packs import signing
from triage_app.store.decisions import review

TAGGER = "dana"  # the analyst who tags approved_store's posts

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def write_corpus(
    folder: Path, n: int = 6, platform: str = "facebook", media_every: int = 2
) -> Path:
    """A generic JSONL export with n posts by 3 accounts, RTL text and media on some posts."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "img").mkdir(exist_ok=True)
    rows = []
    for i in range(n):
        media = []
        if media_every and i % media_every == 0:
            name = f"img/boat{i}.png"
            (folder / name).write_bytes(PNG + i.to_bytes(4, "big"))
            media.append(name)
        text = (
            f"Speedboat to Italy, post {i}, call +44 7700 900{i:03d}"
            if i % 3
            else f"رحلة بالقارب إلى إيطاليا {i} <script>alert(1)</script> & more"
        )
        rows.append(
            {
                "platform": platform,
                "post_id": f"p{i}",
                "url": f"https://example.org/p{i}",
                "created_at": f"2025-03-0{1 + i % 9}T10:00:00Z",
                "text": text,
                "author_id": f"a{i % 3}",
                "author_handle": f"boatman{i % 3}",
                "author_name": "قارب" if i % 3 == 0 else "Boat Man",
                "language": "ar" if i % 3 == 0 else "en",
                "media": media,
            }
        )
    path = folder / "export.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def approved_store(
    make_store,
    tmp_path: Path,
    n: int = 6,
    approve: int | None = None,
    platform: str = "facebook",
    media_every: int = 2,
):
    """A store whose first ``approve`` posts (default all) are tagged (by analyst TAGGER) and
    approved (by the store's supervisor)."""
    store = make_store()
    import_paths(store, [write_corpus(tmp_path / "corpus", n, platform, media_every)])
    ids = [r[0] for r in store.execute("SELECT id FROM posts ORDER BY id")]
    chosen = ids if approve is None else ids[:approve]
    # Four eyes: an analyst tags, the supervisor (the store's maker) approves.
    tag_as(store, TAGGER, chosen[: len(chosen) // 2 or 1], ["boat_crossing"])
    tag_as(store, TAGGER, chosen[len(chosen) // 2 or 1 :] or chosen, ["fake_documents"])
    review(store, chosen, "approve")
    return store


def identity(folder: Path, name: str = "identity.txt") -> tuple[Path, str]:
    """An age identity file made by the real age-keygen; returns (path, public key)."""
    path = folder / name
    subprocess.run(["age-keygen", "-o", str(path)], check=True, capture_output=True)
    return path, str(
        x25519.Identity.from_str(
            [ln for ln in path.read_text().splitlines() if ln.startswith("AGE-SECRET")][0]
        ).to_public()
    )


def signer_pub(store, folder: Path, name: str = "signer.pub") -> Path:
    path = folder / name
    path.write_text(signing.public_key_text(store))  # the store: a server keeps its key inside
    return path
