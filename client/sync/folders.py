"""The folder list of an IMAP account: LIST into the cache, plus create/rename/delete/subscribe.

Roles come from SPECIAL-USE (RFC 6154) when the server marks folders; otherwise from the
names mail programs conventionally use. A name only gives a role nobody holds by attribute,
so a server that marks "Sent Items" as \\Sent never gets a second Sent from a folder "Sent".
Folders the server no longer lists are dropped from the cache (with their messages).
"""

from __future__ import annotations

from collections.abc import Iterable

from kittiwake.client.imap.mailboxes import STATUS_ITEMS, MailboxCommands
from kittiwake.client.imap.mailboxes import Folder as ImapFolder
from kittiwake.client.records import record
from kittiwake.client.store.model import Folder, FolderInfo, Role
from kittiwake.client.store.store import Store

_BY_ATTRIBUTE = {
    "\\sent": Role.SENT,
    "\\drafts": Role.DRAFTS,
    "\\trash": Role.TRASH,
    "\\junk": Role.JUNK,
    "\\archive": Role.ARCHIVE,
}
# Lower-cased last path component -> role, for servers without SPECIAL-USE.
_BY_NAME = {
    "sent": Role.SENT,
    "sent items": Role.SENT,
    "sent messages": Role.SENT,
    "sent mail": Role.SENT,
    "drafts": Role.DRAFTS,
    "draft": Role.DRAFTS,
    "trash": Role.TRASH,
    "deleted items": Role.TRASH,
    "deleted messages": Role.TRASH,
    "junk": Role.JUNK,
    "spam": Role.JUNK,
    "junk e-mail": Role.JUNK,
    "archive": Role.ARCHIVE,
    "archives": Role.ARCHIVE,
}


@record
class ListedFolder:
    name: str
    delimiter: str | None
    role: Role | None
    subscribed: bool
    selectable: bool


def _leaf(name: str, delimiter: str | None) -> str:
    return name.rsplit(delimiter, 1)[-1] if delimiter else name


def assign_roles(folders: Iterable[ImapFolder]) -> list[ListedFolder]:
    """Roles for a LIST result (pure): attributes first, then the name fallback."""
    listed = list(folders)
    roles: dict[str, Role] = {}
    taken: set[Role] = set()
    for folder in listed:
        if folder.name.upper() == "INBOX":
            roles[folder.name] = Role.INBOX
            taken.add(Role.INBOX)
            continue
        for attribute in folder.attributes:
            role = _BY_ATTRIBUTE.get(attribute.lower())
            if role is not None and role not in taken:
                roles[folder.name] = role
                taken.add(role)
                break
    # Top-level names before nested ones: "Sent" beats "Projects/Sent".
    for folder in sorted(listed, key=lambda f: (f.name.count(f.delimiter or "\0"), f.name)):
        if folder.name in roles:
            continue
        role = _BY_NAME.get(_leaf(folder.name, folder.delimiter).casefold())
        if role is not None and role not in taken:
            roles[folder.name] = role
            taken.add(role)
    return [
        ListedFolder(
            name="INBOX" if f.name.upper() == "INBOX" else f.name,
            delimiter=f.delimiter,
            role=roles.get(f.name),
            # Servers that answer LIST-EXTENDED mark subscriptions; others: all subscribed.
            subscribed=f.has("\\Subscribed") or not any(g.has("\\Subscribed") for g in listed),
            selectable=not (f.has("\\Noselect") or f.has("\\NonExistent")),
        )
        for f in listed
    ]


class FolderList:
    """One account's folders on one connection, mirrored into the cache."""

    def __init__(self, client: MailboxCommands, store: Store, account: str) -> None:
        self.client = client
        self.store = store
        self.account = account
        self.statuses: dict[str, dict[str, int]] = {}  # from the last refresh, when offered

    async def refresh(self) -> tuple[list[Folder], bool]:
        """LIST, store, drop folders that vanished; returns the selectable folders and
        whether anything changed."""
        caps = self.client.capabilities
        # LIST-STATUS: every folder's counters in the same round trip, so the account sync
        # can skip SELECTing folders where nothing happened (client/sync/folder_sync.py).
        # Only once something is cached to compare them with: the server opens every folder
        # to answer (measured: 170 ms for a 100,000-message Inbox), and a first sync wants
        # the Inbox's newest headers as soon as it can.
        items = (*STATUS_ITEMS, "HIGHESTMODSEQ") if caps.condstore else STATUS_ITEMS
        synced = any(f.uidvalidity is not None for f in self.store.folders.list(self.account))
        found = await self.client.list(status=items if caps.list_status and synced else ())
        self.statuses = {f.name: f.status for f in found if f.status is not None}
        if "INBOX" not in self.statuses:
            inbox = next((v for k, v in self.statuses.items() if k.upper() == "INBOX"), None)
            if inbox is not None:
                self.statuses["INBOX"] = inbox
        listed = [f for f in assign_roles(found) if f.selectable]
        current = self.store.folders.list(self.account)
        before = {(f.name, f.role, f.subscribed, f.delimiter) for f in current}
        if before == {(f.name, f.role, f.subscribed, f.delimiter) for f in listed}:
            # The usual case: nothing to write, so no write transaction (a no-change sync
            # leaves the cache file untouched).
            return current, False
        names = {f.name for f in listed}
        with self.store.transaction():
            for folder in listed:
                self.store.folders.upsert(
                    FolderInfo(
                        self.account, folder.name, folder.delimiter, folder.role, folder.subscribed
                    )
                )
            for cached in self.store.folders.list(self.account):
                if cached.name not in names:
                    self.store.folders.delete(cached.id)
        after = self.store.folders.list(self.account)
        changed = before != {(f.name, f.role, f.subscribed, f.delimiter) for f in after}
        return after, changed

    async def create(self, name: str) -> Folder:
        await self.client.create(name)
        await self.client.subscribe(name)
        await self.refresh()
        return self._cached(name)

    async def rename(self, old: str, new: str) -> Folder:
        await self.client.rename(old, new)
        cached = self.store.folders.find(self.account, old)
        if cached is not None:
            # Keep the id (and with it the cached messages: UIDs survive a RENAME).
            self.store.folders.rename(cached.id, new)
        await self.refresh()
        return self._cached(new)

    async def delete(self, name: str) -> None:
        await self.client.delete(name)
        cached = self.store.folders.find(self.account, name)
        if cached is not None:
            self.store.folders.delete(cached.id)

    async def subscribe(self, name: str, subscribed: bool = True) -> None:
        if subscribed:
            await self.client.subscribe(name)
        else:
            await self.client.unsubscribe(name)
        cached = self._cached(name)
        self.store.folders.upsert(
            FolderInfo(self.account, cached.name, cached.delimiter, cached.role, subscribed)
        )

    def _cached(self, name: str) -> Folder:
        folder = self.store.folders.find(self.account, name)
        if folder is None:
            raise KeyError(name)
        return folder
