"""Message headers: batch upserts from sync, flag changes, expunges, and the list queries.

Every list query is an index range scan (tests assert the EXPLAIN QUERY PLAN): a page of
100,000 messages sorted by any column costs the same as a page of 100.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from kittiwake.client.records import record
from kittiwake.client.store.database import Database
from kittiwake.client.store.model import (
    Address,
    Flag,
    FlagChange,
    MessageHeaders,
    MessageSummary,
    Page,
    PageCursor,
    SortKey,
)

# Header batches: large enough that a transaction's fixed cost vanishes, small enough that the
# GUI's reader sees progress and the write lock is held for milliseconds.
BATCH = 500

SUMMARY_COLUMNS = (
    "id, folder_id, uid, flags, keywords, date, size, from_name, from_addr, to_addrs, "
    "cc_addrs, subject, message_id, in_reply_to, refs, thread_id, has_attachment, preview, "
    "has_body"
)

_UPSERT = (
    "INSERT INTO messages (folder_id, uid, modseq, flags, keywords, internal_date, size, date,"
    " from_name, from_addr, from_sort, to_addrs, cc_addrs, subject, subject_sort, message_id,"
    " in_reply_to, refs, has_attachment, preview)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    # A UID's envelope never changes (IMAP messages are immutable): only the flags move, so
    # the full-text entry (built from the envelope) stays valid.
    " ON CONFLICT (folder_id, uid) DO UPDATE SET flags = excluded.flags,"
    " keywords = excluded.keywords, modseq = max(modseq, excluded.modseq)"
)

_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|vs|antw|wg|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)


def subject_sort_key(subject: str) -> str:
    """The subject as the Subject column sorts it: no Re:/Fwd: prefixes, case folded."""
    return _REPLY_PREFIX.sub("", subject).strip().casefold()


def _row(folder_id: int, h: MessageHeaders) -> tuple[object, ...]:
    sender = h.sender or Address("", "")
    return (
        folder_id,
        h.uid,
        h.modseq,
        int(h.flags),
        " ".join(sorted(h.keywords)),
        h.internal_date,
        h.size,
        h.internal_date if h.date is None else h.date,
        sender.name,
        sender.address,
        (sender.name or sender.address).casefold(),
        ", ".join(str(a) for a in h.to),
        ", ".join(str(a) for a in h.cc),
        h.subject,
        subject_sort_key(h.subject),
        h.message_id,
        h.in_reply_to,
        " ".join(h.references),
        int(h.has_attachment),
        h.preview,
    )


def summary(row: Any) -> MessageSummary:
    (id_, folder_id, uid, flags, keywords, date, size, from_name, from_addr, to, cc, subject,
     message_id, in_reply_to, refs, thread_id, has_attachment, preview, has_body) = row  # fmt: skip
    return MessageSummary(
        id=id_,
        folder_id=folder_id,
        uid=uid,
        flags=Flag(flags),
        keywords=tuple(keywords.split()),
        date=date,
        size=size,
        sender=Address(from_name, from_addr),
        to=to,
        cc=cc,
        subject=subject,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=tuple(refs.split()),
        thread_id=thread_id,
        has_attachment=bool(has_attachment),
        preview=preview,
        has_body=bool(has_body),
    )


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Messages:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- writes from sync ----------------------------------------------------------------

    def upsert_headers(self, folder_id: int, headers: Iterable[MessageHeaders]) -> int:
        """Insert new messages, refresh the flags of known UIDs; one transaction per 500.

        New messages are threaded and queued for full-text indexing. Returns the count.
        """
        # Threading loads with the first new messages: a no-change sync never needs it.
        from kittiwake.client.store.threads import assign_threads

        count = 0
        for chunk in _chunks(headers, BATCH):
            with self._db.transaction() as conn:
                conn.executemany(_UPSERT, [_row(folder_id, h) for h in chunk])
                assign_threads(conn, folder_id)
            count += len(chunk)
        return count

    def set_flags(self, folder_id: int, changes: Iterable[FlagChange]) -> None:
        """Flags as the server reports them (FETCH FLAGS / CONDSTORE), by UID."""
        for chunk in _chunks(changes, BATCH):
            with self._db.transaction() as conn:
                conn.executemany(
                    "UPDATE messages SET flags = ?, keywords = ?, modseq = max(modseq, ?) "
                    "WHERE folder_id = ? AND uid = ?",
                    [
                        (int(c.flags), " ".join(sorted(c.keywords)), c.modseq, folder_id, c.uid)
                        for c in chunk
                    ],
                )

    def change_flags(
        self, message_ids: Iterable[int], *, add: Flag = Flag.NONE, remove: Flag = Flag.NONE
    ) -> None:
        """A local change (mark read, flag): the caller queues the server side in the same
        transaction (`with store.transaction(): ...`)."""
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE messages SET flags = (flags | ?) & ~? WHERE id = ?",
                [(int(add), int(remove), message_id) for message_id in message_ids],
            )

    def expunge(self, folder_id: int, uids: Iterable[int]) -> int:
        """Remove UIDs the server expunged (bodies and index entries go with them)."""
        removed = 0
        with self._db.transaction() as conn:
            for chunk in _chunks(uids, BATCH):
                cursor = conn.executemany(
                    "DELETE FROM messages WHERE folder_id = ? AND uid = ?",
                    [(folder_id, uid) for uid in chunk],
                )
                removed += cursor.rowcount
        return removed

    def delete(self, message_ids: Iterable[int]) -> None:
        with self._db.transaction() as conn:
            conn.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in message_ids])

    # --- reads ---------------------------------------------------------------------------

    def page(
        self,
        folder_id: int,
        *,
        sort: SortKey = SortKey.DATE,
        descending: bool = True,
        limit: int = 100,
        after: PageCursor | None = None,
        unread_only: bool = False,
    ) -> Page:
        """One page of the message list, keyset-paged: pass the previous page's `next`.

        Cost does not grow with the page's depth (unlike OFFSET): the cursor is a seek.
        """
        sql, params = self.page_query(folder_id, sort, descending, limit, after, unread_only)
        raw = self._db.conn.execute(sql, params).fetchall()
        cursor = None
        if raw and len(raw) == limit:
            # The stored sort value itself (last column), not one recomputed from the row.
            cursor = PageCursor(raw[-1][-1], raw[-1][0])
        return Page(tuple(summary(r[:-1]) for r in raw), cursor)

    @staticmethod
    def page_query(
        folder_id: int,
        sort: SortKey,
        descending: bool,
        limit: int,
        after: PageCursor | None = None,
        unread_only: bool = False,
        offset: int = 0,
    ) -> tuple[str, tuple[object, ...]]:
        column = SortKey(sort).value  # an enum value, never caller text
        direction = "DESC" if descending else "ASC"
        where = ["folder_id = ?"]
        params: list[object] = [folder_id]
        if unread_only:
            where.append("is_unread = 1")
        if after is not None:
            where.append(f"({column}, id) {'<' if descending else '>'} (?, ?)")
            params += [after.key, after.id]
        params += [limit, offset]
        # The unread index leads with is_unread, so only the date sort can ride on it.
        index = "messages_unread" if unread_only and sort is SortKey.DATE else None
        source = f"messages INDEXED BY {index}" if index else "messages"
        sql = (
            f"SELECT {SUMMARY_COLUMNS}, {column} FROM {source} WHERE {' AND '.join(where)} "
            f"ORDER BY {column} {direction}, id {direction} LIMIT ? OFFSET ?"
        )
        return sql, tuple(params)

    def page_at(
        self,
        folder_id: int,
        offset: int,
        *,
        sort: SortKey = SortKey.DATE,
        descending: bool = True,
        limit: int = 100,
    ) -> list[MessageSummary]:
        """Rows `offset`.. of the list: for a view that jumps (scroll bar dragged far)."""
        sql, params = self.page_query(folder_id, sort, descending, limit, offset=offset)
        return [summary(r[:-1]) for r in self._db.conn.execute(sql, params)]

    def count(self, folder_id: int, *, unread_only: bool = False) -> int:
        """Counted from the index; the folder list uses the maintained counts instead."""
        sql = "SELECT count(*) FROM messages WHERE folder_id = ?"
        if unread_only:
            sql += " AND is_unread = 1"
        return int(self._db.conn.execute(sql, (folder_id,)).fetchone()[0])

    def get(self, message_id: int) -> MessageSummary | None:
        row = self._db.conn.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return None if row is None else summary(row)

    def get_many(self, message_ids: Sequence[int]) -> list[MessageSummary]:
        found: dict[int, MessageSummary] = {}
        for chunk in _chunks(message_ids, BATCH):
            marks = ",".join("?" * len(chunk))
            for row in self._db.conn.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = summary(row)
        return [found[i] for i in message_ids if i in found]

    def find_uid(self, folder_id: int, uid: int) -> int | None:
        row = self._db.conn.execute(
            "SELECT id FROM messages WHERE folder_id = ? AND uid = ?", (folder_id, uid)
        ).fetchone()
        return None if row is None else int(row[0])

    def uids(self, folder_id: int) -> list[int]:
        """All cached UIDs of a folder, ascending (for the sync engine's diff)."""
        return [
            r[0]
            for r in self._db.conn.execute(
                "SELECT uid FROM messages WHERE folder_id = ? ORDER BY uid", (folder_id,)
            )
        ]

    def uids_without_body(self, folder_id: int, limit: int = 1000) -> list[int]:
        return [
            r[0]
            for r in self._db.conn.execute(
                "SELECT uid FROM messages WHERE folder_id = ? AND has_body = 0 "
                "ORDER BY date DESC LIMIT ?",
                (folder_id, limit),
            )
        ]

    def thread(self, thread_id: int) -> list[MessageSummary]:
        """A thread's messages, oldest first, across the account's folders."""
        return [
            summary(r)
            for r in self._db.conn.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE thread_id = ? ORDER BY date, id",
                (thread_id,),
            )
        ]


