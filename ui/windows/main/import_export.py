"""File > Import mail… and Export folder as mbox…: the dialogs, and the work off the GUI thread.

Import reads an mbox file or a Maildir folder into a local folder (client/importexport.py:
`<id>@local`, which no server syncs), named after the source unless the user renames it.
Export writes one folder as mboxrd. Both run in a worker thread (asyncio.to_thread) on an
Engine of their own: a Store is one SQLite connection used by one thread at a time, and the
cache is in WAL mode, so the GUI's connection keeps reading (and sees each committed batch of
200 messages, which is how the status bar counts the import's progress) while the worker
writes. Errors are shown in words: the engine's own message and hint, a full disk as such.
"""

from __future__ import annotations

import asyncio
import errno
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.accounts.model import Account
from kittiwake.client.accounts.secrets import KeyringStore
from kittiwake.client.engine import Engine
from kittiwake.client.importexport import DEFAULT_FOLDER, ImportReport
from kittiwake.client.mime.mbox import looks_like_mbox
from kittiwake.client.net.errors import CommandFailed, KittiwakeError
from kittiwake.client.paths import Paths
from kittiwake.ui import bridge
from kittiwake.ui.models.folder_tree import ACCOUNT_ROLE, FolderTreeModel, base_account, is_local

if TYPE_CHECKING:
    from kittiwake.ui.windows.main_window import MainWindow

PROGRESS_MS = 250  # how often the status bar re-counts an import's messages
SHOWN_MS = 15000  # how long a result stays in the status bar
HEAD = 64 * 1024  # enough of a file to tell an mbox (it starts with a From_ line)


@dataclass(frozen=True)
class ImportRequest:
    account: str  # the configured account's id; the folder goes under `<id>@local`
    source: Path
    maildir: bool
    folder: str


@dataclass(frozen=True)
class ExportRequest:
    account: str  # the configured account's id
    folder: str
    local: bool
    target: Path


# --- the worker thread's side -------------------------------------------------------------------


def check_mbox(source: Path) -> None:
    """Refuse a file that is not an mbox before anything is stored (an empty one is fine)."""
    try:
        with source.open("rb") as handle:
            head = handle.read(HEAD)
    except OSError as error:
        raise CommandFailed(
            f"Kittiwake could not read {str(source)!r}: {error.strerror or error}.",
            "Check that the file exists and that you may read it.",
        ) from error
    if head.strip() and not looks_like_mbox(head):
        raise CommandFailed(
            f"{source.name!r} is not an mbox file.",
            'An mbox file starts with a line beginning with "From ". '
            "For a folder of single messages, choose Maildir.",
        )


def check_maildir(source: Path) -> None:
    if not (source / "cur").is_dir() and not (source / "new").is_dir():
        raise CommandFailed(
            f"{str(source)!r} is not a Maildir folder.",
            "A Maildir folder holds cur/ and new/. For a single file, choose mbox.",
        )


def run_import(paths: Paths, secrets: KeyringStore, request: ImportRequest) -> ImportReport:
    # Checked here first: the engine's readers are lazy, so it would create the (empty) folder
    # before finding out that the source is unusable.
    if request.maildir:
        check_maildir(request.source)
    else:
        check_mbox(request.source)
    with Engine.open(paths=paths, secrets=secrets) as engine:
        return engine.import_mail(
            request.account, request.source, maildir=request.maildir, folder=request.folder
        )


def run_export(paths: Paths, secrets: KeyringStore, request: ExportRequest) -> tuple[int, int]:
    with Engine.open(paths=paths, secrets=secrets) as engine:
        if not request.local and engine.local_folder(request.account, request.folder):
            # Engine.export_mbox finds a folder by name and prefers the local one.
            raise CommandFailed(
                f"A local folder is also called {request.folder!r}: Kittiwake cannot tell "
                "them apart when exporting yet.",
                "Export the local folder instead, or this one from the command line later.",
            )
        return engine.export_mbox(request.account, request.folder, request.target)


