"""The message list: a table model over a ListSource that reads windows of rows on demand.

rowCount() is the source's count (a maintained counter for a folder), and data() asks for the
page holding a row only when a view paints that row: opening a 100,000-message folder reads one
page, and a dragged scroll bar reads the pages it lands on. Pages are kept in a small LRU, so
memory stays flat however far the user scrolls. All text is plain DisplayRole strings (rule 6).

Threaded mode (`set_threaded(True)`, folders only; searches and tags stay flat) hands the rows
to a ThreadLayout (thread_list.py): one row per thread, expanded threads' messages under it.
Its row count is the folder's thread count from the start (the scroll bar does not grow as
threads are found); which thread is at a row is found when a row that far down is asked for.
Rows are only inserted or removed by expand/collapse and reset by a reload, never as a side
effect of data(): threads kept open across a reload are placed by the layout up front.
"""

from __future__ import annotations

import enum
import json
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from kittiwake.client.store.model import MessageSummary, SortKey
from kittiwake.ui.models.sources import FolderSource, ListSource
from kittiwake.ui.models.tags import tag_colour
from kittiwake.ui.models.thread_list import ThreadInfo, ThreadLayout

MIME_TYPE = "application/x-kittiwake-message-ids"
PAGE = 200  # rows per read: a few screens, one indexed query of ~1 ms
CACHED_PAGES = 25  # 5,000 rows at most in memory

Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    FLAGGED = 0
    ATTACHMENT = 1
    SENDER = 2
    SUBJECT = 3
    DATE = 4
    SIZE = 5


SORT_KEYS = {
    Column.SENDER: SortKey.FROM,
    Column.SUBJECT: SortKey.SUBJECT,
    Column.DATE: SortKey.DATE,
    Column.SIZE: SortKey.SIZE,
}

MESSAGE_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
SUMMARY_ROLE = int(Qt.ItemDataRole.UserRole) + 2
THREAD_ROLE = int(Qt.ItemDataRole.UserRole) + 3  # ThreadInfo in threaded mode, else None
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ROLES = frozenset(
    (
        _DISPLAY,
        _FONT,
        _FOREGROUND,
        _DECORATION,
        _TOOLTIP,
        _ALIGNMENT,
        MESSAGE_ID_ROLE,
        SUMMARY_ROLE,
        THREAD_ROLE,
    )
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def encode_ids(ids: Sequence[int]) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_TYPE, json.dumps(list(ids)).encode())
    return mime


