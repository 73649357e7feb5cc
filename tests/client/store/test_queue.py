from __future__ import annotations

import pytest

from kittiwake.client.store import OpState, OutboxState, Store


def test_pending_ops_keep_their_order_and_state(store: Store) -> None:
    store.folders.add_account("work")
    first = store.ops.add("work", "flags", {"uids": [1, 2], "add": ["\\Seen"]})
    second = store.ops.add("work", "move", {"uid": 3, "to": "Trash"})
    assert [op.id for op in store.ops.list("work")] == [first, second]
    assert store.ops.list()[0].payload == {"add": ["\\Seen"], "uids": [1, 2]}
    store.ops.set_state(first, OpState.FAILED, error="NO [CANNOT]", count_attempt=True)
    (failed,) = store.ops.list("work", OpState.FAILED)
    assert (failed.attempts, failed.last_error) == (1, "NO [CANNOT]")
    store.ops.remove(second)
    assert store.ops.list("work") == []
    with pytest.raises(TypeError):
        store.ops.add("work", "bad", {"value": object()})


def test_outbox_due_and_states(store: Store) -> None:
    store.folders.add_account("work")
    item = store.outbox.add("work", b"Subject: secret plans\r\n\r\nbody", "<m1@example.com>")
    later = store.outbox.add("work", b"x", "<m2@example.com>")
    store.outbox.set_state(later, OutboxState.QUEUED, next_attempt=2_000_000_000)
    assert [i.id for i in store.outbox.due(now=1_900_000_000)] == [item]
    store.outbox.set_state(item, OutboxState.FAILED, error="552 too big", count_attempt=True)
    got = store.outbox.get(item)
    assert got is not None
    assert (got.state, got.attempts, got.last_error) == (OutboxState.FAILED, 1, "552 too big")
    assert "secret plans" not in repr(got)
    store.outbox.remove(item)
    assert [i.id for i in store.outbox.list("work")] == [later]
