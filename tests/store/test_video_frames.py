"""Issue 15, videos: duration, size, codec and key frames read with PyAV, a perceptual hash per
key frame, and the text in the frames read by Tesseract.

Real mp4 files encoded here with PyAV (tests/support/video_maker.py), imported by the real CLI
into an encrypted store (the evidence copies sealed at rest), read in the background
enrichment: the phone number printed in the last seconds becomes an E.164 indicator found "in
video at 0:04", a trimmed and re-encoded copy (another codec, another size) joins the
original's cluster, and a file PyAV cannot read gets one line and the import carries on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.support.video_maker import E164, make_video

pytestmark = pytest.mark.usefixtures("tesseract_installed")

TEXTS = {
    "orig": "Our customers arrived safe, watch",
    "copy": "Arrived in Italy thanks to the captain",
    "bad": "Broken clip",
    "other": "Nothing to do with it",
}


def _env(root: Path) -> dict[str, str]:
    return {
        "TRIAGE_DATA_DIR": str(root / "data"),
        "TRIAGE_NO_OCR": "0",
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(root / "keyring.json"),
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("video")
    export = root / "export"
    export.mkdir()
    (export / "orig.mp4").write_bytes(make_video(6.0))
    # trimmed (the first second cut), re-encoded with another codec at another size
    (export / "copy.mp4").write_bytes(make_video(4.5, start=1.5, codec="libx264", size=(256, 192)))
    (export / "bad.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 20)
    (export / "other.jpg").write_bytes(b"")  # no media of its own matters here
    posts = [
        {"post_id": "orig", "text": TEXTS["orig"], "media": ["orig.mp4"]},
        {"post_id": "copy", "text": TEXTS["copy"], "media": ["copy.mp4"]},
        {"post_id": "bad", "text": TEXTS["bad"], "media": ["bad.mp4"]},
        {"post_id": "other", "text": TEXTS["other"]},
    ]
    with open(export / "posts.jsonl", "w", encoding="utf-8") as out:
        for i, post in enumerate(posts):
            record = {
                "platform": "tiktok",
                "created_at": f"2025-03-01T10:0{i}:00Z",
                "author_id": f"a{i}",
                "author_handle": f"agent{i}",
                "language": "en",
                **post,
            }
            out.write(json.dumps(record) + "\n")
    (root / "data").mkdir()
    env = _env(root)
    code, _out, import_err = run_cli(
        "import", str(export / "posts.jsonl"), "--format", "jsonl", env=env
    )
    assert code == 0, import_err
    code, out, err = run_cli("queue", "--json", env=env)
    ids = {p["text"]: p["id"] for p in json.loads(out)["posts"]}
    return {
        "env": env,
        "data": root / "data",
        "import_err": import_err,
        **{k: ids[v] for k, v in TEXTS.items()},
    }


def _show(imported, key: str) -> dict:
    code, out, err = run_cli("show", str(imported[key]), "--json", env=imported["env"])
    assert code == 0, err
    return json.loads(out)


def test_duration_size_codec_and_key_frames(imported):
    [video] = _show(imported, "orig")["videos"]
    assert video["status"] == "read"
    assert video["duration"] == pytest.approx(6.0, abs=0.2)
    assert (video["width"], video["height"], video["codec"]) == (320, 240, "mpeg4")
    frames = video["frames"]
    # the first frame and one per scene change (2 s scenes, so no interval frame is needed)
    assert [f["reason"] for f in frames] == ["first", "scene", "scene"]
    assert [round(f["seconds"]) for f in frames] == [0, 2, 4]
    assert all(len(f["phash"]) == 16 and len(f["sha256"]) == 64 for f in frames)
    assert len({f["phash"] for f in frames}) == 3


def test_the_phone_in_the_video_is_an_indicator_with_its_time(imported):
    detail = _show(imported, "orig")
    assert all(i["kind"] != "phone" for i in detail["indicators"])
    [video] = detail["videos"]
    phones = [i for i in video["indicators"] if i["kind"] == "phone"]
    assert [(p["value"], p["at"]) for p in phones] == [(E164, "0:04")]
    assert "WhatsApp" in video["frames"][2]["text"]
    code, out, err = run_cli("show", str(imported["orig"]), env=imported["env"])
    [line] = [x for x in out.splitlines() if E164 in x and "phone" in x]
    assert line.endswith("(in video at 0:04)"), out
    code, out, err = run_cli("queue", "--search", "123456", "--json", env=imported["env"])
    found = {p["id"]: p for p in json.loads(out)["posts"]}
    assert imported["orig"] in found and imported["copy"] in found


def test_a_trimmed_re_encoded_copy_joins_the_cluster(imported):
    copy = _show(imported, "copy")
    [video] = copy["videos"]
    assert video["codec"] == "h264" and video["width"] == 256
    orig = _show(imported, "orig")
    assert copy["cluster"] is not None and copy["cluster"] == orig["cluster"]
    assert copy["cluster"]["size"] == 2
    assert _show(imported, "other")["cluster"] is None


def test_an_unreadable_video_gets_one_line_and_the_rest_carries_on(imported):
    [video] = _show(imported, "bad")["videos"]
    assert video["status"] == "failed" and "\n" not in video["detail"]
    assert video["detail"].startswith("PyAV cannot read it")
    assert "Errno" not in video["detail"] and ".evidence" not in video["detail"]
    lines = [line for line in str(imported["import_err"]).splitlines() if "bad.mp4" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: video bad.mp4"), imported["import_err"]
    assert "Traceback" not in str(imported["import_err"])


def test_no_clear_video_or_frame_is_left_on_disk(imported):
    assert any(Path(imported["data"]).rglob("*.mp4"))  # the sealed evidence copies
    for folder, _dirs, files in os.walk(imported["data"]):
        for name in files:
            with open(Path(folder) / name, "rb") as handle:
                head = handle.read(12)
            assert b"ftyp" not in head and not head.startswith(b"\xff\xd8"), name


# -- in-process: cancel, progress, the cap, transcripts ---------------------------------------


def _store_with_videos(make_store, tmp_path: Path, count: int, extra: dict | None = None):
    from triage_app.ingest.pipeline import import_paths

    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    lines = []
    for n in range(count):
        (export / f"clip{n}.mp4").write_bytes(make_video(2.0 + n))
        record = {"platform": "telegram", "post_id": f"v{n}", "text": f"clip number {n}",
                  "created_at": "2025-03-01T10:00:00Z", "media": [f"clip{n}.mp4"]}  # fmt: skip
        lines.append(json.dumps(record))
    (export / "posts.jsonl").write_text("\n".join(lines) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    if extra is not None:
        store.execute("UPDATE post_raw SET extra = ?", (json.dumps(extra),))
    return store


def test_cancel_stops_before_the_next_video_and_progress_counts(make_store, tmp_path):
    from triage_app.store.video import pending_videos, video_pending

    store = _store_with_videos(make_store, tmp_path, 3)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    run = video_pending(store, progress, lambda: len(seen) >= 1, ocr=False)
    assert run.cancelled and run.videos == 1 and seen == [(1, 3)]
    assert pending_videos(store) == 2
    run = video_pending(store, progress, ocr=False)
    assert not run.cancelled and run.read == 2 and seen[-1] == (2, 2)
    assert pending_videos(store) == 0


def test_the_frame_cap_thins_evenly_keeping_the_first(tmp_path):
    import io

    from triage_app.core.video import read_video

    info = read_video(io.BytesIO(make_video(6.0)), max_frames=2, every_s=0.5)
    assert [f.reason for f in info.frames][0] == "first" and len(info.frames) == 2
    assert info.frames[-1].seconds >= 4.0


def test_an_exports_transcript_is_kept_with_the_video(make_store, tmp_path):
    from triage_app.store.video import post_videos, video_pending

    spoken = "call the captain on whatsapp"
    store = _store_with_videos(make_store, tmp_path, 1, {"voice_to_text": spoken})
    video_pending(store, ocr=False)
    [video] = post_videos(store, 1)
    assert (video["transcript"], video["transcript_source"]) == (spoken, "TikTok voice_to_text")


def test_the_same_file_is_decoded_once_and_its_posts_cluster(make_store, tmp_path):
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store.video import post_videos, video_pending

    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "a.mp4").write_bytes(make_video(4.0))
    (export / "b.mp4").write_bytes((export / "a.mp4").read_bytes())
    lines = [
        json.dumps(
            {
                "platform": "telegram",
                "post_id": f"p{n}",
                "text": f"post {n}",
                "created_at": "2025-03-01T10:00:00Z",
                "media": [name],
            }
        )  # fmt: skip
        for n, name in enumerate(["a.mp4", "b.mp4"])
    ]
    (export / "posts.jsonl").write_text("\n".join(lines) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    # the second post's copy cannot be opened: it is read from the first one's frames
    store.execute("UPDATE media SET stored_path = 'gone.mp4', source_path = NULL WHERE id = 2")
    run = video_pending(store, ocr=False)
    assert (run.read, run.failed) == (2, 0)
    first, second = post_videos(store, 1)[0], post_videos(store, 2)[0]
    assert [f["phash"] for f in first["frames"]] == [f["phash"] for f in second["frames"]]
    clusters = [r[0] for r in store.execute("SELECT cluster_id FROM posts ORDER BY id")]
    assert clusters[0] is not None and clusters[0] == clusters[1]


def test_a_video_with_huge_pictures_is_refused_in_one_line(monkeypatch):
    import io

    from triage_app.core import video
    from triage_app.core.video import VideoUnreadable, read_video

    monkeypatch.setattr(video, "MAX_PIXELS", 320 * 240 - 1)  # a 320x240 clip counts as huge
    with pytest.raises(VideoUnreadable, match=r"too large \(320x240\)"):
        read_video(io.BytesIO(make_video(1.0)))
