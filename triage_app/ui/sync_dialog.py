"""File ▸ Sync with a field laptop…: send a sync pack to a peer store and merge one from it,
without a network.

Export: choose the peer's age sync key (pasted, or one of the peers this store has exchanged
packs with) and a file; import: choose a pack and the signer public key of the store that made
it. Both run on the window's worker with their own store connection, show which stage they are
in, and can be cancelled until the point of no return (files being named, the merge
transaction). The end is a plain summary: what went into the pack, or what was merged and how
many posts are now in conflict. The work itself is :mod:`triage_app.packs.sync`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..core.workflow import role_allows
from ..packs.sync import ExportResult, ImportResult, export_sync_pack, import_sync_pack
from ..packs.sync import sync_recipient as own_sync_recipient
from ..store.connection import Store
from .file_choosers import (
    AGE_FILES,
    PUBLIC_KEYS,
    choose_age_file_to_write,
    choose_file_to_read,
    choose_where_to_save_public_key,
    save_public_key,
)
from .job_dialog import JobDialog
from .screen_fit import fit_to_screen
from .tasks import TaskCancelled, TaskContext, TaskRunner

# The stages export_sync_pack / import_sync_pack report, in order, for a step-wise bar.
EXPORT_STAGES = (
    "collecting what the peer has not seen",
    "writing the pack",
    "encrypting",
    "signing",
)
IMPORT_STAGES = ("checking the signature", "decrypting", "checking the contents", "merging")
# After these the job cannot stop cleanly any more (files are being named, the merge runs).
LAST_CANCEL_POINT = {"export": "signing", "import": "merging"}


def known_peers(store: Store) -> list[tuple[str, str]]:
    """(recipient, description) of the stores this one has exchanged packs with."""
    rows = store.execute(
        "SELECT recipient, store_id, label, last_export_at, last_import_at FROM peers "
        "ORDER BY coalesce(last_import_at, last_export_at, first_seen_at) DESC"
    ).fetchall()
    peers = []
    for recipient, store_id, label, sent, received in rows:
        name = label or (f"store {str(store_id)[:8]}" if store_id else "store ?")
        when = f"sent {_day(sent)}, received {_day(received)}"
        peers.append((str(recipient), f"{name} — {str(recipient)[:16]}… ({when})"))
    return peers


def _day(stamp: Any) -> str:
    return str(stamp)[:10] if stamp else "never"


# The sections of a sync pack, in the order and words the summary uses.
SECTION_WORDS = (
    ("posts", "post", "posts"),
    ("accounts", "account", "accounts"),
    ("media", "media file", "media files"),
    ("decisions", "decision", "decisions"),
    ("outcomes", "outcome", "outcomes"),
    ("audit", "audit row", "audit rows"),
)


def _counts(counts: dict[str, int]) -> str:
    """'29 posts, 7 media files, 2 decisions' (sections with nothing are left out)."""
    words = {key: (one, many) for key, one, many in SECTION_WORDS}
    order = [key for key, _one, _many in SECTION_WORDS]
    keys = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    shown = []
    for key in keys:
        n = counts[key]
        if n:
            one, many = words.get(key, (key, key))
            shown.append(f"{n:,} {one if n == 1 else many}")
    return ", ".join(shown) or "nothing new"


def conflict_line(conflicts: int) -> str:
    if not conflicts:
        return "No conflicts."
    if conflicts == 1:
        return "1 post tagged differently in the two stores now waits in the supervisor queue."
    return (
        f"{conflicts:,} posts tagged differently in the two stores now wait in the supervisor "
        "queue."
    )


def _checkpoint(ctx: TaskContext, kind: str) -> Callable[[str], None]:
    """The progress callback: report the stage, and stop here if Cancel was pressed (every
    stage up to the last cancel point is reported before anything is written or merged)."""

    def progress(stage: str) -> None:
        if ctx.cancelled():
            raise TaskCancelled()
        ctx.progress(kind, stage)

    return progress


def export_job(
    store: Store, recipient: str, out: Path, everything: bool
) -> Callable[[TaskContext], ExportResult]:
    def job(ctx: TaskContext) -> ExportResult:
        own = store.reopen()  # SQLite connections belong to one thread
        try:
            return export_sync_pack(
                own, recipient, out, everything=everything, progress=_checkpoint(ctx, "export")
            )
        finally:
            own.close()

    return job


def import_job(store: Store, pack: Path, signer: Path) -> Callable[[TaskContext], ImportResult]:
    def job(ctx: TaskContext) -> ImportResult:
        own = store.reopen()
        try:
            return import_sync_pack(own, pack, signer, progress=_checkpoint(ctx, "import"))
        finally:
            own.close()

    return job


def _file_row(parent: QWidget, edit: QLineEdit, button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


class SyncDialog(JobDialog):
    """Exchange work with a field laptop through sync packs (supervisors)."""

    merged = Signal(object)  # ImportResult, after a pack was merged: the window refreshes

    def __init__(
        self, store: Store, parent: QWidget | None = None, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent, runner)
        self.store = store
        self.kind = ""
        self.outcome: ExportResult | ImportResult | None = None
        self.setObjectName("syncDialog")
        self.setWindowTitle("Sync with a field laptop")
        self.setModal(True)

        self.own_key = QLineEdit(self)
        self.own_key.setObjectName("syncOwnKey")
        self.own_key.setReadOnly(True)
        self.own_key.setAccessibleName("This store's sync key")
        self.own_key.setToolTip("Give this key to the peer: its packs for us are encrypted to it")
        copy_key = QPushButton("Copy", self)
        copy_key.setObjectName("syncCopyKey")
        copy_key.clicked.connect(self._copy_own_key)
        self.key_button = QPushButton("Save signer public key…", self)
        self.key_button.setObjectName("syncSaveSigner")
        self.key_button.setToolTip(
            "signer.pub: the peer needs it once to check our packs; send it over a trusted channel"
        )
        self.key_button.clicked.connect(self._choose_signer_out)

        # -- export ---------------------------------------------------------------------------
        self.peer_combo = QComboBox(self)
        self.peer_combo.setObjectName("syncPeer")
        self.peer_combo.setAccessibleName("Known peers")
        self.peer_key = QLineEdit(self)
        self.peer_key.setObjectName("syncPeerKey")
        self.peer_key.setAccessibleName("Peer's sync key")
        self.peer_key.setPlaceholderText(
            "age1…  (the peer's Sync window shows it as 'This store's sync key')"
        )
        self.everything = QCheckBox("Include everything, also what this peer was already sent")
        self.everything.setObjectName("syncEverything")
        self.export_out = QLineEdit(self)
        self.export_out.setObjectName("syncExportOut")
        self.export_out.setAccessibleName("Sync pack file to write")
        export_choose = QPushButton("Choose…", self)
        export_choose.setObjectName("syncExportChoose")
        export_choose.clicked.connect(self._choose_export_out)
        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("syncExport")
        self.export_button.setToolTip("Write what the peer has not seen, encrypted and signed")
        self.export_button.clicked.connect(self.start_export)

        # -- import ---------------------------------------------------------------------------
        self.import_pack = QLineEdit(self)
        self.import_pack.setObjectName("syncImportPack")
        self.import_pack.setAccessibleName("Sync pack file to import")
        self.import_pack.setPlaceholderText("NAME.age (its NAME.age.minisig beside it)")
        import_choose = QPushButton("Choose…", self)
        import_choose.setObjectName("syncImportChoose")
        import_choose.clicked.connect(self._choose_import_pack)
        self.signer = QLineEdit(self)
        self.signer.setObjectName("syncSigner")
        self.signer.setAccessibleName("Signer public key of the peer")
        self.signer.setPlaceholderText("the peer's signer.pub, received over a trusted channel")
        signer_choose = QPushButton("Choose…", self)
        signer_choose.setObjectName("syncSignerChoose")
        signer_choose.clicked.connect(self._choose_signer)
        self.import_button = QPushButton("Import", self)
        self.import_button.setObjectName("syncImport")
        self.import_button.setToolTip("Check the signature, decrypt, check and merge in one go")
        self.import_button.clicked.connect(self.start_import)

        self.stage = QLabel("", self)
        self.stage.setObjectName("syncStage")
        self.stage.setWordWrap(True)
        self.stage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("syncProgress")
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.summary = QLabel("", self)
        self.summary.setObjectName("syncSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("syncCancel")
        self.cancel_button.setToolTip("Stop; nothing is written or merged")
        self.cancel_button.clicked.connect(self.reject)
        self.cancel_button.hide()
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("syncClose")
        self.close_button.clicked.connect(self.reject)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("syncTabs")
        self.tabs.addTab(self._export_page(export_choose), "Send to a peer")
        self.tabs.addTab(self._import_page(import_choose, signer_choose), "Receive from a peer")
        self._layout(copy_key)
        self.peer_combo.currentIndexChanged.connect(self._peer_chosen)
        self._fill()

    # -- layout ---------------------------------------------------------------------------------
    def _export_page(self, choose: QPushButton) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.addRow("Known peer", self.peer_combo)
        form.addRow("Peer's sync key", self.peer_key)
        form.addRow("", self.everything)
        form.addRow("Pack file", _file_row(page, self.export_out, choose))
        note = QLabel(
            "Send the pack file and its .minisig together; the peer also needs our signer "
            "public key once.",
            page,
        )
        note.setWordWrap(True)
        form.addRow(note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.export_button)
        form.addRow(row)
        return page

    def _import_page(self, choose_pack: QPushButton, choose_signer: QPushButton) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.addRow("Sync pack", _file_row(page, self.import_pack, choose_pack))
        form.addRow("Signer public key", _file_row(page, self.signer, choose_signer))
        note = QLabel(
            "The signature is checked before anything is decrypted; a pack that fails any "
            "check is refused and nothing is merged. Importing a pack twice changes nothing.",
            page,
        )
        note.setWordWrap(True)
        form.addRow(note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.import_button)
        form.addRow(row)
        return page

    def _layout(self, copy_key: QPushButton) -> None:
        own = QHBoxLayout()
        own.addWidget(QLabel("This store's sync key", self))
        own.addWidget(self.own_key, 1)
        own.addWidget(copy_key)
        own.addWidget(self.key_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(own)
        layout.addWidget(self.tabs)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addLayout(buttons)
        fit_to_screen(self, (760, 460))

    def _fill(self) -> None:
        self.peer_combo.blockSignals(True)
        self.peer_combo.clear()
        self.peer_combo.addItem("(paste the peer's key below)", "")
        for recipient, text in known_peers(self.store):
            self.peer_combo.addItem(text, recipient)
        # Keep showing the peer the key field names (after an export the list is refreshed).
        self.peer_combo.setCurrentIndex(max(0, self.peer_combo.findData(self.peer_key.text())))
        self.peer_combo.blockSignals(False)
        if not role_allows(self.store.role_of() or "", "sync"):
            # The core refuses too; saying so now spares a failed run.
            for button in (self.export_button, self.import_button):
                button.setEnabled(False)
            self._say("Sync packs are exchanged by supervisors.")
            return
        try:
            self.own_key.setText(own_sync_recipient(self.store))
            self.own_key.setCursorPosition(0)
        except TriageError as exc:
            self._say(str(exc))

    # -- choices --------------------------------------------------------------------------------
    @Slot(int)
    def _peer_chosen(self, index: int) -> None:
        recipient = self.peer_combo.itemData(index)
        if recipient:
            self.peer_key.setText(str(recipient))

    @Slot()
    def _copy_own_key(self) -> None:
        QGuiApplication.clipboard().setText(self.own_key.text())
        self._say("This store's sync key is on the clipboard (it is public).")

    @Slot()
    def _choose_export_out(self) -> None:
        choose_age_file_to_write(self, "Sync pack", self.export_out)

    @Slot()
    def _choose_import_pack(self) -> None:
        choose_file_to_read(self, "Sync pack", self.import_pack, AGE_FILES)

    @Slot()
    def _choose_signer(self) -> None:
        choose_file_to_read(self, "Signer public key", self.signer, PUBLIC_KEYS)

    @Slot()
    def _choose_signer_out(self) -> None:
        choose_where_to_save_public_key(self, "signer.pub", self.save_public_key)

    def save_public_key(self, path: Path) -> None:
        """Write signer.pub (never over an existing file)."""
        save_public_key(self.store, path, self._say)

    # -- running --------------------------------------------------------------------------------
    @Slot()
    def start_export(self) -> None:
        recipient = self.peer_key.text().strip()
        if not recipient:
            self._say("Paste the peer's sync key (age1…) or choose a known peer.")
            return
        if not self.export_out.text().strip():
            self._say("Choose where to write the sync pack.")
            return
        out = Path(self.export_out.text().strip()).expanduser()
        self._run("export", export_job(self.store, recipient, out, self.everything.isChecked()))

    @Slot()
    def start_import(self) -> None:
        if not self.import_pack.text().strip():
            self._say("Choose the sync pack to import.")
            return
        if not self.signer.text().strip():
            self._say("Choose the peer's signer public key (signer.pub).")
            return
        pack = Path(self.import_pack.text().strip()).expanduser()
        signer = Path(self.signer.text().strip()).expanduser()
        self._run("import", import_job(self.store, pack, signer))

    def _run(self, kind: str, job: Callable[[TaskContext], Any]) -> None:
        self.kind = kind
        self.outcome = None
        self.summary.setText("")
        self._busy(True)
        stages = EXPORT_STAGES if kind == "export" else IMPORT_STAGES
        self.bar.setRange(0, len(stages) + 1)
        self.bar.setValue(0)
        self.bar.show()
        self._say("Starting…")
        self.start_job(job, f"sync-{kind}")

    def _busy(self, busy: bool) -> None:
        for widget in (self.tabs, self.key_button):
            widget.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.close_button.setVisible(not busy)

    @Slot(tuple)
    def _progress(self, values: tuple[Any, ...]) -> None:
        kind, stage = values
        stages = EXPORT_STAGES if kind == "export" else IMPORT_STAGES
        if stage in stages:
            self.bar.setValue(stages.index(stage) + 1)
        self._say(f"{stage[:1].upper()}{stage[1:]}…")
        if stage == LAST_CANCEL_POINT[kind]:
            self.cancel_button.setEnabled(False)
            self.cancel_button.setToolTip("Too late to stop cleanly; it finishes in a moment")

    @Slot(object)
    def _finished(self, result: ExportResult | ImportResult) -> None:
        self.outcome = result
        self.bar.setValue(self.bar.maximum())
        if isinstance(result, ExportResult):
            self._say("Done: the sync pack is written and signed.")
            self.summary.setText(
                f"Wrote {result.path} and {result.signature.name}: {_counts(result.counts)}. "
                "Give the peer both files."
            )
        elif result.already:
            self._say("Done: nothing changed.")
            self.summary.setText(f"Sync pack {result.pack_id} was already imported here.")
        else:
            self._say("Done: the sync pack is merged.")
            self.summary.setText(
                f"Merged from store {result.from_store}: {_counts(result.added)}. "
                + conflict_line(result.conflicts)
            )
            self.merged.emit(result)
        self._fill()
        self._busy(False)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        what = "written" if self.kind == "export" else "imported"
        if isinstance(exc, TaskCancelled):
            self._say(
                "Cancelled: no pack was written."
                if self.kind == "export"
                else "Cancelled: nothing was merged."
            )
        elif isinstance(exc, TriageError):
            self._say(f"The sync pack was not {what}: {exc}")
        else:
            self._say(f"The sync pack was not {what} (an unexpected error): {exc}")
            from ..store.paths import data_dir
            from . import errors

            errors.report(self, exc, data_dir(), "Sync")  # a bug: its traceback goes to the log
        self.bar.hide()
        self._busy(False)
