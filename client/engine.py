"""The one facade the GUI and the CLI use: accounts, folders, message pages, bodies, search,
sync now, online state, and a stream of events.

    engine = Engine.open(home)               # or Engine.open() for the platform's dirs
    results = await engine.sync()             # every account; or sync("work", folders=[...])
    page = engine.messages(folder.id)         # straight from the cache, no network
    async for event in engine.events(): ...   # or engine.add_listener(callback)
    engine.close()

Thin by design: the work lives in client/sync (network) and client/store (cache). No Qt here;
the GUI's bridge turns events into signals. Everything reads the cache, so it works offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.ids import is_valid_account_id, slugify
from kittiwake.client.accounts.model import Account, IncomingProtocol
from kittiwake.client.accounts.secrets import KeyringStore, PasswordResolver, ServerRole
from kittiwake.client.events import Event, OnlineStateChanged
from kittiwake.client.net.errors import CommandFailed, ConfigError, KittiwakeError
from kittiwake.client.paths import Paths
from kittiwake.client.store.model import Folder, MessageSummary, Page, PageCursor, SortKey
from kittiwake.client.store.store import Store
from kittiwake.client.sync.account_sync import AccountResult, AccountSync
from kittiwake.client.sync.folder_sync import BodyPolicy

if TYPE_CHECKING:
    from kittiwake.client.mime.display import DisplayMessage

CACHE_FILE = "cache.sqlite3"
Listener = Callable[[Event], None]


def extract_text(raw: bytes) -> str:
    """The body text the full-text index holds (the reader's own text, so search agrees)."""
    from kittiwake.client.mime.parse import parse_message  # lazily: sync never needs it

    return parse_message(raw).text


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

    @classmethod
    def open(
        cls,
        home: str | os.PathLike[str] | None = None,
        *,
        paths: Paths | None = None,
        secrets: KeyringStore | None = None,
        policy: BodyPolicy | None = None,
    ) -> Engine:
        paths = paths or Paths.resolve(home)
        paths.ensure()
        store = Store.open(paths.data_dir / CACHE_FILE)
        return cls(paths, store, PasswordResolver(secrets), policy=policy)

    def close(self) -> None:
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

    def search(
        self, query: str, *, account: str | None = None, limit: int = 100, catch_up: bool = True
    ) -> list[MessageSummary]:
        """Messages matching `query` (store/search/query.py's language), newest first.
        `catch_up` first indexes what the last sync stored (the CLI has no background)."""
        while catch_up and self.index_pending():
            pass
        account_id = None if account is None else self.account(account).id
        return self.store.search(query, account=account_id, limit=limit)

    # --- sync and online state -----------------------------------------------------------

    async def sync(
        self, account: str | None = None, *, folders: Sequence[str] | None = None
    ) -> list[AccountResult]:
        """Sync one account (by id or name) or every account; never raises for a server
        problem: each result carries its error (and a SyncFailed event was emitted)."""
        chosen = [self.account(account)] if account is not None else self.accounts()
        results: list[AccountResult] = []
        for item in chosen:
            results.append(await self._sync_one(item, folders))
        return results

    async def _sync_one(self, account: Account, folders: Sequence[str] | None) -> AccountResult:
        if account.incoming_protocol is not IncomingProtocol.IMAP:
            result = AccountResult(account.id)
            result.error = CommandFailed(
                f"Syncing the POP3 account {account.id!r} is not available from here yet.",
                "POP3 accounts are downloaded by the GUI.",
            )
            return result
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
        runner = AccountSync(
            account.id,
            account.incoming.endpoint(),
            credentials,
            self.store,
            emit=self._emit,
            policy=self.policy,
        )
        return await runner.run(folders)

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
        for listener in list(self._listeners):
            listener(event)


def cache_path(paths: Paths) -> Path:
    return paths.data_dir / CACHE_FILE
