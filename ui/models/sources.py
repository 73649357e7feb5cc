"""Where a message list's rows come from: a folder, a search, a tag. Each answers two
questions, how many rows and which rows in a window, through the engine only (rule 2).

Random access (offset + limit) rather than keyset paging: a list view asks for whatever rows
are visible, and dragging the scroll bar to the middle of 100,000 messages must not read the
49,900 above it into memory. Every query is an index scan in client/store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import MessageSummary, SortKey


class ListSource(Protocol):
    def count(self) -> int: ...

    def rows(self, offset: int, limit: int) -> list[MessageSummary]: ...

    def shows_folder(self, folder_id: int) -> bool: ...


@dataclass
class FolderSource:
    engine: Engine
    folder_id: int
    sort: SortKey = SortKey.DATE
    descending: bool = True

    def count(self) -> int:
        folder = self.engine.folder_by_id(self.folder_id)
        return 0 if folder is None else folder.total_count

    def rows(self, offset: int, limit: int) -> list[MessageSummary]:
        return self.engine.messages_at(
            self.folder_id, offset, sort=self.sort, descending=self.descending, limit=limit
        )

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
