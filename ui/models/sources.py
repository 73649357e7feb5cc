"""Where a message list's rows come from: a folder, a search, a tag. Each answers two
questions, how many rows and which rows in a window, through the engine only (rule 2).

Random access (offset + limit) rather than keyset paging: a list view asks for whatever rows
are visible, and dragging the scroll bar to the middle of 100,000 messages must not read the
49,900 above it into memory. Every query is an index scan in client/store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import MessageSummary, PageCursor, SortKey


class ListSource(Protocol):
    def count(self) -> int: ...

    def rows(self, offset: int, limit: int) -> list[MessageSummary]: ...

    def shows_folder(self, folder_id: int) -> bool: ...


@dataclass
class FolderSource:
    """A folder in one of its SQL sort orders. A window that continues the one before it is
    read with a keyset cursor (a seek, whatever the depth); a jump uses OFFSET once."""

    engine: Engine
    folder_id: int
    sort: SortKey = SortKey.DATE
    descending: bool = True
    _cursors: dict[int, PageCursor] = field(default_factory=dict, repr=False)

    def count(self) -> int:
        self._cursors.clear()  # called on every (re)load: rows may have come or gone
        folder = self.engine.folder_by_id(self.folder_id)
        return 0 if folder is None else folder.total_count

    def rows(self, offset: int, limit: int) -> list[MessageSummary]:
        cursor = self._cursors.get(offset)
        if offset == 0 or cursor is not None:
            page = self.engine.messages(
                self.folder_id,
                sort=self.sort,
                descending=self.descending,
                limit=limit,
                after=cursor,
            )
            rows = list(page.rows)
        else:
            rows = self.engine.messages_at(
                self.folder_id, offset, sort=self.sort, descending=self.descending, limit=limit
            )
        if len(rows) == limit:
            self._remember(offset + limit, rows[-1])
        return rows

    def _remember(self, offset: int, last: MessageSummary) -> None:
        # Only where the row itself holds the sort key (the name and subject keys are
        # normalised in the cache and not part of a summary).
        key = {SortKey.DATE: last.date, SortKey.SIZE: last.size}.get(self.sort)
        if key is not None:
            self._cursors[offset] = PageCursor(key, last.id)

    def shows_folder(self, folder_id: int) -> bool:
        return folder_id == self.folder_id


@dataclass
class QuerySource:
    """A search in the engine's language (also the quick filters and the unified Inbox,
    which is `in:inbox` across accounts). Newest first: the search orders by date only."""

    engine: Engine
    query: str
    folder_id: int | None = None

    def count(self) -> int:
        return self.engine.search_count(self.query, folder_id=self.folder_id)

    def rows(self, offset: int, limit: int) -> list[MessageSummary]:
        return self.engine.search_page(
            self.query, folder_id=self.folder_id, offset=offset, limit=limit
        )

    def shows_folder(self, folder_id: int) -> bool:
        return self.folder_id is None or folder_id == self.folder_id


@dataclass
class TagSource:
    engine: Engine
    keyword: str
    folder_id: int | None = None

    def count(self) -> int:
        return self.engine.keyword_messages(self.folder_id, self.keyword, limit=0)[0]

    def rows(self, offset: int, limit: int) -> list[MessageSummary]:
        return self.engine.keyword_messages(
            self.folder_id, self.keyword, offset=offset, limit=limit
        )[1]

    def shows_folder(self, folder_id: int) -> bool:
        return self.folder_id is None or folder_id == self.folder_id
