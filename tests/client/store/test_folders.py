from __future__ import annotations

from kittiwake.client.store import Flag, FlagChange, FolderInfo, Role, Store
from tests.client.store.conftest import headers


def test_upsert_is_idempotent_and_updates(store: Store) -> None:
    first = store.folders.upsert(FolderInfo("work", "Sent", role=None))
    again = store.folders.upsert(FolderInfo("work", "Sent", role=Role.SENT, subscribed=False))
    assert first == again
    folder = store.folders.get(first)
    assert folder is not None
    assert (folder.role, folder.subscribed, folder.account) == (Role.SENT, False, "work")
    assert store.folders.by_role("work", Role.SENT) == folder
    assert store.folders.find("work", "Sent") == folder
    assert store.folders.accounts() == ["work"]


def test_counts_are_maintained(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(u, seen=u % 2 == 0) for u in range(1, 11)])
    assert store.folders.unread_counts("work") == {inbox: 5}
    store.messages.set_flags(inbox, [FlagChange(1, Flag.SEEN), FlagChange(2, Flag.NONE)])
    assert store.folders.unread_counts("work") == {inbox: 5}  # one read, one unread again
    first = store.messages.find_uid(inbox, 3)
    assert first is not None
    store.messages.change_flags([first], add=Flag.SEEN | Flag.FLAGGED)
    store.messages.expunge(inbox, [5, 6])
    folder = store.folders.get(inbox)
    assert folder is not None
    assert (folder.unread_count, folder.total_count) == (3, 8)
    assert folder.unread_count == store.messages.count(inbox, unread_only=True)
    assert folder.total_count == store.messages.count(inbox)


def test_sync_state_and_uidvalidity_reset(store: Store, inbox: int) -> None:
    store.folders.set_sync_state(inbox, uidvalidity=7, uidnext=11, highestmodseq=99)
    store.messages.upsert_headers(inbox, [headers(u) for u in range(1, 11)])
    store.folders.set_sync_state(inbox, uidnext=12)  # others unchanged
    folder = store.folders.get(inbox)
    assert folder is not None
    assert (folder.uidvalidity, folder.uidnext, folder.highestmodseq) == (7, 12, 99)

    assert store.folders.reset_uidvalidity(inbox, 8) == 10
    folder = store.folders.get(inbox)
    assert folder is not None
    assert (folder.uidvalidity, folder.uidnext, folder.highestmodseq) == (8, None, None)
    assert (folder.total_count, folder.unread_count) == (0, 0)
    assert store.messages.uids(inbox) == []


def test_removing_an_account_removes_everything(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(inbox, [headers(1)])
    store.bodies.put(inbox, [(1, b"Subject: x\r\n\r\nhello")])
    store.index_pending(10, lambda raw: "hello")
    store.folders.remove_account("work")
    assert store.folders.list() == []
    assert store.db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert store.db.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == 0
    assert store.count("hello") == 0


def test_rename_and_delete(store: Store, inbox: int) -> None:
    store.folders.rename(inbox, "Posteingang")
    assert [f.name for f in store.folders.list("work")] == ["Posteingang"]
    store.folders.delete(inbox)
    assert store.folders.list("work") == []
