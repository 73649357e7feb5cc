"""The folder pane's model: a unified Inbox, the Outbox when it holds mail, then each account
with its special folders first (in Thunderbird's order) and the rest by name, nested by the
server's delimiter, then "Local Folders" when there are any. Column 1 is the unread count;
folders with unread mail are bold.

Local folders hold imported mail (client/importexport.py) under the store account
`<id>@local`, which no server syncs. As in Thunderbird they sit under one "Local Folders"
node after the accounts; with local folders of several accounts, one sub-node per account.
They are ordinary FOLDER items otherwise (list, search, counts, drops), and their
ACCOUNT_ROLE is the `@local` account, so a move never crosses between a server and the cache.

Counts come from the cache's maintained counters (no message is counted), so refreshing them
after every event is one small query. Folder names are plain DisplayRole text (rule 6).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QIcon, QStandardItem, QStandardItemModel

from kittiwake.client.accounts.model import Account
from kittiwake.client.engine import Engine
from kittiwake.client.importexport import is_local_account, owner_account
from kittiwake.client.store.model import Folder, Role
from kittiwake.ui.icons import themed_icon
from kittiwake.ui.models.message_list import MIME_TYPE, decode_ids

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
FOLDER_ID_ROLE = Qt.ItemDataRole.UserRole + 2
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 3
ACCOUNT_ROLE = Qt.ItemDataRole.UserRole + 4
ROLE_ROLE = Qt.ItemDataRole.UserRole + 5

ROLE_ORDER = (Role.INBOX, Role.DRAFTS, Role.SENT, Role.ARCHIVE, Role.JUNK, Role.TRASH)


class Kind(enum.StrEnum):
    UNIFIED = "unified"
    OUTBOX = "outbox"
    ACCOUNT = "account"
    FOLDER = "folder"
    LOCAL = "local"  # "Local Folders", and its per-account sub-nodes


# The engine's own answers (client/importexport.py), under the names the window uses.
is_local = is_local_account
base_account = owner_account


# (freedesktop icon name, shipped icon): the theme's when the desktop has one (ui/icons.py).
_ICONS = {
    Role.INBOX: ("mail-folder-inbox", "inbox"),
    Role.DRAFTS: ("document-edit", "drafts"),
    Role.SENT: ("mail-folder-sent", "sent"),
    Role.ARCHIVE: ("folder-archive", "archive"),
    Role.JUNK: ("mail-mark-junk", "junk"),
    Role.TRASH: ("user-trash", "trash"),
}


def role_icon(role: Role | None) -> QIcon:
    theme, shipped = _ICONS.get(role, ("folder", "folder"))  # type: ignore[arg-type]
    return themed_icon(theme, shipped)


def folder_order(folder: Folder) -> tuple[int, str]:
    rank = ROLE_ORDER.index(folder.role) if folder.role in ROLE_ORDER else len(ROLE_ORDER)
    return rank, folder.name.casefold()


class FolderTreeModel(QStandardItemModel):
    # (message ids, destination folder id): a drag from the message list landed on a folder
    sig_messages_dropped = Signal(list, int)
    sig_rebuilt = Signal()

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._bold = QFont()
        self._bold.setBold(True)
        self.setColumnCount(2)
        self._drag_accounts: tuple[bytes, frozenset[str]] = (b"", frozenset())
        self._shape: tuple[object, ...] = ()
        self.rebuild()

    # --- building ----------------------------------------------------------------------------

    def refresh(self) -> bool:
        """After a FolderListChanged: rebuild only when the tree's rows would differ (the
        engine also sends it for moves, deletes and Outbox counts); otherwise update the counts
        in place, so the view keeps its rows, selection and persistent indexes. True when it
        rebuilt."""
        accounts, folders = self.engine.accounts(), self.engine.folders()
        if self._shape_of(accounts, folders) == self._shape:
            self._update_counts(folders)
            return False
        self._rebuild(accounts, folders)
        return True

    def _shape_of(
        self, accounts: Sequence[Account], folders: Sequence[Folder]
    ) -> tuple[object, ...]:
        # Everything a row is built from, counts excepted (those change in place).
        return (
            tuple((a.id, a.display_name, a.address) for a in accounts),
            tuple(sorted((f.id, f.account, f.name, f.delimiter, f.role) for f in folders)),
            self.engine.outbox_count() > 0,
        )

    def rebuild(self) -> None:
        self._rebuild(self.engine.accounts(), self.engine.folders())

    def _rebuild(self, accounts: Sequence[Account], folders: Sequence[Folder]) -> None:
        # Rows only: clear() would drop the columns and with them the view's header setup.
        self.removeRows(0, self.rowCount())
        self._drag_accounts = (b"", frozenset())
        self._shape = self._shape_of(accounts, folders)
        root = self.invisibleRootItem()
        if accounts:
            unified = self._item(self.tr("All Inboxes"), Kind.UNIFIED, role_icon(Role.INBOX))
            root.appendRow([unified, self._count_item()])
        outbox = self.engine.outbox_count()
        if outbox:
            item = self._item(
                self.tr("Outbox"),
                Kind.OUTBOX,
                themed_icon("mail-folder-outbox", "outbox"),
            )
            root.appendRow([item, self._count_item(outbox)])
        for account in accounts:
            node = self._item(
                account.display_name or account.id,
                Kind.ACCOUNT,
                themed_icon("internet-mail", "account"),
            )
            node.setData(account.id, ACCOUNT_ROLE)
            node.setToolTip(account.address or account.id)  # the label is often a person's name
            root.appendRow([node, self._count_item()])
            self._add_folders(node, [f for f in folders if f.account == account.id])
        names = {a.id: a.display_name or a.id for a in accounts}
        self._add_local(root, [f for f in folders if is_local(f.account)], names)
        self._update_counts(folders)
        self.sig_rebuilt.emit()

    def _add_local(
        self, root: QStandardItem, folders: Sequence[Folder], names: dict[str, str]
    ) -> None:
        if not folders:
            return
        icon = themed_icon("computer", "local")
        node = self._item(self.tr("Local Folders"), Kind.LOCAL, icon)
        node.setToolTip(self.tr("Mail kept only on this computer"))
        root.appendRow([node, self._count_item()])
        # In the accounts' own order; those of removed accounts last.
        order = {account: rank for rank, account in enumerate(names)}
        owners = sorted(
            {f.account for f in folders},
            key=lambda a: (order.get(base_account(a), len(order)), a),
        )
        if len(owners) == 1:
            node.setData(owners[0], ACCOUNT_ROLE)
            self._add_folders(node, folders)
            return
        for owner in owners:
            # Folders of an account since removed stay (their mail exists nowhere else).
            base = base_account(owner)
            sub = self._item(names.get(base, base), Kind.LOCAL, icon)
            sub.setData(owner, ACCOUNT_ROLE)
            sub.setToolTip(base)
            node.appendRow([sub, self._count_item()])
            self._add_folders(sub, [f for f in folders if f.account == owner])

    def _add_folders(self, account_node: QStandardItem, folders: Sequence[Folder]) -> None:
        parents: dict[str, QStandardItem] = {}
        # Parents before children: sorting by name puts "A" before "A/B".
        for folder in sorted(folders, key=lambda f: f.name):
            delimiter = folder.delimiter or ""
            parent_name, _, leaf = (
                folder.name.rpartition(delimiter) if delimiter else ("", "", folder.name)
            )
            if parent_name not in parents:  # a top-level name that merely contains the delimiter
                parent_name, leaf = "", folder.name
            item = self._item(
                self._title(folder, leaf), Kind.FOLDER, role_icon(folder.role), folder
            )
            parents[folder.name] = item
            parents.get(parent_name, account_node).appendRow([item, self._count_item()])
        self._sort_children(account_node)

    def _sort_children(self, node: QStandardItem) -> None:
        rows = [node.takeRow(0) for _ in range(node.rowCount())]
        rows.sort(key=lambda r: (r[0].data(ROLE_ORDER_KEY), r[0].text().casefold()))
        for row in rows:
            node.appendRow(row)
            self._sort_children(row[0])

    def _title(self, folder: Folder, leaf: str) -> str:
        if is_local(folder.account):
            return folder.name  # the user's own name for it, shown as given
        if folder.role is Role.INBOX or folder.name.upper() == "INBOX":
            return self.tr("Inbox")
        return leaf or folder.name

    def _item(
        self, text: str, kind: Kind, icon: QIcon, folder: Folder | None = None
    ) -> QStandardItem:
        item = QStandardItem(icon, text)
        item.setEditable(False)
        item.setData(kind.value, KIND_ROLE)
        item.setData(0, UNREAD_ROLE)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        rank = len(ROLE_ORDER) + 1
        if folder is not None:
            item.setData(folder.id, FOLDER_ID_ROLE)
            item.setData(folder.account, ACCOUNT_ROLE)
            item.setData(None if folder.role is None else folder.role.value, ROLE_ROLE)
            item.setToolTip(folder.name)
            flags |= Qt.ItemFlag.ItemIsDropEnabled
            rank = folder_order(folder)[0]
        item.setData(rank, ROLE_ORDER_KEY)
        item.setFlags(flags)
        return item

    def _count_item(self, count: int = 0) -> QStandardItem:
        item = QStandardItem(str(count) if count else "")
        item.setEditable(False)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    # --- counts ------------------------------------------------------------------------------

    def update_counts(self) -> None:
        """Unread counts from the cache's counters, in place (selection and expansion stay):
        each changed row's items emit dataChanged, nothing is reset."""
        self._update_counts(self.engine.folders())

    def _update_counts(self, folder_list: Sequence[Folder]) -> None:
        folders = {f.id: f for f in folder_list}
        inbox_unread = sum(f.unread_count for f in folders.values() if f.role is Role.INBOX)
        for item in self.items():
            kind = item.data(KIND_ROLE)
            if kind == Kind.FOLDER:
                folder = folders.get(item.data(FOLDER_ID_ROLE))
                self._set_unread(item, 0 if folder is None else folder.unread_count)
            elif kind == Kind.UNIFIED:
                self._set_unread(item, inbox_unread)
            elif kind == Kind.OUTBOX:
                count = self._sibling(item)
                text = str(self.engine.outbox_count())
                if count.text() != text:
                    count.setText(text)

    def _set_unread(self, item: QStandardItem, unread: int) -> None:
        if item.data(UNREAD_ROLE) == unread and item.font().bold() == (unread > 0):
            return
        item.setData(unread, UNREAD_ROLE)
        font = QFont(item.font())
        font.setBold(unread > 0)
        item.setFont(font)
        count = self._sibling(item)
        count.setText(str(unread) if unread else "")
        count.setFont(font)

    def _sibling(self, item: QStandardItem) -> QStandardItem:
        parent = item.parent() or self.invisibleRootItem()
        sibling = parent.child(item.row(), 1)
        assert sibling is not None
        return sibling

    def items(self) -> Iterator[QStandardItem]:
        """Every item in the order the tree shows them (the accounts' folders before Local
        Folders, so the first "Inbox" found is a server's)."""
        root = self.invisibleRootItem()
        stack = [root]
        while stack:
            node = stack.pop()
            if node is not root:
                yield node
            children = [node.child(row, 0) for row in range(node.rowCount())]
            stack.extend(c for c in reversed(children) if c is not None)

    def index_of_folder(self, folder_id: int) -> QModelIndex:
        for item in self.items():
            if item.data(KIND_ROLE) == Kind.FOLDER and item.data(FOLDER_ID_ROLE) == folder_id:
                return item.index()
        return QModelIndex()

    def index_of_kind(self, kind: Kind) -> QModelIndex:
        for item in self.items():
            if item.data(KIND_ROLE) == kind:
                return item.index()
        return QModelIndex()

    def first_inbox(self) -> QModelIndex:
        """The first server account's Inbox (never a local folder that happens to be named
        so), or an invalid index while no account's folder list has been synced."""
        for item in self.items():
            account = item.data(ACCOUNT_ROLE)
            if item.data(KIND_ROLE) != Kind.FOLDER or not account or is_local(str(account)):
                continue
            if item.data(ROLE_ROLE) == Role.INBOX.value or item.toolTip().upper() == "INBOX":
                return item.index()
        return QModelIndex()

    # --- stable keys: what a rebuild keeps selected ------------------------------------------

    def key_of(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        """A key naming the row across rebuilds, virtual rows included (a folder id alone
        would lose "All Inboxes", the Outbox and the account and local nodes)."""
        if not index.isValid():
            return None
        item = index.sibling(index.row(), 0)
        kind = item.data(KIND_ROLE)
        if kind == Kind.FOLDER:
            return f"folder:{item.data(FOLDER_ID_ROLE)}"
        if kind in (Kind.UNIFIED, Kind.OUTBOX):
            return str(kind)
        if kind == Kind.ACCOUNT:
            return f"account:{item.data(ACCOUNT_ROLE)}"
        if kind == Kind.LOCAL:
            # The top node, or one account's sub-node under it.
            return "local" if not item.parent().isValid() else f"local:{item.data(ACCOUNT_ROLE)}"
        return None

    def index_of_key(self, key: str | None) -> QModelIndex:
        if key is None:
            return QModelIndex()
        for item in self.items():
            if self.key_of(item.index()) == key:
                return item.index()
        return QModelIndex()

    # --- drops from the message list ---------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if not data.hasFormat(MIME_TYPE) or parent.data(KIND_ROLE) != Kind.FOLDER:
            return False
        # The engine moves within one store account only: server folders to server folders,
        # local to local. A drop none of whose messages could move is refused, so the cursor
        # says so (an IMAP message onto a local folder, or back).
        return parent.data(ACCOUNT_ROLE) in self._accounts_of(data)

    def _accounts_of(self, data: QMimeData) -> frozenset[str]:
        # Asked on every mouse move of a drag: the answer is kept for the payload being dragged.
        payload = bytes(data.data(MIME_TYPE).data())
        if self._drag_accounts[0] != payload:
            accounts = set()
            for message_id in decode_ids(data):
                summary = self.engine.message(message_id)
                folder = None if summary is None else self.engine.folder_by_id(summary.folder_id)
                if folder is not None:
                    accounts.add(folder.account)
            self._drag_accounts = (payload, frozenset(accounts))
        return self._drag_accounts[1]

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        ids = decode_ids(data)
        if not ids:
            return False
        self.sig_messages_dropped.emit(ids, int(parent.data(FOLDER_ID_ROLE)))
        # The list model has no removeRows: its rows go when the engine's event arrives.
        return True


ROLE_ORDER_KEY = Qt.ItemDataRole.UserRole + 6
