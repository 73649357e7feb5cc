"""The attachments of the message being written: a list with sizes, removable.

An added file shows at once as "loading" and is read, typed and encoded in a worker
(loading.py); until then the draft carries it by path, so a save or Send in between still
attaches it (read at build time, in the build's own worker thread).
"""

from __future__ import annotations

import os
from itertools import count

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from kittiwake.client.mime.compose import Attachment
from kittiwake.ui.windows.composer.loading import Prepared, start_loading

_tokens = count(1)


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
    sig_loaded = Signal()  # an attachment finished loading (or failed)
    sig_failed = Signal(str)  # a person's message: the file could not be read

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items_: list[Attachment] = []
        self._tokens: list[int] = []  # one per item: finds it again when its load ends
        self._loading: set[int] = set()
        self.prepared: dict[Attachment, Prepared] = {}
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

    def loading(self) -> int:
        """How many attachments are still being read."""
        return len(self._loading)

    def set_attachments(self, attachments: tuple[Attachment, ...]) -> None:
        self.items_ = []
        self._tokens = []
        self._loading.clear()
        self.prepared = {}
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
                self._append(Attachment.from_path(path), size=None)
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
            self._loading.discard(self._tokens[row])
            del self.items_[row]
            del self._tokens[row]
        self._fit()
        self.sig_changed.emit()

    def _append(self, attachment: Attachment, *, size: int | None = -1) -> None:
        """Show it now; read, type and encode it in a worker. `size` None: not known yet
        (asking the file system could block on a slow mount), -1: from the attachment."""
        token = next(_tokens)
        self.items_.append(attachment)
        self._tokens.append(token)
        if attachment in self.prepared:
            item = QListWidgetItem(self._label(attachment.name, self.prepared[attachment].size))
        else:
            shown = size_of(attachment) if size == -1 else None
            # A file name is text from outside: QListWidgetItem shows it as plain text.
            item = QListWidgetItem(self._label(attachment.name, shown, loading=True))
            self._loading.add(token)
            start_loading(token, attachment, self, self._loaded)
        self.addItem(item)

    def _label(self, name: str, size: int | None, *, loading: bool = False) -> str:
        if loading:
            state = self.tr("loading…")
            return (
                f"{name} ({human_size(size)}, {state})" if size is not None else f"{name} ({state})"
            )
        return f"{name} ({human_size(size or 0)})"

    def _loaded(self, token: int, prepared: Prepared | None, error: str) -> None:
        if token not in self._loading:
            return  # removed (or the list replaced) while it loaded
        self._loading.discard(token)
        row = self._tokens.index(token)
        attachment = self.items_[row]
        if prepared is None:
            self.takeItem(row)
            del self.items_[row]
            del self._tokens[row]
            self._fit()
            self.sig_changed.emit()
            self.sig_failed.emit(
                self.tr("The file {0} cannot be attached: {1}")
                .replace("{0}", attachment.name)
                .replace("{1}", error)
            )
        else:
            self.prepared[attachment] = prepared
            item = self.item(row)
            item.setText(self._label(attachment.name, prepared.size))
            item.setToolTip(prepared.content_type)
        self.sig_loaded.emit()
