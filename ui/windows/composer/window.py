"""The composer window: a `Draft` in, a message in the outbox out.

    window = ComposerWindow(engine, "work", reply(raw, identities))   # or a new / reopened draft
    window.show()

Every change is saved locally after a short pause (`Engine.save_draft`; the operation queue
uploads it to the server's Drafts, which the window asks for now and then). Send checks the
fields (errors appear under the field; nothing is sent), asks about a forgotten attachment, then
waits the undo delay before the message goes to the outbox. Queueing is local and durable, so
Send works offline; the sender runs at once and, when offline, the outbox keeps the message.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QKeySequence,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.engine import Engine
from kittiwake.client.mime.addresses import (
    Address,
    check_single_line,
    is_valid_address,
    parse_address_list,
    parse_typed_addresses,
)
from kittiwake.client.mime.compose import Draft, build_message, make_message_id, new_draft
from kittiwake.client.mime.forward import FORWARD_MARKER
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.ui import bridge
from kittiwake.ui.windows.composer.attachments import AttachmentList, size_of
from kittiwake.ui.windows.composer.body import BodyEdit, local_files
from kittiwake.ui.windows.composer.encode import BIG_DRAFT_BYTES, encode
from kittiwake.ui.windows.composer.recipients import FieldRow, RecipientEdit
from kittiwake.ui.windows.composer.reminder import mentions_attachment
from kittiwake.ui.windows.composer.undo_bar import UndoSendBar

log = logging.getLogger(__name__)

Confirm = Callable[[QWidget, str, str], bool]
ChooseFiles = Callable[[QWidget], list[str]]
AskLink = Callable[[QWidget], str]

AUTOSAVE_MS = 1500  # a pause in typing this long saves the draft locally
BIG_AUTOSAVE_MS = 30_000  # with big attachments, save locally at most this often
UPLOAD_MS = 60_000  # the server's copy follows at most this often


class FieldError(Exception):
    def __init__(self, field: str, error: KittiwakeError) -> None:
        super().__init__(error.message)
        self.field = field
        self.error = error


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def choose_files(parent: QWidget) -> list[str]:
    paths, _filter = QFileDialog.getOpenFileNames(parent, parent.tr("Attach files"))
    return list(paths)


def ask_link(parent: QWidget) -> str:
    url, ok = QInputDialog.getText(parent, parent.tr("Insert link"), parent.tr("Address (URL):"))
    return url.strip() if ok else ""


def _saved_settings(engine: Engine) -> Settings:
    """The user's preferences (undo delay); the defaults when the file cannot be read (the
    settings dialog reports that, and never overwrites the file)."""
    try:
        return SettingsFile.beside(engine.paths).load()
    except KittiwakeError:
        return Settings()


def _loop_running() -> bool:
    try:
        return asyncio.get_event_loop().is_running()
    except RuntimeError:
        return False


async def deliver(engine: Engine, account: str) -> None:
    """Run the outbox sender for the account; a failure leaves the message queued."""
    try:
        report = await engine.send_outbox(account)
    except KittiwakeError as error:
        log.info("outbox not sent now: %s", type(error).__name__)
        return
    if report.error is not None:
        log.info("outbox waits: %s", type(report.error).__name__)


async def upload_drafts(engine: Engine, account: str) -> None:
    try:
        await engine.replay(account)
    except (KittiwakeError, OSError) as error:  # offline: the queue keeps the upload
        log.info("draft upload deferred: %s", type(error).__name__)


class ComposerWindow(QMainWindow):
    sig_queued = Signal(int)  # the outbox id, once the undo delay passed
    sig_draft_saved = Signal(str)  # the draft's Message-ID
    sig_send_undone = Signal()
    sig_closed = Signal()

    def __init__(
        self,
        engine: Engine,
        account: str,
        draft: Draft | None = None,
        *,
        settings: Settings | None = None,
        confirm: Confirm = ask_yes_no,
        files: ChooseFiles = choose_files,
        link: AskLink = ask_link,
        rich: bool | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        upload_ms: int = UPLOAD_MS,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.settings = settings or _saved_settings(engine)
        self.confirm, self.files, self.ask_link = confirm, files, link
        self._identities = [(a.id, i) for a in engine.accounts() for i in a.identities]
        self.account = engine.account(account).id
        if draft is None:
            draft = new_draft(engine.account(account).identities[0])
        self._saved = draft.message_id is not None  # a reopened draft is saved already
        if draft.message_id is None:  # fixed now, so each save replaces the same draft
            draft = replace(draft, message_id=make_message_id(draft.identity))
        self._base = draft  # threading headers and the Message-ID travel unchanged
        self._identity = draft.identity
        self._pending: Draft | None = None
        self.send_task: asyncio.Task[None] | None = None
        self.upload_task: asyncio.Task[None] | None = None
        self._dirty = False
        self._unsent_upload = False
        self._closing = False
        self._queued = False  # handed to the outbox (or being handed)
        self._saving: asyncio.Task[str | None] | None = None
        self._resave = False
        self._autosave_ms = autosave_ms

        self.setAccessibleName(self.tr("Composer"))
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_toolbar()
        self._load(draft, rich if rich is not None else self._default_rich(draft))

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self._autosave_now)
        self._upload = QTimer(self)
        self._upload.setInterval(upload_ms)
        self._upload.timeout.connect(self._upload_now)
        self._upload.start()
        for edit in (self.to, self.cc, self.bcc, self.subject):
            edit.textChanged.connect(self._changed)
        self.body.textChanged.connect(self._changed)
        self.attachments.sig_changed.connect(self._changed)
        self.attachments.sig_failed.connect(self._show_error)
        self.subject.textChanged.connect(self._update_title)
        self._update_title()
        self.resize(760, 620)

    # --- building ------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(10, 8, 10, 8)
        self.undo_bar = UndoSendBar(central)
        self.undo_bar.sig_elapsed.connect(self._commit_send)
        self.undo_bar.sig_undone.connect(self._undone)
        outer.addWidget(self.undo_bar)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.identity = QComboBox(central)
        self.identity.setAccessibleName(self.tr("From"))
        for account_id, identity in self._identities:
            label = str(Address(identity.address, identity.name))
            self.identity.addItem(f"{label}  ({account_id})", (account_id, identity))
        self.identity.currentIndexChanged.connect(self._identity_changed)
        form.addRow(self.tr("From:"), self.identity)

        known = self.engine.known_addresses()
        self.rows: dict[str, FieldRow] = {}
        self.to, self.cc, self.bcc = RecipientEdit(), RecipientEdit(), RecipientEdit()
        for key, label, edit in (
            ("to", self.tr("To:"), self.to),
            ("cc", self.tr("Cc:"), self.cc),
            ("bcc", self.tr("Bcc:"), self.bcc),
        ):
            edit.set_addresses(known)
            edit.setAccessibleName(label.rstrip(":"))
            self.rows[key] = FieldRow(edit)
            form.addRow(label, self.rows[key])
        self.to.setPlaceholderText(self.tr("name@example.org, …"))
        self.subject = QLineEdit(central)
        self.subject.setAccessibleName(self.tr("Subject"))
        self.rows["subject"] = FieldRow(self.subject)
        form.addRow(self.tr("Subject:"), self.rows["subject"])
        outer.addLayout(form)

        self.attachments = AttachmentList(central)
        outer.addWidget(self.attachments)
        self.body = BodyEdit(central)
        self.body.setAccessibleName(self.tr("Message text"))
        self.body.sig_files_dropped.connect(self.attachments.add_files)
        outer.addWidget(self.body, 1)
        self.error = QLabel(central)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()
        outer.addWidget(self.error)
        self.setCentralWidget(central)

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Compose"), self)
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        self.send_action = QAction(self.tr("Send"), self)
        self.send_action.setShortcut(QKeySequence("Ctrl+Return"))
        self.send_action.triggered.connect(self.send)
        bar.addAction(self.send_action)
        self.attach_action = QAction(self.tr("Attach…"), self)
        self.attach_action.triggered.connect(lambda: self.attachments.add_files(self.files(self)))
        bar.addAction(self.attach_action)
        self.discard_action = QAction(self.tr("Discard"), self)
        self.discard_action.triggered.connect(self.discard)
        bar.addAction(self.discard_action)
        bar.addSeparator()
        self.bold_action = QAction(self.tr("Bold"), self, checkable=True)
        self.bold_action.setShortcut(QKeySequence.StandardKey.Bold)
        self.bold_action.toggled.connect(self.body.toggle_bold)
        self.italic_action = QAction(self.tr("Italic"), self, checkable=True)
        self.italic_action.setShortcut(QKeySequence.StandardKey.Italic)
        self.italic_action.toggled.connect(self.body.toggle_italic)
        self.list_action = QAction(self.tr("• List"), self)
        self.list_action.triggered.connect(lambda: self.body.make_list(numbered=False))
        self.numbered_action = QAction(self.tr("1. List"), self)
        self.numbered_action.triggered.connect(lambda: self.body.make_list(numbered=True))
        self.link_action = QAction(self.tr("Link…"), self)
        self.link_action.triggered.connect(self._insert_link)
        self.format_actions = (
            self.bold_action,
            self.italic_action,
            self.list_action,
            self.numbered_action,
            self.link_action,
        )
        for action in self.format_actions:
            bar.addAction(action)
        bar.addSeparator()
        self.rich_action = QAction(self.tr("Rich text"), self, checkable=True)
        self.rich_action.toggled.connect(self.set_rich)
        bar.addAction(self.rich_action)
        self.body.currentCharFormatChanged.connect(self._show_format)

    def _show_format(self, fmt: QTextCharFormat) -> None:
        # Reflect the format at the cursor without re-applying it (blockSignals).
        for action, on in (
            (self.bold_action, fmt.fontWeight() > QFont.Weight.Medium.value),
            (self.italic_action, fmt.fontItalic()),
        ):
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)

    @staticmethod
    def _default_rich(draft: Draft) -> bool:
        # A reply or forward quotes plain text; a new message may be formatted.
        quoting = draft.in_reply_to is not None or FORWARD_MARKER in draft.text
        return draft.html is not None or not quoting

    def _load(self, draft: Draft, rich: bool) -> None:
        for index in range(self.identity.count()):
            _account, identity = self.identity.itemData(index)
            if identity.address.casefold() == draft.identity.address.casefold():
                self.identity.blockSignals(True)
                self.identity.setCurrentIndex(index)
                self.identity.blockSignals(False)
                break
        self.to.setText(", ".join(str(a) for a in draft.to))
        self.cc.setText(", ".join(str(a) for a in draft.cc))
        self.bcc.setText(", ".join(str(a) for a in draft.bcc))
        self.subject.setText(draft.subject)
        self.body.rich = True
        self.body.setAcceptRichText(True)
        if draft.html is not None:
            self.body.setHtml(draft.html)
        else:
            self.body.setPlainText(draft.text)
        self.set_rich(rich)
        self.rich_action.setChecked(rich)
        self.attachments.set_attachments(draft.attachments)
        self.body.moveCursor(QTextCursor.MoveOperation.Start)

    # --- editing -------------------------------------------------------------------------

    def set_rich(self, rich: bool) -> None:
        self.body.set_rich(rich)
        for action in self.format_actions:
            action.setEnabled(rich)
        if self.rich_action.isChecked() != rich:
            self.rich_action.setChecked(rich)

    def _insert_link(self) -> None:
        url = self.ask_link(self)
        if url:
            self.body.insert_link(url)

    def _identity_changed(self, index: int) -> None:
        account, identity = self.identity.itemData(index)
        self.body.swap_signature(self._identity, identity)
        self._identity = identity
        if account != self.account:
            # The draft moves to the other account; no copy stays behind in the old one.
            self._forget_saved_draft()
            self.account = account

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _update_title(self) -> None:
        subject = " ".join(self.subject.text().split())
        self.setWindowTitle(subject or self.tr("New message"))

    def _changed(self) -> None:
        self._dirty = True
        if self._pending is None and not self._queued:
            # Each save of a big message writes it whole: wait for a longer pause then.
            big = sum(size_of(a) for a in self.attachments.attachments()) > BIG_DRAFT_BYTES
            interval = max(self._autosave_ms, BIG_AUTOSAVE_MS) if big else self._autosave_ms
            self._autosave.start(interval)

    # --- drag and drop -------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if files:
            self.attachments.add_files(files)
            event.acceptProposedAction()
        else:
            super().dropEvent(event)

    # --- the draft -----------------------------------------------------------------------

    def _addresses(self, key: str, edit: QLineEdit, strict: bool) -> tuple[Address, ...]:
        if not strict:  # a draft may hold half-typed addresses; keep what is valid
            return tuple(
                a for a in parse_address_list(edit.text()) if is_valid_address(a.addr_spec)
            )
        try:
            return tuple(parse_typed_addresses(edit.text()))
        except KittiwakeError as error:
            raise FieldError(key, error) from None

    def current_draft(self, *, strict: bool = True) -> Draft:
        """The draft as the fields stand. `strict` raises FieldError for a field that cannot
        be sent as typed (a line break, an address that is not one)."""
        to = self._addresses("to", self.to, strict)
        cc = self._addresses("cc", self.cc, strict)
        bcc = self._addresses("bcc", self.bcc, strict)
        subject = self.subject.text()
        try:
            check_single_line(subject, "subject")
        except KittiwakeError as error:
            if strict:
                raise FieldError("subject", error) from None
            subject = " ".join(subject.split())
        html = self.body.html()
        return replace(
            self._base,
            identity=self._identity,
            to=to,
            cc=cc,
            bcc=bcc,
            subject=subject,
            text=self.body.plain_text(),
            html=html,
            attachments=self.attachments.attachments(),
        )

    def save_draft(self) -> str | None:
        """Save locally now, on this thread (the server's copy follows through the operation
        queue). The autosave uses `save_draft_async`, which encodes off the GUI thread."""
        self._autosave.stop()
        return self._store_draft(self.current_draft(strict=False), None)

    def _store_draft(self, draft: Draft, raw: bytes | None) -> str | None:
        try:
            message_id = self.engine.save_draft(self.account, draft, raw=raw)
        except (KittiwakeError, OSError) as error:
            self._not_saved(error)
            return None
        return self._draft_stored(message_id)

    def _not_saved(self, error: Exception) -> None:
        self._dirty = True
        self.statusBar().showMessage(self.tr("The draft was not saved: ") + str(error))

    def _draft_stored(self, message_id: str) -> str:
        self._dirty = False
        self._saved = True
        self._unsent_upload = True
        self.statusBar().showMessage(self.tr("Draft saved"), 3000)
        self.sig_draft_saved.emit(message_id)
        return message_id

    def _autosave_now(self) -> None:
        if self._queued:
            return  # sent: a late save would bring the discarded draft back
        if self._saving is not None:
            self._resave = True  # one save at a time, in order; the next follows this one
            return
        self._saving = bridge.start(self.save_draft_async(), name="save draft")

    async def save_draft_async(self) -> str | None:
        """Encode off the GUI thread (encode.py: a 10 MB attachment takes ~2 s), then store,
        also off the GUI thread (the durable write of 10 MB took ~1 s)."""
        try:
            draft = self.current_draft(strict=False)
            self._dirty = False
            try:
                raw = await encode(draft, for_drafts=True, prepared=self.attachments.prepared)
                if self._queued:
                    return None
                message_id = await self.engine.save_draft_async(self.account, draft, raw=raw)
            except (KittiwakeError, OSError) as error:
                self._not_saved(error)
                return None
            return self._draft_stored(message_id)
        finally:
            self._saving = None
            if self._resave and not self._queued:
                self._resave = False
                self._autosave_now()

    def _save_soon(self) -> None:
        """Save now: in the background when the event loop runs (always, in the app)."""
        if _loop_running():
            self._autosave.stop()
            self._autosave_now()
        else:
            self.save_draft()

    def _forget_saved_draft(self) -> None:
        if self._saved and self._base.message_id:
            self.engine.discard_draft(self.account, self._base.message_id)
            self._saved = False

    def discard(self) -> bool:
        """Throw the draft away (after asking): the local copy now, the server's on replay."""
        question = self.tr("Delete this draft? It cannot be brought back.")
        if not self.confirm(self, self.tr("Discard draft"), question):
            return False
        self._autosave.stop()
        self._forget_saved_draft()
        self._dirty = False
        self.close()
        return True

    def _upload_now(self) -> None:
        if self._unsent_upload and self._pending is None:
            self._unsent_upload = False
            self.upload_task = bridge.start(
                upload_drafts(self.engine, self.account), name="upload drafts"
            )

    # --- sending -------------------------------------------------------------------------

    def _clear_errors(self) -> None:
        for row in self.rows.values():
            row.show_error("")
        self.error.hide()

    def send(self) -> bool:
        """Check, confirm, then start the undo delay; False when nothing will be sent."""
        if self._pending is not None:
            return False
        self._clear_errors()
        try:
            draft = self.current_draft(strict=True)
            if not (draft.to or draft.cc or draft.bcc):
                raise FieldError("to", KittiwakeError(self.tr("Add at least one recipient.")))
            # The remaining checks (extra headers, message ids) without reading attachments,
            # which queueing reads anyway; a file that went missing is caught here already.
            build_message(replace(draft, attachments=()))
            for attachment in draft.attachments:
                if attachment.data is None and not os.access(attachment.path or "", os.R_OK):
                    raise FileNotFoundError(
                        self.tr("The attached file {0} cannot be read.").format(attachment.name)
                    )
        except FieldError as problem:
            self.rows[problem.field].show_error(problem.error.message)
            self.rows[problem.field].field.setFocus()
            return False
        except (KittiwakeError, OSError) as error:
            self.error.setText(str(error))
            self.error.show()
            return False
        if mentions_attachment(draft.subject, draft.text) and not draft.attachments:
            question = self.tr(
                "The message mentions an attachment, but nothing is attached. Send it anyway?"
            )
            if not self.confirm(self, self.tr("Forgotten attachment?"), question):
                return False
        self._pending = draft
        if self._dirty or not self._saved:
            self._save_soon()  # a crash during the delay keeps the message as a draft
        self._set_editing(False)
        self.undo_bar.start(self.settings.undo_send_seconds)
        return True

    def _set_editing(self, on: bool) -> None:
        """Everything that would change the message is frozen while the undo delay runs."""
        widgets = (self.identity, self.to, self.cc, self.bcc, self.subject, self.body)
        for widget in (*widgets, self.attachments):
            widget.setEnabled(on)
        actions = (self.send_action, self.attach_action, self.discard_action, self.rich_action)
        for action in actions:
            action.setEnabled(on)
        for action in self.format_actions:
            action.setEnabled(on and self.body.rich)

    def undo_send(self) -> None:
        self.undo_bar.undo()

    def _undone(self) -> None:
        self._pending = None
        self._set_editing(True)
        self.statusBar().showMessage(self.tr("Not sent; the draft is back."), 5000)
        self.sig_send_undone.emit()

    def _commit_send(self) -> None:
        draft, self._pending = self._pending, None
        if draft is None:
            return
        self._queued = True
        self._dirty = False
        self.send_task = bridge.start(self._queue_and_deliver(draft), name="send")

    async def _queue_and_deliver(self, draft: Draft) -> None:
        engine, account = self.engine, self.account
        if self._saving is not None:  # the draft saved at Send is discarded only after this
            await asyncio.wait([self._saving])
        try:
            raw = await encode(draft, prepared=self.attachments.prepared)
            # The durable write off the GUI thread too (a 10 MB message took ~1 s there).
            item_id = await engine.queue_draft_async(account, draft, raw=raw)
        except (KittiwakeError, OSError) as error:
            # Nothing was queued; the draft saved at Send is still there. Show it again.
            self._queued = False
            self._set_editing(True)
            self.error.setText(str(error))
            self.error.show()
            self.show()
            return
        self.sig_queued.emit(item_id)
        if not self._closing:
            self.close()
        await deliver(engine, account)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.undo_bar.fire_now()  # closing during the delay sends, as the user asked
        self._autosave.stop()
        self._upload.stop()
        if self._dirty and self._pending is None and not self._queued:
            self._save_soon()
        self.sig_closed.emit()
        super().closeEvent(event)
