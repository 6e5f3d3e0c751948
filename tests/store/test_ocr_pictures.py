"""Issue 15, text in pictures: a post whose only phone number is printed in its picture.

A real PNG drawn here with Pillow, imported by the real CLI (the evidence copy is encrypted at
rest), read by the real Tesseract in the background enrichment, then found by searching for
the number, shown as an E.164 indicator found in the picture, and pivoted to the other post
with the same number. No clear picture is ever left in the data folder. A missing Tesseract or
language says which Debian package to install and carries on."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.usefixtures("tesseract_installed")

PHONE = "+44 7911 123456"  # (+44 7700 900xxx, the drama range, is not a valid number)
E164 = "+447911123456"
FONT = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"


def flyer_png(lines: list[str]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1000, 500), (250, 245, 230))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 52) if Path(FONT).exists() else ImageFont.load_default(52)
    for n, line in enumerate(lines):
        draw.text((50, 80 + n * 120), line, font=font, fill=(20, 20, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("ocr")
    export = root / "export"
    export.mkdir()
    (export / "flyer.png").write_bytes(flyer_png(["BOAT TO ITALY", f"WhatsApp {PHONE}"]))
    posts = [
        {
            "post_id": "pic",
            "text": "Trip this week, details in the picture",
            "media": ["flyer.png"],
        },
        {"post_id": "txt", "text": f"Same agent, call {PHONE}"},
    ]
    with open(export / "posts.jsonl", "w", encoding="utf-8") as out:
        for i, post in enumerate(posts):
            record = {
                "platform": "facebook",
                "created_at": f"2025-03-01T10:0{i}:00Z",
                "author_id": f"a{i}",
                "author_handle": f"agent{i}",
                "language": "en",
                **post,
            }
            out.write(json.dumps(record) + "\n")
    data = root / "data"
    data.mkdir()
    env = {  # an encrypted store: evidence copies sealed at rest, the key in a test keyring
        "TRIAGE_DATA_DIR": str(data),
        "TRIAGE_NO_OCR": "0",
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(root / "keyring.json"),
    }
    code, _out, err = run_cli("import", str(export / "posts.jsonl"), "--format", "jsonl", env=env)
    assert code == 0, err
    code, out, err = run_cli("queue", "--json", env=env)
    ids = {p["text"]: p["id"] for p in json.loads(out)["posts"]}
    return {
        "env": env,
        "data": data,
        "pic": ids["Trip this week, details in the picture"],
        "txt": ids[f"Same agent, call {PHONE}"],
    }


def test_the_phone_in_the_picture_is_an_indicator(imported):
    code, out, err = run_cli("show", str(imported["pic"]), "--json", env=imported["env"])
    assert code == 0, err
    detail = json.loads(out)
    assert detail["indicators"] == [] or all(i["kind"] != "phone" for i in detail["indicators"])
    [picture] = detail["picture_text"]
    assert picture["status"] == "read" and "ITALY" in picture["text"]
    assert picture["confidence"] > 50 and "eng" in picture["languages"]
    phones = [i for i in detail["picture_indicators"] if i["kind"] == "phone"]
    assert [p["value"] for p in phones] == [E164]
    assert phones[0]["media_id"] == detail["media"][0]["id"]


def test_search_finds_the_number_in_the_picture_and_says_where(imported):
    env = imported["env"]
    code, out, err = run_cli("queue", "--search", "123456", "--json", env=env)
    assert code == 0, err
    found = {p["id"]: p for p in json.loads(out)["posts"]}
    assert set(found) == {imported["pic"], imported["txt"]}
    assert found[imported["pic"]]["found_in"] == "picture text"
    assert "found_in" not in found[imported["txt"]]
    code, out, err = run_cli("queue", "--search", "italy", env=env)
    assert "[found in picture text]" in out


def test_pivot_to_the_other_post_with_the_number(imported):
    code, out, err = run_cli(
        "pivot", str(imported["pic"]), "same-indicator", "--json", env=imported["env"]
    )
    assert code == 0, err
    hits = {p["id"]: p["matched"] for p in json.loads(out)["posts"]}
    assert {"kind": "phone", "value": E164} in hits[imported["txt"]]


def test_no_clear_picture_is_left_on_disk(imported):
    assert any((imported["data"]).rglob("*.png"))  # the sealed evidence copy is there
    for folder, _dirs, files in os.walk(imported["data"]):
        for name in files:
            with open(Path(folder) / name, "rb") as handle:
                assert not handle.read(8).startswith(b"\x89PNG"), name


def _store_with_picture(make_store, tmp_path: Path, language: str):
    from triage_app.ingest.pipeline import import_paths

    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "flyer.png").write_bytes(flyer_png([f"Call {PHONE}"]))
    record = {
        "platform": "telegram",
        "post_id": "p1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "د کښتۍ سفر ایټالیا ته",
        "language": language,
        "media": ["flyer.png"],
    }
    (export / "posts.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl", enrich=False)
    return store


def _tessdata_without_pashto(tmp_path: Path) -> Path:
    """A Tesseract data folder with the installed languages except Pashto (links, no copies),
    so the missing-language path runs whatever this machine has installed."""
    import subprocess

    listed = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    source = Path(listed[0].split('"')[1])  # 'List of available languages in "/…/tessdata/"'
    folder = tmp_path / "tessdata"
    folder.mkdir()
    for entry in source.iterdir():
        if entry.name != "pus.traineddata":
            (folder / entry.name).symlink_to(entry)
    return folder


def test_a_missing_language_names_its_package_and_reads_anyway(make_store, tmp_path, monkeypatch):
    from triage_app.core import ocr
    from triage_app.store.ocr import ocr_pending

    monkeypatch.setenv("TESSDATA_PREFIX", str(_tessdata_without_pashto(tmp_path)))
    ocr.engine.cache_clear()
    try:
        assert "pus" not in ocr.engine()[1] and "eng" in ocr.engine()[1]
        store = _store_with_picture(make_store, tmp_path, "ps")
        run = ocr_pending(store)
    finally:
        monkeypatch.undo()
        ocr.engine.cache_clear()
    assert run.images == 1 and run.read == 1
    assert any("tesseract-ocr-pus" in note and "Pashto" in note for note in run.notes)
    values = [r[0] for r in store.execute("SELECT value FROM indicators WHERE media_id > 0")]
    assert E164 in values


def test_without_tesseract_it_says_what_to_install_and_carries_on(
    make_store, tmp_path, monkeypatch
):
    from triage_app.core import ocr
    from triage_app.store.ocr import ocr_pending, pending_images

    store = _store_with_picture(make_store, tmp_path, "ps")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    ocr.engine.cache_clear()
    try:
        run = ocr_pending(store)
    finally:
        monkeypatch.undo()
        ocr.engine.cache_clear()
    assert run.images == 0 and "install the Debian package tesseract-ocr" in run.notes[0]
    assert pending_images(store) == 1  # read later, once Tesseract is installed


def test_cancel_stops_before_the_next_picture(make_store, tmp_path):
    from triage_app.store.ocr import ocr_pending, pending_images

    store = _store_with_picture(make_store, tmp_path, "en")
    run = ocr_pending(store, cancelled=lambda: True)
    assert run.cancelled and run.images == 0 and pending_images(store) == 1


def test_import_reports_the_pictures_as_a_step_with_rate(make_store, tmp_path, monkeypatch):
    """The window's import dialog and `triage import --progress` show OCR progress and rate."""
    from triage_app.ingest.pipeline import PICTURES_STEP, import_paths

    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    (export / "flyer.png").write_bytes(flyer_png([f"Call {PHONE}"]))
    record = {
        "platform": "telegram",
        "post_id": "p1",
        "created_at": "2025-03-01T10:00:00Z",
        "text": "see picture",
        "language": "en",
        "media": ["flyer.png"],
    }
    (export / "posts.jsonl").write_text(json.dumps(record) + "\n")
    seen: list[tuple[str, int, int, float]] = []
    import_paths(
        store,
        [export / "posts.jsonl"],
        fmt="jsonl",
        progress=lambda p: seen.append((p.name, p.records, p.bytes_total, p.rate)),
    )
    pictures = [s for s in seen if s[0] == PICTURES_STEP]
    assert pictures and pictures[-1][1:3] == (1, 1) and pictures[-1][3] > 0


