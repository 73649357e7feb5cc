"""The list pane: search box, quick filters, tag filter, and the message table."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kittiwake.ui.models.message_list import MESSAGE_ID_ROLE, Column, MessageListModel
from kittiwake.ui.models.tags import default_tags


def colour_icon(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class ListPane(QWidget):
    sig_search = Signal(str)  # the search text (empty: back to the folder)
    sig_filters_changed = Signal()

    def __init__(self, model: MessageListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Message list pane"))
        self.model = model

        self.search = QLineEdit()
        self.search.setAccessibleName(self.tr("Search"))
        self.search.setPlaceholderText(
            self.tr("Search (from:alice subject:budget is:unread has:attachment)")
        )
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(lambda: self.sig_search.emit(self.search.text()))
        self.search.textChanged.connect(self._search_edited)

        self.unread = self._toggle(self.tr("Unread"))
        self.flagged = self._toggle(self.tr("Starred"))
        self.attachments = self._toggle(self.tr("Attachments"))
        self.tag = QComboBox()
        self.tag.setAccessibleName(self.tr("Filter by tag"))
        self.tag.addItem(self.tr("All tags"), "")
        for tag in default_tags():
            self.tag.addItem(colour_icon(tag.colour), tag.name, tag.keyword)
        self.tag.currentIndexChanged.connect(lambda _i: self.sig_filters_changed.emit())

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search, 1)
        for widget in (self.unread, self.flagged, self.attachments, self.tag):
            bar.addWidget(widget)

        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Messages"))
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setSortingEnabled(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        # Fixed row heights: the view never asks every row for its size (100,000 rows).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setAccessibleName(self.tr("Message list columns"))
        header.setSortIndicator(Column.DATE, Qt.SortOrder.DescendingOrder)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.SUBJECT, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(Column.FLAGGED, 28)
        header.resizeSection(Column.ATTACHMENT, 28)
        header.resizeSection(Column.SENDER, 180)
        header.resizeSection(Column.DATE, 130)
        header.resizeSection(Column.SIZE, 70)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

    def _search_edited(self, text: str) -> None:
        if not text:  # cleared (the clear button, or Escape): back to the folder
            self.sig_search.emit("")

    def _toggle(self, text: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setAccessibleName(text)
        button.setCheckable(True)
        button.toggled.connect(lambda _on: self.sig_filters_changed.emit())
        return button

    # --- what the filters ask for ------------------------------------------------------------

    def filter_query(self) -> str:
        """The quick filters as the engine's search language ("" when none is on)."""
        parts = []
        if self.unread.isChecked():
            parts.append("is:unread")
        if self.flagged.isChecked():
            parts.append("is:flagged")
        if self.attachments.isChecked():
            parts.append("has:attachment")
        return " ".join(parts)

    def tag_keyword(self) -> str:
        return str(self.tag.currentData() or "")

    # --- selection ---------------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = [self.model.index(r, 0).data(MESSAGE_ID_ROLE) for r in rows]
        return [int(i) for i in ids if i is not None]

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        value = index.data(MESSAGE_ID_ROLE) if index.isValid() else None
        return None if value is None else int(value)

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            self.table.clearSelection()
            return
        index = self.model.index(row, Column.SUBJECT)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def move_current(self, step: int) -> None:
        current = self.table.currentIndex()
        row = current.row() + step if current.isValid() else 0
        self.select_row(max(0, min(row, self.model.rowCount() - 1)))
