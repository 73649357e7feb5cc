"""The online loop against the real Dovecot: IDLE push, polling, drops, restarts, a wrong
password, and a stop that leaves nothing behind. Every wait is on an event, never on a clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kittiwake.client.engine import Engine
from kittiwake.client.events import (
    Event,
    MessagesAdded,
    OnlineStateChanged,
    SyncFailed,
    SyncFinished,
)
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.errors import AuthenticationFailed
from kittiwake.client.store.store import Store
from kittiwake.client.sync.backoff import Backoff
from kittiwake.client.sync.online import OnlineSession
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.recorder import Recorder
from tests.client.sync.cli_helpers import ACCOUNT as CLI_ACCOUNT
from tests.client.sync.cli_helpers import add_account
from tests.client.sync.helpers import message
from tests.servers.fixtures import MailServer, MailUser, ProxyFactory

ACCOUNT = "acct"
FAST = Backoff(base=0.05, cap=0.2)  # reconnects within a fraction of a second
TIMEOUT = 15.0


def online(state: bool) -> Callable[[Event], bool]:
    return lambda e: isinstance(e, OnlineStateChanged) and e.online is state


def added_to(store: Store, folder: str) -> Callable[[Event], bool]:
    def match(event: Event) -> bool:
        found = store.folders.find(ACCOUNT, folder)
        return (
            isinstance(event, MessagesAdded) and found is not None and event.folder_id == found.id
        )

    return match


def session(
    server: MailServer,
    user: MailUser,
    store: Store,
    record: Recorder,
    *,
    credentials: Credentials | None = None,
    poll_interval: float = 3600.0,
    idle_renew: float = 3600.0,
) -> OnlineSession:
    return OnlineSession(
        ACCOUNT,
        server.endpoint("imaps"),
        credentials or user.credentials(),
        store,
        emit=record,
        poll_interval=poll_interval,
        idle_renew=idle_renew,
        backoff=FAST,
    )


def cached_subjects(store: Store, folder: str = "INBOX") -> set[str]:
    found = store.folders.find(ACCOUNT, folder)
    assert found is not None
    rows = store.db.conn.execute("SELECT subject FROM messages WHERE folder_id = ?", (found.id,))
    return {row[0] for row in rows}


@pytest.mark.parametrize("renew", [3600.0, 0.05])  # the watchdog renewing IDLE loses nothing
async def test_idle_pushes_a_new_message_into_the_cache(
    mail_server: MailServer, renew: float
) -> None:
    user = mail_server.new_user()
    mail_server.save(user, message(1))
    store, record = Store.open(":memory:"), Recorder()
    # Polling far away: only IDLE can bring the message.
    loop = session(mail_server, user, store, record, idle_renew=renew)
    loop.start()
    try:
        await record.until(lambda e: isinstance(e, SyncFinished))
        mark = record.mark()
        mail_server.save(user, message(2, subject="Pushed"))
        await record.until(added_to(store, "INBOX"), mark)
        assert "Pushed" in cached_subjects(store)
        assert loop.online is True
    finally:
        await loop.stop()


async def test_other_folders_are_polled(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    mail_server.doveadm("mailbox", "create", "-u", user.name, "Work")
    store, record = Store.open(":memory:"), Recorder()
    loop = session(mail_server, user, store, record, poll_interval=0.2)
    loop.start()
    try:
        await record.until(lambda e: isinstance(e, SyncFinished))
        mark = record.mark()
        mail_server.save(user, message(3, subject="Polled"), "Work")
        await record.until(added_to(store, "Work"), mark)
        assert cached_subjects(store, "Work") == {"Polled"}
    finally:
        await loop.stop()


async def test_kick_goes_offline_then_back_and_mail_still_arrives(
    mail_server: MailServer,
) -> None:
    user = mail_server.new_user()
    store, record = Store.open(":memory:"), Recorder()
    loop = session(mail_server, user, store, record)
    loop.start()
    try:
        await record.until(lambda e: isinstance(e, SyncFinished))
        mark = record.mark()
        mail_server.kick(user)
        await record.until(online(False), mark)
        back = record.mark()
        await record.until(online(True), back)
        await record.until(lambda e: isinstance(e, SyncFinished), back)
        mark = record.mark()
        mail_server.save(user, message(4, subject="After kick"))
        await record.until(added_to(store, "INBOX"), mark)
        assert "After kick" in cached_subjects(store)
        assert not any(isinstance(e, SyncFailed) for e in record.events)  # a drop, not a failure
    finally:
        await loop.stop()


async def test_server_restart_reconnects_by_itself(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    store, record = Store.open(":memory:"), Recorder()
    loop = session(mail_server, user, store, record)
    loop.start()
    try:
        await record.until(lambda e: isinstance(e, SyncFinished))
        mark = record.mark()
        mail_server.stop()
        try:
            await record.until(online(False), mark)
            assert loop.running  # down means retrying, never giving up
        finally:
            mail_server.start()
        mail_server.save(user, message(5, subject="After restart"))
        back = record.mark()
        await record.until(online(True), back)
        await record.until(added_to(store, "INBOX"), mark)
        assert "After restart" in cached_subjects(store)
        assert loop.running and loop.error is None
    finally:
        await loop.stop()


async def test_silently_dead_connection_is_noticed_by_the_idle_watchdog(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user()
    store, record = Store.open(":memory:"), Recorder()
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        endpoint = mail_server.endpoint(
            "imaps", port=proxy.port, command_timeout=0.5, connect_timeout=1.0
        )
        loop = OnlineSession(
            ACCOUNT, endpoint, user.credentials(), store, emit=record, idle_renew=0.2, backoff=FAST
        )
        loop.start()
        try:
            await record.until(lambda e: isinstance(e, SyncFinished))
            mark = record.mark()
            proxy.stall()  # no FIN, no RST: only the unanswered DONE can tell
            await record.until(online(False), mark)
            back = record.mark()
            proxy.resume()
            await record.until(online(True), back)
            mail_server.save(user, message(7, subject="After the stall"))
            await record.until(added_to(store, "INBOX"), back)
            assert "After the stall" in cached_subjects(store)
        finally:
            await loop.stop()


async def test_wrong_password_stops_with_sync_failed(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    store, record = Store.open(":memory:"), Recorder()
    wrong = Credentials(user.name, user.password + "-wrong")
    loop = session(mail_server, user, store, record, credentials=wrong)
    loop.start()
    await asyncio.wait_for(loop.wait(), TIMEOUT)
    assert not loop.running
    assert isinstance(loop.error, AuthenticationFailed)
    failures = [e for e in record.events if isinstance(e, SyncFailed)]
    assert len(failures) == 1 and failures[0].hint  # once, with what to check: no retry loop
    assert "-wrong" not in failures[0].message  # the secret stays out of the event
    await loop.stop()


async def test_stop_leaves_no_task_behind(mail_server: MailServer) -> None:
    before = asyncio.all_tasks()
    user = mail_server.new_user()
    store, record = Store.open(":memory:"), Recorder()
    loop = session(mail_server, user, store, record)
    loop.start()
    await record.until(lambda e: isinstance(e, SyncFinished))
    await asyncio.wait_for(loop.stop(), TIMEOUT)
    assert not loop.running
    assert asyncio.all_tasks() <= before


async def test_stop_during_backoff_is_prompt(mail_server: MailServer) -> None:
    before = asyncio.all_tasks()
    user = mail_server.new_user()
    store, record = Store.open(":memory:"), Recorder()
    loop = OnlineSession(
        ACCOUNT,
        mail_server.endpoint("imaps", port=1),  # nothing listens there
        user.credentials(),
        store,
        emit=record,
        backoff=Backoff(base=3600.0, cap=3600.0),
    )
    loop.start()
    await record.until(online(False))
    assert loop.running  # waiting to retry, not given up
    await asyncio.wait_for(loop.stop(), TIMEOUT)
    assert asyncio.all_tasks() <= before


@pytest.fixture
def keyring_in_memory() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


async def test_engine_online_and_work_offline(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = asyncio.all_tasks()
    user = mail_server.new_user()
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path) as engine:
        record = Recorder()
        engine.add_listener(record)
        engine.start_online(poll_interval=3600.0, backoff=FAST)
        await record.until(lambda e: isinstance(e, SyncFinished))
        assert engine.online(CLI_ACCOUNT) is True
        mark = record.mark()
        mail_server.save(user, message(6, subject="Through the engine"))
        await record.until(lambda e: isinstance(e, MessagesAdded), mark)

        await engine.work_offline(True)
        assert engine.online(CLI_ACCOUNT) is False
        assert asyncio.all_tasks() <= before

        mark = record.mark()
        await engine.work_offline(False)
        await record.until(online(True), mark)
        await engine.stop_online()
        assert asyncio.all_tasks() <= before


async def test_engine_replays_and_sends_before_each_sync(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kittiwake.client.store.model import Flag
    from kittiwake.client.store.queue import OutboxState
    from kittiwake.client.sync import outbox

    user = mail_server.new_user()
    mail_server.save(user, message(8))
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path) as engine:
        record = Recorder()
        engine.add_listener(record)
        engine.start_online(poll_interval=0.2, backoff=FAST)
        try:
            await record.until(lambda e: isinstance(e, SyncFinished))
            inbox = engine.folder(CLI_ACCOUNT, "INBOX")
            (row,) = engine.messages(inbox.id).rows
            engine.mark([row.id], add=Flag.SEEN)  # offline-first: queued for the server
            raw = (
                f"From: <{user.address}>\r\nTo: <{user.address}>\r\nSubject: Via the outbox\r\n"
                "\r\nHello.\r\n"
            ).encode()
            item_id = outbox.enqueue(engine.store, CLI_ACCOUNT, raw, address=user.address)
            mark = record.mark()
            await record.until(lambda e: isinstance(e, SyncFinished), mark)
            # A poll whose replay began before the mark may finish first: wait for the next.
            await record.until(lambda e: isinstance(e, SyncFinished), record.mark())
            assert not engine.store.ops.list(CLI_ACCOUNT)  # replayed before that sync
            flags = mail_server.doveadm(
                "-f", "tab", "fetch", "-u", user.name, "flags", "mailbox", "INBOX", "uid", "1"
            )
            assert "\\Seen" in flags
            sent = engine.store.outbox.get(item_id)
            assert sent is not None and sent.state is OutboxState.SENT
        finally:
            await engine.stop_online()


async def test_mail_written_offline_leaves_as_soon_as_the_connection_is_back(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from kittiwake.client.store.queue import OutboxState
    from kittiwake.client.sync import outbox

    user = mail_server.new_user()
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path) as engine:
        raw = (
            f"From: <{user.address}>\r\nTo: <{user.address}>\r\nSubject: From the ferry\r\n"
            "\r\nWritten offline.\r\n"
        ).encode()
        item_id = outbox.enqueue(engine.store, CLI_ACCOUNT, raw, address=user.address)
        # An attempt failed while offline: its retry is an hour away, and so is the next poll.
        engine.store.outbox.set_state(
            item_id, OutboxState.QUEUED, error="offline", next_attempt=int(time.time()) + 3600
        )
        record = Recorder()
        engine.add_listener(record)
        engine.start_online(poll_interval=3600.0, backoff=FAST)
        try:
            await record.until(lambda e: isinstance(e, SyncFinished))
            sent = engine.store.outbox.get(item_id)
            assert sent is not None and sent.state is OutboxState.SENT
            await mail_server.await_messages(user, 1, timeout=30)
        finally:
            await engine.stop_online()


async def test_untrusted_certificate_stops_without_retrying(mail_server: MailServer) -> None:
    from kittiwake.client.net.errors import CertificateError

    user = mail_server.new_user()
    store, record = Store.open(":memory:"), Recorder()
    loop = OnlineSession(
        ACCOUNT,
        mail_server.endpoint("imaps", ca_file=None),  # the test CA not trusted
        user.credentials(),
        store,
        emit=record,
        backoff=FAST,
    )
    loop.start()
    await asyncio.wait_for(loop.wait(), TIMEOUT)
    assert isinstance(loop.error, CertificateError)
    assert len([e for e in record.events if isinstance(e, SyncFailed)]) == 1
    await loop.stop()