def _two_flyers(make_store, tmp_path: Path):
    """The same flyer text with two phone numbers, drawn light-on-dark and dark-on-light (so
    their picture hashes are far apart), under captions too short to compare."""
    from PIL import Image, ImageDraw, ImageFont

    from triage_app.ingest.pipeline import import_paths

    store = make_store()
    export = tmp_path / "export"
    export.mkdir()
    font = ImageFont.truetype(FONT, 50) if Path(FONT).exists() else ImageFont.load_default(50)
    lines = ["SAFE BOAT TO ITALY TOMORROW NIGHT", "FAMILIES WELCOME PAY ON ARRIVAL"]
    for name, phone, (bg, fg), x in (
        ("a.png", "+44 7911 123456", ((250, 250, 250), (10, 10, 10)), 40),
        ("b.png", "+39 312 345 6789", ((15, 25, 60), (250, 240, 200)), 90),
    ):
        image = Image.new("RGB", (1100, 600), bg)
        draw = ImageDraw.Draw(image)
        for n, line in enumerate([*lines, f"WhatsApp {phone}"]):
            draw.text((x, 100 + n * 140), line, font=font, fill=fg)
        image.save(export / name)
    with open(export / "posts.jsonl", "w", encoding="utf-8") as out:
        for i, name in enumerate(("a.png", "b.png")):
            record = {
                "platform": "telegram",
                "post_id": f"p{i}",
                "created_at": f"2025-03-01T10:0{i}:00Z",
                "text": "inbox",
                "language": "en",
                "media": [name],
            }
            out.write(json.dumps(record) + "\n")
    import_paths(store, [export / "posts.jsonl"], fmt="jsonl")
    return store


def test_the_same_flyer_with_another_number_joins_its_cluster(make_store, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_NO_OCR", "0")
    store = _two_flyers(make_store, tmp_path)
    clusters = [r[0] for r in store.execute("SELECT cluster_id FROM posts ORDER BY id")]
    assert clusters == [1, 1]
    assert store.scalar("SELECT size FROM clusters WHERE id = 1") == 2


def test_without_the_picture_text_they_stay_apart(make_store, tmp_path):
    store = _two_flyers(make_store, tmp_path)  # TRIAGE_NO_OCR=1 in the test suite
    clusters = [r[0] for r in store.execute("SELECT cluster_id FROM posts ORDER BY id")]
    assert clusters == [None, None]


def test_word_boxes_are_in_the_pictures_own_pixels():
    """A small picture is enlarged for Tesseract; the boxes stored are in its own pixels."""
    from PIL import Image, ImageDraw, ImageFont

    from triage_app.core.ocr import read_image

    image = Image.new("RGB", (500, 200), "white")
    font = ImageFont.truetype(FONT, 30) if Path(FONT).exists() else ImageFont.load_default(30)
    ImageDraw.Draw(image).text((20, 80), f"CALL {PHONE}", font=font, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    words = {w.text: w for w in read_image(out.getvalue(), ["eng"]).words}
    last = words["123456"]
    assert last.left > 200 and last.left + last.width < 500 and 70 < last.top < 130
