"""Automatic detection: every fixture and real file is claimed by exactly one importer."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.ingest.format_helpers import FIXTURES
from triage_app.core.errors import UnreadableFileError
from triage_app.ingest.base import Confidence
from triage_app.ingest.registry import detect_format, importers, read_head

EXPECTED_FIXTURES = {
    "x/v2_pitfalls.jsonl": "x-v2",
    "x/v1_pitfalls.jsonl": "x-v1",
    "x/twarc2_flat_2021.jsonl": "x-v2",
    "x/twarc2_flat_2023.jsonl": "x-v2",
    "x/gnip_25_original.jsonl": "x-v1",
    "x/gnip_25_activity.jsonl": "x-activity",
    "telegram/export/result.json": "telegram",
    "telegram/account_export.json": "telegram",
    "telegram/truncated_result.json": "telegram",
    "whatsapp/android/WhatsApp Chat with Boats.txt": "whatsapp",
    "whatsapp/ios/WhatsApp Chat - Ferry/_chat.txt": "whatsapp",
    "whatsapp/WhatsApp Chat with أحمد.txt": "whatsapp",
    "whatsapp/WhatsApp Chat with Thai.txt": "whatsapp",
    "whatsapp/WhatsApp Chat with Order.txt": "whatsapp",
    "whatsapp/WhatsApp Chat with Latin1.txt": "whatsapp",
    "youtube/threads_with_replies.json": "youtube",
    "tiktok/query_response.json": "tiktok",
    "tiktok/truncated.json": "tiktok",
    "facebook/posts/your_posts_1.json": "facebook",
    "facebook/messages/inbox/amira_1/message_1.json": "facebook",
    "crowdtangle/facebook_pages.csv": "crowdtangle",
    "crowdtangle/instagram.csv": "crowdtangle",
    "crowdtangle/latin1.csv": "crowdtangle",
    "meta_cl/posts.csv": "meta-cl",
    "meta_cl/posts.json": "meta-cl",
}

EXPECTED_REAL = {
    "telegram/innerdvations_saved_messages_2020format.json": "telegram",
    "telegram/chatminer_single_export.json": "telegram",
    "telegram/chatminer_batch_export.json": "telegram",
    "twitter/twarc2_v2_lookup_media_tweet.jsonl": "x-v2",
    "twitter/twarc2_v2_search_all_two_tweets.jsonl": "x-v2",
    "twitter/twarc2_v2_lookup_edited.jsonl": "x-v2",
    "twitter/v1.1_original_format_examples.jsonl": "x-v1",
    "youtube/videos_list_snippet_contentDetails_statistics.json": "youtube",
    "youtube/commentThreads_list_by_video_page1.json": "youtube",
}

ALL_FORMATS = {
    "x-v2",
    "x-v1",
    "telegram",
    "whatsapp",
    "youtube",
    "tiktok",
    "facebook",
    "crowdtangle",
    "meta-cl",
}


def winners(path: Path) -> list[str]:
    head = read_head(path)
    scores = {name: imp.detect(path, head) for name, imp in importers().items()}
    best = max(scores.values())
    assert best > Confidence.NO, f"{path}: no importer claims it"
    return sorted(name for name, score in scores.items() if score == best)


def test_every_format_is_registered() -> None:
    assert set(importers()) >= ALL_FORMATS


def test_every_fixture_and_real_file_has_exactly_one_winner(realdata: Path) -> None:
    listed = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file()}
    data_files = {n for n in listed if not n.endswith(".jpg")}
    assert data_files == set(EXPECTED_FIXTURES), "a fixture was added without a detection check"
    real = {p.relative_to(realdata).as_posix() for p in realdata.rglob("*") if p.is_file()}
    assert real - {"SOURCES.md"} == set(EXPECTED_REAL), "new real data: add it to this test"
    for name, fmt in EXPECTED_FIXTURES.items():
        assert winners(FIXTURES / name) == [fmt], name
        assert detect_format(FIXTURES / name).name == fmt
    for name, fmt in EXPECTED_REAL.items():
        assert winners(realdata / name) == [fmt], name


def test_whatsapp_zip_is_detected_as_a_whole(tmp_path: Path) -> None:
    chat = FIXTURES / "whatsapp/ios/WhatsApp Chat - Ferry"
    archive = tmp_path / "WhatsApp Chat - Ferry.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in chat.iterdir():
            zf.write(file, file.name)
    assert winners(archive) == ["whatsapp"]
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(UnreadableFileError, match="not a format this program knows"):
        detect_format(other)


def test_unknown_and_ambiguous_files_are_refused_with_one_line(tmp_path: Path) -> None:
    unknown = tmp_path / "notes.json"
    unknown.write_text('{"hello": "world"}')
    with pytest.raises(UnreadableFileError, match="--format"):
        detect_format(unknown)
    # A file that carries both X v2 and TikTok tell-tales is refused, never guessed.
    both = tmp_path / "both.json"
    both.write_text(
        '{"data": [{"id": "1", "author_id": "2", "text": "x"}], '
        '"videos": [{"create_time": 1, "video_description": "y"}]}'
    )
    with pytest.raises(
        UnreadableFileError, match="could be tiktok or x-v2; say which with --format"
    ):
        detect_format(both)
