"""The facade: open a home, sync, and read everything back from the cache; events stream."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client.engine import Engine, cache_path
from kittiwake.client.events import (
    Event,
    FlagsChanged,
    MessagesAdded,
    OnlineStateChanged,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)
from kittiwake.client.net.errors import ConfigError
from kittiwake.client.paths import Paths
from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.client.store.model import Flag, Role
from kittiwake.client.store.store import Store
from kittiwake.client.sync.backoff import Backoff
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend
from tests.client.recorder import Recorder
from tests.client.sync.cli_helpers import ACCOUNT, add_account
from tests.client.sync.helpers import cache_state, fill, message, row_count, server_state
from tests.servers.fixtures import MailServer, ProxyFactory

TIMEOUT = 30.0
WORKER = "kittiwake-sync"


@pytest.fixture
def keyring_in_memory() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


async def test_sync_then_read_from_the_cache(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 3)
    mail_server.save(user, message(9, subject="Budget for Zürich"))
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path) as engine:
        assert [a.id for a in engine.accounts()] == [ACCOUNT]
        assert engine.online(ACCOUNT) is None
        seen: list[Event] = []
        engine.add_listener(seen.append)
        stream: list[Event] = []

        async def consume() -> None:
            async for event in engine.events():
                stream.append(event)
                if isinstance(event, SyncFinished):
                    return

        consumer = asyncio.create_task(consume())
        await asyncio.sleep(0)  # let the consumer subscribe before the sync starts
        (result,) = await engine.sync(ACCOUNT)
        await asyncio.wait_for(consumer, 5)
        assert result.ok
        assert stream == seen  # the async stream and the callback see the same events
        assert any(isinstance(e, MessagesAdded) for e in seen)
        assert any(isinstance(e, SyncProgress) for e in seen)
        assert engine.online(ACCOUNT) is True

        inbox = engine.folder(ACCOUNT, "inbox")
        assert inbox.role is Role.INBOX and inbox.total_count == 4
        assert {f.role for f in engine.folders(ACCOUNT)} >= {Role.INBOX, Role.SENT}
        page = engine.messages(inbox.id, limit=2)
        assert len(page.rows) == 2 and page.next is not None
        rest = engine.messages(inbox.id, limit=10, after=page.next)
        assert len(rest.rows) == 2
        newest = engine.message_by_uid(inbox.id, 4)
        assert newest is not None and newest.subject == "Budget for Zürich"
        assert engine.raw_message(newest.id) == mail_server.fetch_raw(user, 4)
        parsed = engine.parsed_message(newest.id)
        assert parsed is not None and parsed.headers.subject == "Budget for Zürich"
        hits = engine.search("zurich")  # accents folded
        assert [h.uid for h in hits] == [4]


async def test_unreachable_server_is_offline_with_a_hint(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path) as engine:
        account = engine.account(ACCOUNT)
        closed = mail_server.endpoint("imaps", port=1)  # nothing listens on port 1
        monkeypatch.setattr(type(account.incoming), "endpoint", lambda self, **kw: closed)
        events: list[Event] = []
        engine.add_listener(events.append)
        (result,) = await engine.sync()
        assert result.error is not None and result.error.hint
        assert any(isinstance(e, SyncFailed) for e in events)
        assert engine.online(ACCOUNT) is False
        assert any(isinstance(e, OnlineStateChanged) and not e.online for e in events)


def test_unknown_account(tmp_path: Path) -> None:
    with Engine.open(tmp_path) as engine, pytest.raises(ConfigError):
        engine.account("nobody")


async def test_pop3_account_downloads_into_the_inbox(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from kittiwake.client import cli

    user = mail_server.new_user()
    fill(mail_server, user, 3)
    monkeypatch.setattr("sys.stdin", io.StringIO(user.password + "\n"))
    assert cli.main(
        [
            "--home", str(tmp_path), "accounts", "add", "pop", "--address", user.address,
            "--incoming", "pop3", "--incoming-host", mail_server.host,
            "--incoming-port", str(mail_server.ports["pop3s"]), "--incoming-security", "tls",
            "--smtp-host", mail_server.host, "--smtp-port", "465", "--smtp-security", "tls",
            "--username", user.name, "--ca-file", mail_server.ca_file, "--password-stdin",
        ]
    ) == 0  # fmt: skip
    with Engine.open(tmp_path) as engine:
        events: list[Event] = []
        engine.add_listener(events.append)
        (result,) = await engine.sync("pop")
        assert result.ok and result.totals.added == 3
        assert any(isinstance(e, SyncFinished) for e in events)
        inbox = engine.folder("pop", "INBOX")
        assert inbox.total_count == 3
        (again,) = await engine.sync("pop")
        assert again.ok and again.totals.added == 0  # UIDL dedupe


# --- background mode: the network work on the worker thread ----------------------------------


def worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == WORKER]


async def test_background_sync_equals_the_in_loop_sync_and_its_events_reach_this_loop(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 60)  # more than the first batch: several MessagesAdded
    mail_server.flags(user, "add", "\\Flagged", "INBOX", "1:5")
    add_account(tmp_path / "in-loop", mail_server, user, monkeypatch)
    add_account(tmp_path / "worker", mail_server, user, monkeypatch)

    with Engine.open(tmp_path / "in-loop") as inline:
        expected = Recorder()
        inline.add_listener(expected)
        (inline_result,) = await inline.sync(ACCOUNT)
        inline_cache = cache_state(inline.store, ACCOUNT)

    with Engine.open(tmp_path / "worker", background=True) as engine:
        seen = Recorder()
        engine.add_listener(seen)
        (result,) = await engine.sync(ACCOUNT)
        assert engine.worker is not None and engine.worker.thread is not None
        assert engine.worker.thread.ident != threading.get_ident()
        # Every event reached the listener on this loop's thread, all before sync() returned,
        # the same events in the same order as the in-loop sync's.
        assert seen.threads == {threading.get_ident()}
        assert seen.events == expected.events
        assert isinstance(seen.events[-1], SyncFinished)
        assert engine.online(ACCOUNT) is True
        assert result.ok and inline_result.ok
        assert result.folders == inline_result.folders and result.totals == inline_result.totals
        # What the worker wrote, read through this thread's own connection.
        assert cache_state(engine.store, ACCOUNT) == inline_cache == server_state(mail_server, user)
        with pytest.raises(ConfigError):  # a wrong name still raises here
            await engine.sync("nobody")
    assert not worker_threads()


async def test_the_background_indexer_makes_synced_mail_searchable(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 3)
    mail_server.save(user, message(9, subject="Minutes").replace(b"number 9", b"quorum 9"))
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path, background=True) as engine:
        (result,) = await engine.sync(ACCOUNT)
        assert result.ok
        # The sync woke the indexer; nothing is indexed on this thread.
        monkeypatch.setattr(engine, "index_pending", _never_here)
        await engine.catch_up_index()
        hits = engine.search("quorum", catch_up=False)
        assert [hit.subject for hit in hits] == ["Minutes"]
        assert any(t.name == "kittiwake-indexer" for t in threading.enumerate())
    assert not any(t.name == "kittiwake-indexer" for t in threading.enumerate())


def _never_here(limit: int = 500) -> int:
    raise AssertionError("the GUI thread indexed")


async def test_close_during_a_background_sync_leaves_no_thread_and_a_consistent_cache(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    fault_proxy: ProxyFactory,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 80)
    add_account(tmp_path, mail_server, user, monkeypatch)
    imaps = mail_server.endpoint("imaps")
    async with fault_proxy(imaps.host, imaps.port) as proxy:
        with monkeypatch.context() as patch:
            proxied = mail_server.endpoint("imaps", port=proxy.port)
            engine = Engine.open(tmp_path, background=True)
            account = engine.account(ACCOUNT)
            patch.setattr(type(account.incoming), "endpoint", lambda self, **kw: proxied)

            def stall_at_the_first_batch(event: Event) -> None:
                if isinstance(event, MessagesAdded):
                    proxy.stall()  # the sync now waits on the server, half done

            engine.add_listener(stall_at_the_first_batch)
            record = Recorder()
            engine.add_listener(record)
            syncing = asyncio.ensure_future(engine.sync(ACCOUNT))
            await record.until(lambda e: isinstance(e, MessagesAdded))
            assert not syncing.done()

            engine.close()  # blocking: the worker's sync is cancelled, its thread joined

            assert not worker_threads()
            await asyncio.wait_for(asyncio.wait({syncing}), TIMEOUT)
            assert syncing.cancelled()
            proxy.resume()

    with Store.open(cache_path(Paths.resolve(tmp_path))) as store:
        (check,) = store.db.conn.execute("PRAGMA integrity_check").fetchone()
        assert check == "ok"
        # Whole batches only: the first (the newest 50), perhaps the next (30), no part of one.
        assert row_count(store, ACCOUNT) in (50, 80)
    with Engine.open(tmp_path) as engine:  # the next start picks up where it stopped
        (result,) = await engine.sync(ACCOUNT)
        assert result.ok
        assert cache_state(engine.store, ACCOUNT) == server_state(mail_server, user)


async def test_a_local_write_on_this_thread_succeeds_while_the_worker_syncs(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    fill(mail_server, user, 80)
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path, background=True) as engine:
        record = Recorder()
        engine.add_listener(record)
        syncing = asyncio.ensure_future(engine.sync(ACCOUNT))
        first = await record.until(lambda e: isinstance(e, MessagesAdded))
        assert isinstance(first, MessagesAdded)
        row = engine.message_by_uid(first.folder_id, first.uids[0])
        assert row is not None
        # Local-first writes (durable: flag + queued STORE) on this thread's connection, as
        # fast as this loop allows, for as long as the worker writes batches on its own.
        writes = 0
        while not syncing.done():
            engine.mark([row.id], add=Flag.SEEN) if writes % 2 == 0 else engine.mark(
                [row.id], remove=Flag.SEEN
            )
            writes += 1
            await asyncio.sleep(0)
        (result,) = await syncing
        assert writes >= 1 and result.ok
        assert engine.store.ops.list(ACCOUNT)  # the changes are queued for the server
        assert any(isinstance(e, FlagsChanged) for e in record.events)
        assert row_count(engine.store, ACCOUNT) == 80


async def test_online_in_the_background_polls_at_the_settings_interval(
    tmp_path: Path,
    mail_server: MailServer,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = mail_server.new_user()
    add_account(tmp_path, mail_server, user, monkeypatch)
    with Engine.open(tmp_path, background=True) as engine:
        assert engine.check_interval() == Settings().check_interval_minutes * 60
        SettingsFile.beside(engine.paths).save(Settings(check_interval_minutes=7))
        assert engine.check_interval() == 7 * 60
        record = Recorder()
        engine.add_listener(record)
        engine.start_online(backoff=Backoff(base=0.05, cap=0.2))
        await record.until(lambda e: isinstance(e, SyncFinished))
        assert engine.online(ACCOUNT) is True

        async def poll_interval(twin: Engine) -> float:
            return twin._online_sessions()[ACCOUNT].poll_interval

        assert engine.worker is not None
        assert await engine.worker.submit(poll_interval) == 7 * 60

        since = len(record.events)
        mail_server.save(user, message(6, subject="Pushed to the worker"))
        await record.until(lambda e: isinstance(e, MessagesAdded), since)  # IDLE push
        assert record.threads == {threading.get_ident()}

        await engine.work_offline(True)
        assert engine.online(ACCOUNT) is False
        since = len(record.events)
        await engine.work_offline(False)
        await record.until(lambda e: isinstance(e, OnlineStateChanged) and e.online, since)
        with pytest.raises(ConfigError):
            engine.start_online("nobody")
    # close() stopped the session it left running (IDLE ended, logged out) and the thread.
    assert not worker_threads()


# --- sending and drafts without blocking the caller's loop -----------------------------------


def _offline_engine(home: Path) -> Engine:
    """An engine with one account whose servers are never contacted (local work only)."""
    from kittiwake.client.accounts.config import AccountsFile
    from kittiwake.client.accounts.model import Account, Identity, IncomingProtocol, ServerConfig
    from kittiwake.client.net.endpoint import Security

    engine = Engine.open(home)
    AccountsFile(engine.paths.accounts_file).add(
        Account(
            id="work",
            display_name="Work",
            identities=(Identity("Alice", "alice@example.test"),),
            incoming_protocol=IncomingProtocol.IMAP,
            incoming=ServerConfig("127.0.0.1", 9, Security.TLS, "alice"),
            outgoing=ServerConfig("127.0.0.1", 9, Security.STARTTLS, "alice"),
        )
    )
    return engine


class HeldWrite:
    """Wraps a store-writing function so that it announces itself and then waits for `release`:
    the test sees where it runs, and that the caller's loop keeps running meanwhile."""

    def __init__(self, original: object, loop: asyncio.AbstractEventLoop) -> None:
        self.original = original
        self.loop = loop
        self.started = asyncio.Event()
        self.release = threading.Event()
        self.threads: list[int] = []
        self.stores: list[Store] = []

    def __call__(self, store: Store, *args: object, **kwargs: object) -> object:
        self.threads.append(threading.get_ident())
        self.stores.append(store)
        self.loop.call_soon_threadsafe(self.started.set)
        assert self.release.wait(TIMEOUT), "the test never released the write"
        return self.original(store, *args, **kwargs)  # type: ignore[operator]


