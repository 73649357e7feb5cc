"""The message list: a table model over a ListSource that reads windows of rows on demand.

rowCount() is the source's count (a maintained counter for a folder), and data() asks for the
page holding a row only when a view paints that row: opening a 100,000-message folder reads one
page, and a dragged scroll bar reads the pages it lands on. Pages are kept in a small LRU, so
memory stays flat however far the user scrolls. All text is plain DisplayRole strings (rule 6).
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
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ROLES = frozenset(
    (_DISPLAY, _FONT, _FOREGROUND, _DECORATION, _TOOLTIP, _ALIGNMENT, MESSAGE_ID_ROLE, SUMMARY_ROLE)
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


class MessageListModel(QAbstractTableModel):
    sig_reloaded = Signal()

    def __init__(self, source: ListSource | None = None) -> None:
        super().__init__()
        self._source = source
        self._count = 0 if source is None else source.count()
        self._pages: OrderedDict[int, list[MessageSummary]] = OrderedDict()
        self.rows_fetched = 0  # rows read from the engine so far (tests assert laziness)
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
        self._count = 0 if source is None else source.count()
        self.endResetModel()
        self.sig_reloaded.emit()

    def reload(self) -> None:
        """Rows came or went: re-count and forget every cached page."""
        self.set_source(self._source)

    def refresh_rows(self) -> None:
        """Only flags or keywords changed: same rows, new values."""
        if self._source is not None and self._source.count() != self._count:
            self.reload()
            return
        self._pages.clear()
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(Column) - 1))

    def summary(self, row: int) -> MessageSummary | None:
        if self._source is None or not 0 <= row < self._count:
            return None
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
        return message  # SUMMARY_ROLE

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
        if not isinstance(source, FolderSource) or key is None:
            return  # searches come newest first; the flag columns have no index to sort on
        descending = order == Qt.SortOrder.DescendingOrder
        if (source.sort, source.descending) != (key, descending):
            source.sort, source.descending = key, descending
            self.reload()

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids: list[int] = []
        for index in indexes:
            message = self.summary(index.row())
            if message is not None and message.id not in ids:
                ids.append(message.id)
        return encode_ids(ids)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction
