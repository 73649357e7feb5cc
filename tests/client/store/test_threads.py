from __future__ import annotations

from kittiwake.client.store import FolderInfo, Role, Store
from tests.client.store.conftest import headers


def thread_of(store: Store, folder: int, uid: int) -> int | None:
    row = store.messages.get(store.messages.find_uid(folder, uid) or 0)
    assert row is not None
    return row.thread_id


def test_replies_join_their_parent_thread(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox,
        [
            headers(1, message_id="<root@x>"),
            headers(2, message_id="<r1@x>", in_reply_to="<root@x>", references=("<root@x>",)),
            # Only References, and its direct parent is unknown: the nearest known ancestor.
            headers(3, message_id="<r2@x>", references=("<root@x>", "<missing@x>")),
            headers(4, message_id="<other@x>"),
        ],
    )
    root = thread_of(store, inbox, 1)
    assert thread_of(store, inbox, 2) == thread_of(store, inbox, 3) == root
    assert thread_of(store, inbox, 4) != root
    assert [m.uid for m in store.messages.thread(root or 0)] == [1, 2, 3]


def test_parent_arriving_later_merges_threads(store: Store, inbox: int) -> None:
    store.messages.upsert_headers(
        inbox, [headers(5, message_id="<child@x>", in_reply_to="<parent@x>")]
    )
    store.messages.upsert_headers(inbox, [headers(1, message_id="<parent@x>")])
    assert thread_of(store, inbox, 5) == thread_of(store, inbox, 1)


def test_threads_span_folders_but_not_accounts(store: Store, inbox: int) -> None:
    sent = store.folders.upsert(FolderInfo("work", "Sent", role=Role.SENT))
    other = store.folders.upsert(FolderInfo("home", "INBOX", role=Role.INBOX))
    store.messages.upsert_headers(inbox, [headers(1, message_id="<q@x>")])
    store.messages.upsert_headers(sent, [headers(1, message_id="<a@x>", in_reply_to="<q@x>")])
    store.messages.upsert_headers(other, [headers(1, message_id="<b@x>", in_reply_to="<q@x>")])
    assert thread_of(store, sent, 1) == thread_of(store, inbox, 1)
    assert thread_of(store, other, 1) != thread_of(store, inbox, 1)