# --- a folder's threads (the threaded message list) ------------------------------------------
#
# Threads are listed by their newest message. Walking the folder newest first (messages_by_date)
# meets each thread first at its newest message, so the thread order falls out of a keyset scan
# that stops as soon as enough threads are found: opening a 100,000-message folder threaded
# reads a few hundred rows, never the whole folder (a GROUP BY would aggregate all of it on
# every open). A message not threaded yet (thread_id NULL) counts as its own thread, keyed by
# its negated id so it cannot collide with a real thread id.


@record
class ThreadStats:
    """One thread as the list shows it, counted within one folder."""

    thread_key: int
    count: int
    unread: int
    flagged: bool
    has_attachment: bool


def thread_key(thread_id: int | None, message_id: int) -> int:
    return -message_id if thread_id is None else thread_id


def thread_scan_query(
    folder_id: int, after: PageCursor | None, limit: int
) -> tuple[str, tuple[object, ...]]:
    where = "folder_id = ?"
    params: list[object] = [folder_id]
    if after is not None:
        where += " AND (date, id) < (?, ?)"
        params += [after.key, after.id]
    sql = (
        "SELECT id, thread_id, date FROM messages INDEXED BY messages_by_date"
        f" WHERE {where} ORDER BY date DESC, id DESC LIMIT ?"
    )
    return sql, (*params, limit)


