"""Account sync against the real Dovecot: folder list, every folder, and recovery from a
connection cut mid-FETCH (the fault proxy), with and without the automatic reconnect."""

from __future__ import annotations

import asyncio

from kittiwake.client.events import (
    Event,
    FolderListChanged,
    OnlineStateChanged,
    SyncFailed,
    SyncFinished,
)
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.errors import AuthenticationFailed, ConnectionLost
from kittiwake.client.store.model import Role
from kittiwake.client.store.store import Store
from kittiwake.client.sync.account_sync import AccountSync, Retries
from tests.client.sync.helpers import cache_state, fill, record_commands, row_count, server_state
from tests.servers.fixtures import MailServer, ProxyFactory

ACCOUNT = "acct"


async def no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


def runner(server: MailServer, user: object, store: Store, **kwargs: object) -> AccountSync:
    endpoint = kwargs.pop("endpoint", None) or server.endpoint("imaps")
    return AccountSync(ACCOUNT, endpoint, user.credentials(), store, sleep=no_wait, **kwargs)  # type: ignore[attr-defined,arg-type]


async def test_every_folder_synced_with_roles(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    mail_server.doveadm("mailbox", "create", "-u", user.name, "Work")
    fill(mail_server, user, 3)
    fill(mail_server, user, 2, mailbox="Work", start=50)
    store = Store.open(":memory:")
    events: list[Event] = []
    result = await runner(mail_server, user, store, emit=events.append).run()
    assert result.ok, result.error
    assert result.folders[0] == "INBOX" and {"INBOX", "Work"} <= set(result.folders)
    assert cache_state(store, ACCOUNT, "Work") == server_state(mail_server, user, "Work")
    assert store.folders.by_role(ACCOUNT, Role.INBOX) is not None
    assert any(isinstance(e, FolderListChanged) for e in events)
    assert any(isinstance(e, OnlineStateChanged) and e.online for e in events)
    finished = [e for e in events if isinstance(e, SyncFinished)]
    assert finished and finished[0].added == 5 and finished[0].bodies == 5
    # A folder deleted on the server leaves the cache with its messages.
    mail_server.doveadm("mailbox", "delete", "-u", user.name, "-s", "Work")
    again = await runner(mail_server, user, store).run()
    assert again.ok and store.folders.find(ACCOUNT, "Work") is None


async def test_cut_mid_fetch_reconnects_and_finishes(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 60)
    store = Store.open(":memory:")
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        proxy.cut_after(60_000, "to_client")  # past login and headers, inside the bodies
        endpoint = mail_server.endpoint("imaps", port=proxy.port)
        result = await runner(mail_server, user, store, endpoint=endpoint).run()
        assert proxy.connections >= 2
    assert result.ok, result.error
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)
    assert row_count(store, ACCOUNT) == 60


async def test_cut_without_retry_fails_then_next_sync_completes(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 60)
    store = Store.open(":memory:")
    events: list[Event] = []
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        proxy.cut_after(60_000, "to_client")
        endpoint = mail_server.endpoint("imaps", port=proxy.port)
        first = await runner(
            mail_server,
            user,
            store,
            endpoint=endpoint,
            emit=events.append,
            retries=Retries(attempts=1),
        ).run()
    assert isinstance(first.error, ConnectionLost)
    failed = [e for e in events if isinstance(e, SyncFailed)]
    assert failed and failed[0].folder == "INBOX" and failed[0].hint
    assert any(isinstance(e, OnlineStateChanged) and not e.online for e in events)
    partial = row_count(store, ACCOUNT)
    second = await runner(mail_server, user, store).run()
    assert second.ok
    assert second.totals.added == 60 - partial  # nothing fetched twice into the list
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)


async def test_wrong_password_is_not_retried(mail_server: MailServer) -> None:
    import dataclasses

    user = mail_server.new_user()
    store = Store.open(":memory:")
    wrong = dataclasses.replace(user.credentials(), secret="nope-nope")
    sync = AccountSync(ACCOUNT, mail_server.endpoint("imaps"), wrong, store, sleep=no_wait)
    result = await sync.run()
    assert isinstance(result.error, AuthenticationFailed)
    assert "nope-nope" not in result.error.message


async def test_disk_full_rolls_back_and_the_next_sync_resumes(mail_server: MailServer) -> None:
    from kittiwake.client.sync.account_sync import CacheWriteFailed

    user = mail_server.new_user()
    fill(mail_server, user, 5)
    store = Store.open(":memory:")
    assert (await runner(mail_server, user, store).run()).ok
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    for i in range(100, 140):
        mail_server.save(
            user, b"Subject: big\r\n\r\n" + (b"y" * 75 + b"\r\n") * 400 + str(i).encode()
        )
    events: list[Event] = []
    failed = await runner(mail_server, user, store, emit=events.append).run()
    assert isinstance(failed.error, CacheWriteFailed)
    assert "disk is full" in failed.error.message and failed.error.hint
    assert any(isinstance(e, SyncFailed) for e in events)
    assert store.db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store.db.conn.execute("PRAGMA max_page_count = 1073741823")  # space is back
    again = await runner(mail_server, user, store).run()
    assert again.ok
    assert cache_state(store, ACCOUNT) == server_state(mail_server, user)


async def test_unchanged_folders_are_not_selected(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    mail_server.doveadm("mailbox", "create", "-u", user.name, "Work")
    fill(mail_server, user, 4)
    fill(mail_server, user, 2, mailbox="Work", start=50)
    store = Store.open(":memory:")
    first = await runner(mail_server, user, store).run()
    assert first.ok and first.unchanged == []
    second = await runner(mail_server, user, store).run()
    assert second.ok and set(second.unchanged) == set(second.folders)  # one LIST, no SELECT
    mail_server.flags(user, "add", "\\Flagged", mailbox="Work", query="UID 1")
    third = await runner(mail_server, user, store).run()
    assert "Work" not in third.unchanged and "INBOX" in third.unchanged
    assert third.totals.flags_changed == 1
    assert cache_state(store, ACCOUNT, "Work") == server_state(mail_server, user, "Work")


class RecordingSync(AccountSync):
    """An AccountSync whose connections record every command they send."""

    sent: list[str]

    async def _connect(self) -> ImapClient:
        client = await super()._connect()
        record_commands(client, self.sent)
        return client


async def test_no_change_resync_is_one_list_on_the_wire(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    mail_server.doveadm("mailbox", "create", "-u", user.name, "Work")
    fill(mail_server, user, 3)
    fill(mail_server, user, 2, mailbox="Work", start=50)
    store = Store.open(":memory:")
    assert (await runner(mail_server, user, store).run()).ok
    again = RecordingSync(ACCOUNT, mail_server.endpoint("imaps"), user.credentials(), store)
    again.sent = []
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    assert (await again.run()).ok
    store.db.conn.set_trace_callback(None)
    # Nothing written either: no transaction at all, so the cache file is left alone.
    writes = ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE")
    assert [s for s in statements if s.lstrip().upper().startswith(writes)] == []
    # Login is not recorded (it happens inside connect); after it: LIST-STATUS and LOGOUT.
    assert [c.split(" ")[0] for c in again.sent] == ["LIST", "LOGOUT"]
    assert "STATUS" in again.sent[0]
    # A new message in Work: that folder alone is selected.
    fill(mail_server, user, 1, mailbox="Work", start=60)
    again.sent = []
    assert (await again.run()).ok
    selected = [c.split(" (")[0] for c in again.sent if c.startswith(("SELECT", "EXAMINE"))]
    assert selected == ['SELECT "Work"']
