"""The attachments of the message being written: a list with sizes, removable."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from kittiwake.client.mime.compose import Attachment


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def size_of(attachment: Attachment) -> int:
    if attachment.data is not None:
        return len(attachment.data)
    try:
        return os.path.getsize(attachment.path or "")
    except OSError:
        return 0


class AttachmentList(QListWidget):
    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items_: list[Attachment] = []
        self.setAccessibleName(self.tr("Attachments"))
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setSpacing(4)
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.setToolTip(self.tr("Delete removes the selected attachments"))
        remove = QAction(self.tr("Remove attachment"), self)
        remove.triggered.connect(self.remove_selected)
        self.addAction(remove)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.setVisible(False)

    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(self.items_)

    def set_attachments(self, attachments: tuple[Attachment, ...]) -> None:
        self.items_ = []
        self.clear()
        for attachment in attachments:
            self._append(attachment)
        self._fit()

    def _fit(self) -> None:
        """As tall as its rows (at most three), and hidden when empty."""
        self.setVisible(bool(self.items_))
        if not self.items_:
            return
        row = max(self.sizeHintForRow(0), self.fontMetrics().height()) + 2 * self.spacing()
        rows = min(3, 1 + self.count() // 4)
        self.setFixedHeight(rows * row + 2 * self.frameWidth() + 2)

    def add_files(self, paths: list[str]) -> int:
        added = 0
        for path in paths:
            if os.path.isfile(path):
                self._append(Attachment.from_path(path))
                added += 1
        if added:
            self._fit()
            self.sig_changed.emit()
        return added

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.remove_selected()
            return
        super().keyPressEvent(event)

    def remove_selected(self) -> None:
        for row in sorted((self.row(i) for i in self.selectedItems()), reverse=True):
            self.takeItem(row)
            del self.items_[row]
        self._fit()
        self.sig_changed.emit()

    def _append(self, attachment: Attachment) -> None:
        self.items_.append(attachment)
        # A file name is text from outside: QListWidgetItem shows it as plain text.
        item = QListWidgetItem(f"{attachment.name} ({human_size(size_of(attachment))})")
        self.addItem(item)