def decode_ids(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(MIME_TYPE):
        return []
    try:
        value = json.loads(bytes(mime.data(MIME_TYPE).data()).decode())
    except ValueError:
        return []
    return [int(v) for v in value if isinstance(v, int)]


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def short_date(epoch: int, now: float | None = None) -> str:
    now = time.time() if now is None else now
    local = time.localtime(epoch)
    if local[:3] == time.localtime(now)[:3]:
        return time.strftime("%H:%M", local)
    return time.strftime("%Y-%m-%d %H:%M", local)


_icons: dict[str, QIcon] = {}


def attachment_icon() -> QIcon:
    # Made once: data() is asked for it on every painted row.
    icon = _icons.get("attachment")
    if icon is None:
        fallback = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        icon = _icons["attachment"] = QIcon.fromTheme("mail-attachment", fallback)
    return icon


def branch_icon(expanded: bool) -> QIcon:
    key = "expanded" if expanded else "collapsed"
    icon = _icons.get(key)
    if icon is None:
        arrows = QStyle.StandardPixmap
        pixmap = arrows.SP_ArrowDown if expanded else arrows.SP_ArrowRight
        icon = _icons[key] = QApplication.style().standardIcon(pixmap)
    return icon


class MessageListModel(QAbstractTableModel):
    sig_reloaded = Signal()

    def __init__(self, source: ListSource | None = None) -> None:
        super().__init__()
        self._source = source
        self._count = 0 if source is None else source.count()
        self._pages: OrderedDict[int, list[MessageSummary]] = OrderedDict()
        self.rows_fetched = 0  # rows read from the engine so far (tests assert laziness)
        self._threaded = False
        self._layout: ThreadLayout | None = None
        self._expanded: set[int] = set()  # thread keys the user opened, kept across reloads
        self._total = 0  # the source's own count (threaded: to notice rows coming or going)
        self._bold = QFont()
        self._bold.setBold(True)
        # In Column order; translated once (the header asks on every repaint).
        self._titles = [
            self.tr("★"),
            "",
            self.tr("From"),
            self.tr("Subject"),
            self.tr("Date"),
            self.tr("Size"),
        ]

    # --- the source --------------------------------------------------------------------------

    @property
    def source(self) -> ListSource | None:
        return self._source

    def set_source(self, source: ListSource | None) -> None:
        self.beginResetModel()
        self._source = source
        self._pages.clear()
        self._total = self._count = 0 if source is None else source.count()
        self._layout = None
        if self._threaded and isinstance(source, FolderSource):
            self._layout = ThreadLayout(source.engine, source.folder_id, self._expanded)
            self._count = self._layout.row_count()
        self.endResetModel()
        self.sig_reloaded.emit()

    # --- threads -----------------------------------------------------------------------------

    @property
    def threaded(self) -> bool:
        """Threaded mode was asked for (a folder then shows threads; other lists stay flat)."""
        return self._threaded

    @property
    def shows_threads(self) -> bool:
        return self._layout is not None

    def set_threaded(self, threaded: bool) -> None:
        if threaded != self._threaded:
            self._threaded = threaded
            self.reload()

    def thread_info(self, row: int) -> ThreadInfo | None:
        found = self._layout.row(row) if self._layout is not None else None
        return None if found is None else found[1]

    def expand(self, row: int) -> bool:
        layout = self._layout
        if layout is None:
            return False
        adding = layout.children_if_expanded(row)
        if adding <= 0:
            return False
        self.beginInsertRows(QModelIndex(), row + 1, row + adding)
        added = layout.expand(row)
        self._count = layout.row_count()
        self.endInsertRows()
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
        return added > 0

    def collapse(self, row: int) -> int:
        """Close the thread `row` is in (its row or one of its messages); returns the thread
        row (or `row` when there was nothing to close)."""
        layout = self._layout
        if layout is None:
            return row
        info = layout.row(row)
        if info is None or not (info[1].expanded or info[1].child):
            return row
        top, count = layout.thread_row(row), layout.children_shown(row)
        if count:
            self.beginRemoveRows(QModelIndex(), top + 1, top + count)
        layout.collapse(row)
        self._count = layout.row_count()
        if count:
            self.endRemoveRows()
        self.dataChanged.emit(self.index(top, 0), self.index(top, len(Column) - 1))
        return top

    def action_ids(self, rows: list[int]) -> list[int]:
        """The messages that mark, move and delete act on: a collapsed thread row stands for
        every message of its thread in this folder."""
        if self._layout is not None:
            return self._layout.action_ids(rows)
        ids = [m.id for m in (self.summary(r) for r in rows) if m is not None]
        return list(dict.fromkeys(ids))

    def reload(self) -> None:
        """Rows came or went: re-count and forget every cached page."""
        self.set_source(self._source)

    def refresh_rows(self) -> None:
        """Only flags or keywords changed: same rows, new values."""
        if self._source is not None and self._source.count() != self._total:
            self.reload()
            return
        self._pages.clear()
        if self._layout is not None:
            self._layout.forget_rows()
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(Column) - 1))

    def summary(self, row: int) -> MessageSummary | None:
        if self._source is None or not 0 <= row < self._count:
            return None
        if self._layout is not None:
            found = self._layout.row(row)
            return None if found is None else found[0]
        number = row // PAGE
        page = self._pages.get(number)
        if page is None:
            page = self._source.rows(number * PAGE, PAGE)
            self.rows_fetched += len(page)
            self._pages[number] = page
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row - number * PAGE
        return page[offset] if offset < len(page) else None

    def row_of(self, message_id: int, near: int = 0) -> int | None:
        """The row showing `message_id`, looked for in the pages around `near`."""
        if self._count == 0:
            return None
        if self._layout is not None:
            return self._layout.row_of(message_id)
        centre = max(0, min(near, self._count - 1)) // PAGE
        for number in (centre, centre - 1, centre + 1, *list(self._pages)):
            if number < 0 or number * PAGE >= self._count:
                continue
            self.summary(number * PAGE)
            for offset, row in enumerate(self._pages.get(number, ())):
                if row.id == message_id:
                    return number * PAGE + offset
        return None

    # --- Qt's side ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DecorationRole and section == Column.ATTACHMENT:
            return attachment_icon()
        if role == Qt.ItemDataRole.ToolTipRole and section == Column.ATTACHMENT:
            return self.tr("Attachment")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._titles[section] if 0 <= section < len(self._titles) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every painted cell: plain ints, no enum comparisons (each
        # costs microseconds in PySide6), and unknown roles leave before any lookup.
        role = int(role)
        if role not in _ROLES:
            return None
        if self._layout is not None:
            return self._thread_data(index, role)
        message = self.summary(index.row())  # an invalid index has row -1: None
        if message is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            return self._text(message, Column(column))
        if role == _FONT:
            return self._bold if message.unread else None
        if role == _FOREGROUND:
            colour = tag_colour(message.keywords) if message.keywords else None
            return None if colour is None else QBrush(QColor(colour))
        if role == _DECORATION:
            attached = column == Column.ATTACHMENT and message.has_attachment
            return attachment_icon() if attached else None
        if role == _TOOLTIP:
            return message.sender.address if column == Column.SENDER else None
        if role == _ALIGNMENT:
            return _RIGHT if column == Column.SIZE else None
        if role == MESSAGE_ID_ROLE:
            return message.id
        if role == THREAD_ROLE:
            return None
        return message  # SUMMARY_ROLE

    def _thread_data(self, index: Index, role: int) -> Any:
        assert self._layout is not None
        found = self._layout.row(index.row())
        if found is None:
            return None
        message, info = found
        column = index.column()
        whole = not info.child and not info.expanded  # the row speaks for the whole thread
        if role == _DISPLAY:
            if column == Column.FLAGGED:
                return "★" if (info.flagged if whole else message.flagged) else ""
            text = self._text(message, Column(column))
            if column == Column.SUBJECT and not info.child and info.count > 1:
                if info.unread:
                    suffix = self.tr("(%1, %2 unread)").replace("%2", str(info.unread))
                else:
                    suffix = self.tr("(%1)")
                text = f"{text}  {suffix.replace('%1', str(info.count))}"
            return text
        if role == _FONT:
            return self._bold if message.unread or (whole and info.unread) else None
        if role == _DECORATION:
            if column == Column.SUBJECT and not info.child and info.count > 1:
                return branch_icon(info.expanded)
            attached = info.has_attachment if whole else message.has_attachment
            return attachment_icon() if column == Column.ATTACHMENT and attached else None
        if role == _TOOLTIP:
            if column == Column.SUBJECT and not info.child and info.count > 1:
                return (
                    self.tr("%1 messages in this thread, %2 unread")
                    .replace("%1", str(info.count))
                    .replace("%2", str(info.unread))
                )
            return message.sender.address if column == Column.SENDER else None
        if role == THREAD_ROLE:
            return info
        if role == MESSAGE_ID_ROLE:
            return message.id
        if role == SUMMARY_ROLE:
            return message
        if role == _FOREGROUND:
            colour = tag_colour(message.keywords) if message.keywords else None
            return None if colour is None else QBrush(QColor(colour))
        return _RIGHT if role == _ALIGNMENT and column == Column.SIZE else None

    def _text(self, message: MessageSummary, column: Column) -> str:
        if column is Column.FLAGGED:
            return "★" if message.flagged else ""
        if column is Column.ATTACHMENT:
            return ""  # an icon (DecorationRole): no font is sure to have a paperclip
        if column is Column.SENDER:
            return message.sender.name or message.sender.address
        if column is Column.SUBJECT:
            return message.subject or self.tr("(no subject)")
        if column is Column.DATE:
            return short_date(message.date)
        return human_size(message.size)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in SQL (an index per sortable column): a new source order."""
        source = self._source
        key = SORT_KEYS.get(Column(column))
        if self._layout is not None:
            return  # threads come newest thread first (the order their scan finds them in)
        if not isinstance(source, FolderSource) or key is None:
            return  # searches come newest first; the flag columns have no index to sort on
        descending = order == Qt.SortOrder.DescendingOrder
        if (source.sort, source.descending) != (key, descending):
            source.sort, source.descending = key, descending
            self.reload()

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({index.row() for index in indexes})
        return encode_ids(self.action_ids(rows))

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction
