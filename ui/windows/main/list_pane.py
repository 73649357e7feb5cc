"""The list pane: search box, quick filters, tag filter, the threads toggle, and the table.

Threaded view (the "Threads" button, or `thread_action` in a menu) is remembered in the
preferences file. Keys as in Thunderbird: Right or + opens the current thread, Left or - closes
it (from a message inside it too); a click on a thread's arrow does the same.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QIcon, QKeyEvent, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.net.errors import KittiwakeError
from kittiwake.client.settings import SettingsFile
from kittiwake.ui.models.message_list import (
    MESSAGE_ID_ROLE,
    THREAD_ROLE,
    Column,
    MessageListModel,
)
from kittiwake.ui.models.tags import default_tags
from kittiwake.ui.models.thread_list import ThreadInfo

log = logging.getLogger(__name__)

INDENT = 20  # pixels a message inside an open thread is moved right
_EXPAND_KEYS = frozenset((Qt.Key.Key_Right, Qt.Key.Key_Plus))
_COLLAPSE_KEYS = frozenset((Qt.Key.Key_Left, Qt.Key.Key_Minus))


def colour_icon(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class SubjectDelegate(QStyledItemDelegate):
    """Indents the messages inside an open thread (subject column only: one Python call per
    painted subject cell)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        info = index.data(THREAD_ROLE)
        if isinstance(info, ThreadInfo) and info.child:
            option = QStyleOptionViewItem(option)
            option.rect.adjust(INDENT, 0, 0, 0)
        super().paint(painter, option, index)


class ListPane(QWidget):
    sig_search = Signal(str)  # the search text (empty: back to the folder)
    sig_filters_changed = Signal()
    sig_threaded_changed = Signal(bool)

    def __init__(self, model: MessageListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Message list pane"))
        self.model = model
        self.settings_file: SettingsFile | None = None
        # The flat list's sort, given back when threads are turned off again.
        self._flat_sort: tuple[int, Qt.SortOrder] = (Column.DATE, Qt.SortOrder.DescendingOrder)

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
        # One action for the button and the View menu, so both always show the same state.
        self.thread_action = QAction(self.tr("&Threaded view"), self)
        self.thread_action.setCheckable(True)
        self.thread_action.setToolTip(self.tr("Group messages by conversation"))
        self.thread_action.toggled.connect(self.set_threaded)
        self.threads = QToolButton()
        self.threads.setDefaultAction(self.thread_action)
        self.threads.setAccessibleName(self.tr("Threaded view"))

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search, 1)
        for widget in (self.unread, self.flagged, self.attachments, self.tag, self.threads):
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
        self._indent = SubjectDelegate(self.table)  # installed in threaded mode only
        self.table.installEventFilter(self)
        self.table.viewport().installEventFilter(self)
        model.sig_reloaded.connect(self._first_source)

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

    # --- threads -----------------------------------------------------------------------------

    def use_settings(self, settings_file: SettingsFile) -> None:
        """Remember the threaded view in this file, and show what it says now."""
        self.settings_file = settings_file
        self.thread_action.setChecked(settings_file.current().threaded_view)

    def _first_source(self) -> None:
        # Without use_settings(), the preferences file is the one of the engine the first
        # folder comes from (the main window makes this pane before it knows any folder).
        engine = getattr(self.model.source, "engine", None)
        paths = getattr(engine, "paths", None)
        if self.settings_file is None and paths is not None:
            self.use_settings(SettingsFile.beside(paths))

    def set_threaded(self, threaded: bool) -> None:
        if self.thread_action.isChecked() != threaded:
            self.thread_action.setChecked(threaded)  # re-enters through toggled
            return
        if self.model.threaded == threaded:
            return
        header = self.table.horizontalHeader()
        if threaded:
            self._flat_sort = (header.sortIndicatorSection(), header.sortIndicatorOrder())
            self.table.setSortingEnabled(False)  # threads come newest thread first
            header.setSortIndicator(Column.DATE, Qt.SortOrder.DescendingOrder)
        # The flat list keeps the view's own delegate: no Python call per painted cell.
        flat = self.table.itemDelegate()
        self.table.setItemDelegateForColumn(Column.SUBJECT, self._indent if threaded else flat)
        self.model.set_threaded(threaded)
        if not threaded:
            header.setSortIndicator(*self._flat_sort)
            self.table.setSortingEnabled(True)
        self._remember(threaded)
        self.sig_threaded_changed.emit(threaded)

    def _remember(self, threaded: bool) -> None:
        file = self.settings_file
        if file is None or file.current().threaded_view == threaded:
            return
        try:
            file.update(lambda s: replace(s, threaded_view=threaded))
        except (KittiwakeError, OSError) as error:  # the view still changes, for this session
            log.warning("threaded view not remembered: %s", error)

    def _thread_at(self, row: int) -> ThreadInfo | None:
        return self.model.thread_info(row) if self.model.shows_threads else None

    def expand_current(self) -> bool:
        row = self.table.currentIndex().row()
        info = self._thread_at(row)
        if info is None or info.child or info.count <= 1:
            return False
        if info.expanded:
            self.select_row(row + 1)  # Thunderbird: Right on an open thread goes into it
            return True
        return self.model.expand(row)

    def collapse_current(self) -> bool:
        row = self.table.currentIndex().row()
        info = self._thread_at(row)
        if info is None or not (info.child or info.expanded):
            return False
        self.select_row(self.model.collapse(row))
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.model.shows_threads:
            return super().eventFilter(watched, event)
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = Qt.Key(event.key())
            if key in _EXPAND_KEYS and self.expand_current():
                return True
            if key in _COLLAPSE_KEYS and self.collapse_current():
                return True
        elif watched is self.table.viewport() and event.type() == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            if self._arrow_clicked(event):
                return True
        return super().eventFilter(watched, event)

    def _arrow_clicked(self, event: QMouseEvent) -> bool:
        """A press on a thread row's arrow opens or closes it (and selects nothing)."""
        point = event.position().toPoint()
        index = self.table.indexAt(point)
        if not index.isValid() or index.column() != Column.SUBJECT:
            return False
        info = self._thread_at(index.row())
        if info is None or info.child or info.count <= 1:
            return False
        arrow = self.table.iconSize().width() if self.table.iconSize().isValid() else 16
        if point.x() - self.table.visualRect(index).left() > max(arrow, 16) + 6:
            return False
        if info.expanded:
            self.model.collapse(index.row())
        else:
            self.model.expand(index.row())
        return True

    # --- selection ---------------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """What mark, move and delete act on: a collapsed thread row means its whole thread."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return self.model.action_ids(rows)

    def shown_id(self) -> int | None:
        """The message to show: the one selected row's (a thread row: its newest message)."""
        rows = self.table.selectionModel().selectedRows()
        if len(rows) != 1:
            return None
        value = rows[0].data(MESSAGE_ID_ROLE)
        return None if value is None else int(value)

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