def thread_scan(
    db: Database, folder_id: int, after: PageCursor | None, limit: int
) -> list[tuple[int, int, int]]:
    """(message id, thread key, date) of the folder's messages, newest first, after `after`."""
    sql, params = thread_scan_query(folder_id, after, limit)
    return [(i, thread_key(t, i), d) for i, t, d in db.conn.execute(sql, params)]


def thread_count_query(
    folder_id: int, newer_than: PageCursor | None = None
) -> tuple[str, tuple[object, ...]]:
    # Threaded messages: the folder's range of messages_by_date, each row's thread_id read from
    # the table and made distinct in a temporary b-tree (~40 ms at 100,000 messages; walking
    # messages_by_thread in order instead avoids the b-tree but reads every folder's messages).
    # Unthreaded ones, each a thread of its own: a count over the partial messages_unthreaded.
    newer = "" if newer_than is None else " AND (date, id) > (?, ?)"
    after: tuple[object, ...] = () if newer_than is None else (newer_than.key, newer_than.id)
    sql = (
        "SELECT (SELECT count(DISTINCT thread_id) FROM messages INDEXED BY messages_by_date"
        f" WHERE folder_id = ? AND thread_id IS NOT NULL{newer})"
        " + (SELECT count(*) FROM messages INDEXED BY messages_unthreaded"
        f" WHERE folder_id = ? AND thread_id IS NULL{newer})"
    )
    return sql, (folder_id, *after, folder_id, *after)


