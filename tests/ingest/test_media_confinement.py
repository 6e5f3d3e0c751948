"""Media are taken only from inside the export (issue 12, "Media paths leave the import folder").

A media reference that is absolute, climbs out with ``../``, names ``/proc/self/environ``, is a
symbolic link leaving the export, a FIFO or a file over the size limit is refused: nothing of it
reaches the evidence folder or a referral pack, the post says "media refused: reason" and the
import summary counts it. Real files, real symlinks, a real FIFO, a real ZIP, the real CLI and
the real age/unzip/sha256sum for the pack."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from triage_app.ingest.evidence import evidence_dir
from triage_app.ingest.pipeline import import_paths
from triage_app.store.post_detail import post_detail

SECRET = b"OUTSIDE-THE-EXPORT-" + os.urandom(8).hex().encode() + b"\n"
GOOD = b"\xff\xd8\xff\xe0 a photo that is part of the export " + os.urandom(8)

OUTSIDE = "outside the export folder"
LEAVES = "a symbolic link that leaves the export folder"
SYSTEM = "a system entry (/proc, /sys or /dev), not a file of the export"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def row(post_id: str, media: list[str]) -> dict[str, object]:
    return {
        "platform": "facebook",
        "post_id": post_id,
        "created_at": "2025-03-01T10:00:00Z",
        "text": f"Boat to Italy tonight, post {post_id}",
        "author_id": "a1",
        "author_handle": "boatman",
        "media": media,
    }


def write_export(folder: Path, rows: list[dict[str, object]], fmt: str = "jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pics").mkdir(exist_ok=True)
    (folder / "pics" / "good.jpg").write_bytes(GOOD)
    if fmt == "jsonl":
        path = folder / "posts.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return path
    path = folder / "posts.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["platform", "post_id", "created_at", "text", "author_id", "media"])
        for r in rows:
            media = "|".join(r["media"])  # type: ignore[arg-type]
            writer.writerow(
                [r["platform"], r["post_id"], r["created_at"], r["text"], r["author_id"], media]
            )
    return path


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file beside the export (not in it) that must never become evidence."""
    folder = tmp_path / "outside"
    folder.mkdir()
    path = folder / "secret.jpg"
    path.write_bytes(SECRET)
    return path


def stored_hashes(store) -> set[str]:
    return {r[0] for r in store.execute("SELECT sha256 FROM media WHERE sha256 IS NOT NULL")}


def evidence_files(store) -> list[Path]:
    folder = evidence_dir(store.path)
    if not folder.exists():
        return []
    return [p for p in folder.rglob("*") if p.is_file()]


def assert_nothing_outside_copied(store, *outside: bytes) -> None:
    """The evidence holds the export's own photo and nothing else (no copy of any outside
    file, whether the evidence folder keeps files plain or encrypted)."""
    hashes = stored_hashes(store)
    assert hashes == {sha(GOOD)}
    for data in outside:
        assert data, "an outside file to look for must not be empty"
        assert sha(data) not in hashes
        for path in evidence_files(store):
            assert sha(data) not in path.name
            assert data not in path.read_bytes()
    stored = {r[0] for r in store.execute("SELECT stored_path FROM media WHERE stored_path > ''")}
    assert len(stored) == 1


def refused_on(store, platform_post_id: str) -> list[dict[str, str]]:
    pid = store.scalar("SELECT id FROM posts WHERE platform_post_id = ?", (platform_post_id,))
    return post_detail(store, pid)["media_refused"]


# -- the generic JSONL and CSV formats -------------------------------------------------------


def _case(name: str, export: Path, secret: Path) -> tuple[str, str, bytes]:
    """(reference as written in the export, reason expected, bytes that must not be copied)."""
    export.mkdir(parents=True, exist_ok=True)
    if name == "absolute":
        return str(secret), OUTSIDE, SECRET
    if name == "climb":
        return "../outside/secret.jpg", OUTSIDE, SECRET
    if name == "climb-through-pics":
        return "pics/../../outside/secret.jpg", OUTSIDE, SECRET
    if name == "proc":
        return "/proc/self/environ", SYSTEM, Path("/proc/self/environ").read_bytes()[:200]
    if name == "symlink-out":
        (export / "pics").mkdir(parents=True, exist_ok=True)
        (export / "pics" / "linked.jpg").symlink_to(secret)
        return "pics/linked.jpg", LEAVES, SECRET
    if name == "symlink-to-proc":
        (export / "pics").mkdir(parents=True, exist_ok=True)
        (export / "pics" / "env.jpg").symlink_to("/proc/self/environ")
        return "pics/env.jpg", SYSTEM, Path("/proc/self/environ").read_bytes()[:200]
    if name == "folder-symlink-out":
        (export / "album").symlink_to(secret.parent, target_is_directory=True)
        return "album/secret.jpg", LEAVES, SECRET
    raise AssertionError(name)


