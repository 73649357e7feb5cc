"""The two bars under the headers: blocked remote content, and the attachments."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from kittiwake.client.mime.display import Attachment

_BAR_STYLE = "QFrame#RemoteContentBar { background:#fff4ce; border:1px solid #e8c95a; }"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def attachment_name(attachment: Attachment) -> str:
    """A file name to show and suggest; the model already removed path separators."""
    name = attachment.filename.strip().lstrip(".")
    return name or f"attachment-{attachment.part_path or '1'}"


class RemoteContentBar(QFrame):
    """Shown when the sanitiser blocked remote content; never offers to load it in Junk."""

    sig_load_message = Signal()
    sig_always_sender = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RemoteContentBar")
        self.setStyleSheet(_BAR_STYLE)
        self.setAccessibleName(self.tr("Remote content blocked"))
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.load_button = QPushButton(self.tr("Load remote content"))
        self.always_button = QPushButton()
        self.load_button.clicked.connect(self.sig_load_message.emit)
        self.always_button.clicked.connect(self.sig_always_sender.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.load_button)
        layout.addWidget(self.always_button)
        self.hide()

    def offer(self, blocked: int, sender_address: str, *, in_junk: bool) -> None:
        if in_junk:
            self.label.setText(
                self.tr(
                    "Remote content is never loaded for messages in Junk ({0} blocked)."
                ).replace("{0}", str(blocked))
            )
        else:
            self.label.setText(
                self.tr("Kittiwake blocked {0} remote item(s) to protect your privacy.").replace(
                    "{0}", str(blocked)
                )
            )
        self.load_button.setVisible(not in_junk)
        self.always_button.setVisible(not in_junk and bool(sender_address))
        self.always_button.setText(self.tr("Always for {0}").replace("{0}", sender_address[:80]))
        self.show()


class AttachmentsBar(QFrame):
    """One button per attachment (menu: open, save) and "Save all"."""

    sig_open = Signal(object)  # Attachment
    sig_save = Signal(object)  # Attachment
    sig_save_all = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Attachments"))
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 2, 8, 2)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.save_all_button = QPushButton(self.tr("Save all…"))
        self.save_all_button.clicked.connect(self.sig_save_all.emit)
        self.buttons: list[QToolButton] = []
        self.hide()

    def show_attachments(self, attachments: tuple[Attachment, ...]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self.title, self.save_all_button):
                widget.deleteLater()
        self.buttons = []
        if not attachments:
            self.hide()
            return
        self.title.setText(self.tr("{0} attachment(s):").replace("{0}", str(len(attachments))))
        self._layout.addWidget(self.title)
        for attachment in attachments[:50]:
            self._layout.addWidget(self._button(attachment))
        self._layout.addStretch(1)
        self._layout.addWidget(self.save_all_button)
        self.show()

    def _button(self, attachment: Attachment) -> QToolButton:
        from PySide6.QtWidgets import QMenu

        button = QToolButton()
        name = attachment_name(attachment)
        button.setText(f"{name} ({human_size(attachment.size)})")
        button.setAccessibleName(name)
        button.setToolTip(attachment.content_type)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(button)
        menu.addAction(self.tr("Open"), lambda: self.sig_open.emit(attachment))
        menu.addAction(self.tr("Save…"), lambda: self.sig_save.emit(attachment))
        button.setMenu(menu)
        button.clicked.connect(lambda: self.sig_open.emit(attachment))
        self.buttons.append(button)
        return button
