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
from kittiwake.client.store.model import Folder, MessageSummary, PageCursor, Role, SortKey


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


UNIFIED_QUERY = "in:inbox"


def is_inbox(folder: Folder) -> bool:
    """The folders `in:inbox` matches (client/store/search/compile.py: the name INBOX in any
    ASCII case, or the Inbox role), so the unified list is the same with or without a filter."""
    return folder.role is Role.INBOX or folder.name.lower() == "inbox"


@dataclass
class InboxesSource:
    """All Inboxes without a filter: the rows of `in:inbox`, read cheaply.

    The search would gather every Inbox message and sort them for each page (a temporary
    B-tree: ~60-90 ms at 20,000 messages, on every reload during a sync). Here the count is the
    sum of the Inboxes' maintained counters, and a page is a k-way merge of one indexed seek
    per Inbox (keyset cursors, as FolderSource), newest first with the search's tie-break
    (date, then id). Only a jump to a page no earlier page led to falls back to the search."""

    engine: Engine
    _inboxes: list[int] = field(default_factory=list, repr=False)
    # offset -> where each Inbox's next rows start (None: at its newest)
    _cursors: dict[int, dict[int, PageCursor | None]] = field(default_factory=dict, repr=False)

    def count(self) -> int:
        self._cursors.clear()  # called on every (re)load: rows may have come or gone
        inboxes = [f for f in self.engine.folders() if is_inbox(f)]
        self._inboxes = [f.id for f in inboxes]
        return sum(f.total_count for f in inboxes)

    def rows(self, offset: int, limit: int) -> list[MessageSummary]:
        start = self._cursors.get(offset)
        if start is None and offset == 0:
            start = dict.fromkeys(self._inboxes)
        if start is None:
            return self.engine.search_page(UNIFIED_QUERY, offset=offset, limit=limit)
        candidates: list[MessageSummary] = []
        for folder_id, cursor in start.items():
            page = self.engine.messages(folder_id, limit=limit, after=cursor)
            candidates.extend(page.rows)
        candidates.sort(key=lambda m: (m.date, m.id), reverse=True)
        rows = candidates[:limit]
        if len(rows) == limit:
            after = dict(start)
            for row in rows:  # newest first: each Inbox's last taken row is its new cursor
                after[row.folder_id] = PageCursor(row.date, row.id)
            self._cursors[offset + limit] = after
        return rows

    def shows_folder(self, folder_id: int) -> bool:
        return folder_id in self._inboxes


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