CASES = [
    "absolute",
    "climb",
    "climb-through-pics",
    "proc",
    "symlink-out",
    "symlink-to-proc",
    "folder-symlink-out",
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("case", CASES)
def test_a_reference_leaving_the_export_is_refused_recorded_and_counted(
    make_store, tmp_path: Path, secret: Path, case: str, fmt: str
) -> None:
    export = tmp_path / "export"
    reference, reason, outside_bytes = _case(case, export, secret)
    path = write_export(
        export, [row("p1", ["pics/good.jpg", reference]), row("p2", ["pics/good.jpg"])], fmt
    )
    store = make_store()
    [summary] = import_paths(store, [path], enrich=False)
    assert summary.error is None and summary.inserted == 2
    assert_nothing_outside_copied(store, outside_bytes)
    assert summary.media_refused == 1
    assert summary.as_dict()["media_refused"] == 1
    assert refused_on(store, "p1") == [{"reference": reference, "reason": reason}]
    assert refused_on(store, "p2") == []
    assert store.scalar("SELECT media_refused FROM imports") == 1


def test_the_folder_given_is_the_root_for_files_in_its_subfolders(
    make_store, tmp_path: Path, secret: Path
) -> None:
    """Importing the folder: a file in a subfolder may name media elsewhere in the folder, not
    beyond it."""
    export = tmp_path / "export"
    (export / "data").mkdir(parents=True)
    (export / "pics").mkdir()
    (export / "pics" / "good.jpg").write_bytes(GOOD)
    rows = [row("p1", ["../pics/good.jpg", "../../outside/secret.jpg"])]
    (export / "data" / "posts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = make_store()
    [summary] = import_paths(store, [export], enrich=False)
    assert_nothing_outside_copied(store, SECRET)
    assert summary.media_refused == 1
    assert refused_on(store, "p1") == [{"reference": "../../outside/secret.jpg", "reason": OUTSIDE}]


def test_a_symlink_inside_the_export_is_followed_and_taken(make_store, tmp_path: Path) -> None:
    export = tmp_path / "export"
    path = write_export(export, [row("p1", ["alias.jpg"])])
    (export / "alias.jpg").symlink_to(Path("pics") / "good.jpg")
    store = make_store()
    [summary] = import_paths(store, [path], enrich=False)
    assert summary.media_refused == 0 and refused_on(store, "p1") == []
    assert stored_hashes(store) == {sha(GOOD)}
    assert store.scalar("SELECT missing FROM media") == 0


def test_a_file_over_the_size_limit_is_refused(make_store, tmp_path: Path) -> None:
    from triage_app.ingest import media_confine

    export = tmp_path / "export"
    path = write_export(export, [row("p1", ["pics/good.jpg", "pics/big.mp4"])])
    (export / "pics" / "big.mp4").write_bytes(b"v" * 100)
    store = make_store()
    [summary] = import_paths(store, [path], enrich=False, media_limit=len(GOOD))
    assert summary.media_refused == 1
    assert refused_on(store, "p1") == [
        {"reference": "pics/big.mp4", "reason": f"over the {len(GOOD)} bytes limit"}
    ]
    assert_nothing_outside_copied(store, b"v" * 100)
    assert media_confine.MEDIA_SIZE_LIMIT == 2 * 1024**3
    assert media_confine.over_limit(media_confine.MEDIA_SIZE_LIMIT) == "over the 2 GiB limit"


def test_a_missing_file_inside_the_export_stays_missing_not_refused(
    make_store, tmp_path: Path
) -> None:
    export = tmp_path / "export"
    path = write_export(export, [row("p1", ["pics/not-there.jpg", "https://cdn.example/a.jpg"])])
    store = make_store()
    [summary] = import_paths(store, [path], enrich=False)
    assert summary.media_refused == 0
    rows = store.execute("SELECT name, url, missing, stored_path FROM media ORDER BY id").fetchall()
    assert rows == [
        ("not-there.jpg", None, 1, None),
        ("a.jpg", "https://cdn.example/a.jpg", 1, None),
    ]


# -- a FIFO, through the real CLI: refused with its reason, never opened (opening blocks) ----


def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        "TRIAGE_DB": str(tmp_path / "store.db"),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "triage_app.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"triage {' '.join(args)} -> {proc.returncode}: {proc.stderr}"
    return proc.stdout


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    export = tmp_path / "export"
    path = write_export(export, [row("p1", ["pics/good.jpg", "pics/pipe.jpg"])])
    os.mkfifo(export / "pics" / "pipe.jpg")
    env = cli_env(tmp_path)
    try:
        out = cli(env, "import", str(path), "--no-enrich", timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the import hung opening a FIFO named as media")
    assert out.strip().endswith("media refused 1 (see `triage show`)"), out
    shown = json.loads(cli(env, "show", "1", "--json"))
    assert shown["media_refused"] == [
        {"reference": "pics/pipe.jpg", "reason": "not a regular file (FIFO)"}
    ]
    human = cli(env, "show", "1")
    assert "media refused: not a regular file (FIFO): 'pics/pipe.jpg'" in human.splitlines()
    assert [m["sha256"] for m in shown["media"]] == [sha(GOOD)]


# -- the Facebook importer's search for media in parent folders ------------------------------


def facebook_zip(path: Path, uris: list[str]) -> Path:
    posts = [
        {
            "timestamp": 1700000000 + i,
            "attachments": [{"data": [{"media": {"uri": uri}}]}],
            "data": [{"post": f"Crossing tonight {i}"}],
        }
        for i, uri in enumerate(uris)
    ]
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("your_facebook_activity/posts/your_posts_1.json", json.dumps(posts))
        zf.writestr("your_facebook_activity/posts/media/boat.jpg", GOOD)
    return path


def test_facebook_media_search_stops_at_the_unpacked_zip(
    make_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ZIP is unpacked under a temporary folder T; the old search went up to 5 folders
    above the JSON file, i.e. to T itself and T's parent (``/`` when T is /tmp), where a file
    named by the export (T/planted/secret.jpg here, /etc/passwd in the issue) was taken."""
    temp = tmp_path / "tmp"
    (temp / "planted").mkdir(parents=True)
    (temp / "planted" / "secret.jpg").write_bytes(SECRET)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    archive = facebook_zip(
        tmp_path / "facebook.zip",
        [
            "your_facebook_activity/posts/media/boat.jpg",  # in the export: found from its root
            "planted/secret.jpg",  # above the unpacked ZIP: not searched there
            "etc/passwd",  # the example: not in the export
            "../../../../planted/secret.jpg",  # climbing out of the unpacked ZIP
        ],
    )
    store = make_store()
    summaries = import_paths(store, [archive], enrich=False)
    [summary] = [s for s in summaries if s.format == "facebook"]
    passwd = Path("/etc/passwd").read_bytes() if Path("/etc/passwd").is_file() else b""
    assert_nothing_outside_copied(store, SECRET, *([passwd] if passwd else []))
    assert summary.inserted == 4 and summary.media_refused == 1
    rows = store.execute(
        "SELECT p.text, m.name, m.missing, m.sha256 FROM posts p LEFT JOIN media m "
        "ON m.post_id = p.id ORDER BY p.posted_at"
    ).fetchall()
    assert rows == [
        ("Crossing tonight 0", "your_facebook_activity/posts/media/boat.jpg", 0, sha(GOOD)),
        ("Crossing tonight 1", "planted/secret.jpg", 1, None),
        ("Crossing tonight 2", "etc/passwd", 1, None),
        ("Crossing tonight 3", None, None, None),
    ]
    pid = store.scalar("SELECT id FROM posts WHERE text = 'Crossing tonight 3'")
    assert post_detail(store, pid)["media_refused"] == [
        {"reference": "../../../../planted/secret.jpg", "reason": OUTSIDE}
    ]


# -- the check and the copy: a file swapped in between is refused ----------------------------


def test_a_file_swapped_for_a_link_after_the_check_is_not_copied(
    tmp_path: Path, secret: Path
) -> None:
    from triage_app.ingest.media_confine import MediaRefused, check_media, open_media

    export = tmp_path / "export"
    (export / "pics").mkdir(parents=True)
    target = export / "pics" / "a.jpg"
    target.write_bytes(GOOD)
    checked = check_media("pics/a.jpg", export, export)
    assert checked.path == target.resolve() and checked.refused is None
    target.unlink()
    target.symlink_to(secret)  # swapped after the check, before the copy
    with pytest.raises(MediaRefused, match="a symbolic link appeared"):
        open_media(checked.path, export)


def test_a_folder_swapped_for_a_link_after_the_check_is_not_copied(
    tmp_path: Path, secret: Path
) -> None:
    from triage_app.ingest.media_confine import MediaRefused, check_media, open_media

    export = tmp_path / "export"
    (export / "pics").mkdir(parents=True)
    (export / "pics" / "secret.jpg").write_bytes(GOOD)
    checked = check_media("pics/secret.jpg", export, export)
    assert checked.path is not None
    (export / "pics" / "secret.jpg").unlink()
    (export / "pics").rmdir()
    (export / "pics").symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(MediaRefused, match="a symbolic link appeared"):
        open_media(checked.path, export)


def test_a_file_swapped_for_a_fifo_after_the_check_is_not_opened(tmp_path: Path) -> None:
    from triage_app.ingest.media_confine import MediaRefused, check_media, open_media

    export = tmp_path / "export"
    export.mkdir()
    target = export / "a.jpg"
    target.write_bytes(GOOD)
    checked = check_media("a.jpg", export, export)
    assert checked.path is not None
    target.unlink()
    os.mkfifo(target)
    with pytest.raises(MediaRefused, match=r"not a regular file \(FIFO\)"):
        open_media(checked.path, export)


def test_a_file_that_grows_past_the_limit_while_copied_is_refused(tmp_path: Path) -> None:
    from triage_app.ingest.media_confine import MediaRefused, check_media, open_media

    export = tmp_path / "export"
    export.mkdir()
    target = export / "a.mp4"
    target.write_bytes(b"x" * 10)
    checked = check_media("a.mp4", export, export, limit=16)
    assert checked.path is not None
    with open_media(checked.path, export, limit=16) as handle:
        with target.open("ab") as more:
            more.write(b"y" * 100)
        with pytest.raises(MediaRefused, match="over the 16 bytes limit"):
            while handle.read(4):
                pass


def test_open_media_refuses_what_check_media_refuses(tmp_path: Path, secret: Path) -> None:
    from triage_app.ingest.media_confine import MediaRefused, open_media

    export = tmp_path / "export"
    export.mkdir()
    with pytest.raises(MediaRefused, match=OUTSIDE):
        open_media(secret, export)
    with pytest.raises(MediaRefused, match="system entry"):
        open_media(Path("/proc/self/environ"), export)


# -- end to end: the CLI, a pack built after such an import, opened with the real tools -------


def run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_a_pack_built_after_a_hostile_import_holds_none_of_the_outside_bytes(
    tmp_path: Path, secret: Path
) -> None:
    from tests.packs.helpers import identity
    from tests.support.run_as import run_cli_as

    export = tmp_path / "export"
    export.mkdir()
    (export / "linked.jpg").symlink_to(secret)
    path = write_export(
        export,
        [
            row(
                "p1",
                [
                    "pics/good.jpg",
                    str(secret),
                    "../outside/secret.jpg",
                    "/proc/self/environ",
                    "linked.jpg",
                ],
            )
        ],
    )
    marker = "MARKER-" + os.urandom(8).hex()  # in the importing process's /proc/self/environ
    env = {**cli_env(tmp_path), "TRIAGE_MEDIA_TEST_MARKER": marker}
    imported = json.loads(cli(env, "import", str(path), "--json"))
    cli(env, "users", "add", "ana", "--role", "analyst")
    code, _, err = run_cli_as("ana", "tag", "1", "boat_crossing", env=env)
    assert code == 0, err
    cli(env, "review", "1", "approve")
    ident, pub = identity(tmp_path)
    pack = tmp_path / "out" / "referral.age"
    pack.parent.mkdir()
    built = json.loads(
        cli(
            env,
            "pack",
            "build",
            "--platform",
            "facebook",
            "--recipient",
            pub,
            "--out",
            str(pack),
            "--json",
        )
    )
    assert built["posts"] == 1 and built["media_files"] == 1
    plain = tmp_path / "plain.zip"
    dec = run("age", "-d", "-i", str(ident), "-o", str(plain), str(pack))
    assert dec.returncode == 0, dec.stderr
    unzipped = tmp_path / "unzipped"
    assert run("unzip", "-q", str(plain), "-d", str(unzipped)).returncode == 0
    sums = run("sha256sum", "-c", "--strict", "SHA256SUMS", cwd=unzipped)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    files = [p for p in unzipped.rglob("*") if p.is_file()]
    media = [p for p in files if "/media/" in p.as_posix()]
    assert [p.read_bytes() for p in media] == [GOOD]
    for p in files:
        data = p.read_bytes()
        assert SECRET.strip() not in data, p
        assert marker.encode() not in data, p
    for store_file in (tmp_path / "store.db.evidence").rglob("*"):
        if store_file.is_file():
            assert SECRET.strip() not in store_file.read_bytes()
    # Each refusal is counted in the import summary and named on the post.
    assert [s["media_refused"] for s in imported] == [4]
    human = cli(env, "show", "1")
    assert human.count("media refused: ") == 4
    assert f"media refused: {LEAVES}: 'linked.jpg'" in human
    assert f"media refused: {OUTSIDE}: '../outside/secret.jpg'" in human
    assert f"media refused: {SYSTEM}: '/proc/self/environ'" in human


# -- Telegram and WhatsApp exports go through the same rule ---------------------------------


def test_telegram_media_leaving_the_export_are_refused_and_recorded(
    make_store, tmp_path: Path, secret: Path
) -> None:
    export = tmp_path / "telegram"
    (export / "photos").mkdir(parents=True)
    (export / "photos" / "good.jpg").write_bytes(GOOD)
    (export / "photos" / "leak.jpg").symlink_to(secret)

    def message(number: int, **media: str) -> dict[str, object]:
        return {
            "id": number,
            "type": "message",
            "date": "2024-05-13T11:15:00",
            "date_unixtime": str(1715591700 + number),
            "from": "Sea routes",
            "from_id": "channel1",
            "text": f"crossing {number}",
            **media,
        }

    chat = {
        "name": "Sea routes",
        "type": "public_channel",
        "id": 1,
        "messages": [
            message(1, photo="photos/good.jpg"),
            message(2, photo="photos/leak.jpg"),
            message(3, file="../outside/secret.jpg", mime_type="image/jpeg"),
        ],
    }
    (export / "result.json").write_text(json.dumps(chat))
    store = make_store()
    [summary] = [s for s in import_paths(store, [export], enrich=False) if s.format]
    assert summary.format == "telegram" and summary.inserted == 3
    assert_nothing_outside_copied(store, SECRET)
    assert summary.media_refused == 2
    reasons = store.execute(
        "SELECT p.text, r.reference, r.reason FROM media_refused r JOIN posts p "
        "ON p.id = r.post_id ORDER BY p.posted_at"
    ).fetchall()
    assert reasons == [
        ("crossing 2", "photos/leak.jpg", LEAVES),
        ("crossing 3", "../outside/secret.jpg", OUTSIDE),
    ]


def test_whatsapp_attachment_linked_out_of_the_export_is_refused(
    make_store, tmp_path: Path, secret: Path
) -> None:
    export = tmp_path / "chat"
    export.mkdir()
    (export / "IMG-20220318-WA0001.jpg").write_bytes(GOOD)
    (export / "IMG-20220318-WA0002.jpg").symlink_to(secret)
    (export / "WhatsApp Chat with Boats.txt").write_text(
        "18.03.22, 14:57 - Omar: Departure Friday from Zuwara\n"
        "18.03.22, 14:58 - Omar: IMG-20220318-WA0001.jpg (file attached)\n"
        "the boat\n"
        "18.03.22, 14:59 - Omar: IMG-20220318-WA0002.jpg (file attached)\n"
        "the papers\n"
    )
    store = make_store()
    [summary] = [s for s in import_paths(store, [export], enrich=False) if s.format]
    assert summary.format == "whatsapp" and summary.inserted == 3
    assert_nothing_outside_copied(store, SECRET)
    assert summary.media_refused == 1
    pid = store.scalar("SELECT id FROM posts WHERE text = 'the papers'")
    assert post_detail(store, pid)["media_refused"] == [
        {"reference": "IMG-20220318-WA0002.jpg", "reason": LEAVES}
    ]