def describe(error: BaseException, path: Path) -> tuple[str, str]:
    """A message and a hint a person can act on."""
    if isinstance(error, KittiwakeError):
        return error.message, error.hint
    full = (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        isinstance(error, sqlite3.OperationalError) and "full" in str(error)
    )
    if full:
        return "The disk is full.", "Free some space on the disk, then try again."
    if isinstance(error, OSError):
        return (
            f"Kittiwake could not use {str(path)!r}: {error.strerror or error}.",
            "Check the path and that you may read and write there.",
        )
    if isinstance(error, sqlite3.Error):
        return f"The mail cache could not be written: {error}.", "Try again; then restart."
    return f"Unexpected error: {error}.", "The log has the details."


def suggested_name(source: Path, maildir: bool) -> str:
    # "Inbox.mbox" -> "Inbox"; a Maildir++ sub-folder ".Work" -> "Work".
    name = source.name.lstrip(".") if maildir else source.stem
    return name.strip() or DEFAULT_FOLDER


# --- the dialog ---------------------------------------------------------------------------------


class ImportDialog(QDialog):
    """What to import (an mbox file or a Maildir folder), for which account, into which folder."""

    def __init__(self, engine: Engine, account: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle(self.tr("Import mail"))
        self.setAccessibleName(self.tr("Import mail"))
        self.mbox = QRadioButton(self.tr("An mbox file"))
        self.maildir = QRadioButton(self.tr("A Maildir folder"))
        self.mbox.setChecked(True)
        kinds = QButtonGroup(self)
        kinds.addButton(self.mbox)
        kinds.addButton(self.maildir)
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Source"))
        self.browse = QPushButton(self.tr("Browse…"))
        self.accounts = QComboBox()
        self.accounts.setAccessibleName(self.tr("Account"))
        for item in engine.accounts():
            self.accounts.addItem(_account_label(item), item.id)
        if account is not None and self.accounts.findData(account) >= 0:
            self.accounts.setCurrentIndex(self.accounts.findData(account))
        self.folder = QLineEdit()
        self.folder.setAccessibleName(self.tr("Local folder"))
        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # folder names are the user's text
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))

        source = QHBoxLayout()
        source.addWidget(self.path, 1)
        source.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.tr("Import"), self.mbox)
        form.addRow("", self.maildir)
        form.addRow(self.tr("From"), source)
        form.addRow(self.tr("Account"), self.accounts)
        form.addRow(self.tr("Into local folder"), self.folder)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)

        self._named_by_user = False
        self.browse.clicked.connect(self.choose_source)
        self.path.textEdited.connect(lambda _t: self._suggest())
        self.folder.textEdited.connect(self._folder_edited)
        self.maildir.toggled.connect(lambda _on: self._suggest())
        self.accounts.currentIndexChanged.connect(lambda _i: self._validate())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._validate()

    def choose_source(self) -> None:
        start = self.path.text() or str(Path.home())
        if self.maildir.isChecked():
            chosen = QFileDialog.getExistingDirectory(
                self, self.tr("Import a Maildir folder"), start
            )
        else:
            chosen, _filter = QFileDialog.getOpenFileName(
                self,
                self.tr("Import an mbox file"),
                start,
                self.tr("mbox files (*.mbox *.mbx *.mbs);;All files (*)"),
            )
        if chosen:
            self.path.setText(chosen)
            self._suggest()

    def _folder_edited(self, text: str) -> None:
        self._named_by_user = bool(text)
        self._validate()

    def _suggest(self) -> None:
        # A new folder named after the source ("Inbox", then "Inbox 2", ...) until the user
        # names it: importing into an existing folder is possible, but only on purpose.
        text = self.path.text().strip()
        if text and not self._named_by_user:
            name = base = suggested_name(Path(text), self.maildir.isChecked())
            number = 2
            while self._exists(name):
                name, number = f"{base} {number}", number + 1
            self.folder.setText(name)
        self._validate()

    def _exists(self, name: str) -> bool:
        account = self.accounts.currentData()
        return bool(account) and self.engine.local_folder(account, name) is not None

    def _validate(self) -> None:
        name = self.folder.text().strip()
        ok = bool(self.path.text().strip() and name and self.accounts.currentData())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.note.setText(
            self.tr("“%1” exists: messages already in it are not added again.").replace("%1", name)
            if ok and self._exists(name)
            else ""
        )

    def request(self) -> ImportRequest:
        return ImportRequest(
            account=str(self.accounts.currentData()),
            source=Path(self.path.text().strip()).expanduser(),
            maildir=self.maildir.isChecked(),
            folder=self.folder.text().strip(),
        )


