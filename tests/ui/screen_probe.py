"""Open the main window and every dialog on a screen of a given size and scale, offscreen, and
report what does not fit: a window larger than the screen's available area or partly off it, a
layout squeezed below its minimum (its widgets then overlap or are cut), two panes that overlap,
a button outside its dialog, the post text shorter than eight lines, the account card cut, the
queue's Tags and Status columns out of view.

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json [QT_SCALE_FACTOR=1.5] \\
        python -m tests.ui.screen_probe REPORT.json [--shots DIR]

SCREEN.json describes the offscreen screen (Qt's offscreen plugin reads "screens" from it; see
:func:`screen_config`). The report is {"screen": ..., "checked": [...], "problems": [...]};
--shots saves a PNG of each window checked. tests/ui/test_screen_fit.py runs this at 1280x720
and at 1920x1080 with QT_SCALE_FACTOR=1.5 (1280x720 logical pixels)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

MIN_TEXT_LINES = 8


def screen_config(width: int, height: int) -> dict[str, Any]:
    """The offscreen plugin's description of one screen ``width`` x ``height`` pixels."""
    return {
        "screens": [
            {
                "name": "probe",
                "x": 0,
                "y": 0,
                "width": width,
                "height": height,
                "logicalDpi": 96,
                "logicalBaseDpi": 96,
                "dpr": 1,
            }
        ]
    }


def add_screen_options(parser: argparse.ArgumentParser) -> None:
    """The options every screenshot script takes: where to write, which screen, which scale."""
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--screen", default="1920x1080", help="the offscreen screen, WxH")
    parser.add_argument("--scale", default="", help="QT_SCALE_FACTOR, e.g. 1.5")


def use_screen(args: argparse.Namespace) -> Path:
    """Before Qt starts: an offscreen screen of ``--screen`` pixels (a real display is left as
    it is) and ``--scale``; returns the output folder, made if missing."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in args.screen.split("x"))
    if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
        config = Path(tempfile.mkdtemp(prefix="triage-screen-")) / "screen.json"
        config.write_text(json.dumps(screen_config(width, height)))
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = args.scale
    return out


class Probe:
    def __init__(self, shots: Path | None) -> None:
        self.problems: list[str] = []
        self.checked: list[str] = []
        self.figures: dict[str, Any] = {}
        self.shots = shots

    def fail(self, text: str) -> None:
        self.problems.append(text)

    # -- the checks ---------------------------------------------------------------------------
    def top_level(self, name: str, window: Any) -> None:
        """``window`` (shown) fits its screen's available area and nothing in it is squeezed."""
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
        self.checked.append(name)
        area = window.screen().availableGeometry()
        frame = window.frameGeometry()
        if not area.contains(frame):
            self.fail(f"{name}: window {_r(frame)} is not inside the screen's {_r(area)}")
        minimum = window.minimumSizeHint().expandedTo(window.minimumSize())
        if minimum.width() > area.width() or minimum.height() > area.height():
            self.fail(
                f"{name}: cannot be made smaller than {minimum.width()}x{minimum.height()}, "
                f"larger than the screen's {area.width()}x{area.height()}"
            )
        self.layouts(name, window)
        self.buttons(name, window)
        if self.shots is not None:
            window.grab().save(str(self.shots / f"{name}.png"))

    def layouts(self, name: str, root: Any) -> None:
        """Every visible widget with a layout is at least its layout's minimum size, and the
        visible items of each layout (and the panes of each splitter) do not overlap."""
        from PySide6.QtWidgets import QSplitter, QWidget

        for widget in [root, *root.findChildren(QWidget)]:
            if not widget.isVisible() or widget.isWindow() and widget is not root:
                continue
            if widget is not root and widget.window() is not root:
                continue
            where = f"{name}: {_describe(widget)}"
            layout = widget.layout()
            if layout is not None:
                need = layout.totalMinimumSize()
                if layout.hasHeightForWidth():
                    need.setHeight(min(need.height(), layout.totalHeightForWidth(widget.width())))
                if widget.width() + 1 < need.width() or widget.height() + 1 < need.height():
                    self.fail(
                        f"{where} is {widget.width()}x{widget.height()}, its contents need "
                        f"{need.width()}x{need.height()} (they overlap or are cut)"
                    )
                rects = []
                for i in range(layout.count()):
                    item = layout.itemAt(i)
                    child = item.widget()
                    if child is not None and not child.isVisible():
                        continue
                    if item.isEmpty() or item.spacerItem() is not None:
                        continue
                    rects.append((item.geometry(), _describe(child) if child else "layout"))
                self._disjoint(where, rects)
            if isinstance(widget, QSplitter):
                panes = [
                    (widget.widget(i).geometry(), _describe(widget.widget(i)))
                    for i in range(widget.count())
                    if widget.widget(i).isVisible()
                ]
                self._disjoint(where, panes)

    def _disjoint(self, where: str, rects: list[tuple[Any, str]]) -> None:
        for i, (a, a_name) in enumerate(rects):
            for b, b_name in rects[i + 1 :]:
                overlap = a.intersected(b)
                if overlap.width() > 0 and overlap.height() > 0:
                    self.fail(f"{where}: {a_name} {_r(a)} overlaps {b_name} {_r(b)}")

    def buttons(self, name: str, window: Any) -> None:
        from PySide6.QtCore import QPoint, QRect
        from PySide6.QtWidgets import QAbstractButton

        inside = window.rect()
        for button in window.findChildren(QAbstractButton):
            if not button.isVisible() or button.window() is not window:
                continue
            if not button.text():
                continue  # tool buttons inside scroll bars, tab bars and spin boxes
            if _in_scroll_area(button, window):
                continue  # reachable by scrolling
            top_left = button.mapTo(window, QPoint(0, 0))
            rect = QRect(top_left, button.size())
            if not inside.contains(rect):
                self.fail(f"{name}: button {button.text()!r} {_r(rect)} is outside the window")


