"""The durable outbox against the real Dovecot: delivery, Sent copy, refusals, outages, an
outcome cut after DATA, and crashes at each step of an attempt."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import ConnectionRefused, SubmissionOutcomeUnknown
from kittiwake.client.store.queue import OutboxState
from kittiwake.client.store.store import Store
from kittiwake.client.sync import operations, outbox
from kittiwake.client.sync.outbox import AccountLink, Checkpoint, OutboxSender
from tests.client.smtp.transcript import (
    CREDENTIALS,
    GREETING,
    MAIL_FROM,
    MESSAGE,
    RCPTS,
    accept_message,
    login,
    quit_,
)
from tests.client.smtp.transcript import endpoint as transcript_endpoint
from tests.servers.fixtures import MailServer, MailUser, ProxyFactory
from tests.servers.scripted import ScriptedPeer, ScriptedServer

pytestmark = pytest.mark.servers
ACCOUNT = "acct"


class Crash(BaseException):
    """A simulated kill: not an Exception, so no handler of ours swallows it."""


def message(sender: MailUser, to: str, *, body: bytes = b"Hello.\r\n") -> bytes:
    return (
        f"From: <{sender.address}>\r\nTo: <{to}>\r\nSubject: outbox {secrets.token_hex(3)}\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@example.test>\r\n"
        "Date: Sat, 28 Nov 2026 14:00:00 +0000\r\n\r\n"
    ).encode() + body


def link(
    server: MailServer, user: MailUser, *, submission_port: int | None = None, save: bool = True
) -> AccountLink:
    overrides = {} if submission_port is None else {"port": submission_port}
    return AccountLink(
        account=ACCOUNT,
        submission=server.endpoint("submission", **overrides),
        submission_credentials=user.credentials(),
        imap=server.endpoint("imaps"),
        imap_credentials=user.credentials(),
        save_sent_copy=save,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cache.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store.open(db_path)
    yield opened
    with contextlib.suppress(sqlite3.ProgrammingError):  # crash tests close it themselves
        opened.close()


async def count(server: MailServer, user: MailUser, mailbox: str = "INBOX") -> int:
    return len(await asyncio.to_thread(server.mailbox_uids, user, mailbox))


async def test_a_sent_message_arrives_and_a_copy_is_filed_in_sent(
    mail_server: MailServer, store: Store
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    raw = message(alice, bob.address)
    item_id = outbox.enqueue(store, ACCOUNT, raw)
    assert store.outbox.get(item_id).state is OutboxState.QUEUED  # type: ignore[union-attr]

    report = await OutboxSender(store, link(mail_server, alice)).run()

    assert report.sent == [item_id] and report.error is None
    await mail_server.await_messages(bob, 1)
    assert await count(mail_server, alice, "Sent") == 1
    (uid,) = mail_server.mailbox_uids(alice, "Sent")
    assert mail_server.fetch_raw(alice, uid, "Sent") == raw
    assert store.outbox.get(item_id).state is OutboxState.SENT  # type: ignore[union-attr]
    assert store.ops.list(ACCOUNT) == []  # the copy's operation is done


async def test_a_message_without_message_id_gets_one(mail_server: MailServer, store: Store) -> None:
    alice = mail_server.new_user("alice")
    raw = f"From: <{alice.address}>\r\nTo: <{alice.address}>\r\nSubject: x\r\n\r\nhi\r\n".encode()
    item_id = outbox.enqueue(store, ACCOUNT, raw, address=alice.address)
    item = store.outbox.get(item_id)
    assert item is not None and item.message_id.endswith(f"@{alice.address.split('@')[1]}>")
    assert item.raw.startswith(b"Message-ID: " + item.message_id.encode() + b"\r\n")


async def test_a_permanent_refusal_fails_with_the_servers_reason(
    mail_server: MailServer, store: Store
) -> None:
    alice = mail_server.new_user("alice")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, "nobody-here@example.test"))

    report = await OutboxSender(store, link(mail_server, alice)).run()

    assert report.failed == [item_id]
    item = store.outbox.get(item_id)
    assert item is not None and item.state is OutboxState.FAILED
    assert "550" in item.last_error and "nobody-here@example.test" in item.last_error
    assert await count(mail_server, alice, "Sent") == 0
    # Failed stays until the user decides: a later run does not touch it.
    assert (await OutboxSender(store, link(mail_server, alice)).run()).failed == []
    assert store.outbox.get(item_id).state is OutboxState.FAILED  # type: ignore[union-attr]


async def test_an_unreachable_server_keeps_it_queued_with_backoff_then_retry_sends(
    mail_server: MailServer, store: Store
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, bob.address))
    now = 1_900_000_000.0
    mail_server.stop()
    try:
        report = await OutboxSender(store, link(mail_server, alice), clock=lambda: now).run()
    finally:
        mail_server.start()
    assert report.deferred == [item_id]
    assert isinstance(report.error, ConnectionRefused)
    item = store.outbox.get(item_id)
    assert item is not None and item.state is OutboxState.QUEUED and item.last_error
    assert now + 15 <= item.next_attempt <= now + 31  # first backoff: 30 s, half jittered
    assert store.outbox.due(int(now)) == []  # not before its time

    outbox.retry(store, item_id)  # the user's "try again now"
    report = await OutboxSender(store, link(mail_server, alice), clock=lambda: now).run()

    assert report.sent == [item_id]
    await mail_server.await_messages(bob, 1)


async def test_a_cut_after_data_is_found_in_sent_next_time_and_not_resent(
    mail_server: MailServer, store: Store, fault_proxy: ProxyFactory
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    raw = message(alice, bob.address, body=b"x" * 76 + b"\r\n" * 1 + (b"y" * 76 + b"\r\n") * 8000)
    item_id = outbox.enqueue(store, ACCOUNT, raw)
    async with fault_proxy(mail_server.host, mail_server.ports["submission"]) as proxy:
        sender = OutboxSender(store, link(mail_server, alice, submission_port=proxy.port))
        task = asyncio.create_task(sender.run())
        # Half the message is through: the server cannot answer before the final dot, so the
        # next bytes towards the client are its 250, and they never arrive.
        await proxy.wait_received("to_server", len(raw) // 2)
        proxy.cut_after(0, "to_client")
        report = await asyncio.wait_for(task, 30)
    assert isinstance(report.error, SubmissionOutcomeUnknown)
    assert store.outbox.get(item_id).state is OutboxState.QUEUED  # type: ignore[union-attr]
    await mail_server.await_messages(bob, 1)  # it was delivered after all
    # A server that files submitted mail in Sent itself (as Gmail does):
    await asyncio.to_thread(mail_server.save, alice, raw, "Sent")

    report = await OutboxSender(store, link(mail_server, alice, save=False)).run()

    assert report.found_in_sent == [item_id] and report.sent == []
    item = store.outbox.get(item_id)
    assert item is not None and item.state is OutboxState.SENT
    assert item.last_error == outbox.SENT_FOUND_NOTE
    assert await count(mail_server, bob) == 1


async def test_a_cut_after_data_without_a_copy_in_sent_is_sent_again_not_lost(
    mail_server: MailServer, store: Store, fault_proxy: ProxyFactory
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    raw = message(alice, bob.address, body=(b"z" * 76 + b"\r\n") * 8000)
    item_id = outbox.enqueue(store, ACCOUNT, raw)
    async with fault_proxy(mail_server.host, mail_server.ports["submission"]) as proxy:
        task = asyncio.create_task(
            OutboxSender(store, link(mail_server, alice, submission_port=proxy.port)).run()
        )
        await proxy.wait_received("to_server", len(raw) // 2)
        proxy.cut_after(0, "to_client")
        report = await asyncio.wait_for(task, 30)
    assert isinstance(report.error, SubmissionOutcomeUnknown)

    report = await OutboxSender(store, link(mail_server, alice)).run()

    # Nothing in Sent says it went out, so losing it is the worse risk: it is sent again.
    assert report.sent == [item_id]
    await mail_server.await_messages(bob, 2)
    assert await count(mail_server, alice, "Sent") == 1


async def test_a_cut_in_the_middle_of_data_is_sent_again_exactly_once(
    mail_server: MailServer, store: Store, fault_proxy: ProxyFactory
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    raw = message(alice, bob.address, body=(b"w" * 76 + b"\r\n") * 8000)
    item_id = outbox.enqueue(store, ACCOUNT, raw)
    async with fault_proxy(mail_server.host, mail_server.ports["submission"]) as proxy:
        task = asyncio.create_task(
            OutboxSender(store, link(mail_server, alice, submission_port=proxy.port)).run()
        )
        # Half of the message reached the server; the rest, and the final dot, never will.
        await proxy.wait_received("to_server", len(raw) // 2)
        proxy.cut_after(0, "to_server")
        report = await asyncio.wait_for(task, 30)
    assert report.deferred == [item_id] and report.sent == []
    assert await count(mail_server, bob) == 0

    report = await OutboxSender(store, link(mail_server, alice)).run()

    assert report.sent == [item_id]
    await mail_server.await_messages(bob, 1)
    assert await count(mail_server, bob) == 1
    assert await count(mail_server, alice, "Sent") == 1


def crash_at(point: str) -> Callable[[str], None]:
    def checkpoint(name: str) -> None:
        if name == point:
            raise Crash(name)

    return checkpoint


async def restart(db_path: Path, store: Store) -> Store:
    store.close()
    reopened = Store.open(db_path)
    outbox.recover(reopened)
    operations.recover(reopened)
    return reopened


async def test_a_crash_before_submitting_loses_nothing_and_sends_once(
    mail_server: MailServer, store: Store, db_path: Path
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, bob.address))
    sender = OutboxSender(store, link(mail_server, alice), checkpoint=crash_at("before_submit"))
    with pytest.raises(Crash):
        await sender.run()
    assert store.outbox.get(item_id).state is OutboxState.SENDING  # type: ignore[union-attr]

    store = await restart(db_path, store)
    try:
        assert store.outbox.get(item_id).state is OutboxState.QUEUED  # type: ignore[union-attr]
        report = await OutboxSender(store, link(mail_server, alice)).run()
        assert report.sent == [item_id]
    finally:
        store.close()
    await mail_server.await_messages(bob, 1)
    assert await count(mail_server, bob) == 1
    assert await count(mail_server, alice, "Sent") == 1


async def test_a_crash_after_the_250_before_the_commit_is_not_resent_when_sent_has_it(
    mail_server: MailServer, store: Store, db_path: Path
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    raw = message(alice, bob.address)
    item_id = outbox.enqueue(store, ACCOUNT, raw)
    sender = OutboxSender(
        store,
        link(mail_server, alice, save=False),
        checkpoint=crash_at(Checkpoint.AFTER_ACCEPT),
    )
    with pytest.raises(Crash):
        await sender.run()
    await mail_server.await_messages(bob, 1)
    await asyncio.to_thread(mail_server.save, alice, raw, "Sent")  # the server's own copy

    store = await restart(db_path, store)
    try:
        report = await OutboxSender(store, link(mail_server, alice, save=False)).run()
        assert report.found_in_sent == [item_id] and report.sent == []
        assert store.outbox.get(item_id).state is OutboxState.SENT  # type: ignore[union-attr]
    finally:
        store.close()
    assert await count(mail_server, bob) == 1


async def test_a_crash_after_the_250_without_any_copy_in_sent_is_the_one_duplicate_window(
    mail_server: MailServer, store: Store, db_path: Path
) -> None:
    """Documents the irreducible window: the 250 arrived, the process died before its commit,
    and nothing on the server says the message went. Resending (a duplicate) beats losing it."""
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, bob.address))
    sender = OutboxSender(
        store, link(mail_server, alice), checkpoint=crash_at(Checkpoint.AFTER_ACCEPT)
    )
    with pytest.raises(Crash):
        await sender.run()

    store = await restart(db_path, store)
    try:
        assert (await OutboxSender(store, link(mail_server, alice)).run()).sent == [item_id]
    finally:
        store.close()
    await mail_server.await_messages(bob, 2)
    assert await count(mail_server, alice, "Sent") == 1


async def test_a_crash_after_the_commit_files_the_copy_in_sent_once_on_replay(
    mail_server: MailServer, store: Store, db_path: Path
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, bob.address))
    sender = OutboxSender(
        store, link(mail_server, alice), checkpoint=crash_at(Checkpoint.AFTER_COMMIT)
    )
    with pytest.raises(Crash):
        await sender.run()

    store = await restart(db_path, store)
    try:
        assert store.outbox.get(item_id).state is OutboxState.SENT  # type: ignore[union-attr]
        assert outbox.recover(store) == 0
        assert (await OutboxSender(store, link(mail_server, alice)).run()).sent == []
        (pending,) = store.ops.list(ACCOUNT)
        replayer = operations.Replayer(store, ACCOUNT, raw_source=outbox.sent_copy_source(store))
        imap = await ImapClient.connect(mail_server.endpoint("imaps"), alice.credentials())
        try:
            assert (await replayer.run(imap)).done == [pending.id]
            assert (await replayer.run(imap)).done == []  # nothing left, nothing twice
        finally:
            await imap.logout()
    finally:
        store.close()
    await mail_server.await_messages(bob, 1)
    assert await count(mail_server, bob) == 1
    assert await count(mail_server, alice, "Sent") == 1


def test_discard_and_retry_refuse_what_they_cannot_do(store: Store) -> None:
    item_id = outbox.enqueue(store, ACCOUNT, b"Message-ID: <a@b>\r\n\r\nx")
    store.outbox.set_state(item_id, OutboxState.SENT)
    with pytest.raises(outbox.OutboxError):
        outbox.retry(store, item_id)
    with pytest.raises(outbox.OutboxError):
        outbox.discard(store, item_id + 1)
    assert outbox.discard(store, item_id).id == item_id
    assert store.outbox.list() == []


async def test_a_temporary_refusal_is_retried_later_and_the_next_message_still_goes(
    store: Store,
) -> None:
    second = MESSAGE.replace(b"<1@", b"<2@")

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await peer.expect(MAIL_FROM)
        await peer.send(b"250 2.1.0 Ok\r\n")
        await peer.expect(RCPTS[0])
        await peer.send(b"451 4.3.0 Mailbox busy, try again later\r\n")
        await peer.expect(b"RSET\r\n")
        await peer.send(b"250 2.0.0 Ok\r\n")
        await accept_message(peer, MAIL_FROM, RCPTS)
        await quit_(peer)

    busy = outbox.enqueue(store, ACCOUNT, MESSAGE)
    fine = outbox.enqueue(store, ACCOUNT, second)
    now = 2_000_000_000.0
    async with ScriptedServer(script, tls="valid") as server:
        smtp = AccountLink(ACCOUNT, transcript_endpoint(server, Security.TLS), CREDENTIALS)
        report = await OutboxSender(store, smtp, clock=lambda: now).run()
        await server.wait_closed()
    server.raise_errors()

    assert report.deferred == [busy] and report.sent == [fine]
    item = store.outbox.get(busy)
    assert item is not None and item.state is OutboxState.QUEUED
    assert "451" in item.last_error and "try again later" in item.last_error
    assert now + 15 <= item.next_attempt <= now + 31


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_offline_every_due_message_waits_with_the_reason(
    mail_server: MailServer, store: Store
) -> None:
    alice = mail_server.new_user("alice")
    first = outbox.enqueue(store, ACCOUNT, message(alice, alice.address))
    second = outbox.enqueue(store, ACCOUNT, message(alice, alice.address))
    now = 1_900_000_000.0
    sender = OutboxSender(
        store, link(mail_server, alice, submission_port=closed_port()), clock=lambda: now
    )

    report = await sender.run()

    assert report.deferred == [first, second]
    for item_id in (first, second):
        item = store.outbox.get(item_id)
        assert item is not None and item.state is OutboxState.QUEUED
        assert item.last_error and item.next_attempt > now and item.attempts == 1


def test_prune_forgets_old_sent_messages_but_not_one_whose_copy_waits(store: Store) -> None:
    old_sent = outbox.enqueue(store, ACCOUNT, b"Message-ID: <1@x>\r\n\r\n1")
    copy_waits = outbox.enqueue(store, ACCOUNT, b"Message-ID: <2@x>\r\n\r\n2")
    queued = outbox.enqueue(store, ACCOUNT, b"Message-ID: <3@x>\r\n\r\n3")
    for item_id in (old_sent, copy_waits):
        store.outbox.set_state(item_id, OutboxState.SENT)
    store.ops.add(ACCOUNT, "append", {"role": "sent", "outbox_id": copy_waits})

    assert outbox.prune_sent(store, older_than=2**40) == 1

    assert [i.id for i in store.outbox.list()] == [copy_waits, queued]
    assert outbox.prune_sent(store, older_than=0) == 0


def test_only_one_sender_can_claim_a_message(store: Store) -> None:
    item_id = outbox.enqueue(store, ACCOUNT, b"Message-ID: <c@x>\r\n\r\nc")
    assert outbox.claim(store, item_id) is True
    assert outbox.claim(store, item_id) is False  # the other process finds it taken
    item = store.outbox.get(item_id)
    assert item is not None and item.state is OutboxState.SENDING and item.attempts == 1


def test_the_sender_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    path = tmp_path / "outbox.lock"
    with outbox.SenderLock(path) as first:
        assert first
        with outbox.SenderLock(path) as second:
            assert not second
    with outbox.SenderLock(path) as again:
        assert again


async def test_a_locked_outbox_is_left_to_the_other_sender(
    mail_server: MailServer, store: Store, tmp_path: Path
) -> None:
    alice = mail_server.new_user("alice")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, alice.address))
    lock = tmp_path / "outbox.lock"
    with outbox.SenderLock(lock):
        report = await OutboxSender(store, link(mail_server, alice), lock_path=lock).run()
    assert isinstance(report.error, outbox.OutboxBusy) and report.deferred == []
    assert store.outbox.get(item_id).state is OutboxState.QUEUED  # type: ignore[union-attr]


async def test_the_lock_holder_recovers_a_message_a_crash_left_sending(
    mail_server: MailServer, store: Store, tmp_path: Path
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, bob.address))
    assert outbox.claim(store, item_id)  # ...and then the process died

    sender = OutboxSender(store, link(mail_server, alice), lock_path=tmp_path / "outbox.lock")
    report = await sender.run()

    assert report.sent == [item_id]  # after looking in Sent: the crash may have been late
    await mail_server.await_messages(bob, 1)


async def test_an_unknown_outcome_is_not_resent_while_sent_cannot_be_checked(
    mail_server: MailServer, store: Store
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    item_id = outbox.enqueue(store, ACCOUNT, message(alice, bob.address))
    assert outbox.claim(store, item_id)
    outbox.recover(store)  # attempts = 1: the outcome of that attempt is unknown
    imap_down = dataclasses.replace(
        link(mail_server, alice), imap=mail_server.endpoint("imaps", port=closed_port())
    )

    report = await OutboxSender(store, imap_down).run()

    assert report.deferred == [item_id] and report.sent == []
    assert store.outbox.get(item_id).state is OutboxState.QUEUED  # type: ignore[union-attr]
    assert await count(mail_server, bob) == 0


# --- a real kill (SIGKILL) at each step, in a child process ------------------------------------

CHILD = """
import asyncio, json, os, signal, sys
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.store.store import Store
from kittiwake.client.sync.outbox import AccountLink, OutboxSender

