"""The one facade the GUI and the CLI use: accounts, folders, message pages, bodies, search,
sync now, online state, and a stream of events.

    engine = Engine.open(home)               # or Engine.open() for the platform's dirs
    results = await engine.sync()             # every account; or sync("work", folders=[...])
    page = engine.messages(folder.id)         # straight from the cache, no network
    async for event in engine.events(): ...   # or engine.add_listener(callback)
    engine.close()

Thin by design: the work lives in client/sync (network) and client/store (cache). No Qt here;
the GUI's bridge turns events into signals. Everything reads the cache, so it works offline.

`Engine.open(..., background=True)` (the GUI's mode) runs the network work (sync, the online
sessions, replay, the outbox) on a worker thread with its own loop and its own connection to
the cache (client/sync/worker.py); the listeners are still called on the loop that asked, in
order. The CLI keeps everything on its one loop: it has no event loop to keep responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.ids import is_valid_account_id, slugify
from kittiwake.client.accounts.model import Account, IncomingProtocol
from kittiwake.client.accounts.secrets import KeyringStore, PasswordResolver, ServerRole
from kittiwake.client.events import (
    Event,
    FlagsChanged,
    FolderListChanged,
    MessagesAdded,
    MessagesRemoved,
    OnlineStateChanged,
    Phase,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.errors import CommandFailed, ConfigError, KittiwakeError, NetworkError
from kittiwake.client.paths import Paths
from kittiwake.client.store.model import (
    Flag,
    Folder,
    MessageSummary,
    Page,
    PageCursor,
    Role,
    SortKey,
)
from kittiwake.client.store.store import Store
from kittiwake.client.sync.account_sync import AccountResult, AccountSync, CacheWriteFailed
from kittiwake.client.sync.folder_sync import BodyPolicy

if TYPE_CHECKING:
    from kittiwake.client.importexport import ImportReport
    from kittiwake.client.mime.addresses import Address
    from kittiwake.client.mime.compose import Draft
    from kittiwake.client.mime.display import DisplayMessage
    from kittiwake.client.store.indexing import BackgroundIndexer
    from kittiwake.client.sync.backoff import Backoff
    from kittiwake.client.sync.online import OnlineSession
    from kittiwake.client.sync.operations import LocalOps
    from kittiwake.client.sync.outbox import SendReport
    from kittiwake.client.sync.worker import SyncWorker

CACHE_FILE = "cache.sqlite3"
WORKER_CACHE_KIB = 16 * 1024  # the worker connection's SQLite page cache
Listener = Callable[[Event], None]
T = TypeVar("T")


def extract_text(raw: bytes) -> str:
    """The body text the full-text index holds (the reader's own text, so search agrees)."""
    # The index's own extractor: the words the reader shows, ~15x faster than parse_message.
    from kittiwake.client.mime.indextext import index_text  # lazily: sync never needs it

    return index_text(raw)


class Engine:
    def __init__(
        self,
        paths: Paths,
        store: Store,
        resolver: PasswordResolver,
        *,
        policy: BodyPolicy | None = None,
    ) -> None:
        self.paths = paths
        self.store = store
        self.resolver = resolver
        self.policy = policy or BodyPolicy()
        self._listeners: list[Listener] = []
        self._online: dict[str, bool] = {}
        self._reconnected: set[str] = set()  # online again: the outbox goes at the next sync
        # Background mode (run_in_background): the worker, its engine (a twin with its own
        # Store, used only on the worker's thread) and the loop its events are handed to.
        self._worker: SyncWorker[Engine] | None = None
        self._indexer: BackgroundIndexer | None = None
        self._home_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def open(
        cls,
        home: str | os.PathLike[str] | None = None,
        *,
        paths: Paths | None = None,
        secrets: KeyringStore | None = None,
        policy: BodyPolicy | None = None,
        background: bool = False,
    ) -> Engine:
        paths = paths or Paths.resolve(home)
        paths.ensure()
        store = Store.open(paths.data_dir / CACHE_FILE)
        engine = cls(paths, store, PasswordResolver(secrets), policy=policy)
        if background:
            engine.run_in_background()
        return engine

    def close(self) -> None:
        """Stop the worker first (online sessions log out, a running sync is cancelled and its
        transaction rolled back; queued operations and the outbox are durable already), then
        close this thread's connection."""
        worker, self._worker = self._worker, None
        indexer, self._indexer = self._indexer, None
        try:
            if indexer is not None:
                indexer.stop()  # uncommitted index work is simply done again next time
            if worker is not None:
                worker.stop()
        finally:
            self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- accounts and folders ------------------------------------------------------------

    def accounts(self) -> list[Account]:
        return AccountsFile(self.paths.accounts_file).load()

    def account(self, name: str) -> Account:
        """By id, or by the name it was created with."""
        wanted = name if is_valid_account_id(name) else slugify(name)
        for account in self.accounts():
            if account.id == wanted or account.display_name == name:
                return account
        raise ConfigError(
            f"There is no account {name!r}.", "`kittiwake accounts list` shows the accounts."
        )

    def folders(self, account: str | None = None) -> list[Folder]:
        return self.store.folders.list(None if account is None else self.account(account).id)

    def folder(self, account: str, name: str) -> Folder:
        account_id = self.account(account).id
        folder = self.store.folders.find(account_id, name)
        if folder is None and name.upper() == "INBOX":
            folder = self.store.folders.find(account_id, "INBOX")
        if folder is None:
            # A local folder (imported mail) answers to its name too; the server's wins.
            folder = self.local_folder(account, name)
        if folder is None:
            raise CommandFailed(
                f"The account {account_id!r} has no cached folder {name!r}.",
                f"Run `kittiwake sync {account_id}` first, or check the folder's name.",
            )
        return folder

    # --- messages ------------------------------------------------------------------------

    def messages(
        self,
        folder_id: int,
        *,
        sort: SortKey = SortKey.DATE,
        descending: bool = True,
        limit: int = 100,
        after: PageCursor | None = None,
        unread_only: bool = False,
    ) -> Page:
        return self.store.messages.page(
            folder_id,
            sort=sort,
            descending=descending,
            limit=limit,
            after=after,
            unread_only=unread_only,
        )

    def message(self, message_id: int) -> MessageSummary | None:
        return self.store.messages.get(message_id)

    def message_by_uid(self, folder_id: int, uid: int) -> MessageSummary | None:
        message_id = self.store.messages.find_uid(folder_id, uid)
        return None if message_id is None else self.store.messages.get(message_id)

    def raw_message(self, message_id: int) -> bytes | None:
        """The RFC 5322 bytes, or None when not downloaded (yet)."""
        return self.store.bodies.get(message_id)

    def parsed_message(self, message_id: int) -> DisplayMessage | None:
        from kittiwake.client.mime.parse import parse_message

        raw = self.raw_message(message_id)
        return None if raw is None else parse_message(raw)

    # --- search --------------------------------------------------------------------------

    def index_pending(self, limit: int = 500) -> int:
        """Index up to `limit` messages waiting for the full-text index (0: caught up)."""
        return self.store.index_pending(limit, extract_text)

    # Seconds a search waits for the background indexer before it searches what is indexed.
    INDEX_WAIT = 2.0

    async def catch_up_index(self) -> None:
        """Before a search: what the last sync stored gets indexed. In background mode the
        indexer's thread does it and this waits at most INDEX_WAIT (a search of what is indexed
        beats a frozen search box); otherwise it indexes here, in slices that let the loop run."""
        if self._indexer is not None:
            self._indexer.wake()
            await asyncio.to_thread(self._indexer.wait_idle, self.INDEX_WAIT)
            return
        indexed = self.index_pending(200)
        while indexed:
            await asyncio.sleep(0)  # one slice at a time: the loop keeps running
            indexed = self.index_pending(200)

    def search(
        self, query: str, *, account: str | None = None, limit: int = 100, catch_up: bool = True
    ) -> list[MessageSummary]:
        """Messages matching `query` (store/search/query.py's language), newest first.
        `catch_up` first indexes what the last sync stored (the CLI has no background)."""
        while catch_up and self._indexer is None and self.index_pending():
            pass  # the CLI catches up here; in background mode the indexer's thread does
        account_id = None if account is None else self.account(account).id
        return self.store.search(query, account=account_id, limit=limit)

    # --- sync and online state -----------------------------------------------------------

    async def sync(
        self, account: str | None = None, *, folders: Sequence[str] | None = None
    ) -> list[AccountResult]:
        """Sync one account (by id or name) or every account; never raises for a server
        problem: each result carries its error (and a SyncFailed event was emitted)."""
        if self._worker is not None:
            return await self._in_worker(lambda twin: twin.sync(account, folders=folders))
        chosen = [self.account(account)] if account is not None else self.accounts()
        results: list[AccountResult] = []
        for item in chosen:
            results.append(await self._sync_one(item, folders))
        return results

    async def _sync_one(self, account: Account, folders: Sequence[str] | None) -> AccountResult:
        try:
            credentials = self.resolver.credentials(account, ServerRole.INCOMING)
        except KittiwakeError as error:
            result = AccountResult(account.id)
            result.error = error
            return result
        if credentials is None:
            result = AccountResult(account.id)
            result.error = ConfigError(
                f"No password is available for the account {account.id!r}.",
                "Add it again with --password-stdin or --password-command.",
            )
            return result
        if account.incoming_protocol is IncomingProtocol.POP3:
            return await self._download_pop3(account, credentials, folders)
        runner = AccountSync(
            account.id,
            account.incoming.endpoint(),
            credentials,
            self.store,
            emit=self._emit,
            policy=self.policy,
        )
        return await runner.run(folders)

    async def _download_pop3(
        self, account: Account, credentials: Credentials, folders: Sequence[str] | None
    ) -> AccountResult:
        """POP3 has one folder, filled by client/sync/pop3_download.py."""
        from kittiwake.client.sync import pop3_download

        result = AccountResult(account.id)
        if folders and any(f.upper() != "INBOX" for f in folders):
            result.error = CommandFailed(
                f"The POP3 account {account.id!r} has only an Inbox.", "Leave out --folder."
            )
            return result
        self.store.folders.add_account(account.id)
        self._emit(SyncProgress(account.id, "INBOX", Phase.CONNECTING, 0, 1))
        try:
            report = await pop3_download.download(
                self.store, account.id, account.incoming.endpoint(), credentials, account.pop3
            )
        except sqlite3.Error as error:
            result.error = CacheWriteFailed.from_sqlite(error)
        except KittiwakeError as error:
            result.error = error
        if result.error is not None:
            self._emit(SyncFailed(account.id, "INBOX", result.error.message, result.error.hint))
            if isinstance(result.error, NetworkError):
                self._emit(OnlineStateChanged(account.id, False, result.error.message))
            return result
        self._emit(OnlineStateChanged(account.id, True))
        inbox = self.store.folders.find(account.id, "INBOX")
        if report.downloaded and inbox is not None:
            self._emit(MessagesAdded(account.id, inbox.id, tuple(report.downloaded)))
        result.folders.append("INBOX")
        result.totals.added = result.totals.bodies = len(report.downloaded)
        self._emit(
            SyncFinished(account.id, 1, len(report.downloaded), 0, 0, len(report.downloaded))
        )
        return result

    # --- background mode: the network work on a worker thread (client/sync/worker.py) -----

    def run_in_background(self) -> None:
        """From now on sync, the online sessions, replay and the outbox run on a worker thread
        with its own loop and its own Store on the same cache file (WAL: this thread keeps
        reading, and its small writes wait out the worker's short transactions on
        busy_timeout). Results and events come back to the loop that asked for the work."""
        if self._worker is not None:
            return
        from kittiwake.client.sync.worker import SyncWorker

        worker: SyncWorker[Engine] = SyncWorker(
            self._worker_engine, teardown=_stop_sessions, close=_close_store, name="kittiwake-sync"
        )
        worker.start()
        self._worker = worker
        # Full-text indexing on a thread of its own (and a process pool for big batches), so
        # neither the sync nor the GUI waits for it; woken by every sync that stores mail.
        from kittiwake.client.store.indexing import BackgroundIndexer

        self._indexer = BackgroundIndexer(cache_path(self.paths)).start()

    @property
    def worker(self) -> SyncWorker[Engine] | None:
        """The worker in background mode (e.g. for the full-text indexer's start_background)."""
        return self._worker

    def _worker_engine(self) -> Engine:
        """The worker's twin, made on the worker's thread: same home, accounts, passwords and
        policy, its own connection to the cache (one per thread), no worker of its own."""
        store = Store.open(cache_path(self.paths))
        # The worker writes batches and looks rows up by key; the big page cache is for the GUI
        # connection's paging through 100,000-row folders. A second 64 MiB would only be memory.
        store.db.conn.execute(f"PRAGMA cache_size = -{WORKER_CACHE_KIB}")
        twin = Engine(self.paths, store, self.resolver, policy=self.policy)
        twin.add_listener(self._hand_over)
        return twin

    def _hand_over(self, event: Event) -> None:
        """On the worker's thread: the event reaches this engine's listeners on the caller's
        loop, in order (call_soon_threadsafe is first in, first out)."""
        loop = self._home_loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # that loop closed: nobody listens any more
            loop.call_soon_threadsafe(self._emit, event)

    async def _in_worker(self, job: Callable[[Engine], Coroutine[Any, Any, T]]) -> T:
        assert self._worker is not None
        self._home_loop = asyncio.get_running_loop()
        return await self._worker.submit(job)

    def online(self, account: str) -> bool | None:
        """True/False as last seen by a sync; None before the first attempt."""
        return self._online.get(self.account(account).id)

    # --- events --------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event (in the engine's loop); returns the remover."""
        self._listeners.append(listener)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    async def events(self) -> AsyncIterator[Event]:
        """Every event from now on, as an async iterator (ends when the consumer stops)."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        remove = self.add_listener(queue.put_nowait)
        try:
            while True:
                yield await queue.get()
        finally:
            remove()

    def _emit(self, event: Event) -> None:
        if isinstance(event, OnlineStateChanged):
            self._online[event.account] = event.online
            if event.online:
                self._reconnected.add(event.account)
        elif isinstance(event, MessagesAdded | SyncFinished) and self._indexer is not None:
            self._indexer.wake()
        for listener in list(self._listeners):
            listener(event)

    # --- the main window's needs: random-access pages, counts, local-first operations --------
    # Added by the GUI (main window). Each delegates to client/store or client/sync/operations;
    # local changes emit the same events a sync would, so every view updates at once.

    def folder_by_id(self, folder_id: int) -> Folder | None:
        return self.store.folders.get(folder_id)

    def messages_at(
        self,
        folder_id: int,
        offset: int,
        *,
        sort: SortKey = SortKey.DATE,
        descending: bool = True,
        limit: int = 100,
    ) -> list[MessageSummary]:
        """Rows `offset`.. of a folder's list (a view that jumps when the scroll bar is dragged)."""
        return self.store.messages.page_at(
            folder_id, offset, sort=sort, descending=descending, limit=limit
        )

    def search_page(
        self,
        query: str,
        *,
        folder_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[MessageSummary]:
        """A window of a search's results, newest first (no index catch-up: see index_pending)."""
        return self.store.search(query, folder_id=folder_id, offset=offset, limit=limit)

    def search_count(self, query: str, *, folder_id: int | None = None) -> int:
        return self.store.count(query, folder_id=folder_id)

    def keyword_messages(
        self, folder_id: int | None, keyword: str, *, offset: int = 0, limit: int = 100
    ) -> tuple[int, list[MessageSummary]]:
        """(count, a window) of the messages carrying an IMAP keyword (a tag), newest first."""
        from kittiwake.client.store.messages import SUMMARY_COLUMNS, summary

        where = "(' ' || keywords || ' ') LIKE ?" + (
            "" if folder_id is None else " AND folder_id = ?"
        )
        params: list[object] = [f"% {keyword} %"]
        if folder_id is not None:
            params.append(folder_id)
        conn = self.store.db.conn
        (count,) = conn.execute(f"SELECT count(*) FROM messages WHERE {where}", params).fetchone()
        rows = conn.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE {where} "
            "ORDER BY date DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return int(count), [summary(r) for r in rows]

    def outbox_count(self) -> int:
        from kittiwake.client.store.queue import OutboxState

        return sum(1 for item in self.store.outbox.list() if item.state != OutboxState.SENT)

    def _local_ops(self, account: str) -> LocalOps:
        from kittiwake.client.sync.operations import LocalOps

        return LocalOps(self.store, account, remote=self._remote(account))

    def _remote(self, account: str) -> bool:
        """Whether the account's changes are replayed to a server: IMAP yes; POP3 and
        imported mail (`<id>@local`, no server behind it) keep them in the cache."""
        from kittiwake.client.importexport import is_local_account

        if is_local_account(account):
            return False
        return self.account(account).incoming_protocol is IncomingProtocol.IMAP

    def _by_account(self, message_ids: Sequence[int]) -> dict[str, list[MessageSummary]]:
        groups: dict[str, list[MessageSummary]] = {}
        folders: dict[int, Folder | None] = {}
        for row in self.store.messages.get_many(list(message_ids)):
            if row.folder_id not in folders:
                folders[row.folder_id] = self.store.folders.get(row.folder_id)
            folder = folders[row.folder_id]
            if folder is not None:
                groups.setdefault(folder.account, []).append(row)
        return groups

    def _emit_each_folder(
        self,
        account: str,
        rows: Sequence[MessageSummary],
        kind: type[FlagsChanged] | type[MessagesRemoved],
    ) -> None:
        by_folder: dict[int, list[int]] = {}
        for row in rows:
            by_folder.setdefault(row.folder_id, []).append(row.uid)
        for folder_id, uids in by_folder.items():
            self._emit(kind(account, folder_id, tuple(uids)))

    def mark(
        self, message_ids: Sequence[int], *, add: Flag = Flag.NONE, remove: Flag = Flag.NONE
    ) -> None:
        """Mark read/unread, flag/unflag: in the cache at once, queued for the server."""
        for account, rows in self._by_account(message_ids).items():
            self._local_ops(account).mark([r.id for r in rows], add=add, remove=remove)
            self._emit_each_folder(account, rows, FlagsChanged)

    def set_keywords(
        self, message_ids: Sequence[int], *, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Tags and $Junk/$NotJunk as IMAP keywords: cache first, then a queued STORE."""
        from kittiwake.client.sync.operations import Kind

        for account, rows in self._by_account(message_ids).items():
            remote = self._remote(account)
            with self.store.transaction(durable=True) as conn:
                for row in rows:
                    words = (set(row.keywords) | set(add)) - set(remove)
                    conn.execute(
                        "UPDATE messages SET keywords = ? WHERE id = ?",
                        (" ".join(sorted(words)), row.id),
                    )
                for folder_id in {r.folder_id for r in rows}:
                    folder = self.store.folders.get(folder_id)
                    mine = [r for r in rows if r.folder_id == folder_id]
                    if remote and folder is not None:
                        self.store.ops.add(
                            account,
                            Kind.STORE,
                            {
                                "folder": folder.name,
                                "uidvalidity": folder.uidvalidity,
                                "uids": [r.uid for r in mine],
                                "add": list(add),
                                "remove": list(remove),
                                "before": {str(r.uid): int(r.flags) for r in mine},
                            },
                        )
            self._emit_each_folder(account, rows, FlagsChanged)

    def move(self, message_ids: Sequence[int], destination_id: int) -> None:
        """Move to another folder of the same account (others are skipped)."""
        destination = self.store.folders.get(destination_id)
        if destination is None:
            return
        for account, rows in self._by_account(message_ids).items():
            rows = [r for r in rows if r.folder_id != destination_id]
            if account != destination.account or not rows:
                continue
            self._local_ops(account).move([r.id for r in rows], destination_id)
            self._emit_each_folder(account, rows, MessagesRemoved)
            self._emit(FolderListChanged(account))

    def delete(self, message_ids: Sequence[int]) -> None:
        """To the account's Trash (for good when already there, or with no Trash)."""
        for account, rows in self._by_account(message_ids).items():
            self._local_ops(account).delete([r.id for r in rows])
            self._emit_each_folder(account, rows, MessagesRemoved)
            self._emit(FolderListChanged(account))

    def move_to_role(self, message_ids: Sequence[int], role: Role) -> bool:
        """Archive / Junk / Inbox: False when an account has no folder with that role."""
        done = True
        for account, rows in self._by_account(message_ids).items():
            target = self.store.folders.by_role(account, role)
            if target is None:
                done = False
                continue
            self.move([r.id for r in rows], target.id)
        return done

    def mark_junk(self, message_ids: Sequence[int], junk: bool = True) -> bool:
        """Junk: $Junk and into Junk. Not junk: $NotJunk and back to the Inbox."""
        ids = list(message_ids)
        if junk:
            self.set_keywords(ids, add=("$Junk",), remove=("$NotJunk",))
            return self.move_to_role(ids, Role.JUNK)
        self.set_keywords(ids, add=("$NotJunk",), remove=("$Junk",))
        return self.move_to_role(ids, Role.INBOX)

    async def replay(self, account: str | None = None) -> None:
        """Send the queued operations of one account (or all IMAP accounts) to the server.
        A network failure leaves them queued; a refusal rolls them back (operations.py)."""
        from kittiwake.client.imap.client import ImapClient
        from kittiwake.client.sync.operations import Replayer

        if self._worker is not None:
            await self._in_worker(lambda twin: twin.replay(account))
            return
        chosen = [self.account(account)] if account is not None else self.accounts()
        for item in chosen:
            if item.incoming_protocol is not IncomingProtocol.IMAP:
                continue
            if not self.store.ops.list(item.id):
                continue
            credentials = self.resolver.credentials(item, ServerRole.INCOMING)
            imap = await ImapClient.connect(item.incoming.endpoint(), credentials)
            try:
                report = await Replayer(self.store, item.id).run(imap)
            finally:
                with contextlib.suppress(KittiwakeError, OSError):
                    await imap.logout()
            if report.failed or report.done:
                self._emit(FolderListChanged(item.id))

    # --- composer and settings -------------------------------------------------------------

    def known_addresses(self, limit: int = 2000) -> list[Address]:
        """Addresses seen in the cache (senders and recipients of the newest `limit`
        messages), each once with the name last seen: the composer's autocomplete."""
        from kittiwake.client.mime.addresses import (
            Address,
            fold_inherited,
            is_valid_address,
            parse_address_list,
        )

        # Newest stored first by id (the primary key: no sort, stops after `limit` rows; there
        # is no index on date across folders, and a scan of 100,000 rows would stall the GUI).
        rows = self.store.db.conn.execute(
            "SELECT from_name, from_addr, to_addrs, cc_addrs FROM messages "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        seen: dict[str, Address] = {}
        for name, addr, to, cc in rows:
            found = parse_address_list(f"{to}, {cc}")
            with contextlib.suppress(ValueError):  # a stored line break: skip that sender
                found.insert(0, Address(fold_inherited(addr), fold_inherited(name)))
            for item in found:
                if is_valid_address(item.addr_spec):
                    seen.setdefault(item.key(), item)
        return list(seen.values())

    def save_draft(self, account: str, draft: Draft, *, raw: bytes | None = None) -> str:
        """Keep this version of a draft locally at once; its upload to the server's Drafts
        waits in the operation queue (`replay`). Returns the draft's Message-ID. `raw`: the
        draft already built by `build_draft` (off the GUI thread; big attachments are slow).
        The GUI saves with `save_draft_async`, which writes off the calling thread."""
        from kittiwake.client.sync import drafts

        if raw is None:
            raw = build_draft(draft, for_drafts=True)
        return drafts.save(self.store, self.account(account).id, raw)

    async def save_draft_async(
        self, account: str, draft: Draft, *, raw: bytes | None = None
    ) -> str:
        """`save_draft` without blocking the calling loop: building the message and its
        durable write (a 10 MB attachment: about a second of SQLite and fsync) run on a
        short-lived thread with its own connection to the cache."""
        from kittiwake.client.sync import drafts

        account_id = self.account(account).id

        def write(store: Store) -> str:
            built = build_draft(draft, for_drafts=True) if raw is None else raw
            return drafts.save(store, account_id, built)

        return await self._write_off_thread(write)

    def draft_message(self, account: str, message_id: str) -> bytes | None:
        """The latest saved version of a draft (offline), or None."""
        from kittiwake.client.sync import drafts

        found = drafts.get(self.store, self.account(account).id, message_id)
        return None if found is None else found.raw

    def discard_draft(self, account: str, message_id: str) -> None:
        self._discard_draft_in(self.store, self.account(account).id, message_id)

    @staticmethod
    def _discard_draft_in(store: Store, account_id: str, message_id: str) -> None:
        from kittiwake.client.sync import drafts

        if drafts.exists(store, account_id, message_id):
            drafts.discard(store, account_id, message_id)

    def queue_draft(self, account: str, draft: Draft, *, raw: bytes | None = None) -> int:
        """Send, from the user's side: the message goes to the outbox in one durable
        transaction (works offline) and its saved draft is dropped. Returns the outbox id.
        `raw`: the message already built by `build_draft(draft)`. The GUI sends with
        `queue_draft_async`, which writes off the calling thread."""
        account_id = self.account(account).id
        if raw is None:
            raw = build_draft(draft)
        item_id = self._queue_draft_in(self.store, account_id, draft, raw)
        self._emit(FolderListChanged(account_id))  # the Outbox folder appears or grows
        return item_id

    async def queue_draft_async(
        self, account: str, draft: Draft, *, raw: bytes | None = None
    ) -> int:
        """`queue_draft` without blocking the calling loop (a 10 MB message took ~1 s of the
        GUI thread): the same durable transaction and draft discard, on a short-lived thread
        with its own connection to the cache (not the worker's: a sync there may hold a
        transaction open across awaits, and a nested write would join it). Once it has
        committed, the event comes on this loop. Cancelling the await does not undo it."""
        account_id = self.account(account).id

        def write(store: Store) -> int:
            built = build_draft(draft) if raw is None else raw
            return self._queue_draft_in(store, account_id, draft, built)

        item_id = await self._write_off_thread(write)
        self._emit(FolderListChanged(account_id))  # the Outbox folder appears or grows
        return item_id

    @classmethod
    def _queue_draft_in(cls, store: Store, account_id: str, draft: Draft, raw: bytes) -> int:
        from kittiwake.client.sync import outbox

        item_id = outbox.enqueue(store, account_id, raw, address=draft.identity.address)
        if draft.message_id:
            cls._discard_draft_in(store, account_id, draft.message_id)
        return item_id

    async def _write_off_thread(self, job: Callable[[Store], T]) -> T:
        """`job(store)` on a short-lived thread with a connection of its own to the cache (one
        connection per thread; WAL lets this thread's connection keep reading meanwhile)."""
        path = cache_path(self.paths)

        def run() -> T:
            store = Store.open(path)
            try:
                return job(store)
            finally:
                store.close()

        return await asyncio.to_thread(run)

    async def send_outbox(self, account: str, *, now: bool = True) -> SendReport:
        """Send the account's queued messages (`now`: also those waiting for a retry)."""
        if self._worker is not None:
            return await self._in_worker(lambda twin: twin.send_outbox(account, now=now))
        from kittiwake.client.store.queue import OutboxState
        from kittiwake.client.sync import outbox
        from kittiwake.client.sync.outbox import AccountLink, OutboxSender

        chosen = self.account(account)
        if now:
            for item in self.store.outbox.list(chosen.id):
                if item.state is OutboxState.QUEUED:
                    outbox.retry(self.store, item.id)
        link = AccountLink.for_account(chosen, self.resolver)
        sender = OutboxSender(self.store, link, lock_path=self.paths.data_dir / "outbox.lock")
        try:
            return await sender.run()
        finally:
            self._emit(FolderListChanged(chosen.id))  # the Outbox count changed (or not)

    def update_account(self, account: Account) -> None:
        """Save edited servers or identities of an existing account (same id)."""
        AccountsFile(self.paths.accounts_file).replace(account)
        self._emit(FolderListChanged(account.id))

    def remove_account(self, account: str) -> bool:
        """Forget an account: its passwords first (an orphan secret is worse than an account
        whose password must be typed again), then its config entry, then everything cached
        for it. False when the keyring could not be reached to delete its passwords."""
        from kittiwake.client.accounts.model import PasswordStorage
        from kittiwake.client.net.errors import SecretStoreUnavailable

        chosen = self.account(account)
        secrets_gone = True
        try:
            self.resolver.store.delete_account(chosen.id)
        except SecretStoreUnavailable:
            secrets_gone = chosen.password_source.storage is not PasswordStorage.KEYRING
        self.resolver.session.forget(chosen.id)
        AccountsFile(self.paths.accounts_file).remove(chosen.id)
        self.store.folders.remove_account(chosen.id)  # cascades: folders, messages, queues
        self._online.pop(chosen.id, None)
        self._emit(FolderListChanged(chosen.id))
        return secrets_gone

    # --- staying online: IDLE push, polling, reconnects (client/sync/online.py) ------------

    def _online_sessions(self) -> dict[str, OnlineSession]:
        # Created on first use, so the constructor (shared with other features) stays as is.
        sessions: dict[str, OnlineSession] = vars(self).setdefault("_online_by_account", {})
        return sessions

    def start_online(
        self,
        account: str | None = None,
        *,
        poll_interval: float | None = None,
        idle_renew: float | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        """Keep one IMAP account (or every one) online in the running loop (in background
        mode: the worker's): IDLE push on the Inbox, other folders polled every
        `poll_interval` seconds (default: the user's "check for new mail" setting),
        reconnects with backoff; the events are sync's. POP3 accounts are left to sync()."""
        from kittiwake.client.sync.online import OnlineSession

        chosen = [self.account(account)] if account is not None else self.accounts()
        if self._worker is not None:
            # Checked above on this thread, so a wrong name still raises here.
            self._home_loop = _calling_loop()
            self._worker.call(
                lambda twin: twin.start_online(
                    account, poll_interval=poll_interval, idle_renew=idle_renew, backoff=backoff
                )
            )
            return
        if poll_interval is None:
            poll_interval = self.check_interval()
        sessions = self._online_sessions()
        for item in chosen:
            running = sessions.get(item.id)
            if item.incoming_protocol is not IncomingProtocol.IMAP or (
                running is not None and running.running
            ):
                continue
            try:
                credentials = self.resolver.credentials(item, ServerRole.INCOMING)
            except KittiwakeError as error:
                self._emit(SyncFailed(item.id, "", error.message, error.hint))
                continue
            session = OnlineSession(
                item.id,
                item.incoming.endpoint(),
                credentials,
                self.store,
                emit=self._emit,
                before_sync=functools.partial(self._before_online_sync, item.id),
                policy=self.policy,
            )
            session.poll_interval = poll_interval
            if idle_renew is not None:
                session.idle_renew = idle_renew
            if backoff is not None:
                session.backoff = backoff
            sessions[item.id] = session
            session.start()

    def check_interval(self) -> float:
        """Seconds between polls: the Settings dialog's "check for new mail every" (its
        default when the settings file cannot be read; the dialog reports that)."""
        from kittiwake.client.settings import Settings, SettingsFile

        try:
            minutes = SettingsFile.beside(self.paths).load().check_interval_minutes
        except KittiwakeError:
            minutes = Settings().check_interval_minutes
        return minutes * 60.0

    async def _before_online_sync(self, account: str) -> None:
        """Local changes go to the server before its state is read back. Right after a
        (re)connection the outbox goes at once, retry delays or not: those delays were
        counting down while we were offline, and the user expects mail written offline to
        leave as soon as the connection is back."""
        from kittiwake.client.store.queue import OutboxState

        await self.replay(account)
        if account in self._reconnected:
            self._reconnected.discard(account)
            waiting = self.store.outbox.list(account)
            if any(item.state is OutboxState.QUEUED for item in waiting):
                await self.send_outbox(account, now=True)
                return
        due = self.store.outbox.due(int(time.time()), limit=1000)
        if any(item.account == account for item in due):
            await self.send_outbox(account, now=False)

    async def stop_online(self, account: str | None = None) -> None:
        """End the online sessions (IDLE ends, connections log out, no task left)."""
        if self._worker is not None:
            await self._in_worker(lambda twin: twin.stop_online(account))
            return
        sessions = self._online_sessions()
        ids = list(sessions) if account is None else [self.account(account).id]
        for account_id in ids:
            session = sessions.pop(account_id, None)
            if session is not None:
                await session.stop()

    async def work_offline(self, offline: bool = True) -> None:
        """The user's switch: offline stops every online session (changes stay queued);
        back online starts them again."""
        if self._worker is not None:
            await self._in_worker(lambda twin: twin.work_offline(offline))
            return
        if not offline:
            self.start_online()
            return
        ids = list(self._online_sessions())
        await self.stop_online()
        for account_id in ids:
            self._emit(OnlineStateChanged(account_id, False, "Working offline."))

    # --- import and export (client/importexport.py) ------------------------------------

    def import_mail(
        self, account: str, source: Path, *, maildir: bool = False, folder: str | None = None
    ) -> ImportReport:
        """An mbox file (or a Maildir folder) into a local folder of the account, which the
        sync never touches; importing the same messages again adds nothing."""
        from kittiwake.client import importexport

        account_id = self.account(account).id
        messages = importexport.read_maildir(source) if maildir else importexport.read_mbox(source)
        name = folder or importexport.DEFAULT_FOLDER
        return importexport.import_messages(self.store, account_id, name, messages)

    def local_folder(self, account: str, name: str) -> Folder | None:
        from kittiwake.client.importexport import local_account

        return self.store.folders.find(local_account(self.account(account).id), name)

    def export_mbox(self, account: str, folder: str, target: Path) -> tuple[int, int]:
        """A local folder (or else a cached folder) of the account as an mboxrd file, written
        atomically; returns (written, skipped because their bytes are not cached)."""
        from kittiwake.client.importexport import export_mbox

        chosen = self.local_folder(account, folder) or self.folder(account, folder)
        return export_mbox(self.store, chosen.id, target)


async def _stop_sessions(twin: Engine) -> None:
    await twin.stop_online()


def _close_store(twin: Engine) -> None:
    twin.store.close()


def _calling_loop() -> asyncio.AbstractEventLoop:
    """The loop of the calling thread: running (a coroutine or a qasync slot) or set."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def build_draft(draft: Draft, *, for_drafts: bool = False) -> bytes:
    """The bytes of a draft as the outbox (or, `for_drafts`, the Drafts folder with Bcc) keeps
    them. Pure and thread-safe: the GUI runs it in a worker thread (asyncio.to_thread), since
    encoding a 10 MB attachment takes over a second."""
    from kittiwake.client.mime.compose import build_message, needs_smtputf8

    return build_message(draft, smtputf8=needs_smtputf8(draft), include_bcc=for_drafts)


def cache_path(paths: Paths) -> Path:
    return paths.data_dir / CACHE_FILE
