"""The durable outbox: a message the user sent is never lost and, as far as can be known, never
sent twice.

States: queued -> sending -> sent | failed (failed keeps the server's words; `kittiwake outbox`
shows them; nothing is dropped silently).

    item = enqueue(store, account_id, raw)      # one durable transaction: "sending" = this
    recover(store)                              # at start: a crash in "sending" -> queued
    report = await OutboxSender(store, link).run()

One attempt, and why in this order:
1. The row goes to "sending" and its attempt is counted (durable) before anything leaves.
2. If an earlier attempt existed (attempts > 0), it may have reached the final dot with the
   outcome unknown (SubmissionOutcomeUnknown, or a crash): we look for the Message-ID in Sent
   (UID SEARCH HEADER Message-ID) and, if it is there, mark the message sent without resending.
   If Sent cannot be checked (IMAP down) we wait rather than risk a duplicate.
3. MAIL/RCPT/DATA. A 5xx -> failed, with the reason. A 4xx or a network error -> queued again,
   with exponential backoff and jitter.
4. On the 250: ONE local commit marks it sent and queues "copy to Sent" (an APPEND operation of
   the offline queue). The commit comes first because it is the fastest durable record of the
   server's acceptance: only a crash inside the few milliseconds between the 250 and this
   commit can cause a resend (and then step 2 still prevents it where the server files its own
   copy in Sent, as Gmail does). An APPEND before the commit would widen that window to a
   network round trip, and a failed APPEND would force a choice between a duplicate and a
   message marked sent without a copy.
5. The copy is appended at once (skipped per account when the server saves it itself); if that
   fails it stays queued in the operation queue, which checks Sent before appending again.
"""

from __future__ import annotations

import email.parser
import email.policy
import fcntl
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kittiwake.client.accounts.model import Account, IncomingProtocol
from kittiwake.client.accounts.secrets import PasswordResolver, ServerRole
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.net.errors import (
    KittiwakeError,
    MessageRefused,
    SubmissionOutcomeUnknown,
)
from kittiwake.client.records import record
from kittiwake.client.smtp.session import SubmissionSession
from kittiwake.client.store.model import Role
from kittiwake.client.store.queue import OpState, OutboxItem, OutboxState
from kittiwake.client.store.store import Store
from kittiwake.client.sync import operations
from kittiwake.client.sync.backoff import Backoff

log = logging.getLogger(__name__)

# Servers that file a copy of every submitted message in Sent by themselves.
SERVER_SAVES_SENT = ("smtp.gmail.com", "smtp.googlemail.com")

SENT_FOUND_NOTE = "found in Sent after an interrupted attempt: not sent again"


class Checkpoint:
    """Named points of an attempt; tests raise at one to simulate a crash there."""

    BEFORE_SUBMIT = "before_submit"  # connected, nothing of this message sent yet
    AFTER_ACCEPT = "after_accept"  # the server said 250; not yet recorded locally
    AFTER_COMMIT = "after_commit"  # recorded as sent; the copy to Sent not yet made


@record
class AccountLink:
    """What the sender needs of an account: where to submit, and where Sent lives."""

    account: str
    submission: Endpoint
    submission_credentials: Credentials | None
    imap: Endpoint | None = None  # None: a POP3 account (no server-side Sent)
    imap_credentials: Credentials | None = None
    save_sent_copy: bool = True  # False where the server files the copy itself

    @classmethod
    def for_account(cls, account: Account, resolver: PasswordResolver) -> AccountLink:
        imap = account.incoming_protocol is IncomingProtocol.IMAP
        return cls(
            account=account.id,
            submission=account.outgoing.endpoint(),
            submission_credentials=resolver.credentials(account, ServerRole.OUTGOING),
            imap=account.incoming.endpoint() if imap else None,
            imap_credentials=resolver.credentials(account, ServerRole.INCOMING) if imap else None,
            save_sent_copy=account.outgoing.host.lower() not in SERVER_SAVES_SENT,
        )


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    found_in_sent: list[int] = field(default_factory=list)  # sent earlier; not resent
    failed: list[int] = field(default_factory=list)  # refused for good (5xx)
    deferred: list[int] = field(default_factory=list)  # queued again (4xx, network)
    error: KittiwakeError | None = None  # why the run stopped early (offline, login...)


# --- queueing ----------------------------------------------------------------------------------


def message_id_of(raw: bytes) -> str | None:
    header_end = raw.find(b"\r\n\r\n")
    if header_end < 0:
        header_end = raw.find(b"\n\n")
    block = raw if header_end < 0 else raw[: header_end + 2]
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(block)
    value = parsed.get("Message-ID")
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def with_message_id(raw: bytes, address: str) -> tuple[bytes, str]:
    """The message and its Message-ID, adding one at the top when it has none: the outbox
    recognises its own messages in Sent by it."""
    found = message_id_of(raw)
    if found is not None:
        return raw, found
    domain = address.rpartition("@")[2] or "kittiwake.invalid"
    new_id = f"<{uuid.uuid4().hex}@{domain}>"
    return f"Message-ID: {new_id}\r\n".encode("ascii") + raw, new_id