cfg = json.loads(sys.stdin.read())
def endpoint(d):
    return Endpoint(host=d["host"], port=d["port"], security=Security(d["security"]),
                    ca_file=d["ca_file"])
creds = Credentials(cfg["user"], cfg["password"])
link = AccountLink(cfg["account"], endpoint(cfg["smtp"]), creds, endpoint(cfg["imap"]), creds,
                   save_sent_copy=cfg["save"])
def checkpoint(name):
    if name == cfg["kill_at"]:
        os.kill(os.getpid(), signal.SIGKILL)
store = Store.open(cfg["db"])
asyncio.run(OutboxSender(store, link, checkpoint=checkpoint).run())
sys.exit(3)
"""


def run_child_killed_at(
    point: str, db: Path, server: MailServer, user: MailUser, save: bool
) -> None:
    def described(service: str) -> dict[str, object]:
        e = server.endpoint(service)
        return {"host": e.host, "port": e.port, "security": e.security.value, "ca_file": e.ca_file}

    config = {
        "account": ACCOUNT,
        "db": str(db),
        "kill_at": point,
        "user": user.name,
        "password": user.password,
        "save": save,
        "smtp": described("submission"),
        "imap": described("imaps"),
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(config).encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode(errors="replace")[-2000:]


@pytest.mark.parametrize(
    ("point", "server_files_sent"),
    [
        (Checkpoint.BEFORE_SUBMIT, False),
        (Checkpoint.AFTER_ACCEPT, True),  # the window only a server-side copy can cover
        (Checkpoint.AFTER_COMMIT, False),
    ],
)
async def test_sigkill_at_each_step_loses_nothing_and_sends_once(
    mail_server: MailServer, tmp_path: Path, point: str, server_files_sent: bool
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    db = tmp_path / "cache.sqlite3"
    raw = message(alice, bob.address)
    with Store.open(db) as store:
        item_id = outbox.enqueue(store, ACCOUNT, raw)
    save = not server_files_sent
    await asyncio.to_thread(run_child_killed_at, point, db, mail_server, alice, save)
    if server_files_sent:
        await mail_server.await_messages(bob, 1)
        await asyncio.to_thread(mail_server.save, alice, raw, "Sent")

    with Store.open(db) as store:  # the next start: recover, send, replay
        sender = OutboxSender(store, link(mail_server, alice, save=save), lock_path=tmp_path / "l")
        await sender.run()
        imap = await ImapClient.connect(mail_server.endpoint("imaps"), alice.credentials())
        try:
            operations.recover(store)
            replayer = operations.Replayer(
                store, ACCOUNT, raw_source=outbox.sent_copy_source(store)
            )
            assert (await replayer.run(imap)).interrupted is None
        finally:
            await imap.logout()
        item = store.outbox.get(item_id)
        assert item is not None and item.state is OutboxState.SENT
        assert store.ops.list(ACCOUNT) == []

    await mail_server.await_messages(bob, 1)
    assert await count(mail_server, bob) == 1
    assert await count(mail_server, alice, "Sent") == 1
