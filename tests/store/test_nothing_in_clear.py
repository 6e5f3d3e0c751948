"""Issue 12, "nothing readable left behind": an encrypted store's data folder holds no byte of
post text or media in clear, after importing (a JSONL export and a ZIP), tagging, approving,
building a referral pack (real age) and syncing into a second store; and work killed half-way
(SIGKILL of real `triage` processes) leaves no plaintext once the program has started again.

Each test scans every file under the data folders (and what appeared in /tmp meanwhile) for
distinctive post text and media bytes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from tests.packs.helpers import PNG, identity
from tests.packs.sync_helpers import Field
from tests.support.run_as import personal_public_key, tag_as
from triage_app.ingest.evidence import evidence_dir
from triage_app.ingest.pipeline import import_paths
from triage_app.packs.build import build_referral_pack
from triage_app.store.decisions import review
from triage_app.store.evidence_crypto import MAGIC, open_media
from triage_app.store.users import add_user

TEXT_MARK = "Quokka-lantern-7391"  # in every post's text
ZIP_TEXT_MARK = "Wombat-harbour-4420"  # in the posts that come in a ZIP
MEDIA_MARK = b"MEDIA-MARK-ocelot-5520"  # in every media file


def media_blob(i: int, size: int = 6000) -> bytes:
    """A PNG-looking file with the media mark and content unique to ``i``."""
    body = b"".join(hashlib.sha256(f"{i}:{n}".encode()).digest() for n in range(size // 32 + 1))[
        :size
    ]
    return PNG + MEDIA_MARK + body


def write_export(folder: Path, ids: Iterable[int], mark: str, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "img").mkdir(exist_ok=True)
    rows = []
    for i in ids:
        (folder / "img" / f"m{i}.png").write_bytes(media_blob(i))
        rows.append(
            {
                "platform": "facebook",
                "post_id": f"p{i}",
                "url": f"https://facebook.example/p{i}",
                "created_at": "2025-04-01T08:00:00Z",
                "text": f"Boat to UK {i}, {mark}, WhatsApp +44 7700 900{i:03d}",
                "author_id": f"a{i % 3}",
                "author_handle": f"boatman{i % 3}",
                "language": "en",
                "media": [f"img/m{i}.png"],
            }
        )
    path = folder / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def needles(ids: Iterable[int]) -> list[bytes]:
    """What must never be found in clear: the text marks, the media mark, and a slice of the
    middle of every media file."""
    found = [TEXT_MARK.encode(), ZIP_TEXT_MARK.encode(), MEDIA_MARK]
    for i in ids:
        blob = media_blob(i)
        found.append(blob[len(blob) // 2 : len(blob) // 2 + 48])
    return found


def files_under(*roots: Path) -> list[Path]:
    out = []
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            out.extend(Path(folder) / n for n in names)
    return out


def assert_nothing_in_clear(files: Iterable[Path], wanted: list[bytes]) -> int:
    """Fail naming the first file that holds one of ``wanted``; returns how many were read."""
    read = 0
    for path in files:
        try:
            if not path.is_file() or path.stat().st_size > 256 << 20:
                continue
            data = path.read_bytes()
        except OSError:
            continue  # gone meanwhile, or someone else's
        read += 1
        for needle in wanted:
            assert needle not in data, f"{needle[:24]!r} in clear in {path}"
    return read


def tmp_entries() -> set[str]:
    return set(os.listdir(tempfile.gettempdir()))


def new_tmp_files(before: set[str]) -> list[Path]:
    tmp = Path(tempfile.gettempdir())
    fresh = [tmp / n for n in tmp_entries() - before if not n.startswith("pytest-of-")]
    return files_under(*[p for p in fresh if p.is_dir()]) + [p for p in fresh if p.is_file()]


# -- the whole life of a store, in process ---------------------------------------------------------


def test_data_folders_hold_no_post_text_or_media_in_clear(tmp_path: Path) -> None:
    before_tmp = tmp_entries()
    sources = tmp_path / "sources"
    a = Field(tmp_path / "stores", "a", "anna")
    b = Field(tmp_path / "stores", "b", "ben")
    try:
        a.register(b)
        b.register(a)
        assert a.store.key is not None and b.store.key is not None  # encrypted stores
        # A generic JSONL export, and a ZIP holding another one with its media.
        first = write_export(sources / "jsonl", range(6), TEXT_MARK, "e.jsonl")
        summaries = import_paths(a.store, [first])
        assert all(s.error is None for s in summaries), summaries
        inner = write_export(sources / "zipped", range(6, 9), ZIP_TEXT_MARK, "z.jsonl")
        archive = sources / "export.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.write(inner, "z.jsonl")
            for i in range(6, 9):
                zf.write(sources / "zipped" / "img" / f"m{i}.png", f"img/m{i}.png")
        summaries = import_paths(a.store, [archive])
        assert all(s.error is None for s in summaries), summaries
        stored = a.store.execute("SELECT count(*) FROM media WHERE stored_path IS NOT NULL")
        assert stored.fetchone()[0] == 9

        # The evidence copies are encrypted, named by the plain content's SHA-256, and read
        # back whole through the decrypting reader.
        for sha, rel in a.store.execute("SELECT sha256, stored_path FROM media"):
            copy = evidence_dir(a.store.path) / rel
            assert copy.read_bytes().startswith(MAGIC)
            with open_media(copy, bytes.fromhex(a.store.meta("evidence_key") or "")) as src:
                assert hashlib.sha256(src.read()).hexdigest() == sha

        # An analyst tags, the supervisor (another person) approves, a pack is built.
        ids = [r[0] for r in a.store.execute("SELECT id FROM posts ORDER BY id")]
        tag_as(a.store, "dana", ids, ["boat_crossing"])
        review(a.store, ids, "approve")
        ident, pub = identity(tmp_path)
        out = tmp_path / "outgoing"
        out.mkdir()
        result = build_referral_pack(a.store, "facebook", out / "p.age", recipients=[pub])
        assert result.media_files == 9

        # Sync to a second store (which knows dana too); its copies are encrypted again under
        # its own key.
        add_user(b.store, "dana", "analyst", public_key=personal_public_key("dana"))
        pack = a.export_to(b, out)
        b.receive(pack, a)
        assert b.store.scalar("SELECT count(*) FROM media WHERE stored_path IS NOT NULL") == 9

        scanned = assert_nothing_in_clear(
            files_under(a.folder, b.folder, out) + new_tmp_files(before_tmp),
            needles(range(9)),
        )
        assert scanned >= 9 + 9 + 4  # both evidence folders, the stores, the packs

        # The pack carries the media as collected: decrypt it with the real age and compare.
        plain = tmp_path / "opened.zip"
        subprocess.run(
            ["age", "-d", "-i", str(ident), "-o", str(plain), str(out / "p.age")], check=True
        )
        with zipfile.ZipFile(plain) as zf:
            media = {
                hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist() if "/media/" in n
            }
        assert media == {hashlib.sha256(media_blob(i)).hexdigest() for i in range(9)}
    finally:
        a.store.close()
        b.store.close()
