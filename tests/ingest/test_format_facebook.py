"""Facebook "Download your information": mojibake repair, seconds vs milliseconds, media."""

from __future__ import annotations

from tests.ingest.format_helpers import FIXTURES, read_with
from triage_app.ingest.textfix import fix_mojibake, unix_seconds

EXPORT = FIXTURES / "facebook"  # the export's root folder: media uris are relative to it
POSTS = FIXTURES / "facebook/posts/your_posts_1.json"
MESSAGES = FIXTURES / "facebook/messages/inbox/amira_1/message_1.json"


def test_posts_mojibake_repaired_and_media_found_from_export_root() -> None:
    got = read_with("facebook", POSTS, root=EXPORT)
    first, second = got.posts
    assert first.text == "Départ demain — رحلة مضمونة"
    assert first.extra["title"] == "Zoé a publié"
    assert first.created_at == 1700000000
    assert first.extra["links"] == ["https://example.org/trip"]
    [photo] = first.media
    assert not photo.missing
    assert photo.path == str((FIXTURES / "facebook/posts/media/boat.jpg").resolve())
    assert second.media[0].missing and second.media[0].name == "posts/media/missing.jpg"
    assert "\\u00c3\\u00a9" not in first.raw and "Ã©" in first.raw  # raw is as received
    [bad] = got.bad
    assert bad.reason == "post has no timestamp"


def test_post_ids_are_stable_across_reads() -> None:
    assert [p.post_id for p in read_with("facebook", POSTS).posts] == [
        p.post_id for p in read_with("facebook", POSTS).posts
    ]


def test_messenger_milliseconds_mojibake_and_photos() -> None:
    got = read_with("facebook", MESSAGES, root=EXPORT)
    text, photo = got.posts
    assert text.created_at == 1700000123  # timestamp_ms / 1000
    assert text.text == "Prix: 2000€ — السعر"
    assert text.account is not None and text.account.account_id == "Amira Bénali"
    assert text.extra["thread_path"] == "inbox/amira_1"
    assert text.kind == "message"
    assert photo.media[0].path == str(
        (FIXTURES / "facebook/messages/inbox/amira_1/photos/p1.jpg").resolve()
    )
    assert [b.reason for b in got.bad] == ["message has no timestamp_ms or no sender_name"]


def test_repair_helpers() -> None:
    assert fix_mojibake("Ã©") == "é"
    assert fix_mojibake("é") == "é"  # not mangled: unchanged
    assert fix_mojibake("سلام") == "سلام"  # above U+00FF: unchanged
    assert unix_seconds(1700000000) == 1700000000
    assert unix_seconds(1700000000123) == 1700000000
    assert unix_seconds("1700000000") == 1700000000


def test_messenger_calls_are_skipped(tmp_path) -> None:
    import json

    path = tmp_path / "message_1.json"
    path.write_text(
        json.dumps(
            {
                "participants": [{"name": "A"}],
                "messages": [
                    {
                        "sender_name": "A",
                        "timestamp_ms": 1700000000000,
                        "type": "Call",
                        "call_duration": 0,
                        "content": "A started a call.",
                    },
                    {
                        "sender_name": "A",
                        "timestamp_ms": 1700000001000,
                        "type": "Generic",
                        "content": "hi",
                    },
                ],
                "title": "A",
                "thread_path": "inbox/a_1",
            }
        )
    )
    got = read_with("facebook", path)
    assert [p.text for p in got.posts] == ["hi"]
    assert [s.reason for s in got.skipped] == ["Messenger Call entry (calls, joins), not a message"]
