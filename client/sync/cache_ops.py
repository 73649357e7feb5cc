"""Cache queries the sync engine needs that client/store does not (yet) offer.

They work on the store's own connection and read only; the lead may move them into
client/store/messages.py.
"""

from __future__ import annotations

from kittiwake.client.store.model import Flag
from kittiwake.client.store.store import Store


def flags_by_uid(store: Store, folder_id: int) -> dict[int, tuple[Flag, tuple[str, ...]]]:
    """Every cached message's flags and keywords, for the FETCH FLAGS fallback's diff."""
    rows = store.db.conn.execute(
        "SELECT uid, flags, keywords FROM messages WHERE folder_id = ?", (folder_id,)
    )
    return {int(uid): (Flag(flags), tuple(keywords.split())) for uid, flags, keywords in rows}


def uids_needing_body(store: Store, folder_id: int, since: int | None) -> list[int]:
    """UIDs without a stored body, newest first; only those dated at or after `since`
    (epoch seconds) when the account keeps the last N days."""
    sql = "SELECT uid FROM messages WHERE folder_id = ? AND has_body = 0"
    params: list[object] = [folder_id]
    if since is not None:
        sql += " AND max(date, internal_date) >= ?"
        params.append(since)
    sql += " ORDER BY uid DESC"
    return [int(row[0]) for row in store.db.conn.execute(sql, params)]


def any_needing_body(store: Store, folder_id: int, since: int | None) -> bool:
    sql = "SELECT 1 FROM messages WHERE folder_id = ? AND has_body = 0"
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
