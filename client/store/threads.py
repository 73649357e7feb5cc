"""Thread ids from In-Reply-To and References, per account.

Simple on purpose (JWZ without the subject heuristics): a new message joins the thread of the
nearest ancestor the cache already has (In-Reply-To first, then References from the nearest
back); with none it starts its own thread, numbered by its own id. When a parent arrives after
its replies (a sync is not in date order), the replies' threads are merged into the parent's.
The whole thread is then one indexed query: messages_by_thread (thread_id, date).
"""

from __future__ import annotations

import sqlite3

# How far back References is followed: long chains add queries, not accuracy.
_MAX_REFERENCES = 10

_FIND_THREAD = (
    "SELECT m.thread_id FROM messages AS m JOIN folders AS f ON f.id = m.folder_id "
    "WHERE m.message_id = ? AND f.account = ? AND m.thread_id IS NOT NULL LIMIT 1"
)
_ADOPT_REPLIES = (
    "UPDATE messages SET thread_id = ?1 WHERE thread_id IN ("
    " SELECT c.thread_id FROM messages AS c JOIN folders AS f ON f.id = c.folder_id"
    " WHERE c.in_reply_to = ?2 AND f.account = ?3 AND c.thread_id IS NOT NULL"
    " AND c.thread_id != ?1)"
)


def assign_threads(conn: sqlite3.Connection, folder_id: int) -> None:
    """Give every unthreaded message of the folder a thread id (inside the caller's
    transaction). Oldest first, so a parent and its reply in the same batch join up."""
    account_row = conn.execute("SELECT account FROM folders WHERE id = ?", (folder_id,)).fetchone()
    if account_row is None:
        return
    account = account_row[0]
    rows = conn.execute(
        # INDEXED BY: the planner would otherwise walk the whole folder by date (measured:
        # quadratic over a 100,000-message sync) instead of the few unthreaded rows.
        "SELECT id, message_id, in_reply_to, refs FROM messages INDEXED BY messages_unthreaded"
        " WHERE folder_id = ? AND thread_id IS NULL ORDER BY date, id",
        (folder_id,),
    ).fetchall()
    for message_id, header_id, in_reply_to, refs in rows:
        thread = None
        for ancestor in _ancestors(in_reply_to, refs):
            found = conn.execute(_FIND_THREAD, (ancestor, account)).fetchone()
            if found is not None:
                thread = int(found[0])
                break
        if thread is None and header_id:
            # The same message in another folder (a copy, Gmail's All Mail) shares its thread.
            found = conn.execute(_FIND_THREAD, (header_id, account)).fetchone()
            thread = None if found is None else int(found[0])
        if thread is None:
            thread = int(message_id)
        conn.execute("UPDATE messages SET thread_id = ? WHERE id = ?", (thread, message_id))
        if header_id:
            conn.execute(_ADOPT_REPLIES, (thread, header_id, account))


def _ancestors(in_reply_to: str | None, refs: str) -> list[str]:
    seen: list[str] = []
    for candidate in [in_reply_to or "", *reversed(refs.split()[-_MAX_REFERENCES:])]:
        if candidate and candidate not in seen:
            seen.append(candidate)
    return seen
