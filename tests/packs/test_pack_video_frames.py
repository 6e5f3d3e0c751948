"""Issue 15, videos in packs: the key frames of a referred video go into the pack beside the
original video (``<video>.keyframes/NN-at-MmSSs.jpg`` and ``keyframes.json`` with each frame's
time, SHA-256, perceptual hash, text and indicators), all listed in manifest.json and
SHA256SUMS. Built with the real CLI from a store holding a real PyAV-encoded video, opened with
the real ``age -d``, ``unzip`` and ``sha256sum -c``."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.packs.helpers import identity
from tests.support.run_as import run_cli_as
from tests.support.video_maker import E164, make_video

pytestmark = [
    pytest.mark.usefixtures("age_installed"),
    pytest.mark.usefixtures("tesseract_installed"),
]


def _cli(env: dict[str, str], *args: str) -> str:
    code, out, err = run_cli(*args, env=env)
    assert code == 0, f"triage {' '.join(args)} -> {code}: {err}"
    return out


@pytest.mark.slow  # about 6 s: ten CLI runs; the fast variant below checks the same entries
def test_pack_carries_the_key_frames_beside_the_video(tmp_path: Path):
    env = {
        "TRIAGE_DB": str(tmp_path / "store.db"),
        "TRIAGE_NO_OCR": "0",
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }
    export = tmp_path / "export"
    export.mkdir()
    (export / "clip.mp4").write_bytes(make_video(6.0))
    record = {
        "platform": "facebook",
        "post_id": "v1",
        "created_at": "2025-03-01T10:00:00Z",
        "author_id": "a1",
        "author_handle": "captain",
        "language": "en",
        "text": "Safe arrival, watch the video",
        "media": ["clip.mp4"],
    }
    (export / "posts.jsonl").write_text(json.dumps(record) + "\n")
    _cli(env, "import", str(export / "posts.jsonl"), "--format", "jsonl")
    key = str(tmp_path / "ana.pub")
    code, _, err = run_cli_as("ana", "keys", "export-personal", "--out", key, env=env)
    assert code == 0, err
    _cli(env, "users", "add", "ana", "--role", "analyst", "--key", key)
    code, _, err = run_cli_as("ana", "tag", "1", "boat_crossing", env=env)
    assert code == 0, err
    _cli(env, "review", "1", "approve")
    ident, public = identity(tmp_path, "liaison.txt")
    pack = tmp_path / "referral.age"
    _cli(env, "pack", "build", "--platform", "facebook", "--recipient", public, "--out", str(pack))

    plain = tmp_path / "referral.zip"
    run = subprocess.run(
        ["age", "-d", "-i", str(ident), "-o", str(plain), str(pack)], capture_output=True
    )
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "opened"
    assert subprocess.run(["unzip", "-q", str(plain), "-d", str(folder)]).returncode == 0
    sums = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
    )
    assert sums.returncode == 0, sums.stdout + sums.stderr

    [video] = list(folder.glob("evidence/*/media/01-clip.mp4"))
    frames_dir = video.parent / "01-clip.mp4.keyframes"
    names = sorted(p.name for p in frames_dir.iterdir())
    assert names == ["01-at-0m00s.jpg", "02-at-0m02s.jpg", "03-at-0m04s.jpg", "keyframes.json"]
    index = json.loads((frames_dir / "keyframes.json").read_text())
    assert index["video_sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    for frame in index["frames"]:
        data = (frames_dir / frame["file"]).read_bytes()
        assert data[:2] == b"\xff\xd8" and hashlib.sha256(data).hexdigest() == frame["sha256"]
        assert len(frame["phash"]) == 16
    assert index["frames"][2]["at"] == "0:04"
    assert {"kind": "phone", "value": E164} in index["frames"][2]["indicators"]
    listed = (folder / "SHA256SUMS").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest_text = json.dumps(manifest)
    for name in names:
        entry = str((frames_dir / name).relative_to(folder))
        assert f"  {entry}\n" in listed and entry in manifest_text


def test_key_frame_entries_and_index_fast(make_store, tmp_path: Path, monkeypatch):
    """The fast variant: the same entries and index, in-process, without OCR."""
    from triage_app.ingest.pipeline import import_paths
    from triage_app.packs.contents import PackSelection, iter_posts, key_frames
    from triage_app.store.video import video_pending

    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "clip.mp4").write_bytes(make_video(6.0))
    record = {"platform": "facebook", "post_id": "v1", "created_at": "2025-03-01T10:00:00Z",
              "text": "Safe arrival", "media": ["clip.mp4"]}  # fmt: skip
    (export / "posts.jsonl").write_text(json.dumps(record) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    run = video_pending(store, ocr=False)
    assert (run.read, run.frames, run.failed) == (1, 3, 0)
    [post] = list(iter_posts(store, PackSelection("facebook", [1], {}, {})))
    [media] = post.media
    frames, index = key_frames(store, media)
    assert [f.entry.rsplit("/", 1)[1] for f in frames] == [
        "01-at-0m00s.jpg",
        "02-at-0m02s.jpg",
        "03-at-0m04s.jpg",
    ]
    assert all(f.entry.startswith(f"{media.entry}.keyframes/") for f in frames)
    assert all(hashlib.sha256(f.jpeg).hexdigest() == f.sha256 for f in frames)
    assert index is not None
    parsed = json.loads(index)
    assert parsed["video_sha256"] == media.sha256
    assert [f["phash"] for f in parsed["frames"]] == [f.phash for f in frames]
