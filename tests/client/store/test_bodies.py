from __future__ import annotations

from pathlib import Path

from kittiwake.client.store import Store
from kittiwake.client.store.bodies import INLINE_LIMIT
from tests.client.store.conftest import headers

SMALL = b"Subject: small\r\n\r\n" + b"x" * 100
LARGE = b"Subject: large\r\n\r\n" + b"y" * (INLINE_LIMIT + 1)


def test_small_inline_large_in_a_file(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1), headers(2)])
    assert store.bodies.put(inbox, [(1, SMALL), (2, LARGE), (99, b"unknown uid")]) == 2
    small, large = (store.messages.find_uid(inbox, u) or 0 for u in (1, 2))
    assert store.bodies.get(small) == SMALL
    assert store.bodies.get(large) == LARGE
    assert store.bodies.path_for(large).read_bytes() == LARGE
    inline = store.db.conn.execute("SELECT message_id FROM bodies WHERE raw IS NOT NULL").fetchall()
    assert inline == [(small,)]
    summary = store.messages.get(large)
    assert summary is not None
    assert summary.has_body


def test_a_stored_body_is_not_replaced(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1)])
    store.bodies.put(inbox, [(1, SMALL)])
    assert store.bodies.put(inbox, [(1, b"other bytes")]) == 0
    assert store.bodies.get(store.messages.find_uid(inbox, 1) or 0) == SMALL


def test_expunge_unlinks_the_file_after_commit(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1), headers(2)])
    store.bodies.put(inbox, [(1, LARGE), (2, LARGE)])
    first = store.messages.find_uid(inbox, 1) or 0
    path = store.bodies.path_for(first)
    with store.transaction():
        store.messages.expunge(inbox, [1])
        assert path.exists()  # still there until the commit
    assert not path.exists()
    assert store.bodies.get(first) is None
    assert store.db.conn.execute("SELECT count(*) FROM body_files_to_delete").fetchone()[0] == 0
    # A rolled-back expunge keeps the file.
    second = store.messages.find_uid(inbox, 2) or 0
    try:
        with store.transaction():
            store.messages.expunge(inbox, [2])
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert store.bodies.get(second) == LARGE


def test_a_lost_file_reads_as_missing_and_is_fetched_again(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1)])
    store.bodies.put(inbox, [(1, LARGE)])
    message_id = store.messages.find_uid(inbox, 1) or 0
    store.bodies.path_for(message_id).unlink()  # as after a power cut
    assert store.bodies.get(message_id) is None
    assert store.messages.uids_without_body(inbox) == [1]
    assert store.bodies.put(inbox, [(1, LARGE)]) == 1
    assert store.bodies.get(message_id) == LARGE


def test_in_memory_store_keeps_everything_inline(tmp_path: Path) -> None:
    with Store.open(":memory:") as store:
        from kittiwake.client.store import FolderInfo

        folder = store.folders.upsert(FolderInfo("a", "INBOX"))
        store.messages.upsert_headers(folder, [headers(1)])
        store.bodies.put(folder, [(1, LARGE)])
        assert store.bodies.get(store.messages.find_uid(folder, 1) or 0) == LARGE
