"""Cache queries the sync engine needs that client/store does not (yet) offer.

They work on the store's own connection and read only; the lead may move them into
client/store/messages.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from kittiwake.client.store.model import Flag
from kittiwake.client.store.store import Store

_IN_CHUNK = 500  # UIDs per IN (...) list, well below SQLite's variable limit
# Named, not left to the planner: after ANALYZE it may prefer the (folder_id, uid) key and
# read every row of the folder; INDEXED BY also makes a missing index an error, not a scan.
_WITHOUT_BODY = "INDEXED BY messages_without_body"


def flags_by_uid(store: Store, folder_id: int) -> dict[int, tuple[Flag, tuple[str, ...]]]:
    """Every cached message's flags and keywords, for the FETCH FLAGS fallback's diff."""
    rows = store.db.conn.execute(
        "SELECT uid, flags, keywords FROM messages WHERE folder_id = ?", (folder_id,)
    )
    return {int(uid): (Flag(flags), tuple(keywords.split())) for uid, flags, keywords in rows}


def uids_needing_body(store: Store, folder_id: int, since: int | None) -> list[int]:
    """UIDs without a stored body, newest first; only those dated at or after `since`
    (epoch seconds) when the account keeps the last N days."""
    return [uid for uid, _size in needing_body(store, folder_id, since)]


def needing_body(store: Store, folder_id: int, since: int | None) -> list[tuple[int, int]]:
    """(UID, size) of the messages without a stored body, newest first, in one pass: the
    body batches need the sizes, and only of these rows (not a dict of the whole folder).
    Walks the partial index of missing bodies (migration 0003), not the folder."""
    sql = f"SELECT uid, size FROM messages {_WITHOUT_BODY} WHERE folder_id = ? AND has_body = 0"
    params: list[object] = [folder_id]
    if since is not None:
        sql += " AND max(date, internal_date) >= ?"
        params.append(since)
    sql += " ORDER BY uid DESC"
    return [(int(uid), int(size)) for uid, size in store.db.conn.execute(sql, params)]


def cached_among(store: Store, folder_id: int, uids: Iterable[int]) -> set[int]:
    """Which of `uids` the cache holds: a lookup per UID asked, not a read of the folder."""
    found: set[int] = set()
    ordered = sorted(set(uids))
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = store.db.conn.execute(
            f"SELECT uid FROM messages WHERE folder_id = ? AND uid IN ({marks})",
            (folder_id, *chunk),
        )
        found.update(int(row[0]) for row in rows)
    return found


def cached_from(store: Store, folder_id: int, low: int) -> set[int]:
    """Cached UIDs at or above `low` (an index range: the few above the sync watermark)."""
    rows = store.db.conn.execute(
        "SELECT uid FROM messages WHERE folder_id = ? AND uid >= ?", (folder_id, low)
    )
    return {int(row[0]) for row in rows}


def max_uid(store: Store, folder_id: int) -> int | None:
    row = store.db.conn.execute(
        "SELECT max(uid) FROM messages WHERE folder_id = ?", (folder_id,)
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def cached_count(store: Store, folder_id: int) -> int:
    """The folder's message count as the triggers keep it (no rows counted)."""
    folder = store.folders.get(folder_id)
    return 0 if folder is None else folder.total_count


def any_needing_body(store: Store, folder_id: int, since: int | None) -> bool:
    """Is any body of the folder (within the policy) still to download? A no-change resync
    asks this of every folder: answered from the partial index of missing bodies alone, so a
    folder whose bodies are all stored costs one probe whatever its size (it scanned every row:
    41 ms at 100,000 messages)."""
    sql = f"SELECT 1 FROM messages {_WITHOUT_BODY} WHERE folder_id = ? AND has_body = 0"
    params: list[object] = [folder_id]
    if since is not None:
        sql += " AND max(date, internal_date) >= ?"
        params.append(since)
    return store.db.conn.execute(sql + " LIMIT 1", params).fetchone() is not None


def sizes_by_uid(store: Store, folder_id: int) -> dict[int, int]:
    rows = store.db.conn.execute("SELECT uid, size FROM messages WHERE folder_id = ?", (folder_id,))
    return {int(uid): int(size) for uid, size in rows}


def body_by_uid(store: Store, folder_id: int, uid: int) -> bytes | None:
    message_id = store.messages.find_uid(folder_id, uid)
    return None if message_id is None else store.bodies.get(message_id)
