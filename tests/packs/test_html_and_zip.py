"""referral.html is escaped and right-to-left safe; the streaming ZIP refuses unsafe names and
records each entry's hash."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from tests.packs.helpers import approved_store
from triage_app.packs.contents import evidence_folder, iter_posts, select_contents
from triage_app.packs.html import PackHeader, render_referral_html
from triage_app.packs.platforms import load_platforms, platform_info
from triage_app.packs.zipstream import PackZipWriter, check_entry_name


def test_html_is_escaped_and_rtl_safe(make_store, tmp_path):
    store = approved_store(make_store, tmp_path)
    selection = select_contents(store, "facebook")
    out = io.StringIO()
    render_referral_html(
        out,
        platform_info("facebook"),
        selection,
        PackHeader("pack-1", "2026-01-01T00:00:00Z", "alice", "s"),
        iter_posts(store, selection, with_raw=False),
        store.taxonomy,
    )
    html = out.getvalue()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert html.count('<div class="text" dir="auto" lang="ar">') == 2
    assert '<bdi dir="auto">قارب</bdi>' in html
    assert "Small-boat crossing" in html and "Fake documents" in html
    assert html.count("<section") == html.count("</section>") == 3
    head = html.split("<body>")[0]
    assert "http:" not in head and "https:" not in head  # nothing fetched from elsewhere
    preview = io.StringIO()
    render_referral_html(
        preview,
        platform_info("facebook"),
        selection,
        PackHeader("p", "t", "a", "s"),
        iter_posts(store, selection, with_raw=False),
        store.taxonomy,
        limit=2,
    )
    assert "… and 4 more posts." in preview.getvalue()
    assert preview.getvalue().count("<section") == preview.getvalue().count("</section>")


def test_platforms_file_has_policy_references():
    platforms = load_platforms()
    assert {"facebook", "x", "tiktok", "youtube", "telegram"} <= set(platforms)
    assert all(p.policies and p.policies[0].url.startswith("https://") for p in platforms.values())
    assert platform_info("twitter").key == "x"
    assert platform_info("unknown-platform").name == "unknown-platform"


@pytest.mark.parametrize("name", ["../x", "/abs", "a//b", "a/./b", "", "a\\b", "naïve.txt"])
def test_unsafe_entry_names_are_refused(name):
    with pytest.raises(ValueError):
        check_entry_name(name)


def test_evidence_folder_names_are_safe_and_distinct():
    assert evidence_folder("12345", "uuid-aaaa") == "12345"
    odd = evidence_folder("../../etc/passwd", "abcdef0123")
    check_entry_name(f"evidence/{odd}/raw.json")
    assert odd.endswith("-abcdef01")
    assert evidence_folder("a/b", "11111111") != evidence_folder("a:b", "22222222")
    # ids that differ only by case must not share a folder on a case-insensitive disk
    upper, lower = evidence_folder("dQw4w9", "aaaaaaaa-1"), evidence_folder("dqw4w9", "bbbbbbbb-2")
    assert upper.lower() != lower.lower() and upper.startswith("dQw4w9-")


def test_zip_entries_are_hashed_as_written(tmp_path):
    media = tmp_path / "m.jpg"
    media.write_bytes(b"\xff\xd8" + b"j" * 5000)
    sha = hashlib.sha256(media.read_bytes()).hexdigest()
    with PackZipWriter(tmp_path / "t.zip") as pack:
        pack.add_bytes("a.txt", b"hello")
        with pack.open_text("b.txt") as out:
            out.write("مرحبا\n")
        pack.add_file("m.jpg", media, sha, "m.jpg")
    with zipfile.ZipFile(tmp_path / "t.zip") as archive:
        for entry in pack.entries:
            data = archive.read(entry.name)
            assert hashlib.sha256(data).hexdigest() == entry.sha256 and len(data) == entry.size
        assert archive.getinfo("m.jpg").compress_type == zipfile.ZIP_STORED
