"""Walking folders and ZIPs: what is offered, what is passed over, and unsafe archives refused."""

from __future__ import annotations

import gc
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from tests.ingest.format_helpers import FIXTURES
from triage_app.core.errors import UnreadableFileError
from triage_app.ingest import walk
from triage_app.ingest.walk import iter_import_units

FERRY = FIXTURES / "whatsapp/ios/WhatsApp Chat - Ferry"


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return archive


def mixed_folder(tmp_path: Path, realdata: Path) -> Path:
    root = tmp_path / "case"
    shutil.copytree(realdata / "twitter", root / "twitter")
    shutil.copytree(FIXTURES / "telegram/export", root / "tg")
    zip_folder(FERRY, root / "WhatsApp Chat - Ferry.zip")
    (root / ".DS_Store").write_bytes(b"\x00\x01")
    (root / "readme.txt").write_text("notes about the case\n")
    return root


def test_folder_units_media_and_hidden_files(tmp_path: Path, realdata: Path) -> None:
    root = mixed_folder(tmp_path, realdata)
    units = list(iter_import_units(root))
    names = [u.display_name for u in units]
    assert names == [
        "case/WhatsApp Chat - Ferry.zip!_chat.txt",
        "case/readme.txt",
        "case/tg/result.json",
        "case/twitter/twarc2_v2_lookup_edited.jsonl",
        "case/twitter/twarc2_v2_lookup_media_tweet.jsonl",
        "case/twitter/twarc2_v2_search_all_two_tweets.jsonl",
        "case/twitter/v1.1_original_format_examples.jsonl",
    ]
    reasons = {u.display_name: u.skip_reason for u in units}
    assert reasons["case/readme.txt"] == "not a format this program knows"
    assert all(r is None for n, r in reasons.items() if n != "case/readme.txt")
    chat = units[0]
    assert chat.path.name == "_chat.txt" and chat.path.is_file()
    assert (chat.base_dir / "00000012-PHOTO-2022-03-27-21-41-35.jpg").is_file()
    assert units[2].base_dir == root / "tg" and units[2].display == "case/tg/result.json"


def test_temporary_folders_live_as_long_as_their_units(tmp_path: Path) -> None:
    archive = zip_folder(FIXTURES / "telegram", tmp_path / "telegram.zip")
    units = list(iter_import_units(archive))
    assert [u.display_name for u in units] == [
        "telegram.zip!account_export.json",
        "telegram.zip!export/result.json",
        "telegram.zip!truncated_result.json",
    ]
    folder = units[0].path.parent
    assert all(u.path.is_file() for u in units)
    del units
    gc.collect()
    assert not folder.exists()


def test_zip_inside_zip(tmp_path: Path) -> None:
    inner = zip_folder(FIXTURES / "tiktok", tmp_path / "inner.zip")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "nested/inner.zip")
    names = [u.display_name for u in iter_import_units(outer)]
    assert names == [
        "outer.zip!nested/inner.zip!query_response.json",
        "outer.zip!nested/inner.zip!truncated.json",
    ]


def write_zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


@pytest.mark.parametrize("name", ["../evil.json", "/etc/evil.json", "a/../../evil.json"])
def test_entries_leaving_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    archive = write_zip(tmp_path / "slip.zip", [(name, b"{}")])
    with pytest.raises(UnreadableFileError) as err:
        list(iter_import_units(archive))
    assert (
        str(err.value) == f"slip.zip: entry {name!r} would be written outside the folder; refused"
    )
    assert not (tmp_path / "evil.json").exists()


def test_symlink_entries_are_refused(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("link.json")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = write_zip(tmp_path / "link.zip", [(info, b"/etc/passwd")])
    with pytest.raises(UnreadableFileError, match="is a symbolic link; refused"):
        list(iter_import_units(archive))


def test_zip_bombs_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = write_zip(tmp_path / "bomb.zip", [("zeros.json", b"\0" * 5_000_000)])
    with pytest.raises(UnreadableFileError, match="a zip bomb\\?\\); refused"):
        list(iter_import_units(archive))
    monkeypatch.setattr(walk, "MAX_TOTAL_BYTES", 1000)
    big = write_zip(tmp_path / "big.zip", [("a.json", bytes(range(256)) * 8)])
    with pytest.raises(UnreadableFileError, match="would expand to more than"):
        list(iter_import_units(big))


def test_many_large_entries_are_not_taken_for_a_bomb(tmp_path: Path) -> None:
    """Each entry's output is held to its own declared size: an export of several media files,
    each bigger than COPY_CHUNK, unpacks whole (it was once measured against the running total
    of all entries and refused as a bomb from the third file on)."""
    import os

    blobs = [(f"m{i}.bin", os.urandom(3 * walk.COPY_CHUNK)) for i in range(4)]
    archive = write_zip(tmp_path / "media.zip", [*blobs, ("posts.json", b"[]")])
    target = tmp_path / "out"
    walk.extract_zip(archive, target)
    for name, blob in blobs:
        assert (target / name).read_bytes() == blob


def test_truncated_zip_is_refused_with_one_line(tmp_path: Path) -> None:
    whole = zip_folder(FIXTURES / "telegram", tmp_path / "whole.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnreadableFileError) as err:
        list(iter_import_units(cut))
    assert str(err.value).startswith("cut.zip: damaged or truncated ZIP")
    assert "\n" not in str(err.value)
    # inside a folder the damaged ZIP is reported and the rest still walks
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(cut, folder / "cut.zip")
    shutil.copy(FIXTURES / "tiktok/query_response.json", folder / "q.json")
    units = list(iter_import_units(folder))
    assert [(u.display_name, (u.skip_reason or "")[:30]) for u in units] == [
        ("folder/cut.zip", "cut.zip: damaged or truncated "),
        ("folder/q.json", ""),
    ]


def test_missing_path_and_forced_format(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="no such file or folder"):
        list(iter_import_units(tmp_path / "nope"))
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "odd.dat").write_text("{}")
    assert [u.skip_reason for u in iter_import_units(folder)] == ["not a format this program knows"]
    assert [u.skip_reason for u in iter_import_units(folder, forced="tiktok")] == [None]
