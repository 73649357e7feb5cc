"""Thread ids of cached messages: JWZ threading (client/mime/threading.py), kept in SQLite.

The algorithm lives in the mime layer; this module only persists its graph, per account:

- `thread_nodes`: every Message-ID the account has seen or referred to -> its thread, its
  parent, and the row of its message (NULL for a placeholder: a parent that has not arrived
  and may never arrive);
- `thread_subjects`: base subject -> newest conversation, for reference-less replies.

A thread id is the row id (`messages.id`) of the message that started the thread, so it is an
integer like every row id and, as those are never reused, never names another thread later.

For each batch of new rows (`assign_threads`, inside the sync's transaction) the threads the
batch touches are read back WHOLE (every node of each: merges count and relabel members, loop
checks walk parents, all inside one thread), the batch is threaded, and only what changed is
written: new and moved nodes, the batch's own thread ids and, when a message joined two
threads, the rows of the absorbed thread re-keyed to the survivor (the smaller into the larger,
so few rows move). Everything is in the caller's transaction: a crash leaves the rows, the
graph and the thread ids consistent with each other.

Why a persisted graph rather than replaying the account's messages into a Threader at open
(measured with benchmarks/threading_bench.py --store, 100,000 messages in one account, on a
shared 2-core machine under load):
- replaying costs a full read of the account's rows plus the threading itself at every start:
  1.7 s of CPU before the first new message can be threaded (and again for every account).
  The graph costs nothing at open; threading in the store costs 41 us of CPU per message,
  20 ms per 500-message batch (reading the touched threads, JWZ, writing back), the same as
  the simple In-Reply-To walk it replaced (39 us), next to ~56 us for the upsert itself;
- a replay only sees the messages still cached: once a message is expunged, two replies linked
  only through its References fall apart and would get new ids after a restart. The graph keeps
  the node (and a later copy of the message, moved to another folder, finds its thread again);
- the database stays the one truth: a second writer (an import, POP3) cannot leave a stale
  in-memory graph behind.
The graph never shrinks on expunge (nodes are a few dozen bytes, like pop3_uidls); removing an
account cascades to it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from kittiwake.client.mime.threading import (
    MessageSummary,
    Node,
    SubjectSeen,
    Threader,
    normalize_id,
)

# Rows read per step when threading a whole account (the migration, a rebuild).
_CHUNK = 5000

_UNTHREADED = (
    # INDEXED BY: the planner would otherwise walk the whole folder by date (measured:
    # quadratic over a 100,000-message sync) instead of the few unthreaded rows.
    "SELECT id, message_id, in_reply_to, refs, subject, date"
    " FROM messages INDEXED BY messages_unthreaded"
    " WHERE folder_id = ? AND thread_id IS NULL ORDER BY date, id"
)
_LOAD_SUBJECTS = (
    "SELECT base, node, date FROM thread_subjects"
    " WHERE account = ? AND base IN (SELECT value FROM json_each(?))"
)
# Whole threads: every node of each thread one of the wanted nodes belongs to.
_LOAD_NODES = (
    "SELECT node, thread_id, parent, message FROM thread_nodes WHERE thread_id IN ("
    " SELECT thread_id FROM thread_nodes"
    " WHERE account = ? AND node IN (SELECT value FROM json_each(?)))"
)
_SAVE_NODE = (
    "INSERT INTO thread_nodes (account, node, thread_id, parent, message) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (account, node) DO UPDATE SET thread_id = excluded.thread_id,"
    " parent = excluded.parent, message = excluded.message"
)
_SAVE_SUBJECT = (
    "INSERT INTO thread_subjects (account, base, node, date) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (account, base) DO UPDATE SET node = excluded.node, date = excluded.date"
)
_Row = tuple[int, str | None, str | None, str, str, int]


def assign_threads(conn: sqlite3.Connection, folder_id: int) -> None:
    """Give every unthreaded message of the folder a thread id (inside the caller's
    transaction). Oldest first, so a parent and its reply in the same batch link in order."""
    found = conn.execute("SELECT account FROM folders WHERE id = ?", (folder_id,)).fetchone()
    if found is None:
        return
    rows = conn.execute(_UNTHREADED, (folder_id,)).fetchall()
    if rows:
        thread_rows(conn, str(found[0]), rows)


def rethread_account(conn: sqlite3.Connection, account: str) -> None:
    """Forget the account's threads and thread all its messages again, oldest first."""
    conn.execute("DELETE FROM thread_nodes WHERE account = ?", (account,))
    conn.execute("DELETE FROM thread_subjects WHERE account = ?", (account,))
    folders = "SELECT id FROM folders WHERE account = ?"
    conn.execute(f"UPDATE messages SET thread_id = NULL WHERE folder_id IN ({folders})", (account,))
    after: tuple[int, int] = (-(2**62), 0)
    while True:
        # Keyset paging by (date, id): each chunk reads on from where the last one stopped.
        rows = conn.execute(
            "SELECT id, message_id, in_reply_to, refs, subject, date FROM messages"
            f" WHERE folder_id IN ({folders}) AND (date, id) > (?, ?)"
            " ORDER BY date, id LIMIT ?",
            (account, *after, _CHUNK),
        ).fetchall()
        if not rows:
            return
        thread_rows(conn, account, rows)
        after = (int(rows[-1][5]), int(rows[-1][0]))


