"""File ▸ Export referral pack…: choose the platform, see what goes in (counts, accounts and a
preview of referral.html), choose recipients from the address book or a passphrase, build on
the worker with progress and cancel, and at the end show the files and the three commands the
recipient runs to verify and open them.

The build itself is :func:`triage_app.packs.build.build_referral_pack`, run on the window's
worker with its own store connection; this dialog only gathers choices and shows progress."""

from __future__ import annotations

import datetime as dt
import io
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import TriageError
from ..core.workflow import role_allows
from ..packs.build import PackCancelled, PackResult, build_referral_pack
from ..packs.contents import iter_posts, select_contents
from ..packs.crypto import MIN_PASSPHRASE_CHARS
from ..packs.html import PackHeader, render_referral_html
from ..packs.platforms import platform_info
from ..store.connection import Store
from ..store.four_eyes import self_approval_notes
from ..store.referrals import list_recipients
from .file_choosers import (
    choose_age_file_to_write,
    choose_where_to_save_public_key,
    save_public_key,
)
from .job_dialog import JobDialog
from .screen_fit import fit_to_screen
from .tasks import TaskContext, TaskRunner

PREVIEW_POSTS = 40


def approved_counts(store: Store) -> list[tuple[str, int]]:
    """Platforms with approved posts waiting for a referral, and how many."""
    return [
        (str(p), int(n))
        for p, n in store.execute(
            "SELECT platform, count(*) FROM posts WHERE status = 'approved' "
            "GROUP BY platform ORDER BY platform"
        )
    ]


def build_job(
    store: Store,
    platform: str,
    out_path: Path,
    recipients: list[str] | None,
    passphrase: str | None,
) -> Callable[[TaskContext], PackResult]:
    """The worker's job: its own connection (SQLite connections belong to one thread)."""

    def job(ctx: TaskContext) -> PackResult:
        own = store.reopen()
        try:
            return build_referral_pack(
                own,
                platform,
                out_path,
                recipients=recipients,
                passphrase=passphrase,
                progress=lambda stage, done, total: ctx.progress(stage, done, total),
                cancelled=ctx.cancelled,
            )
        finally:
            own.close()

    return job


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def recipient_commands(result: PackResult) -> list[str]:
    """The three commands a liaison runs: verify, decrypt, check."""
    name = result.pack_path.name
    zip_name = name[:-4] + ".zip" if name.endswith(".age") else name + ".zip"
    folder = zip_name[:-4]
    if result.protection == "passphrase":
        decrypt = f"age -d -o {shlex.quote(zip_name)} {shlex.quote(name)}"
    else:
        decrypt = f"age -d -i my-identity.txt -o {shlex.quote(zip_name)} {shlex.quote(name)}"
    return [
        f"minisign -Vm {shlex.quote(name)} -p signer.pub",
        decrypt,
        f"unzip {shlex.quote(zip_name)} -d {shlex.quote(folder)} && cd {shlex.quote(folder)} "
        "&& sha256sum -c SHA256SUMS",
    ]


