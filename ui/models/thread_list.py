"""The threaded layout of a folder's message list: one row per thread, newest thread first, and
the other messages of an expanded thread indented under it.

A flat table with indentation rather than a QAbstractItemModel tree: QTreeView lays out every
top-level row through the model (an index() and flags() call per row, in Python) whenever it
relayouts, which for 50,000 threads is a visible stall; a table asks only for the rows it paints.
So the layout maps a table row to (thread position, child) by walking the few expanded threads.

The row count is known at open: the folder's thread count (`thread_count`, one query, ~45 ms
at 100,000 messages) plus the messages under expanded threads, so the scroll bar has its final
size at once and can be dragged to the end. Which thread sits at a position is discovered lazily
(`thread_scan`: the folder newest first, each thread first met at its newest message), SCAN
messages per step, as far down as the rows asked for: opening a 100,000-message folder threaded
reads one step; a drag to the end reads the whole folder's (id, thread) pairs once. A thread row
*is* its newest message (selecting it shows that message); its count, unread count, star and
attachment cover the whole thread while it is collapsed.

Threads that are open when the layout is made (expansions kept across reloads) are placed at
once, not when discovery reaches them: a thread's position is the number of threads with a
message newer than its newest (`thread_count` again, cheap for recent threads), so their
children are in the row count from the start and discovery, which runs inside the view's data()
calls, never changes the row count (Qt forbids inserting rows from there). A thread that turns
up in discovery at another position than computed (the folder changed since; the model's reload
follows) simply stays closed.

The store is reached through the engine's `store` (engine.py has no thread methods yet).
"""

from __future__ import annotations

from bisect import insort
from collections import OrderedDict
from dataclasses import dataclass

from kittiwake.client.engine import Engine
from kittiwake.client.store.messages import (
    ThreadStats,
    thread_count,
    thread_member_ids,
    thread_members,
    thread_scan,
    thread_stats,
)
from kittiwake.client.store.model import MessageSummary, PageCursor

PAGE = 200  # thread rows per read
CACHED_PAGES = 25
SCAN = 1000  # messages read per discovery step


@dataclass(frozen=True)
class ThreadInfo:
    """What a row of the threaded list is, beyond its message."""

    key: int
    count: int  # messages of the thread in this folder
    unread: int
    flagged: bool
    has_attachment: bool
    expanded: bool
    child: bool  # an indented message under an expanded thread row

    @property
    def collapsed_thread(self) -> bool:
        """A thread row standing for several messages (actions apply to all of them)."""
        return not self.child and not self.expanded and self.count > 1


