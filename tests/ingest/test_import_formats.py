"""The format importers through the real pipeline: real data, a mixed folder, re-import, media."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

from tests.ingest.format_helpers import FIXTURES, utc
from triage_app.ingest.pipeline import import_paths

REAL_COUNTS = {
    "telegram/chatminer_batch_export.json": ("telegram", 2, 0),
    "telegram/chatminer_single_export.json": ("telegram", 2, 0),
    "telegram/innerdvations_saved_messages_2020format.json": ("telegram", 20, 1),
    "twitter/twarc2_v2_lookup_edited.jsonl": ("x-v2", 1, 0),
    "twitter/twarc2_v2_lookup_media_tweet.jsonl": ("x-v2", 1, 0),
    "twitter/twarc2_v2_search_all_two_tweets.jsonl": ("x-v2", 1, 0),
    "twitter/v1.1_original_format_examples.jsonl": ("x-v1", 25, 0),
    "youtube/commentThreads_list_by_video_page1.json": ("youtube", 5, 0),
    "youtube/videos_list_snippet_contentDetails_statistics.json": ("youtube", 1, 0),
}


def test_every_real_file_imports_through_the_pipeline(make_store, realdata: Path) -> None:
    store = make_store()
    summaries = {s.path: s for s in import_paths(store, [realdata], enrich=False)}
    for name, (fmt, posts, skipped) in REAL_COUNTS.items():
        summary = summaries[f"realdata/{name}"]
        assert (summary.format, summary.error) == (fmt, None), name
        assert (summary.inserted, summary.quarantined, summary.skipped) == (posts, 0, skipped), name
    assert summaries["realdata/SOURCES.md"].passed_over is not None  # not an export: reported
    assert store.scalar("SELECT count(*) FROM posts") == sum(c[1] for c in REAL_COUNTS.values())
    assert store.scalar("SELECT count(*) FROM quarantine") == 0
    row = store.execute(
        "SELECT p.text, a.handle, p.posted_at FROM posts p JOIN accounts a ON a.id = p.account_id "
        "WHERE p.platform = 'x' AND p.platform_post_id = '1394735776701816833'"
    ).fetchone()
    assert tuple(row) == (
        "RT @bibaigna96: #POIUYTREWQ",
        "LachiVeronica",
        utc("2021-05-18T19:24:56"),
    )
    again = import_paths(store, [realdata], enrich=False)
    assert sum(s.inserted for s in again) == 0
    assert store.scalar("SELECT count(*) FROM posts") == sum(c[1] for c in REAL_COUNTS.values())


def test_mixed_folder_with_zips_imports_each_file_with_its_format(
    make_store, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    shutil.copytree(FIXTURES / "telegram/export", case / "tg")
    with zipfile.ZipFile(case / "WhatsApp Chat - Ferry.zip", "w") as zf:
        for file in (FIXTURES / "whatsapp/ios/WhatsApp Chat - Ferry").iterdir():
            zf.write(file, file.name)
    with zipfile.ZipFile(case / "research.zip", "w") as zf:
        zf.write(FIXTURES / "tiktok/query_response.json", "tiktok/q.json")
        zf.write(FIXTURES / "crowdtangle/facebook_pages.csv", "ct.csv")
    store = make_store()
    got = {s.path: s for s in import_paths(store, [case], enrich=False)}
    assert {k: (s.format, s.inserted, s.quarantined) for k, s in got.items()} == {
        "case/WhatsApp Chat - Ferry.zip!_chat.txt": ("whatsapp", 5, 0),
        "case/research.zip!ct.csv": ("crowdtangle", 2, 1),
        "case/research.zip!tiktok/q.json": ("tiktok", 2, 1),
        "case/tg/result.json": ("telegram", 3, 1),
    }
    # media beside the export are hashed and stored; missing ones are recorded as missing
    photo = (FIXTURES / "telegram/export/photos/photo_1@13-05-2024_09-15-00.jpg").read_bytes()
    rows = store.execute(
        "SELECT m.sha256, m.missing FROM media m JOIN posts p ON p.id = m.post_id "
        "WHERE p.platform = 'telegram' ORDER BY p.platform_post_id"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        (hashlib.sha256(photo).hexdigest(), 0),
        (None, 1),
        (None, 1),
    ]
    wa_photo = store.execute(
        "SELECT m.sha256 FROM media m JOIN posts p ON p.id = m.post_id "
        "WHERE p.platform = 'whatsapp' AND m.missing = 0"
    ).fetchone()[0]
    expected = (
        FIXTURES / "whatsapp/ios/WhatsApp Chat - Ferry/00000012-PHOTO-2022-03-27-21-41-35.jpg"
    )
    assert wa_photo == hashlib.sha256(expected.read_bytes()).hexdigest()
    # re-importing the same folder adds nothing, WhatsApp's hashed ids included
    again = import_paths(store, [case], enrich=False)
    assert sum(s.inserted for s in again) == 0
    assert sum(s.present for s in again) == 12


def test_damaged_file_changes_nothing_already_stored(make_store) -> None:
    store = make_store()
    import_paths(store, [FIXTURES / "telegram/account_export.json"], enrich=False)
    before = store.scalar("SELECT count(*) FROM posts")
    [summary] = import_paths(store, [FIXTURES / "telegram/truncated_result.json"], enrich=False)
    assert summary.error is not None and "damaged or truncated JSON" in summary.error
    assert summary.inserted == 0
    assert store.scalar("SELECT count(*) FROM posts") == before == 3


def test_cli_import_of_a_mixed_folder_prints_one_line_per_file(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    case = tmp_path / "case"
    (case / "x").mkdir(parents=True)
    for name in ("v1_pitfalls.jsonl", "v2_pitfalls.jsonl"):
        shutil.copy(FIXTURES / "x" / name, case / "x" / name)
    shutil.copytree(FIXTURES / "meta_cl", case / "meta_cl")
    shutil.copy(FIXTURES / "youtube/threads_with_replies.json", case / "yt.json")
    code, out, err = run_cli("import", str(case), env={"TRIAGE_PLAIN_STORE": "1"})
    assert (code, err) == (0, "")
    lines = [line for line in out.strip().splitlines() if not line.startswith("  ")]
    assert lines[:5] == [
        "case/meta_cl/posts.csv: format meta-cl, inserted 2, already present 0, quarantined 1",
        # its Facebook post 9007199254740993123 came already from the CSV: same natural key
        "case/meta_cl/posts.json: format meta-cl, inserted 1, already present 1, quarantined 1",
        "case/x/v1_pitfalls.jsonl: format x-v1, inserted 2, already present 0, quarantined 2,"
        " skipped 1",
        "case/x/v2_pitfalls.jsonl: format x-v2, inserted 3, already present 0, quarantined 2,"
        " skipped 1",
        "case/yt.json: format youtube, inserted 2, already present 0, quarantined 1",
    ]