async def test_queue_draft_async_writes_off_the_callers_thread_while_its_loop_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kittiwake.client.events import FolderListChanged
    from kittiwake.client.mime.compose import new_draft
    from kittiwake.client.sync import outbox

    with _offline_engine(tmp_path) as engine:
        identity = engine.account("work").identities[0]
        saved_id = engine.save_draft("work", new_draft(identity, subject="to send"))
        draft = new_draft(identity, subject="to send", message_id=saved_id)
        held = HeldWrite(outbox.enqueue, asyncio.get_running_loop())
        monkeypatch.setattr(outbox, "enqueue", held)
        seen = Recorder()
        engine.add_listener(seen)

        sending = asyncio.ensure_future(engine.queue_draft_async("work", draft))
        await asyncio.wait_for(held.started.wait(), TIMEOUT)
        # The write is under way on another thread, with its own connection; this loop runs
        # (it just delivered `started`), the task waits, and nothing was announced yet.
        assert held.threads and held.threads[0] != threading.get_ident()
        assert held.stores[0] is not engine.store
        assert not sending.done() and seen.events == []
        held.release.set()
        item_id = await asyncio.wait_for(sending, TIMEOUT)

        # One durable transaction queued it, the saved draft is gone, and the event came on
        # this loop's thread once the write had committed (this connection sees the row).
        item = engine.store.outbox.get(item_id)
        assert item is not None and item.account == "work"
        assert engine.draft_message("work", saved_id) is None
        assert seen.events == [FolderListChanged("work")]
        assert seen.threads == {threading.get_ident()}
        assert engine.outbox_count() == 1


