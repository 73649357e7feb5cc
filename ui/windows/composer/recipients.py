"""Address fields: a line edit that completes the address being typed after the last comma,
from the addresses the engine has seen in the cache; and a field row with its error line."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QVBoxLayout, QWidget

from kittiwake.client.mime.addresses import Address


class RecipientEdit(QLineEdit):
    """Comma-separated recipients; completion applies to the entry under the cursor only
    (QLineEdit.setCompleter would replace the whole text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = QStringListModel(self)
        self.completer_ = QCompleter(self._model, self)
        self.completer_.setWidget(self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)  # names and addresses
        self.completer_.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer_.activated.connect(self._insert)
        self.textEdited.connect(self._update)

    def set_addresses(self, addresses: Iterable[Address]) -> None:
        self._model.setStringList(sorted({str(a) for a in addresses}, key=str.casefold))

    def _current_entry(self) -> tuple[int, str]:
        before = self.text()[: self.cursorPosition()]
        start = max(before.rfind(","), before.rfind(";")) + 1
        return start, before[start:].strip()

    def candidates(self, prefix: str) -> list[str]:
        """What the popup offers for `prefix` (used by the popup, and by tests)."""
        self.completer_.setCompletionPrefix(prefix)
        model = self.completer_.completionModel()
        return [str(model.index(i, 0).data()) for i in range(model.rowCount())]

    def _update(self, _text: str) -> None:
        _start, entry = self._current_entry()
        if len(entry) < 2 or not self.candidates(entry):
            popup = self.completer_.popup()
            if popup is not None:
                popup.hide()
            return
        self.completer_.complete()

    def _insert(self, chosen: str) -> None:
        start, _entry = self._current_entry()
        text, end = self.text(), self.cursorPosition()
        head = text[:start].rstrip()
        head = f"{head} " if head else ""
        tail = text[end:].lstrip(" ")
        new = f"{head}{chosen}, {tail.lstrip(',').lstrip()}".rstrip()
        self.setText(new)
        self.setCursorPosition(len(head) + len(chosen) + 2)


class FieldRow(QWidget):
    """A field with an error line under it, hidden until there is something to say."""

    def __init__(self, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.error = QLabel(self)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setAccessibleName(self.tr("Error"))
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(self.error)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
