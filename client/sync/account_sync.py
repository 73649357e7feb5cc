"""Sync one IMAP account: connect, folder list, then each folder (client/sync/folder_sync.py).

A dropped connection mid-sync is not the end of the sync: the engine reconnects with
exponential backoff and jitter and carries on with the folder it was in (which resumes where
its last committed batch ended). A failure that a retry cannot fix (password, certificate,
a refused command) ends the account's sync at once with that error.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import field

from kittiwake.client.events import (
    FolderListChanged,
    OnlineStateChanged,
    Phase,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.net.errors import (
    CommandFailed,
    ConnectionLost,
    KittiwakeError,
    NetworkError,
    OperationTimeout,
    ProtocolError,
)
from kittiwake.client.records import record
from kittiwake.client.store.model import Folder
from kittiwake.client.store.store import Store
from kittiwake.client.sync.backoff import Backoff
from kittiwake.client.sync.folder_sync import (
    BodyPolicy,
    Capabilities,
    Emit,
    FolderResult,
    FolderSync,
    is_unchanged,
)
from kittiwake.client.sync.folders import FolderList

log = logging.getLogger(__name__)


class CacheWriteFailed(KittiwakeError, OSError):
    """The local cache refused a write (disk full, read-only, corrupt). The transaction rolled
    back, so what was stored before stays, and the next sync resumes from there."""

    default_hint = "Free some disk space (or check the data directory), then sync again."

    @classmethod
    def from_sqlite(cls, error: sqlite3.Error) -> CacheWriteFailed:
        # SQLite rolls a transaction back by itself on SQLITE_FULL, so the store's own
        # ROLLBACK then fails and hides the cause: look down the exception chain for it.
        seen: BaseException | None = error
        while seen is not None:
            if isinstance(seen, sqlite3.Error) and "full" in str(seen).lower():
                return cls("The disk is full: Kittiwake could not store the new mail.")
            seen = seen.__context__
        return cls(f"The local mail cache could not be written ({type(error).__name__}).")


# Worth another connection: the network or the server's process went away mid-way.
RETRYABLE = (ConnectionLost, OperationTimeout, ProtocolError)


@record
class Retries:
    attempts: int = 4  # connections per sync, the first included
    # Full jitter (AWS architecture blog): the whole delay is random, which spreads the
    # reconnects of many clients best; 1 s, 2 s, 4 s ... ceilings, at most 30 s.
    backoff: Backoff = field(default_factory=lambda: Backoff(base=1.0, cap=30.0, jitter=1.0))

    def delay(self, attempt: int) -> float:
        """Seconds to wait before connection `attempt` + 1 (after `attempt` failures)."""
        return self.backoff.delay(attempt)


@record(frozen=False)
class AccountResult:
    account: str
    folders: list[str] = field(default_factory=list)
    totals: FolderResult = field(default_factory=FolderResult)
    error: KittiwakeError | None = None
    failed_folder: str = ""
    unchanged: list[str] = field(default_factory=list)  # skipped: LIST-STATUS said so

    @property
    def ok(self) -> bool:
        return self.error is None


@record(frozen=False)
class AccountSync:
    account: str
    endpoint: Endpoint
    credentials: Credentials | None
    store: Store
    emit: Emit = lambda _event: None
    policy: BodyPolicy = field(default_factory=BodyPolicy)
    allow: Capabilities = field(default_factory=Capabilities)
    retries: Retries = field(default_factory=Retries)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _statuses: dict[str, dict[str, int]] = field(default_factory=dict, init=False)

    async def _connect(self) -> ImapClient:
        self.emit(SyncProgress(self.account, "", Phase.CONNECTING, 0, 1))
        return await ImapClient.connect(self.endpoint, self.credentials)

    async def run(self, only: Sequence[str] | None = None) -> AccountResult:
        """Sync the account's folders (or only those named); never raises a KittiwakeError:
        the result (and a SyncFailed event) carries it."""
        result = AccountResult(self.account)
        if self.account not in self.store.folders.accounts():
            self.store.folders.add_account(self.account)
        todo: list[str] | None = None
        attempt = 0
        online = False
        while True:
            client: ImapClient | None = None
            current = ""
            try:
                client = await self._connect()
                if not online:
                    online = True
                    self.emit(OnlineStateChanged(self.account, True))
                if todo is None:
                    todo = await self._folders(client, only)
                while todo:
                    current = todo[0]
                    folder = self.store.folders.find(self.account, current)
                    if folder is not None:
                        await self._folder(client, folder, result)
                        result.folders.append(current)
                    todo.pop(0)
                break
            except RETRYABLE as error:
                attempt += 1
                log.info(
                    "sync of %s: connection lost (%s), attempt %d",
                    self.account,
                    type(error).__name__,
                    attempt,
                )
                if attempt >= self.retries.attempts:
                    self._fail(result, error, current)
                    if isinstance(error, NetworkError):
                        self.emit(OnlineStateChanged(self.account, False, error.message))
                    break
                await self._pause(self.retries.delay(attempt))
            except sqlite3.Error as error:
                self._fail(result, CacheWriteFailed.from_sqlite(error), current)
                break
            except KittiwakeError as error:
                self._fail(result, error, current)
                if isinstance(error, NetworkError):
                    self.emit(OnlineStateChanged(self.account, False, error.message))
                break
            finally:
                if client is not None:
                    await _quietly_logout(client)
        if result.ok:
            totals = result.totals
            self.emit(
                SyncFinished(
                    self.account,
                    len(result.folders),
                    totals.added,
                    totals.removed,
                    totals.flags_changed,
                    totals.bodies,
                )
            )
        return result

    async def _pause(self, seconds: float) -> None:
        await self.sleep(seconds)

    async def _folders(self, client: ImapClient, only: Sequence[str] | None) -> list[str]:
        self.emit(SyncProgress(self.account, "", Phase.FOLDERS, 0, 1))
        listing = FolderList(client, self.store, self.account)
        folders, changed = await listing.refresh()
        self._statuses = listing.statuses
        if changed:
            self.emit(FolderListChanged(self.account))
        names = [f.name for f in _inbox_first(folders)]
        if only is None:
            return names
        wanted: list[str] = []
        for name in only:
            match = next(
                (n for n in names if n == name or (name.upper() == "INBOX" == n.upper())), None
            )
            if match is None:
                raise CommandFailed(
                    f"The account {self.account!r} has no folder {name!r}.",
                    "Run `kittiwake sync` without --folder to refresh the folder list.",
                )
            wanted.append(match)
        return wanted

    async def _folder(self, client: ImapClient, folder: Folder, result: AccountResult) -> None:
        status = self._statuses.pop(folder.name, None)  # good for the first attempt only
        if status is not None and is_unchanged(self.store, folder, status, self.policy):
            result.unchanged.append(folder.name)
            return
        outcome = await FolderSync(
            client, self.store, folder, self.emit, self.policy, self.allow
        ).run()
        totals = result.totals
        totals.added += outcome.added
        totals.removed += outcome.removed
        totals.flags_changed += outcome.flags_changed
        totals.bodies += outcome.bodies

    def _fail(self, result: AccountResult, error: KittiwakeError, folder: str) -> None:
        result.error = error
        result.failed_folder = folder
        self.emit(SyncFailed(self.account, folder, error.message, error.hint))


def _inbox_first(folders: Sequence[Folder]) -> list[Folder]:
    return sorted(folders, key=lambda f: (f.name.upper() != "INBOX", f.name))


async def _quietly_logout(client: ImapClient) -> None:
    try:
        if client.is_open:
            await asyncio.wait_for(client.logout(), 5)
    except (TimeoutError, KittiwakeError, OSError):
        await client.close()