async def test_save_draft_async_writes_off_the_callers_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kittiwake.client.mime.compose import new_draft
    from kittiwake.client.sync import drafts

    with _offline_engine(tmp_path) as engine:
        identity = engine.account("work").identities[0]
        held = HeldWrite(drafts.save, asyncio.get_running_loop())
        monkeypatch.setattr(drafts, "save", held)
        saving = asyncio.ensure_future(
            engine.save_draft_async("work", new_draft(identity, subject="kept"))
        )
        await asyncio.wait_for(held.started.wait(), TIMEOUT)
        assert held.threads[0] != threading.get_ident()
        assert held.stores[0] is not engine.store
        assert not saving.done()
        held.release.set()
        message_id = await asyncio.wait_for(saving, TIMEOUT)
        raw = engine.draft_message("work", message_id)
        assert raw is not None and b"Subject: kept" in raw


async def test_a_failed_queue_draft_async_raises_here_and_queues_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kittiwake.client.mime.compose import new_draft
    from kittiwake.client.sync import outbox

    def full_disk(store: Store, *args: object, **kwargs: object) -> int:
        with store.transaction(durable=True):
            store.folders.add_account("work")
            raise OSError(28, "No space left on device")

    with _offline_engine(tmp_path) as engine:
        monkeypatch.setattr(outbox, "enqueue", full_disk)
        identity = engine.account("work").identities[0]
        with pytest.raises(OSError):
            await engine.queue_draft_async("work", new_draft(identity, subject="x"))
        assert engine.outbox_count() == 0