def thread_count(db: Database, folder_id: int, newer_than: PageCursor | None = None) -> int:
    """How many threads (as thread_scan meets them) the folder holds. With `newer_than` (a
    message's (date, id)), only those with a message newer than it: for a thread's newest
    message, that is the thread's position in thread_scan's order."""
    sql, params = thread_count_query(folder_id, newer_than)
    row = db.conn.execute(sql, params).fetchone()
    return int(row[0]) if row is not None else 0


THREAD_STATS_SQL = (
    "SELECT count(*), coalesce(sum(is_unread), 0), coalesce(max(is_flagged), 0),"
    " coalesce(max(has_attachment), 0) FROM messages INDEXED BY messages_by_thread"
    " WHERE thread_id = ? AND folder_id = ?"
)
_KEY_STATS_SQL = "SELECT 1, is_unread, is_flagged, has_attachment FROM messages WHERE id = ?"


def thread_stats(db: Database, folder_id: int, keys: Iterable[int]) -> dict[int, ThreadStats]:
    """Count, unread, flagged and attachment of each thread within the folder. One indexed
    query per thread (a page of threads is ~200 of them, ~20 µs each): an IN list with GROUP
    BY would need a temporary b-tree."""
    found: dict[int, ThreadStats] = {}
    conn = db.conn
    for key in keys:
        if key < 0:
            row = conn.execute(_KEY_STATS_SQL, (-key,)).fetchone()
        else:
            row = conn.execute(THREAD_STATS_SQL, (key, folder_id)).fetchone()
        if row is not None and row[0]:
            found[key] = ThreadStats(key, row[0], row[1], bool(row[2]), bool(row[3]))
    return found


THREAD_MEMBERS_SQL = (
    f"SELECT {SUMMARY_COLUMNS} FROM messages INDEXED BY messages_by_thread"
    " WHERE thread_id = ? AND folder_id = ? ORDER BY date DESC, id DESC"
)


def thread_members(db: Database, folder_id: int, key: int) -> list[MessageSummary]:
    """A thread's messages in the folder, newest first (what an expanded thread shows)."""
    if key < 0:
        row = db.conn.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE id = ?", (-key,)
        ).fetchone()
        return [] if row is None else [summary(row)]
    return [summary(r) for r in db.conn.execute(THREAD_MEMBERS_SQL, (key, folder_id))]


def thread_member_ids(db: Database, folder_id: int, keys: Iterable[int]) -> list[int]:
    """Every message of these threads in the folder (a collapsed thread's mark, move, delete)."""
    ids: list[int] = []
    for key in keys:
        if key < 0:
            ids.append(-key)
            continue
        ids += [
            r[0]
            for r in db.conn.execute(
                "SELECT id FROM messages INDEXED BY messages_by_thread"
                " WHERE thread_id = ? AND folder_id = ? ORDER BY date DESC, id DESC",
                (key, folder_id),
            )
        ]
    return ids