def enqueue(store: Store, account: str, raw: bytes, *, address: str = "") -> int:
    """Sending, from the user's side: one durable transaction puts the message in the outbox."""
    raw, message_id = with_message_id(raw, address)
    with store.transaction(durable=True):
        store.folders.add_account(account)
        return store.outbox.add(account, raw, message_id)


def recover(store: Store) -> int:
    """At start: messages left in "sending" by a crash go back to the queue, due now; their
    counted attempt makes the next one look in Sent first. Returns how many."""
    stuck = [i for i in store.outbox.list() if i.state is OutboxState.SENDING]
    for item in stuck:
        store.outbox.set_state(
            item.id,
            OutboxState.QUEUED,
            error="interrupted while sending; will check Sent before sending again",
            next_attempt=0,
        )
    return len(stuck)


def retry(store: Store, item_id: int) -> OutboxItem:
    """The user asks to try again now (a failed or waiting message)."""
    item = _existing(store, item_id)
    if item.state in (OutboxState.SENT, OutboxState.SENDING):
        raise OutboxError(f"Message {item_id} is {item.state.value}; there is nothing to retry.")
    store.outbox.set_state(item_id, OutboxState.QUEUED, error=item.last_error, next_attempt=0)
    return _existing(store, item_id)


def discard(store: Store, item_id: int) -> OutboxItem:
    item = _existing(store, item_id)
    if item.state is OutboxState.SENDING:
        raise OutboxError(f"Message {item_id} is being sent right now; try again in a moment.")
    store.outbox.remove(item_id)
    return item


def _existing(store: Store, item_id: int) -> OutboxItem:
    item = store.outbox.get(item_id)
    if item is None:
        raise OutboxError(f"There is no message {item_id} in the outbox.")
    return item


def prune_sent(store: Store, older_than: int) -> int:
    """Forget sent messages created before `older_than` (epoch seconds) whose copy to Sent
    is done; the engine calls it now and then. Returns how many went."""
    waiting = {
        int(op.payload["outbox_id"])
        for state in (OpState.PENDING, OpState.RUNNING)
        for op in store.ops.list(state=state)
        if "outbox_id" in op.payload
    }
    gone = [
        item.id
        for item in store.outbox.list()
        if item.state is OutboxState.SENT and item.created < older_than and item.id not in waiting
    ]
    for item_id in gone:
        store.outbox.remove(item_id)
    return len(gone)


def claim(store: Store, item_id: int) -> bool:
    """queued -> sending, counting the attempt, only if it is still queued: two senders (the
    app and a `kittiwake send`) can never both take one message."""
    with store.transaction(durable=True) as conn:
        cursor = conn.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
            "WHERE id = ? AND state = 'queued'",
            (item_id,),
        )
    return cursor.rowcount == 1


