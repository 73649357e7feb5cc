"""MessageView: one message, as safe as we can show it.

Layout: headers, the remote-content bar, the attachments bar, a small action row, then the body
in a stack: the web view for HTML (see web.py for its fences) or a read-only QPlainTextEdit for
text, which never interprets the message as markup. The plain-text toggle shows the text body of
an HTML message. Without QtWebEngine (or with KITTIWAKE_NO_WEBENGINE=1) every message is shown
as text.

Remote content follows the preferences (client/settings.py): loaded at once when the policy
allows it or the sender is in "always allowed senders", otherwise blocked with the bar; never in
Junk. "Always for this sender" adds the sender to the preferences file.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.mime.display import Attachment, DisplayMessage
from kittiwake.client.mime.parse import parse_message, part_bytes
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.client.settings import RemoteContent, Settings, SettingsFile
from kittiwake.ui.windows.reader import files
from kittiwake.ui.windows.reader.bars import AttachmentsBar, RemoteContentBar, attachment_name
from kittiwake.ui.windows.reader.document import body_url, build_document
from kittiwake.ui.windows.reader.header import HeaderArea
from kittiwake.ui.windows.reader.hooks import ReaderHooks
from kittiwake.ui.windows.reader.schemes import register_schemes
from kittiwake.ui.windows.settings.live import settings_file_near

if TYPE_CHECKING:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    from kittiwake.ui.windows.reader.web import MessageSchemeHandler, RequestInterceptor

log = logging.getLogger(__name__)

_LINK_SCHEMES = frozenset({"http", "https", "ftp"})
_MAX_SOURCE_BYTES = 16 * 1024 * 1024


def web_engine_available() -> bool:
    if os.environ.get("KITTIWAKE_NO_WEBENGINE") == "1":
        return False
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401
    except ImportError:
        return False
    return True


def _same_link(a: QUrl, b: QUrl) -> bool:
    return a.toString().rstrip("/") == b.toString().rstrip("/")


class MessageView(QWidget):
    sig_allow_sender = Signal(str)  # "always load remote content from this address"
    sig_mailto = Signal(str)  # a mailto: link was clicked: for the composer
    sig_rendered = Signal()  # the body is on screen (HTML loaded, or text set)
    sig_pdf_finished = Signal(str, bool)  # path, success

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        hooks: ReaderHooks | None = None,
        settings_file: SettingsFile | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Message view"))
        self.hooks = hooks or ReaderHooks()
        # None: the preferences of the engine a parent works for (settings/live.py), if any.
        self.settings_file = settings_file
        self.raw = b""
        self.message: DisplayMessage | None = None
        self.in_junk = False
        self.remote_allowed = False
        self._authserv_id: str | None = None
        self._images: dict[str, bytes | None] = {}
        self._loading = ""  # the body URL being loaded

        self.header = HeaderArea()
        self.remote_bar = RemoteContentBar()
        self.remote_bar.sig_load_message.connect(lambda: self.allow_remote(always=False))
        self.remote_bar.sig_always_sender.connect(lambda: self.allow_remote(always=True))
        self.attachments_bar = AttachmentsBar()
        self.attachments_bar.sig_open.connect(self.open_attachment)
        self.attachments_bar.sig_save.connect(self.save_attachment)
        self.attachments_bar.sig_save_all.connect(self.save_all_attachments)

        self.plain_button = QPushButton(self.tr("Plain text"))
        self.plain_button.setCheckable(True)
        self.plain_button.toggled.connect(self.set_plain_text_mode)
        self.source_button = QPushButton(self.tr("View source"))
        self.source_button.clicked.connect(self.show_source)
        self.print_button = QPushButton(self.tr("Print…"))
        self.print_button.clicked.connect(self.print_dialog)
        self.pdf_button = QPushButton(self.tr("Save as PDF…"))
        self.pdf_button.clicked.connect(self._ask_pdf)
        for button in (self.plain_button, self.source_button, self.print_button, self.pdf_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.header.action_row.addWidget(button)

        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setAccessibleName(self.tr("Message text"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.text_view)
        # Where a hovered link really leads, since the message's text may say otherwise.
        self.link_target = QLabel()
        self.link_target.setTextFormat(Qt.TextFormat.PlainText)
        self.link_target.setAccessibleName(self.tr("Link target"))
        self.link_target.setContentsMargins(8, 2, 8, 2)
        self.link_target.hide()

        self.web: QWebEngineView | None = None
        self.interceptor: RequestInterceptor | None = None
        self.scheme_handler: MessageSchemeHandler | None = None
        if web_engine_available():
            self._make_web()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.remote_bar)
        layout.addWidget(self.attachments_bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.link_target)
        self._set_actions_enabled(False)

    # --- building --------------------------------------------------------------------------

    def _make_web(self) -> None:
        register_schemes()  # a no-op when main() or conftest did it first, as they should
        from PySide6.QtWebEngineWidgets import QWebEngineView

        from kittiwake.ui.windows.reader.web import MessagePage, make_profile

        profile, self.interceptor, self.scheme_handler = make_profile(self)
        self.web = QWebEngineView(self)
        page = MessagePage(profile, self.open_link, self.web)
        self.web.setPage(page)
        # Qt deletes children after the parent's own destructor: with the profile a child of
        # its page, the page is always gone first (the reverse order crashes at exit).
        profile.setParent(page)
        self.web.setAccessibleName(self.tr("Message body"))
        self.web.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.web.loadFinished.connect(self._load_finished)
        page.pdfPrintingFinished.connect(self.sig_pdf_finished.emit)
        page.linkHovered.connect(self._link_hovered)
        self.stack.addWidget(self.web)

    def _link_hovered(self, url: str) -> None:
        self.link_target.setText(url[:500])
        self.link_target.setVisible(bool(url))

    def _load_finished(self, ok: bool) -> None:
        # A refused navigation (every clicked link) ends in another loadFinished: only the
        # first one after load_html means the body is on screen.
        # A refused navigation's loadFinished can also arrive after a new load_html started.
        assert self.web is not None
        if ok and self._loading and self.web.url().toString() == self._loading:
            self._loading = ""
            self.sig_rendered.emit()

    def _set_actions_enabled(self, enabled: bool) -> None:
        for button in (self.source_button, self.print_button, self.pdf_button):
            button.setEnabled(enabled)
        has_html = enabled and self.message is not None and self.message.html is not None
        self.plain_button.setEnabled(has_html and self.web is not None)

    # --- showing a message -----------------------------------------------------------------

    def set_message(
        self,
        raw: bytes,
        *,
        display: DisplayMessage | None = None,
        sender_allowed_remote: bool | None = None,
        in_junk: bool = False,
        authserv_id: str | None = None,
    ) -> None:
        """Show `raw` (its display model may be passed when already parsed with the same
        allow_remote). Remote content loads only if the sender is allowed and not in Junk:
        `sender_allowed_remote` says so, or (None) the preferences decide for this sender."""
        self.raw = raw
        self.in_junk = in_junk
        self._authserv_id = authserv_id
        if sender_allowed_remote is None and not in_junk:
            settings = self.settings()
            if settings.remote_content is RemoteContent.ALLOW:
                sender_allowed_remote = True
            elif settings.allowed_senders:
                # The sender is known only once parsed; this parse is kept when blocked.
                if display is None or display.remote_allowed:
                    display = parse_message(raw, authserv_id=authserv_id, allow_remote=False)
                sender_allowed_remote = settings.allows_remote_content(display.sender.address)
        self.remote_allowed = bool(sender_allowed_remote) and not in_junk
        if display is None or display.remote_allowed != self.remote_allowed:
            display = parse_message(raw, authserv_id=authserv_id, allow_remote=self.remote_allowed)
        self._show(display)

    def _settings_file(self) -> SettingsFile | None:
        return self.settings_file or settings_file_near(self.parent())

    def settings(self) -> Settings:
        """The preferences now (the defaults, which block, when there is no file)."""
        file = self._settings_file()
        return Settings() if file is None else file.current()

    def _show(self, message: DisplayMessage) -> None:
        self.message = message
        self._images = {}
        self.header.show_message(message)
        if message.remote_content and not self.remote_allowed:
            self.remote_bar.offer(
                len(message.remote_content), message.sender.address, in_junk=self.in_junk
            )
        else:
            self.remote_bar.hide()
        self.attachments_bar.show_attachments(message.attachments)
        self._set_actions_enabled(True)
        self._render()

    def _render(self) -> None:
        message = self.message
        if message is None:
            return
        if self.web is not None and message.html is not None and not self.plain_button.isChecked():
            self.load_html(message.html, allow_remote=self.remote_allowed)
            return
        self.text_view.setPlainText(message.text)
        self.stack.setCurrentWidget(self.text_view)
        self.sig_rendered.emit()

    def load_html(self, html: str, *, allow_remote: bool, csp: bool = True) -> None:
        """Serve `html` (already sanitised) through our scheme. csp=False exists for tests
        that check the interceptor on its own."""
        assert self.web is not None and self.interceptor is not None
        assert self.scheme_handler is not None
        from kittiwake.ui.windows.reader.web import ServedMessage

        token = secrets.token_hex(8)
        self.interceptor.allow_remote = allow_remote and not self.in_junk
        self.scheme_handler.current = ServedMessage(
            token=token,
            document=build_document(html, token, allow_remote=allow_remote, csp=csp),
            image=self._image,
        )
        self.stack.setCurrentWidget(self.web)
        self._loading = body_url(token)
        self.web.setUrl(QUrl(self._loading))

    def _image(self, content_id: str) -> bytes | None:
        if content_id not in self._images:
            message = self.message
            inline = dict(message.inline_images) if message else {}
            path = inline.get(content_id) or inline.get(unquote(content_id))
            self._images[content_id] = part_bytes(self.raw, path) if path else None
        return self._images[content_id]

    def allow_remote(self, *, always: bool = False) -> None:
        """The user's "load remote content" (for this message, or always for the sender)."""
        if self.message is None or self.in_junk:
            return
        if always and self.message.sender.address:
            self._remember_sender(self.message.sender.address)
            self.sig_allow_sender.emit(self.message.sender.address)
        self.remote_allowed = True
        self._show(parse_message(self.raw, authserv_id=self._authserv_id, allow_remote=True))

    def _remember_sender(self, address: str) -> None:
        file = self._settings_file()
        if file is None:
            return
        try:
            file.update(lambda s: s.with_allowed_sender(address))
        except (KittiwakeError, OSError) as error:  # this message still loads; nothing saved
            log.warning("allowed sender not saved: %s", error)

    def set_plain_text_mode(self, plain: bool) -> None:
        if self.plain_button.isChecked() != plain:
            self.plain_button.setChecked(plain)  # re-enters through toggled
            return
        self._render()

    def clear(self) -> None:
        self.raw = b""
        self.message = None
        self.header.clear()
        self.remote_bar.hide()
        self.attachments_bar.show_attachments(())
        self.text_view.clear()
        self.stack.setCurrentWidget(self.text_view)
        if self.scheme_handler is not None:
            from kittiwake.ui.windows.reader.web import ServedMessage

            self.scheme_handler.current = ServedMessage()
        self._set_actions_enabled(False)

    # --- links -----------------------------------------------------------------------------

    def open_link(self, url: QUrl) -> None:
        """A clicked link: to the desktop's browser, after a question if it is misleading."""
        scheme = url.scheme().lower()
        if scheme == "mailto":
            self.sig_mailto.emit(url.toString())
            return
        if scheme not in _LINK_SCHEMES:
            return  # file:, javascript:, our own scheme...: never followed
        message = self.message
        for link in message.suspicious_links if message else ():
            if _same_link(QUrl(link.href), url) or QUrl(link.href).host() == url.host():
                if not self.hooks.confirm_link(self, link.text, url.toString()):
                    return
                break
        self.hooks.open_url(url)

    # --- attachments -----------------------------------------------------------------------

    def save_attachment(self, attachment: Attachment) -> Path | None:
        chosen = self.hooks.save_path(self, attachment_name(attachment))
        if not chosen:
            return None
        path = Path(chosen)
        return path if files.write_attachment(self.raw, attachment, path) else None

    def save_all_attachments(self) -> list[Path]:
        if self.message is None or not self.message.attachments:
            return []
        chosen = self.hooks.save_directory(self)
        if not chosen:
            return []
        return files.save_all(self.raw, self.message.attachments, Path(chosen))

    def open_attachment(self, attachment: Attachment) -> None:
        if files.is_risky(attachment):
            self.save_attachment(attachment)  # a program is saved, never launched from here
            return
        path = files.private_copy(self.raw, attachment)
        if path is not None:
            self.hooks.open_url(QUrl.fromLocalFile(str(path)))

    # --- source, print ---------------------------------------------------------------------

    def show_source(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Message source"))
        text = QPlainTextEdit(dialog)
        text.setReadOnly(True)
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        text.setAccessibleName(self.tr("Message source"))
        text.setPlainText(self.raw[:_MAX_SOURCE_BYTES].decode("utf-8", "replace"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(text)
        dialog.resize(800, 600)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _showing_web(self) -> bool:
        return self.web is not None and self.stack.currentWidget() is self.web

    def print_to_pdf(self, path: str) -> None:
        """Write the shown body to `path`; sig_pdf_finished(path, ok) tells when done."""
        if self._showing_web():
            assert self.web is not None
            self.web.page().printToPdf(path)
            return
        from PySide6.QtGui import QPdfWriter

        writer = QPdfWriter(path)
        self.text_view.document().print_(writer)
        self.sig_pdf_finished.emit(path, Path(path).is_file())

    def _ask_pdf(self) -> None:
        subject = self.message.headers.subject if self.message else ""
        name = "".join(c for c in subject if c.isalnum() or c in " -_")[:60].strip() or "message"
        path = self.hooks.pdf_path(self, f"{name}.pdf")
        if path:
            self.print_to_pdf(path)

    def print_dialog(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if self._showing_web():
            assert self.web is not None
            self._printer = printer  # kept alive until printing ends
            self.web.print(printer)
        else:
            self.text_view.document().print_(printer)
