"""Staying online with one IMAP account: push for the Inbox, polling for the rest, reconnects.

    session = OnlineSession(account, endpoint, credentials, store, emit=..., before_sync=...)
    session.start()          # a task in the running loop
    ...
    await session.stop()     # DONE + LOGOUT, no task left behind

One connection IDLEs on the Inbox; a change it reports (EXISTS, EXPUNGE, FETCH) runs a folder
sync of the Inbox on that same connection. Every `poll_interval` seconds the whole account is
synced (AccountSync, its own connection; LIST-STATUS makes an unchanged folder cost nothing).
Before each sync `before_sync` runs (the engine replays the operation queue and sends the
outbox there), so local changes reach the server before the server's state is read back.

Any drop (ConnectionLost, OperationTimeout, a refused connection, a garbled answer) turns the
account offline and reconnects after an exponential backoff with jitter, capped, reset by the
next good connection. A wrong password or a refused certificate cannot be fixed by retrying,
and retrying a password can lock the account, so those end the session with SyncFailed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from kittiwake.client.events import Event, OnlineStateChanged, SyncFailed
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.idle import IDLE_RENEW
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    ConfigError,
    InsecureConfiguration,
    KittiwakeError,
    NetworkError,
    OperationTimeout,
    ProtocolError,
    TlsError,
)
from kittiwake.client.store.store import Store
from kittiwake.client.sync import account_sync
from kittiwake.client.sync.account_sync import AccountSync, CacheWriteFailed
from kittiwake.client.sync.backoff import Backoff
from kittiwake.client.sync.folder_sync import BodyPolicy, FolderSync

log = logging.getLogger(__name__)

POLL_INTERVAL = 300.0
# Reconnects: first after ~2 s, doubling, never more than 5 minutes apart.
RECONNECT = Backoff(base=2.0, cap=300.0)

# Retrying cannot help, and retrying a password can get the account locked.
FATAL = (AuthenticationFailed, TlsError, ConfigError, InsecureConfiguration)
# The network or the server went away: offline, then reconnect. (TlsError is a NetworkError,
# which is why FATAL is checked first.)
DROPPED = (NetworkError, OperationTimeout, ProtocolError)

BeforeSync = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


@dataclass(eq=False)
class OnlineSession:
    account: str
    endpoint: Endpoint
    credentials: Credentials | None
    store: Store
    emit: Callable[[Event], None] = lambda _event: None
    before_sync: BeforeSync = _nothing
    policy: BodyPolicy = field(default_factory=BodyPolicy)
    poll_interval: float = POLL_INTERVAL
    idle_renew: float = IDLE_RENEW
    backoff: Backoff = RECONNECT
    grace: float = 5.0  # seconds stop() lets the session log out before cancelling it
    online: bool | None = field(default=None, init=False)
    error: KittiwakeError | None = field(default=None, init=False)  # what ended it, if fatal
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _attempt: int = field(default=0, init=False)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self.error = None
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"online:{self.account}"
        )

    async def stop(self) -> None:
        """End the session: IDLE ends with DONE and the connection logs out; whatever does
        not finish within `grace` seconds is cancelled (which closes its sockets)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({task}, timeout=self.grace)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def wait(self) -> None:
        """Until the session ends by itself (a fatal error) or is stopped."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)

    # --- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._connected()
                return  # stopped cleanly
            except FATAL as error:
                self._fail(error)
                return
            except DROPPED as error:
                log.info("online %s: dropped (%s)", self.account, type(error).__name__)
                self._set_online(False, error.message)
            except sqlite3.Error as error:
                self._report(CacheWriteFailed.from_sqlite(error))
            except KittiwakeError as error:  # a refused command, the cache: report, retry later
                self._report(error)
            self._attempt += 1
            delay = self.backoff.delay(self._attempt)
            log.info("online %s: reconnect in %.1f s", self.account, delay)
            if await self._sleep(delay):
                return

    async def _connected(self) -> None:
        """One connection's life: sync, then IDLE on the Inbox until a drop or stop()."""
        client = await ImapClient.connect(self.endpoint, self.credentials)
        try:
            self._set_online(True)
            await self._sync_account()
            self._attempt = 0  # a whole sync went through: the next drop starts over
            inbox = self.store.folders.find(self.account, "INBOX")
            if inbox is None:  # no Inbox (odd server): polling alone
                while not await self._sleep(self.poll_interval):
                    await self._sync_account()
                return
            # Once more on this connection, which also selects it for IDLE: mail that arrived
            # between the account sync and now is fetched instead of waiting for the next one.
            await FolderSync(client, self.store, inbox, self.emit, self.policy).run()
            loop = asyncio.get_running_loop()
            next_poll = loop.time() + self.poll_interval
            while not self._stopping:
                self._wake.clear()
                timer = loop.call_at(next_poll, self._wake.set)
                try:
                    changes = await client.idle(stop=self._wake, renew_after=self.idle_renew)
                finally:
                    timer.cancel()
                if self._stopping:
                    return
                if changes:
                    await self._run_hook()
                    await FolderSync(client, self.store, inbox, self.emit, self.policy).run()
                if loop.time() >= next_poll:
                    await self._sync_account()
                    next_poll = loop.time() + self.poll_interval
        finally:
            await account_sync._quietly_logout(client)

    async def _sync_account(self) -> None:
        """Every folder (the Inbox first), raising what stopped it for _run to classify."""
        await self._run_hook()
        result = await AccountSync(
            self.account,
            self.endpoint,
            self.credentials,
            self.store,
            emit=self._from_sync,
            policy=self.policy,
            # One connection per try: reconnecting is this session's job, with its own backoff.
            retries=account_sync.Retries(attempts=1),
        ).run()
        if result.error is not None:
            raise result.error

    def _from_sync(self, event: Event) -> None:
        # Online state and failures are this session's to report (a drop is not a failure).
        if not isinstance(event, OnlineStateChanged | SyncFailed):
            self.emit(event)

    async def _run_hook(self) -> None:
        try:
            await self.before_sync()
        except (KittiwakeError, OSError, sqlite3.Error) as error:
            # Replay and outbox keep their work queued and retry on their own schedule; the
            # sync must not wait for them.
            log.info("online %s: before sync: %s", self.account, type(error).__name__)

    async def _sleep(self, seconds: float) -> bool:
        """Wait `seconds` or until stop(); True when stopping."""
        self._wake.clear()
        if self._stopping:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        return self._stopping

    # --- reporting -------------------------------------------------------------------------

    def _set_online(self, online: bool, reason: str = "") -> None:
        if self.online is not online:
            self.online = online
            self.emit(OnlineStateChanged(self.account, online, reason))

    def _report(self, error: KittiwakeError) -> None:
        self.emit(SyncFailed(self.account, "", error.message, error.hint))

    def _fail(self, error: KittiwakeError) -> None:
        self.error = error
        self._set_online(False, error.message)
        self._report(error)