class SenderLock:
    """An exclusive, non-blocking lock on a file, held while one process sends. The kernel
    drops it when the process dies, so a crash never leaves it stuck."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def __exit__(self, *exc: object) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()


class OutboxBusy(KittiwakeError, BlockingIOError):
    default_hint = "The message stays queued; the other Kittiwake sends it."


class OutboxError(KittiwakeError, LookupError):
    default_hint = "Run `kittiwake outbox` to see the messages and their numbers."


def sent_copy_source(store: Store) -> Callable[[dict[str, Any]], bytes | None]:
    """For the operation queue: the bytes of a sent message it must copy to Sent."""

    def source(payload: dict[str, Any]) -> bytes | None:
        outbox_id = payload.get("outbox_id")
        item = None if outbox_id is None else store.outbox.get(int(outbox_id))
        return None if item is None else item.raw

    return source


# --- sending -----------------------------------------------------------------------------------

Opener = Callable[[], Awaitable[Any]]


class OutboxSender:
    def __init__(
        self,
        store: Store,
        link: AccountLink,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        checkpoint: Callable[[str], None] | None = None,
        lock_path: Path | None = None,
    ) -> None:
        self.store = store
        self.link = link
        self.lock_path = lock_path
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.checkpoint = checkpoint or (lambda _name: None)
        self._smtp: SubmissionSession | None = None
        self._imap: ImapClient | None = None

    async def run(self) -> SendReport:
        """Send every due message of the account; returns what happened to each.

        With a `lock_path`, only one process sends at a time, and that one first recovers
        messages a crash left in "sending" (no other process can be sending them).
        """
        if self.lock_path is None:
            return await self._run()
        with SenderLock(self.lock_path) as held:
            if not held:
                report = SendReport()
                report.error = OutboxBusy("Another Kittiwake is sending the outbox right now.")
                return report
            recover(self.store)
            return await self._run()

    async def _run(self) -> SendReport:
        report = SendReport()
        now = int(self.clock())
        due = [i for i in self.store.outbox.due(now, limit=1000) if i.account == self.link.account]
        try:
            for index, item in enumerate(due):
                if not await self._attempt(item, report):
                    # Offline, login refused, or the connection died: the rest cannot go now
                    # either. Each says why and waits its own backoff.
                    assert report.error is not None
                    for waiting in due[index + 1 :]:
                        self._defer(waiting, report.error, report, count=True)
                    break
        finally:
            await self._close()
        return report

    async def _attempt(self, item: OutboxItem, report: SendReport) -> bool:
        """One attempt at one message; False when the account cannot send now."""
        earlier_attempt = item.attempts > 0
        if not claim(self.store, item.id):
            return True  # another process took it (or it was discarded) meanwhile
        try:
            checked = earlier_attempt and self.link.imap is not None
            if checked and await self._already_in_sent(item):
                self.store.outbox.set_state(item.id, OutboxState.SENT, error=SENT_FOUND_NOTE)
                report.found_in_sent.append(item.id)
                return True
            smtp = await self._submission()
            self.checkpoint(Checkpoint.BEFORE_SUBMIT)
            await smtp.send(item.raw)
        except MessageRefused as error:
            if error.permanent:
                self.store.outbox.set_state(item.id, OutboxState.FAILED, error=error.message)
                report.failed.append(item.id)
            else:
                self._defer(item, error, report)
            return True
        except SubmissionOutcomeUnknown as error:
            # Due again at once: the next attempt looks in Sent before sending.
            self._defer(item, error, report, at=int(self.clock()))
            return False
        except KittiwakeError as error:
            self._defer(item, error, report)
            return False
        except BaseException:
            # A crash or cancellation here leaves "sending": recover() requeues it at start.
            raise
        self.checkpoint(Checkpoint.AFTER_ACCEPT)
        copy_op = self._mark_sent(item)
        report.sent.append(item.id)
        self.checkpoint(Checkpoint.AFTER_COMMIT)
        if copy_op is not None:
            await self._copy_to_sent(copy_op)
        return True

    def _mark_sent(self, item: OutboxItem) -> int | None:
        """The one commit after the 250: sent, plus the queued copy to Sent."""
        with self.store.transaction(durable=True):
            self.store.outbox.set_state(item.id, OutboxState.SENT)
            if self.link.imap is None or not self.link.save_sent_copy:
                return None
            return self.store.ops.add(
                self.link.account,
                operations.Kind.APPEND,
                {
                    "role": Role.SENT.value,
                    "outbox_id": item.id,
                    "message_id": item.message_id,
                    "flags": ["\\Seen"],
                },
            )

    async def _copy_to_sent(self, op_id: int) -> None:
        op = next((o for o in self.store.ops.list(self.link.account) if o.id == op_id), None)
        if op is None:
            return
        replayer = operations.Replayer(
            self.store, self.link.account, raw_source=sent_copy_source(self.store)
        )
        try:
            imap = await self._imap_client()
            self.store.ops.set_state(op.id, OpState.RUNNING, count_attempt=True)
            await replayer.execute(imap, op)
        except KittiwakeError as error:
            # The message is sent; only its copy waits, in the operation queue.
            log.info("copy to Sent deferred: %s", type(error).__name__)
            self.store.ops.set_state(op.id, OpState.PENDING, error=error.message)
            return
        except BaseException:
            self.store.ops.set_state(op.id, OpState.PENDING, error=op.last_error)
            raise
        self.store.ops.remove(op.id)

    async def _already_in_sent(self, item: OutboxItem) -> bool:
        imap = await self._imap_client()
        sent = await operations.special_folder(self.store, imap, self.link.account, Role.SENT)
        if sent is None:
            return False
        return bool(await operations.find_message_id(imap, sent, item.message_id))

    def _defer(
        self,
        item: OutboxItem,
        error: KittiwakeError,
        report: SendReport,
        at: int | None = None,
        *,
        count: bool = False,
    ) -> None:
        when = at if at is not None else self.backoff.next_time(self.clock(), item.attempts + 1)
        self.store.outbox.set_state(
            item.id, OutboxState.QUEUED, error=error.message, next_attempt=when, count_attempt=count
        )
        report.deferred.append(item.id)
        if report.error is None:
            report.error = error

    async def _submission(self) -> SubmissionSession:
        if self._smtp is None:
            session = SubmissionSession(self.link.submission, self.link.submission_credentials)
            await session.open()
            self._smtp = session
        return self._smtp

    async def _imap_client(self) -> ImapClient:
        if self._imap is None or not self._imap.is_open:
            assert self.link.imap is not None
            self._imap = await ImapClient.connect(self.link.imap, self.link.imap_credentials)
        return self._imap

    async def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        imap, self._imap = self._imap, None
        if smtp is not None:
            await smtp.close()
        if imap is not None:
            try:
                await imap.logout()
            except KittiwakeError:
                await imap.close()