class ThreadLayout:
    def __init__(self, engine: Engine, folder_id: int, expanded: set[int] | None = None) -> None:
        self.engine = engine
        self.folder_id = folder_id
        self.expanded_keys = expanded if expanded is not None else set()
        self._keys: list[int] = []  # thread keys in list order
        self._newest: list[int] = []  # the newest message id of each
        self._position: dict[int, int] = {}  # thread key -> position
        self._by_newest: dict[int, int] = {}  # newest message id -> position
        self._cursor: PageCursor | None = None
        self.complete = False
        self._expanded_positions: list[int] = []  # sorted
        self._children: dict[int, list[MessageSummary]] = {}  # position -> messages below it
        self._open_keys: dict[int, int] = {}  # position -> thread key, for each open thread
        self._pages: OrderedDict[int, tuple[list[MessageSummary | None], list[ThreadStats]]] = (
            OrderedDict()
        )
        self.rows_fetched = 0
        # A painted row asks for every role of every column: answer each row once per layout.
        self._rows: dict[int, tuple[MessageSummary, ThreadInfo] | None] = {}
        self.total = thread_count(engine.store.db, folder_id)
        for key in self.expanded_keys:
            self._place_open(key)

    # --- discovery ---------------------------------------------------------------------------

    def discover(self, wanted: int) -> int:
        """Find threads until `wanted` more are known (or the folder ends); returns how many."""
        target = len(self._keys) + wanted
        self._rows.clear()
        db = self.engine.store.db
        before = len(self._keys)
        while len(self._keys) < target and not self.complete:
            rows = thread_scan(db, self.folder_id, self._cursor, SCAN)
            for message_id, key, _date in rows:
                if key not in self._position:
                    self._position[key] = len(self._keys)
                    self._by_newest[message_id] = len(self._keys)
                    self._keys.append(key)
                    self._newest.append(message_id)
            if len(rows) < SCAN:
                self.complete = True
            if rows:
                self._cursor = PageCursor(rows[-1][2], rows[-1][0])
        return len(self._keys) - before

    def _reach(self, position: int) -> None:
        """Discover threads down to `position` (the row asked for may be far below)."""
        if position >= len(self._keys) and not self.complete:
            self.discover(position + 1 - len(self._keys))

    @property
    def thread_count(self) -> int:
        """Threads discovered so far (`total` is all of them)."""
        return len(self._keys)

    def row_count(self) -> int:
        return self.total + sum(len(c) for c in self._children.values())

    # --- rows --------------------------------------------------------------------------------

    def locate(self, row: int) -> tuple[int, int]:
        """(thread position, child index or -1 for the thread row itself)."""
        extra = 0
        for position in self._expanded_positions:
            top = position + extra
            if row <= top:
                break
            children = len(self._children[position])
            if row <= top + children:
                return position, row - top - 1
            extra += children
        return row - extra, -1

    def row_of_position(self, position: int) -> int:
        extra = 0
        for expanded in self._expanded_positions:
            if expanded >= position:
                break
            extra += len(self._children[expanded])
        return position + extra

    def _page(self, number: int) -> tuple[list[MessageSummary | None], list[ThreadStats]]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        start = number * PAGE
        ids = self._newest[start : start + PAGE]
        keys = self._keys[start : start + PAGE]
        found = {m.id: m for m in self.engine.store.messages.get_many(ids)}
        stats = thread_stats(self.engine.store.db, self.folder_id, keys)
        summaries = [found.get(i) for i in ids]
        page = (summaries, [stats.get(k, ThreadStats(k, 1, 0, False, False)) for k in keys])
        self.rows_fetched += len(ids)
        self._pages[number] = page
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        return page

    def row(self, row: int) -> tuple[MessageSummary, ThreadInfo] | None:
        if row in self._rows:
            return self._rows[row]
        if len(self._rows) > 4 * PAGE:
            self._rows.clear()
        found = self._row(row)
        self._rows[row] = found
        return found

    def _row(self, row: int) -> tuple[MessageSummary, ThreadInfo] | None:
        if not 0 <= row < self.row_count():
            return None
        position, child = self.locate(row)
        self._reach(position)
        if not 0 <= position < len(self._keys):
            return None  # the folder has fewer threads than counted (a reload is coming)
        summaries, stats = self._page(position // PAGE)
        offset = position - (position // PAGE) * PAGE
        message, thread = summaries[offset], stats[offset]
        expanded = position in self._children
        if child >= 0:
            message = self._children[position][child]
        if message is None:
            return None
        info = ThreadInfo(
            thread.thread_key,
            thread.count,
            thread.unread,
            thread.flagged,
            thread.has_attachment,
            expanded,
            child >= 0,
        )
        return message, info

    def row_of(self, message_id: int) -> int | None:
        """The row showing the message, discovering threads as far down as its date if need be
        (a reload starts with one page; the user may have been further down). None when it is
        inside a closed thread, or not in this folder."""
        found = self._shown_row(message_id)
        if found is not None or self.complete:
            return found
        message = self.engine.store.messages.get(message_id)
        if message is None or message.folder_id != self.folder_id:
            return None
        while not self.complete and (
            self._cursor is None or (self._cursor.key, self._cursor.id) > (message.date, message.id)
        ):
            self.discover(PAGE)
        return self._shown_row(message_id)

    def _shown_row(self, message_id: int) -> int | None:
        position = self._by_newest.get(message_id)
        if position is not None:
            return self.row_of_position(position)
        for position in self._expanded_positions:
            for index, message in enumerate(self._children[position]):
                if message.id == message_id:
                    return self.row_of_position(position) + 1 + index
        return None

    def forget_rows(self) -> None:
        """Flags changed: read the visible pages and expanded threads again."""
        self._pages.clear()
        self._rows.clear()
        for position in self._expanded_positions:
            self._children[position] = self._members_below(position)

    # --- expanding ---------------------------------------------------------------------------

    def _members_below(self, position: int) -> list[MessageSummary]:
        # Newest first, as the scan meets them: the first is the thread row itself.
        return thread_members(self.engine.store.db, self.folder_id, self._open_keys[position])[1:]

    def _place_open(self, key: int) -> None:
        """Open a thread wherever it is, discovered or not (see the module's docstring)."""
        members = thread_members(self.engine.store.db, self.folder_id, key)
        if len(members) < 2:
            return  # not in this folder, or nothing to show under it
        newest = members[0]
        position = thread_count(
            self.engine.store.db, self.folder_id, PageCursor(newest.date, newest.id)
        )
        if position < self.total and position not in self._children:
            self._open_keys[position] = key
            self._children[position] = members[1:]
            insort(self._expanded_positions, position)

    def _open(self, position: int) -> int:
        self._rows.clear()
        self._open_keys[position] = self._keys[position]
        children = self._members_below(position)
        self._children[position] = children
        insort(self._expanded_positions, position)
        return len(children)

    def children_if_expanded(self, row: int) -> int:
        """How many rows expanding the thread at `row` would add (0: nothing to expand)."""
        row_info = self.row(row)  # discovers the thread if need be
        position, child = self.locate(row)
        if child >= 0 or position in self._children or not 0 <= position < len(self._keys):
            return 0
        return 0 if row_info is None else row_info[1].count - 1

    def expand(self, row: int) -> int:
        """Open the thread whose row is `row`; returns the rows added below it."""
        position, child = self.locate(row)
        self._reach(position)
        if child >= 0 or position in self._children or position >= len(self._keys):
            return 0
        self.expanded_keys.add(self._keys[position])
        return self._open(position)

    def thread_row(self, row: int) -> int:
        """The row of the thread `row` belongs to."""
        return self.row_of_position(self.locate(row)[0])

    def children_shown(self, row: int) -> int:
        return len(self._children.get(self.locate(row)[0], ()))

    def collapse(self, row: int) -> tuple[int, int]:
        """Close the thread `row` belongs to; returns (its thread row, rows removed)."""
        position, _child = self.locate(row)
        if position not in self._children:
            return self.row_of_position(position), 0
        self.expanded_keys.discard(self._open_keys.pop(position))
        self._rows.clear()
        removed = len(self._children.pop(position))
        self._expanded_positions.remove(position)
        return self.row_of_position(position), removed

    # --- what actions apply to ---------------------------------------------------------------

    def action_ids(self, rows: list[int]) -> list[int]:
        """Message ids for mark, move, delete: a collapsed thread row stands for its thread."""
        ids: list[int] = []
        whole: list[int] = []
        for row in rows:
            found = self.row(row)
            if found is None:
                continue
            message, info = found
            if info.collapsed_thread:
                whole.append(info.key)
            else:
                ids.append(message.id)
        if whole:
            ids += thread_member_ids(self.engine.store.db, self.folder_id, whole)
        return list(dict.fromkeys(ids))