def _in_scroll_area(widget: Any, window: Any) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent.parentWidget(), QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _r(rect: Any) -> str:
    return f"{rect.x()},{rect.y()} {rect.width()}x{rect.height()}"


def _describe(widget: Any) -> str:
    return widget.objectName() or type(widget).__name__


# -- what is probed ------------------------------------------------------------------------------
MEDIA_POST_TEXT = (
    "⭐ 🚤 Boats to Dover every week from Calais 🇬🇧 🇫🇷\n"
    "Good engine, new life jackets, experienced captain\n"
    "Price $2,800 per person, children half price\n"
    "Only serious people, places are limited\n"
    "Departure Tuesday and Friday night, weather allowing\n"
    "Pick-up from the station car park, bring nothing big\n"
    "Papers not needed, we arrange everything on the other side\n"
    "Call or WhatsApp 0533 296 36 87 📞\n"
    "Our group https://chat.whatsapp.com/nmsawN5MXHBgaURoZwajZE\n"
    "بەلەم بۆ بەریتانیا هەموو هەفتەیەک 🚤"
)


def make_store(work: Path, posts: int) -> Any:
    """Demo posts (no pictures: quicker) and one post with a long text and a large photo."""
    from PIL import Image, ImageDraw

    from triage_app.core.demo import write_demo_jsonl
    from triage_app.ingest.pipeline import import_paths
    from triage_app.store import open_store

    store = open_store(work / "store.db", user="amira", create=True)
    export = work / "export"
    export.mkdir()
    write_demo_jsonl(export / "demo.jsonl", posts, 1)
    photo = Image.new("RGB", (1600, 1000), "#3b6ea5")
    draw = ImageDraw.Draw(photo)
    draw.rectangle((200, 600, 1400, 760), fill="#f2f2f2")
    draw.ellipse((1200, 80, 1400, 280), fill="#ffd54f")
    photo.save(export / "boat.jpg", quality=85)
    record = {
        "platform": "x",
        "post_id": "1500000000022262677",
        "created_at": "2026-06-25T14:36:00Z",
        "url": "https://x.com/travel_uk_271/status/1500000000022262677?s=20&t=probe",
        "text": MEDIA_POST_TEXT,
        "author_id": "probe",
        "author_handle": "papers_eu.160",
        "author_name": "آژانس مسافرتی آرین",
        "author_followers": 508,
        "author_created_at": "2026-02-13T00:00:00Z",
        "language": "ckb",
        "media": ["boat.jpg"],
    }
    with (export / "demo.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    import_paths(store, [export / "demo.jsonl"], fmt="jsonl", enrich=False)
    # A few posts tagged by an analyst, so that the supervisor's tab shows them.
    from triage_app.store.decisions import apply_tags
    from triage_app.store.users import add_user

    add_user(store, "bob", "analyst")
    bob = open_store(store.path, user="bob")
    tagged = [media_post(store)] + [
        int(r[0]) for r in store.execute("SELECT id FROM posts ORDER BY id LIMIT 5")
    ]
    apply_tags(bob, tagged, add=["boat_crossing"])
    bob.close()
    return store


def media_post(store: Any) -> int:
    return int(store.scalar("SELECT id FROM posts WHERE platform_post_id = '1500000000022262677'"))


def probe_main_window(probe: Probe, window: Any, post_id: int) -> None:
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QApplication

    from triage_app.store.queue import QueueQuery
    from triage_app.ui.preview_pane import TEXT_PT

    window.apply_query(QueueQuery())
    window.select_row(window.model.row_of(post_id))
    window.pane_schedule.finish()
    for _ in range(5):
        QApplication.processEvents()
    probe.top_level("main_window", window)
    preview = window.preview
    font = QFont(preview.text_view.font())
    font.setPointSizeF(TEXT_PT)
    lines = preview.text_view.viewport().height() / QFontMetrics(font).lineSpacing()
    probe.figures["post_text_lines"] = round(lines, 1)
    if lines < MIN_TEXT_LINES:
        probe.fail(f"main_window: the post text shows {lines:.1f} lines (< {MIN_TEXT_LINES})")
    card = preview.account_card
    if card.height() < card.heightForWidth(card.width()):
        probe.fail(
            f"main_window: the account card is {card.height()} px high, its text needs "
            f"{card.heightForWidth(card.width())}"
        )
    if not preview.media.tiles or not preview.media.isVisible():
        probe.fail("main_window: the media post shows no thumbnail")
    else:
        probe.figures["thumbnail_px"] = preview.media.tiles[0].thumb_size
        strip = preview.media.geometry()
        for tile in preview.media.tiles:
            bottom = tile.mapTo(preview.media, tile.rect().bottomRight())
            if bottom.y() > strip.height():
                probe.fail("main_window: a thumbnail is drawn below its strip")
    view, header = window.view, window.view.horizontalHeader()
    room = view.viewport().width()
    for column, title in ((5, "Tags"), (6, "Status")):
        right = header.sectionViewportPosition(column) + min(header.sectionSize(column), 40)
        if header.sectionViewportPosition(column) < 0 or right > room:
            probe.fail(f"main_window: the queue's {title} column is out of view")
    probe.figures["main_window"] = [window.width(), window.height()]


def probe_views(probe: Probe, window: Any) -> None:
    """The tabbed views (supervisor review, statistics, audit, blind review…) in the window."""
    from PySide6.QtWidgets import QApplication

    from triage_app.ui.main_window import VIEWS

    for which in list(VIEWS):
        widget = window.open_view(which)
        if widget is None:
            continue
        table = getattr(widget, "table", None)
        if table is not None and table.model() is not None and table.model().rowCount():
            table.selectRow(0)  # a post in the detail, as a supervisor sees it
        for _ in range(3):
            QApplication.processEvents()
        probe.top_level(f"view_{which.name.lower()}", window)
    window.tabs.setCurrentIndex(0)
    window.lock()
    QApplication.processEvents()
    probe.top_level("lock_screen", window)
    window.unlock("")
    QApplication.processEvents()


def probe_dialogs(probe: Probe, window: Any, store: Any, work: Path, post_id: int) -> None:
    from PySide6.QtWidgets import QApplication, QDialog

    from triage_app.store.post_detail import post_detail
    from triage_app.ui.image_viewer import ImageViewer
    from triage_app.ui.import_dialog import ImportDialog
    from triage_app.ui.media_view import resolve_media
    from triage_app.ui.new_passphrase import NewPassphraseDialog
    from triage_app.ui.outcome_dialog import OutcomeDialog
    from triage_app.ui.pack_dialog import PackExportDialog
    from triage_app.ui.shortcut_sheet import ShortcutSheet
    from triage_app.ui.sync_dialog import SyncDialog

    small = work / "small.jsonl"
    small.write_text(
        json.dumps(
            {
                "platform": "x",
                "post_id": "probe-1",
                "created_at": "2025-03-01T10:00:00Z",
                "text": "Boat tonight",
                "author_id": "p",
            }
        )
        + "\n"
    )
    detail = post_detail(store, post_id)
    account = detail["account"]["id"] if detail.get("account") else 1
    from triage_app.ingest.evidence import evidence_dir

    items = resolve_media(detail["media"], evidence_dir(Path(store.path)))
    makers: list[tuple[str, Any]] = [
        ("import_dialog", lambda: ImportDialog(store, [small], window.runner, window)),
        ("pack_dialog", lambda: PackExportDialog(store, window, runner=window.runner)),
        ("outcome_dialog", lambda: OutcomeDialog(store, account, window)),
        ("new_passphrase", lambda: NewPassphraseDialog("A new store needs a passphrase", window)),
        ("shortcut_sheet", lambda: ShortcutSheet(store.taxonomy.values(), window)),
        ("sync_dialog", lambda: SyncDialog(store, window, runner=window.runner)),
        ("image_viewer", lambda: ImageViewer(items[0], False, window)),
    ]
    try:  # the liaison address book (another part of issue 14), when present
        from triage_app.ui.address_book import AddressBookDialog

        makers.append(("address_book", lambda: AddressBookDialog(store, window)))
    except ImportError:
        pass
    for name, make in makers:
        dialog: QDialog = make()
        dialog.show()
        for _ in range(3):
            QApplication.processEvents()
        probe.top_level(name, dialog)
        QDialog.done(dialog, 0)
        dialog.deleteLater()
        QApplication.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report")
    parser.add_argument("--shots", help="save a PNG of each window checked in this folder")
    parser.add_argument("--posts", type=int, default=80)
    args = parser.parse_args()
    shots = Path(args.shots) if args.shots else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="triage-screen-probe-"))
    os.environ["TRIAGE_DATA_DIR"] = str(work)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from tests.support.run_as import as_person
    from triage_app.ui.app import load_stylesheet
    from triage_app.ui.main_window import MainWindow
    from triage_app.ui.tasks import SynchronousRunner

    assert isinstance(app, QApplication)
    load_stylesheet(app)
    import keyring

    from tests.support.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # decisions are signed with keys kept in a keyring
    probe = Probe(shots)
    with as_person("amira"):
        store = make_store(work, args.posts)
        from triage_app.store import open_store

        window = MainWindow(
            store,
            work,
            runner=SynchronousRunner(),
            opener=lambda _pw: open_store(work / "store.db", user="amira"),
        )
        window.confirm = lambda _t, _q: True
        window.show()
        app.processEvents()
        post_id = media_post(store)
        probe_main_window(probe, window, post_id)
        probe_views(probe, window)
        probe_dialogs(probe, window, window.store, work, post_id)
        window.close()
    screen = app.primaryScreen()
    report = {
        "screen": [screen.size().width(), screen.size().height(), screen.devicePixelRatio()],
        "checked": probe.checked,
        "problems": probe.problems,
        "figures": probe.figures,
    }
    Path(args.report).write_text(json.dumps(report, indent=1), encoding="utf-8")
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