def _account_label(account: Account) -> str:
    name = account.display_name or account.id
    return name if name == account.id else f"{name} ({account.id})"


# --- the controller -----------------------------------------------------------------------------


class ImportExport(QObject):
    """Starts imports and exports for the main window and reports them in its status bar."""

    sig_import_finished = Signal(object)  # ImportReport
    sig_export_finished = Signal(int, int)  # written, skipped (their text is not downloaded)
    sig_failed = Signal(str)  # the message shown
    # No bool argument: PySide6 6.12 drops a reference to the bool passed with each emit.
    sig_busy_changed = Signal()

    def __init__(
        self,
        engine: Engine,
        status: QStatusBar,
        folders: FolderTreeModel,
        open_folder: Callable[[int], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.status = status
        self.folders = folders
        self.open_folder = open_folder
        self.window = parent
        self.dialog: ImportDialog | None = None
        self.error_box: QMessageBox | None = None
        self.task: asyncio.Task[None] | None = None
        self._busy = False
        self._importing: tuple[ImportRequest, int] | None = None  # and the count before it
        self._progress = QTimer(self)
        self._progress.setInterval(PROGRESS_MS)
        self._progress.timeout.connect(self._show_count)

    @property
    def busy(self) -> bool:
        """One import or export at a time (from the click until its result is shown)."""
        return self._busy

    # --- import ----------------------------------------------------------------------------

    def open_import_dialog(self, account: str | None = None) -> ImportDialog:
        self.dialog = ImportDialog(self.engine, account, self.window)
        self.dialog.accepted.connect(lambda: self.start_import(self._dialog_request()))
        self.dialog.open()  # window-modal, and the loop keeps running
        return self.dialog

    def _dialog_request(self) -> ImportRequest:
        assert self.dialog is not None
        return self.dialog.request()

    def start_import(self, request: ImportRequest) -> None:
        if not self.busy:
            self._set_busy(True)
            self.task = bridge.start(self._import(request), name="import mail")

    async def _import(self, request: ImportRequest) -> None:
        try:
            folder = self.engine.local_folder(request.account, request.folder)
            self._importing = (request, 0 if folder is None else folder.total_count)
            self._show_count()
            self._progress.start()
            report = await asyncio.to_thread(
                run_import, self.engine.paths, self.engine.resolver.store, request
            )
        except Exception as error:  # every failure is the user's to read, none is fatal
            self._fail(error, request.source)
            return
        finally:
            self._progress.stop()
            self._importing = None
            self._set_busy(False)
        self.folders.rebuild()
        self.open_folder(report.folder_id)
        self.status.showMessage(self._import_summary(request.folder, report), SHOWN_MS)
        self.sig_import_finished.emit(report)

    def _show_count(self) -> None:
        if self._importing is None:
            return
        request, before = self._importing
        folder = self.engine.local_folder(request.account, request.folder)
        count = 0 if folder is None else max(folder.total_count - before, 0)
        text = self.tr("Importing %1: %2 messages…")
        self.status.showMessage(text.replace("%1", request.source.name).replace("%2", f"{count:,}"))

    def _import_summary(self, folder: str, report: ImportReport) -> str:
        text = self.tr("Imported %1 messages into “%2”.")
        text = text.replace("%1", f"{report.imported:,}").replace("%2", folder)
        if report.already_present:
            text += " " + self.tr("%1 were there already.").replace(
                "%1", f"{report.already_present:,}"
            )
        if report.malformed:
            text += " " + self.tr("%1 have headers that could not be read (kept).").replace(
                "%1", f"{report.malformed:,}"
            )
        return text

    # --- export ----------------------------------------------------------------------------

    def export_folder(self, folder_id: int | None) -> None:
        """Ask where to save, then write the folder as mbox (the current one when None)."""
        folder = None if folder_id is None else self.engine.folder_by_id(folder_id)
        if folder is None or self.busy:
            return
        local = is_local(folder.account)
        leaf = (
            folder.name.rsplit(folder.delimiter or "/", 1)[-1] if folder.delimiter else folder.name
        )
        safe = "".join("_" if c in '/\\:*?"<>|' else c for c in leaf).strip(" .") or "folder"
        chosen, _filter = QFileDialog.getSaveFileName(
            self.window,
            self.tr("Export “%1” as mbox").replace("%1", folder.name),
            str(Path.home() / f"{safe}.mbox"),
            self.tr("mbox files (*.mbox);;All files (*)"),
        )
        if not chosen:
            return
        request = ExportRequest(base_account(folder.account), folder.name, local, Path(chosen))
        self._set_busy(True)
        self.task = bridge.start(self._export(request), name="export folder")

    async def _export(self, request: ExportRequest) -> None:
        self.status.showMessage(
            self.tr("Exporting “%1” to %2…")
            .replace("%1", request.folder)
            .replace("%2", str(request.target))
        )
        try:
            written, skipped = await asyncio.to_thread(
                run_export, self.engine.paths, self.engine.resolver.store, request
            )
        except Exception as error:  # shown, never fatal
            self._fail(error, request.target)
            return
        finally:
            self._set_busy(False)
        text = self.tr("Exported %1 messages to %2.")
        text = text.replace("%1", f"{written:,}").replace("%2", str(request.target))
        if skipped:
            text += " " + self.tr("%1 were left out: their text is not downloaded yet.").replace(
                "%1", f"{skipped:,}"
            )
        self.status.showMessage(text, SHOWN_MS)
        self.sig_export_finished.emit(written, skipped)

    # --- shared ----------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.sig_busy_changed.emit()

    def _fail(self, error: BaseException, path: Path) -> None:
        message, hint = describe(error, path)
        self.status.showMessage(message, SHOWN_MS)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Import and export"),
            f"{message}\n\n{hint}" if hint else message,
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # paths and folder names are not markup
        box.setAccessibleName(self.tr("Import or export problem"))
        self.error_box = box
        box.open()
        self.sig_failed.emit(message)


def install(window: MainWindow) -> ImportExport:
    """Wire File > Import mail… / Export folder as mbox… and the folder pane's context menu."""
    assert window.engine is not None
    actions = window.commands
    controller = ImportExport(
        window.engine, window.status, window.folders, window.open_folder, window
    )

    def current_account() -> str | None:
        value = window.folder_pane.currentIndex().siblingAtColumn(0).data(ACCOUNT_ROLE)
        return base_account(str(value)) if value else None

    def update() -> None:
        busy = controller.busy
        actions.import_mail.setEnabled(not busy)
        actions.export_folder.setEnabled(not busy and window.current_folder_id() is not None)

    actions.import_mail.triggered.connect(lambda: controller.open_import_dialog(current_account()))
    actions.export_folder.triggered.connect(
        lambda: controller.export_folder(window.current_folder_id())
    )
    window.folder_pane.sig_import_requested.connect(
        lambda account: controller.open_import_dialog(account or None)
    )
    window.folder_pane.sig_export_requested.connect(controller.export_folder)
    window.folder_pane.sig_folder_chosen.connect(lambda _index: update())
    controller.sig_busy_changed.connect(update)
    update()
    return controller