class PackExportDialog(JobDialog):
    """Build an encrypted, signed referral pack for one platform (supervisors); ``built``
    fires with the PackResult once a pack is built (the window refreshes its figures)."""

    built = Signal(object)

    def __init__(
        self, store: Store, parent: QWidget | None = None, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent, runner)
        self.store = store
        self.pack_result: PackResult | None = None
        self.setObjectName("packExportDialog")
        self.setWindowTitle("Export referral pack")
        self.setModal(True)

        self.platform_combo = QComboBox(self)
        self.platform_combo.setObjectName("packPlatform")
        self.platform_combo.setAccessibleName("Platform")
        self.platform_combo.setToolTip("The platform the pack asks to take accounts down")
        self.summary = QLabel(self)
        self.summary.setObjectName("packSummary")
        self.summary.setWordWrap(True)
        self.accounts = QListWidget(self)
        self.accounts.setObjectName("packAccounts")
        self.accounts.setAccessibleName("Accounts in the pack")
        self.preview = QTextBrowser(self)
        self.preview.setObjectName("packPreview")
        self.preview.setAccessibleName("Preview of referral.html")
        self.preview.setOpenLinks(False)  # nothing is fetched or followed from the preview

        self.by_recipients = QRadioButton("Encrypt to liaisons from the address book", self)
        self.by_recipients.setObjectName("packByRecipients")
        self.by_passphrase = QRadioButton("Protect with a passphrase", self)
        self.by_passphrase.setObjectName("packByPassphrase")
        group = QButtonGroup(self)
        group.addButton(self.by_recipients)
        group.addButton(self.by_passphrase)
        self.recipients = QListWidget(self)
        self.recipients.setObjectName("packRecipients")
        self.recipients.setAccessibleName("Recipients")
        self.recipients.setMaximumHeight(90)
        self.recipients.setToolTip("Tick every liaison who should be able to open the pack")
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("packPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(f"at least {MIN_PASSPHRASE_CHARS} characters")
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase_again = QLineEdit(self)
        self.passphrase_again.setObjectName("packPassphraseAgain")
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_again.setPlaceholderText("the same again")
        self.passphrase_again.setAccessibleName("Passphrase again")

        self.out_path = QLineEdit(self)
        self.out_path.setObjectName("packOutPath")
        self.out_path.setAccessibleName("Pack file")
        choose = QPushButton("Choose…", self)
        choose.setObjectName("packChooseOut")
        choose.setToolTip("Where to write the pack (its signature goes beside it)")
        choose.clicked.connect(self._choose_out)

        self.stage = QLabel("", self)
        self.stage.setObjectName("packStage")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("packProgress")
        self.bar.hide()
        self.result_text = QPlainTextEdit(self)
        self.result_text.setObjectName("packResult")
        self.result_text.setReadOnly(True)
        self.result_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.result_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.result_text.setMinimumHeight(150)
        self.result_text.hide()

        self.build_button = QPushButton("Build pack", self)
        self.build_button.setObjectName("packBuild")
        self.build_button.setToolTip("Build, encrypt and sign the pack, then record the referral")
        self.build_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("packCancel")
        self.cancel_button.setToolTip("Stop; nothing is written and nothing is recorded")
        self.key_button = QPushButton("Save signer public key…", self)
        self.key_button.setObjectName("packSaveKey")
        self.key_button.setToolTip(
            "signer.pub: send it once to each liaison, over a trusted channel"
        )
        self.key_button.hide()
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("packClose")
        self.close_button.hide()

        self._layout(choose)
        self.build_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.accept)
        self.key_button.clicked.connect(self._choose_key_file)
        self.by_recipients.toggled.connect(self._protection_changed)
        self.platform_combo.currentIndexChanged.connect(self._platform_changed)
        self._fill_platforms()

    # -- layout ---------------------------------------------------------------------------------
    def _layout(self, choose: QPushButton) -> None:
        top = QFormLayout()
        top.addRow("Platform", self.platform_combo)
        top.addRow(self.summary)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Accounts", left))
        left_layout.addWidget(self.accounts, 1)
        protection = QGroupBox("Who can open it", left)
        p_layout = QVBoxLayout(protection)
        p_layout.addWidget(self.by_recipients)
        p_layout.addWidget(self.recipients)
        self.address_book_button = QPushButton("Liaison address book…", protection)
        self.address_book_button.setObjectName("packAddressBook")
        self.address_book_button.setToolTip(
            "Add a liaison's age public key (pasted or from a file), or remove one"
        )
        self.address_book_button.clicked.connect(self.open_address_book)
        p_layout.addWidget(self.address_book_button, 0, Qt.AlignmentFlag.AlignLeft)
        p_layout.addWidget(self.by_passphrase)
        p_layout.addWidget(self.passphrase)
        p_layout.addWidget(self.passphrase_again)
        left_layout.addWidget(protection)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_path, 1)
        out_row.addWidget(choose)
        left_layout.addWidget(QLabel("Pack file", left))
        left_layout.addLayout(out_row)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.key_button)
        buttons.addStretch(1)
        buttons.addWidget(self.build_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar)
        layout.addWidget(self.result_text)
        layout.addLayout(buttons)
        fit_to_screen(self, (1100, 840))

    # -- choices ----------------------------------------------------------------------------------
    def _fill_platforms(self) -> None:
        counts = approved_counts(self.store)
        for platform, n in counts:
            label = f"{platform_info(platform).name} — {n:,} approved"
            self.platform_combo.addItem(label, platform)
        if not counts:
            self.summary.setText("No approved posts are waiting for a referral.")
            self.build_button.setEnabled(False)
        self.by_recipients.setChecked(True)
        self._platform_changed()
        if not role_allows(self.store.role_of() or "", "build_pack"):
            # The core refuses too; saying so now spares the analyst a failed build.
            self.build_button.setEnabled(False)
            self.stage.setText("Building a referral pack needs the supervisor role.")

    @property
    def platform(self) -> str | None:
        value = self.platform_combo.currentData()
        return None if value is None else str(value)

    @Slot()
    def _platform_changed(self) -> None:
        platform = self.platform
        self.accounts.clear()
        self.recipients.clear()
        if platform is None:
            return
        try:
            selection = select_contents(self.store, platform)
        except TriageError as exc:
            self.summary.setText(str(exc))
            self.build_button.setEnabled(False)
            return
        media = self.store.scalar(
            "SELECT count(*) FROM media m JOIN posts p ON p.id = m.post_id "
            "WHERE p.platform = ? AND p.status = 'approved' AND m.missing = 0",
            (platform,),
        )
        self.summary.setText(
            f"{_count(len(selection.post_ids), 'approved post')} from "
            f"{_count(selection.account_count, 'account')}, {_count(media, 'media file')}. "
            "Building the pack marks them referred."
        )
        taxonomy = self.store.taxonomy
        for account in selection.accounts.values():
            who = f"@{account.handle}" if account.handle else account.platform_account_id
            tags = ", ".join(
                taxonomy[t].label if t in taxonomy else t for t in sorted(account.tags)
            )
            self.accounts.addItem(
                f"{who or 'unknown account'} — {_count(account.posts, 'post')} — {tags}"
            )
        for recipient in list_recipients(self.store, platform):
            item = QListWidgetItem(f"{recipient.label} ({recipient.public_key[:16]}…)")
            item.setData(Qt.ItemDataRole.UserRole, recipient.label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if recipient.platform == platform else Qt.CheckState.Unchecked
            )
            item.setToolTip(recipient.public_key)
            self.recipients.addItem(item)
        if self.recipients.count() == 0:
            self.recipients.addItem(
                "The address book has no liaison for this platform yet: add one with "
                "“Liaison address book…” below"
            )
        out = io.StringIO()
        header = PackHeader(
            "(assigned when built)", "(when built)", self.store.user, self.store.store_id
        )
        render_referral_html(
            out,
            platform_info(platform),
            selection,
            header,
            iter_posts(self.store, selection, with_raw=False),
            taxonomy,
            limit=PREVIEW_POSTS,
            self_approved=self_approval_notes(self.store, selection.post_ids[:PREVIEW_POSTS]),
        )
        self.preview.setHtml(out.getvalue())
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        self.out_path.setText(str(Path.home() / f"referral-{platform}-{stamp}.age"))
        self.build_button.setEnabled(role_allows(self.store.role_of() or "", "build_pack"))

    @Slot()
    def _protection_changed(self) -> None:
        by_keys = self.by_recipients.isChecked()
        self.recipients.setEnabled(by_keys)
        self.passphrase.setEnabled(not by_keys)
        self.passphrase_again.setEnabled(not by_keys)

    def open_address_book(self) -> QWidget:
        """The address book over this dialog, on this pack's platform; the recipient list
        follows every change."""
        from .address_book import AddressBookDialog

        dialog = AddressBookDialog(self.store, self, platform=self.platform)
        dialog.changed.connect(self._platform_changed)
        self.address_book = dialog
        dialog.open()
        return dialog

    def chosen_recipients(self) -> list[str]:
        labels = []
        for row in range(self.recipients.count()):
            item = self.recipients.item(row)
            label = item.data(Qt.ItemDataRole.UserRole)
            if label and item.checkState() == Qt.CheckState.Checked:
                labels.append(str(label))
        return labels

    @Slot()
    def _choose_out(self) -> None:
        choose_age_file_to_write(self, "Pack file", self.out_path)

    # -- building ---------------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """Check the choices, then build on the worker."""
        platform = self.platform
        if platform is None:
            return
        recipients: list[str] | None = None
        passphrase: str | None = None
        if self.by_recipients.isChecked():
            recipients = self.chosen_recipients()
            if not recipients:
                self._say("Tick at least one recipient, or choose a passphrase.")
                return
        else:
            passphrase = self.passphrase.text()
            if passphrase != self.passphrase_again.text():
                self._say("The two passphrases differ.")
                return
            if len(passphrase) < MIN_PASSPHRASE_CHARS:
                self._say(f"The passphrase needs at least {MIN_PASSPHRASE_CHARS} characters.")
                return
        out = Path(self.out_path.text().strip()).expanduser()
        if not self.out_path.text().strip():
            self._say("Choose where to write the pack.")
            return
        for widget in (
            self.platform_combo,
            self.recipients,
            self.passphrase,
            self.passphrase_again,
            self.out_path,
            self.by_recipients,
            self.by_passphrase,
            self.build_button,
        ):
            widget.setEnabled(False)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.stage.setText("Starting…")
        self.start_job(build_job(self.store, platform, out, recipients, passphrase), "pack")

    @Slot(tuple)
    def _progress(self, values: tuple[Any, ...]) -> None:
        stage, done, total = values
        self.stage.setText(f"{stage}…" + (f" {done:,} of {total:,}" if total > 1 else ""))
        if total > 1:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        else:
            self.bar.setRange(0, 0)

    @Slot(object)
    def _finished(self, result: PackResult) -> None:
        self.pack_result = result
        self.built.emit(result)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.stage.setText(
            f"Done: {_count(result.posts, 'post')} from {_count(result.accounts, 'account')} "
            "referred."
        )
        lines = [
            f"Pack:      {result.pack_path}",
            f"Signature: {result.signature_path}",
            f"SHA-256:   {result.sha256}",
            f"Signer key id: {result.signer_key_id} (send signer.pub once, over a trusted channel)",
            "",
            "The recipient checks and opens it with:",
            *(f"  {line}" for line in recipient_commands(result)),
        ]
        self.result_text.setPlainText("\n".join(lines))
        self.result_text.show()
        self._end()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, PackCancelled):
            self.stage.setText("Cancelled: no pack was written and nothing was recorded.")
        elif isinstance(exc, TriageError):
            self.stage.setText(f"The pack was not built: {exc}")
        else:
            self.stage.setText(f"The pack was not built (an unexpected error): {exc}")
            from . import errors

            errors.show_crash(self, "Export referral pack", f"{type(exc).__name__}: {exc}")
        self.bar.hide()
        self._end()

    def _end(self) -> None:
        self.cancel_button.hide()
        self.build_button.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.key_button.setVisible(self.pack_result is not None)

    # -- the signer key -------------------------------------------------------------------------
    @Slot()
    def _choose_key_file(self) -> None:
        start = (
            str(self.pack_result.pack_path.with_name("signer.pub"))
            if self.pack_result
            else "signer.pub"
        )
        choose_where_to_save_public_key(self, start, self.save_public_key)

    def save_public_key(self, path: Path) -> None:
        """Write signer.pub (never over an existing file)."""
        save_public_key(self.store, path, self.stage.setText)