def rethread_all(conn: sqlite3.Connection) -> None:
    for (account,) in conn.execute("SELECT id FROM accounts").fetchall():
        rethread_account(conn, str(account))


def thread_rows(conn: sqlite3.Connection, account: str, rows: Sequence[_Row]) -> None:
    """Thread message rows (id, message_id, in_reply_to, refs, subject, date) of one account,
    in the given order, and store the result."""
    summaries = [
        MessageSummary(str(id_), mid, irt, tuple(refs.split()), subject, float(date))
        for id_, mid, irt, refs, subject, date in rows
    ]
    threader = Threader()
    nodes, subjects = _load(conn, account, threader, summaries)
    merges: list[tuple[str, str]] = []  # (into, absorbed), in the order they happened
    absorbed: dict[str, str] = {}
    assigned: list[tuple[str, int]] = []
    for s, row in zip(summaries, rows, strict=True):
        added = threader.add(s)
        assigned.append((added.thread_id, row[0]))
        for m in added.merges:
            merges.append((m.into, m.absorbed))
            absorbed[m.absorbed] = m.into
    # Rows of absorbed threads first (in order: A -> B then B -> C leaves A's rows in C), then
    # the batch's own rows with the thread each ended in.
    conn.executemany("UPDATE messages SET thread_id = ? WHERE thread_id = ?", merges)
    conn.executemany(
        "UPDATE messages SET thread_id = ? WHERE id = ?",
        [(_final(tid, absorbed), id_) for tid, id_ in assigned],
    )
    conn.executemany(
        _SAVE_NODE,
        [
            (account, n.node, int(n.thread_id), n.parent, None if n.key is None else int(n.key))
            for n in threader.nodes()
            if nodes.get(n.node) != n
        ],
    )
    conn.executemany(
        _SAVE_SUBJECT,
        [
            (account, s.base, s.node, int(s.date))
            for s in threader.subjects()
            if subjects.get(s.base) != s
        ],
    )


def _load(
    conn: sqlite3.Connection,
    account: str,
    threader: Threader,
    summaries: Sequence[MessageSummary],
) -> tuple[dict[str, Node], dict[str, SubjectSeen]]:
    """Restore the part of the graph the batch can touch; returns it as loaded, for the diff."""
    wanted: set[str] = set()
    bases: set[str] = set()
    for s in summaries:
        wanted.add(normalize_id(s.message_id))
        wanted.add(normalize_id(s.in_reply_to))
        wanted.update(normalize_id(r) for r in s.references)
        if s.subject:
            bases.add(threader.base_subject(s.subject))
    wanted.discard("")
    bases.discard("")
    subjects = {
        base: SubjectSeen(base, node, float(date))
        for base, node, date in conn.execute(_LOAD_SUBJECTS, (account, json.dumps(list(bases))))
    }
    wanted.update(s.node for s in subjects.values())
    nodes = {
        node: Node._make((node, str(tid), parent, None if message is None else str(message)))
        for node, tid, parent, message in conn.execute(
            _LOAD_NODES, (account, json.dumps(list(wanted)))
        )
    }
    threader.restore(nodes.values(), subjects.values())
    return nodes, subjects


def _final(tid: str, absorbed: dict[str, str]) -> int:
    """Where a thread id ended after this batch's merges."""
    while tid in absorbed:
        tid = absorbed[tid]
    return int(tid)
