"""The cache's one entry point: `Store.open(path)`.

    store = Store.open(path)
    inbox = store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))
    store.messages.upsert_headers(inbox, headers)          # sync: 500 per transaction
    store.bodies.put(inbox, [(uid, raw), ...])
    while store.index_pending(200, extract_text): ...     # in the background
    page = store.messages.page(inbox, sort=SortKey.DATE)  # the list, keyset-paged
    hits = store.search("from:alice budget is:unread")

A Store is one SQLite connection: use it from one thread at a time (the engine's worker). The
GUI opens a second Store on the same file to read while the engine writes (WAL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from kittiwake.client.store import fts
from kittiwake.client.store.bodies import Bodies
from kittiwake.client.store.database import Database, connect
from kittiwake.client.store.errors import SearchSyntaxError
from kittiwake.client.store.folders import Folders
from kittiwake.client.store.messages import Messages
from kittiwake.client.store.model import MessageSummary
from kittiwake.client.store.queue import Outbox, PendingOps

if TYPE_CHECKING:
    # Imported where a search runs: a sync never searches, and the search modules are a
    # fifth of a no-change `kittiwake sync`'s imports.
    from kittiwake.client.store.search.query import Node
    from kittiwake.client.store.search.run import Order


class Store:
    def __init__(self, db: Database, body_dir: Path | None) -> None:
        self.db = db
        self.folders = Folders(db)
        self.messages = Messages(db)
        self.bodies = Bodies(db, body_dir)
        self.ops = PendingOps(db)
        self.outbox = Outbox(db)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open or create the cache at `path` (":memory:" for tests), migrating it.

        Large bodies go to the directory `<path>.bodies` beside the database.
        """
        memory = str(path) == ":memory:"
        body_dir = None if memory else Path(f"{path}.bodies")
        return cls(Database(connect(path)), body_dir)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """Group several calls into one atomic change (e.g. a flag change + its queued op)."""
        with self.db.transaction(durable=durable) as conn:
            yield conn

    # --- full text -----------------------------------------------------------------------

    def index_pending(
        self, limit: int, extractor: fts.Extractor, mapper: fts.Mapper | None = None
    ) -> int:
        """Index up to `limit` queued messages; returns how many (0 when caught up).

        `extractor(raw) -> text` is the mime layer's body-text extractor; `mapper` may be a
        process pool's map to extract on every core while this connection stays the one writer.
        """
        return fts.index_pending(self.db, self.bodies, limit, extractor, mapper)

    def pending_index_count(self) -> int:
        return int(
            self.db.conn.execute("SELECT count(*) FROM messages WHERE fts_pending").fetchone()[0]
        )

    def search(
        self,
        query: str | Node,
        *,
        order: Order | None = None,
        limit: int = 100,
        offset: int = 0,
        folder_id: int | None = None,
        account: str | None = None,
        prefix_last: bool = False,
        today: date | None = None,
        tz: tzinfo | None = None,
    ) -> list[MessageSummary]:
        """Messages matching a search (see search/query.py for the language).

        Raises SearchSyntaxError (a ValueError) for a query it cannot read, never an SQL error.
        Newest first unless `order` says otherwise.
        """
        from kittiwake.client.store.search import run

        order = run.Order.DATE if order is None else order
        compiled = run.build(
            query,
            folder_id=folder_id,
            account=account,
            today=today,
            tz=tz,
            prefix_last=prefix_last,
        )
        try:
            return run.search(self.db, compiled, order=order, limit=limit, offset=offset)
        except sqlite3.OperationalError as exc:
            raise _as_syntax_error(exc) from exc

    def count(
        self,
        query: str | Node,
        *,
        folder_id: int | None = None,
        account: str | None = None,
        today: date | None = None,
        tz: tzinfo | None = None,
    ) -> int:
        from kittiwake.client.store.search import run

        compiled = run.build(query, folder_id=folder_id, account=account, today=today, tz=tz)
        try:
            return run.count(self.db, compiled)
        except sqlite3.OperationalError as exc:
            raise _as_syntax_error(exc) from exc


def _as_syntax_error(exc: sqlite3.OperationalError) -> Exception:
    # The compiler quotes every user word, so FTS5 should never see syntax it rejects; if it
    # ever does, the user still gets a search error rather than a database error.
    if str(exc).startswith("fts5:"):
        return SearchSyntaxError("Kittiwake could not run this search; try simpler words.")
    return exc
