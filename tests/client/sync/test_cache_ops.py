"""The sync engine's cache questions cost what they answer, not the folder's size."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from kittiwake.client.store.model import FolderInfo, MessageHeaders
from kittiwake.client.store.store import Store
from kittiwake.client.sync import cache_ops
from kittiwake.client.sync.folder_sync import BodyPolicy, is_unchanged

DAY = 86400
NOW = 1_700_000_000


def filled(count: int, *, missing: tuple[int, ...] = ()) -> tuple[Store, int]:
    """A folder of `count` messages (one a day back from NOW), every body stored but those of
    the UIDs in `missing`."""
    store = Store.open(":memory:")
    folder_id = store.folders.upsert(FolderInfo("acct", "INBOX"))
    store.messages.upsert_headers(
        folder_id,
        (MessageHeaders(uid, NOW - (count - uid) * DAY, 100) for uid in range(1, count + 1)),
    )
    store.bodies.put(folder_id, ((uid, b"x") for uid in range(1, count + 1) if uid not in missing))
    return store, folder_id


def vm_steps(conn: sqlite3.Connection, ask: Callable[..., object], *args: object) -> int:
    """SQLite virtual-machine instructions run by `ask()`: grows with every row read."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(count, 1)
    try:
        ask(*args)
    finally:
        conn.set_progress_handler(None, 1)
    return steps


def test_is_any_body_missing_does_not_read_the_folder() -> None:
    costs = []
    for size in (50, 3000):
        store, folder_id = filled(size)
        assert not cache_ops.any_needing_body(store, folder_id, None)
        costs.append(vm_steps(store.db.conn, cache_ops.any_needing_body, store, folder_id, None))
    small, large = costs
    assert large == small  # one probe of the (empty) partial index, at any folder size


def test_missing_bodies_are_found_within_the_policy_from_the_index() -> None:
    store, folder_id = filled(300, missing=(3, 150, 299))
    assert cache_ops.any_needing_body(store, folder_id, None)
    assert [uid for uid, _ in cache_ops.needing_body(store, folder_id, None)] == [299, 150, 3]
    # UID 299 is a day old, 150 is 150 days old, 3 is 297 days old.
    since = NOW - 200 * DAY
    assert [uid for uid, _ in cache_ops.needing_body(store, folder_id, since)] == [299, 150]
    assert cache_ops.any_needing_body(store, folder_id, NOW - 2 * DAY)
    assert not cache_ops.any_needing_body(store, folder_id, NOW)
    plan = " ".join(
        str(row[-1])
        for row in store.db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT 1 FROM messages INDEXED BY messages_without_body "
            "WHERE folder_id = 1 AND has_body = 0 AND max(date, internal_date) >= 5 LIMIT 1"
        )
    )
    assert "COVERING INDEX messages_without_body" in plan  # the rows themselves are not read


def test_a_no_change_check_costs_the_same_at_any_folder_size() -> None:
    costs = []
    for size in (50, 3000):
        store, folder_id = filled(size)
        folder = store.folders.get(folder_id)
        assert folder is not None
        store.folders.set_sync_state(folder_id, uidvalidity=7, uidnext=size + 1, highestmodseq=9)
        folder = store.folders.get(folder_id)
        assert folder is not None
        status = {"UIDVALIDITY": 7, "UIDNEXT": size + 1, "MESSAGES": size, "HIGHESTMODSEQ": 9}
        assert is_unchanged(store, folder, status, BodyPolicy())
        costs.append(vm_steps(store.db.conn, is_unchanged, store, folder, status, BodyPolicy()))
    assert costs[0] == costs[1]
