"""The local cache: SQLite with numbered migrations, list queries, bodies, FTS5 search.

Start at `Store.open(path)` (store.py); the values it takes and gives are in model.py.
"""

from typing import TYPE_CHECKING

from kittiwake.client.store.errors import CacheTooNew, SearchSyntaxError
from kittiwake.client.store.model import (
    Address,
    Flag,
    FlagChange,
    Folder,
    FolderInfo,
    MessageHeaders,
    MessageSummary,
    Page,
    PageCursor,
    Role,
    SortKey,
)
from kittiwake.client.store.queue import OpState, OutboxItem, OutboxState, PendingOp
from kittiwake.client.store.store import Store

if TYPE_CHECKING:
    from kittiwake.client.store.search.run import Order

__all__ = [
    "Address",
    "CacheTooNew",
    "Flag",
    "FlagChange",
    "Folder",
    "FolderInfo",
    "MessageHeaders",
    "MessageSummary",
    "OpState",
    "Order",
    "OutboxItem",
    "OutboxState",
    "Page",
    "PageCursor",
    "PendingOp",
    "Role",
    "SearchSyntaxError",
    "SortKey",
    "Store",
]


def __getattr__(name: str) -> object:
    # The search modules load on first use (a sync never searches): `Order` comes from them.
    if name == "Order":
        from kittiwake.client.store.search.run import Order

        return Order
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
