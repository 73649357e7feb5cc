"""The local-first operation queue against the real Dovecot: the cache changes at once, the
queue survives a restart, replays in order, resolves flag conflicts and rolls back refusals."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.errors import ConnectionLost
from kittiwake.client.store.model import Flag, FolderInfo, MessageHeaders, Role
from kittiwake.client.store.queue import OpState
from kittiwake.client.store.store import Store
from kittiwake.client.sync import operations
from kittiwake.client.sync.envelope import HEADER_ITEMS, headers_from_fetch
from kittiwake.client.sync.operations import LocalOps, Replayer
from tests.servers.fixtures import MailServer, MailUser, ProxyFactory

pytestmark = pytest.mark.servers
ACCOUNT = "acct"


def deliver(server: MailServer, user: MailUser, subject: str) -> None:
    server.save(
        user,
        f"From: <x@example.test>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{secrets.token_hex(6)}@example.test>\r\n\r\nbody\r\n".encode(),
    )


async def connect(server: MailServer, user: MailUser, port: int | None = None) -> ImapClient:
    overrides = {} if port is None else {"port": port}
    return await ImapClient.connect(server.endpoint("imaps", **overrides), user.credentials())


async def cache_folder(store: Store, imap: ImapClient, name: str, role: Role | None = None) -> int:
    """What the folder sync would have cached (headers, flags, MODSEQ, UIDVALIDITY)."""
    box = await imap.select(name, condstore=True)
    folder_id = store.folders.upsert(FolderInfo(ACCOUNT, name, role=role))
    store.folders.set_sync_state(folder_id, uidvalidity=box.uidvalidity)
    if box.exists:
        fetched = await imap.uid_fetch("1:*", [*HEADER_ITEMS, "MODSEQ"])
        store.messages.upsert_headers(folder_id, [headers_from_fetch(i) for i in fetched.messages])
    return folder_id


async def server_flags(imap: ImapClient, folder: str) -> dict[int, set[str]]:
    await imap.select(folder)
    fetched = await imap.uid_fetch("1:*", ["UID", "FLAGS"])
    return {i.uid: set(i.flags or ()) for i in fetched.messages if i.uid is not None}


class Mailbox:
    def __init__(self, server: MailServer, user: MailUser, store: Store, imap: ImapClient):
        self.server, self.user, self.store, self.imap = server, user, store, imap
        self.ops = LocalOps(store, ACCOUNT)

    async def cache(self) -> dict[str, int]:
        return {
            "INBOX": await cache_folder(self.store, self.imap, "INBOX", Role.INBOX),
            "Trash": await cache_folder(self.store, self.imap, "Trash", Role.TRASH),
            "Archive": await cache_folder(self.store, self.imap, "Archive", Role.ARCHIVE),
        }

    def ids(self, folder_id: int) -> list[int]:
        return [m.id for m in self.store.messages.page(folder_id).rows]


@pytest.fixture
async def box(mail_server: MailServer, tmp_path: Path) -> AsyncIterator[Mailbox]:
    user = mail_server.new_user("ops")
    for n in range(3):
        deliver(mail_server, user, f"m{n}")
    store = Store.open(tmp_path / "cache.sqlite3")
    imap = await connect(mail_server, user)
    mailbox = Mailbox(mail_server, user, store, imap)
    try:
        yield mailbox
    finally:
        await mailbox.imap.logout()
        mailbox.store.close()  # the test may have reopened it


async def test_mark_read_offline_shows_at_once_survives_a_restart_then_replays(
    box: Mailbox, tmp_path: Path
) -> None:
    folders = await box.cache()
    inbox = folders["INBOX"]
    first = box.ids(inbox)[-1]
    assert box.store.folders.get(inbox).unread_count == 3  # type: ignore[union-attr]

    box.ops.mark([first], add=Flag.SEEN)  # offline: nothing is sent yet

    assert Flag.SEEN in box.store.messages.get(first).flags  # type: ignore[union-attr]
    assert box.store.folders.get(inbox).unread_count == 2  # type: ignore[union-attr]
    box.store.close()
    box.store = Store.open(tmp_path / "cache.sqlite3")  # the app restarts
    assert operations.recover(box.store) == 0
    (pending,) = box.store.ops.list(ACCOUNT)
    assert pending.kind == "store" and pending.payload["add"] == ["\\Seen"]

    report = await Replayer(box.store, ACCOUNT).run(box.imap)

    assert report.done == [pending.id] and box.store.ops.list(ACCOUNT) == []
    uid = box.store.messages.get(first).uid  # type: ignore[union-attr]
    flags = await server_flags(box.imap, "INBOX")
    assert flags[uid] == {"\\Seen"} and all(flags[u] == set() for u in flags if u != uid)


async def test_a_dropped_connection_keeps_the_op_pending_with_backoff(
    box: Mailbox, mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    inbox = (await box.cache())["INBOX"]
    box.ops.mark(box.ids(inbox)[:1], add=Flag.FLAGGED)
    now = 1000.0
    replayer = Replayer(box.store, ACCOUNT, clock=lambda: now)
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        imap = await connect(mail_server, box.user, proxy.port)
        proxy.drop_all()
        report = await replayer.run(imap)
        await imap.close()
    assert isinstance(report.interrupted, ConnectionLost)
    (op,) = box.store.ops.list(ACCOUNT)
    assert op.state is OpState.PENDING and op.attempts == 1 and op.last_error
    assert not replayer.due() and 1002.5 <= replayer.retry_at <= 1005  # 5 s, half jittered

    now = replayer.retry_at
    assert (await replayer.run(box.imap)).done == [op.id]
    assert "\\Flagged" in set().union(*(await server_flags(box.imap, "INBOX")).values())


async def test_move_leaves_the_list_at_once_and_lands_on_the_server(box: Mailbox) -> None:
    folders = await box.cache()
    inbox = folders["INBOX"]
    moved = box.ids(inbox)[:2]
    subjects = {box.store.messages.get(i).subject for i in moved}  # type: ignore[union-attr]

    box.ops.move(moved, folders["Archive"])
    assert len(box.ids(inbox)) == 1

    assert len((await Replayer(box.store, ACCOUNT).run(box.imap)).done) == 1
    assert len(box.server.mailbox_uids(box.user, "INBOX")) == 1
    await cache_folder(box.store, box.imap, "Archive", Role.ARCHIVE)
    archived = box.store.messages.page(folders["Archive"]).rows
    assert {m.subject for m in archived} == subjects


async def test_delete_goes_to_the_trash_and_delete_in_the_trash_expunges(box: Mailbox) -> None:
    folders = await box.cache()
    victim = box.ids(folders["INBOX"])[0]

    box.ops.delete([victim])
    await Replayer(box.store, ACCOUNT).run(box.imap)

    assert len(box.server.mailbox_uids(box.user, "INBOX")) == 2
    assert len(box.server.mailbox_uids(box.user, "Trash")) == 1
    await cache_folder(box.store, box.imap, "Trash", Role.TRASH)
    (in_trash,) = box.ids(folders["Trash"])

    box.ops.delete([in_trash])  # from the Trash: for good
    await Replayer(box.store, ACCOUNT).run(box.imap)
    assert box.server.mailbox_uids(box.user, "Trash") == []
    assert box.ids(folders["Trash"]) == []


async def test_expunge_removes_for_good_without_the_trash(box: Mailbox) -> None:
    folders = await box.cache()
    box.ops.delete(box.ids(folders["INBOX"])[:1], expunge=True)
    await Replayer(box.store, ACCOUNT).run(box.imap)
    assert len(box.server.mailbox_uids(box.user, "INBOX")) == 2
    assert box.server.mailbox_uids(box.user, "Trash") == []


async def test_copy_and_append_reach_the_server(box: Mailbox) -> None:
    folders = await box.cache()
    box.ops.copy(box.ids(folders["INBOX"])[:1], folders["Archive"])
    box.ops.append(folders["Archive"], b"Subject: appended\r\n\r\nhello\r\n", ["\\Seen"])
    report = await Replayer(box.store, ACCOUNT).run(box.imap)
    assert len(report.done) == 2
    assert len(box.server.mailbox_uids(box.user, "INBOX")) == 3
    assert len(box.server.mailbox_uids(box.user, "Archive")) == 2


async def test_a_flag_conflict_keeps_both_changes_user_wins_on_its_own_flag(
    box: Mailbox,
) -> None:
    inbox = (await box.cache())["INBOX"]
    target = box.ids(inbox)[0]
    uid = box.store.messages.get(target).uid  # type: ignore[union-attr]
    # Another client flags the message and marks it read, after our cache saw it...
    await asyncio.to_thread(
        box.server.flags, box.user, "add", "\\Flagged \\Seen", "INBOX", f"uid {uid}"
    )
    # ...while we (offline, on stale data) mark it unread.
    box.ops.mark([target], remove=Flag.SEEN)

    report = await Replayer(box.store, ACCOUNT).run(box.imap)

    assert report.conflicts == report.done and len(report.done) == 1
    assert (await server_flags(box.imap, "INBOX"))[uid] == {"\\Flagged"}
    assert box.store.messages.get(target).flags == Flag.FLAGGED  # type: ignore[union-attr]


async def test_a_refused_operation_is_reported_and_rolled_back(box: Mailbox) -> None:
    folders = await box.cache()
    gone = box.store.folders.upsert(FolderInfo(ACCOUNT, "Deleted elsewhere"))
    moved = box.ids(folders["INBOX"])[:1]
    box.ops.move(moved, gone)
    box.ops.mark(box.ids(folders["INBOX"])[:1], add=Flag.SEEN)  # queued behind it
    assert len(box.ids(folders["INBOX"])) == 2

    report = await Replayer(box.store, ACCOUNT).run(box.imap)

    (failed,) = report.failed
    assert failed.kind == "move" and len(report.done) == 1  # the next op still ran
    (kept,) = box.store.ops.list(ACCOUNT, state=OpState.FAILED)
    assert "MOVE" in kept.last_error
    assert len(box.ids(folders["INBOX"])) == 3  # the moved message is back in the list
    assert len(box.server.mailbox_uids(box.user, "INBOX")) == 3


async def test_an_operation_on_a_reset_folder_fails_instead_of_touching_other_mail(
    box: Mailbox,
) -> None:
    inbox = (await box.cache())["INBOX"]
    box.ops.mark(box.ids(inbox)[:1], add=Flag.FLAGGED)
    await box.imap.logout()
    await asyncio.to_thread(box.server.set_uidvalidity, box.user, "INBOX", 4242)
    box.imap = await connect(box.server, box.user)

    report = await Replayer(box.store, ACCOUNT).run(box.imap)

    assert len(report.failed) == 1
    assert all(f == set() for f in (await server_flags(box.imap, "INBOX")).values())


def test_pending_uids_names_what_the_folder_sync_must_leave_alone() -> None:
    with Store.open(":memory:") as store:
        inbox = store.folders.upsert(FolderInfo(ACCOUNT, "INBOX", role=Role.INBOX))
        archive = store.folders.upsert(FolderInfo(ACCOUNT, "Archive"))
        store.messages.upsert_headers(
            inbox, [MessageHeaders(uid=u, internal_date=0, size=1) for u in (1, 2, 3)]
        )
        ids = [store.messages.find_uid(inbox, u) for u in (1, 2, 3)]
        ops = LocalOps(store, ACCOUNT)
        ops.mark([ids[0]], add=Flag.SEEN)  # type: ignore[list-item]
        ops.move([ids[2]], archive)  # type: ignore[list-item]
        assert operations.pending_uids(store, ACCOUNT, "INBOX") == {1, 3}
        assert operations.pending_uids(store, ACCOUNT, "Archive") == set()
        (first, _second) = store.ops.list(ACCOUNT)
        store.ops.remove(first.id)
        assert operations.pending_uids(store, ACCOUNT, "INBOX") == {3}


def test_a_pop3_account_changes_only_the_cache_and_queues_nothing() -> None:
    with Store.open(":memory:") as store:
        inbox = store.folders.upsert(FolderInfo(ACCOUNT, "INBOX", None, Role.INBOX))
        trash = store.folders.upsert(FolderInfo(ACCOUNT, "Trash", None, Role.TRASH))
        store.messages.upsert_headers(
            inbox,
            [MessageHeaders(uid=u, internal_date=0, size=1, subject=f"s{u}") for u in (1, 2)],
        )
        store.bodies.put(inbox, [(1, b"Subject: s1\r\n\r\none\r\n")])
        first, second = (store.messages.find_uid(inbox, u) for u in (1, 2))
        assert first is not None and second is not None
        ops = LocalOps(store, ACCOUNT, remote=False)

        assert ops.mark([first], add=Flag.SEEN) == []
        assert ops.delete([first]) == []  # to the local Trash, body and flags with it

        assert store.ops.list(ACCOUNT) == []
        (trashed,) = store.messages.page(trash).rows
        assert trashed.subject == "s1" and trashed.uid == 1 and Flag.SEEN in trashed.flags
        assert store.bodies.get(trashed.id) == b"Subject: s1\r\n\r\none\r\n"
        assert [m.subject for m in store.messages.page(inbox).rows] == ["s2"]
        assert store.folders.get(trash).total_count == 1  # type: ignore[union-attr]

        ops.delete([trashed.id])  # from the Trash: gone
        assert store.messages.page(trash).rows == ()
        with pytest.raises(operations.OperationError):
            ops.copy([second], trash)
