"""Bodies stored on a thread of their own while the download keeps streaming.

A full sync is mostly bodies: at 10,000 messages (1.2 GB) the sync's one thread spent a third
of its time storing them (py-spy: writing the large ones to files 22 %, the SQLite inserts
and commits 11 %), and more waiting, invisible to the profiler, on the fsyncs of WAL
checkpoints. During all of that it read nothing from the socket. Here the event loop hands
(UID, bytes) batches to a writer thread with its own SQLite connection to the same cache file
and goes back to reading; file writes, commits and checkpoints release the GIL, so they run
beside the TLS decryption and parsing on the other core.

Guarantees are Bodies.put's, unchanged: a body file is written before the commit that points
at it; a batch commits whole or not at all; a body already stored is left alone. At most
`depth` batches wait for the thread (each bounded by the caller: 200 messages or 16 MB), so
memory stays bounded: a full queue makes `add` wait, which stops the socket reads (TCP flow
control), as a slow disk did before. A write error (disk full) is raised by the next `add`,
`flush` or `drain`, and nothing more is stored after it.

An in-memory cache (the tests') cannot be opened twice: there `InlineBodyWriter` stores on the
caller's thread, with the same interface.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from kittiwake.client.store.store import Store

Batch = list[tuple[int, bytes]]
OnStored = Callable[[int, int], None]  # (bodies newly stored, bodies handled) of one batch


class InlineBodyWriter:
    """Stores each batch on the caller's thread (an in-memory cache)."""

    def __init__(self, store: Store, folder_id: int, on_stored: OnStored) -> None:
        self._store = store
        self._folder_id = folder_id
        self._on_stored = on_stored

    def add(self, batch: Batch) -> None:
        stored = self._store.bodies.put(self._folder_id, batch)
        self._on_stored(stored, len(batch))

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        return None


class ThreadedBodyWriter:
    """Stores batches on a writer thread with its own connection to the cache at `path`."""

    def __init__(
        self,
        path: Path,
        folder_id: int,
        on_stored: OnStored,
        *,
        max_page_count: int | None = None,
        depth: int = 2,
    ) -> None:
        self._path = path
        self._folder_id = folder_id
        self._on_stored = on_stored
        self._max_page_count = max_page_count
        self._loop = asyncio.get_running_loop()
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kittiwake-bodies", daemon=True)
        self._thread.start()

    def add(self, batch: Batch) -> None:
        """Hand a batch over; waits only while `depth` batches are queued already."""
        self._raise()
        self._queue.put(batch)

    async def drain(self) -> None:
        """Wait until every batch handed over is committed (or failed: raises the error)."""
        await asyncio.to_thread(self._queue.join)
        self._raise()

    def close(self) -> None:
        """Stop the thread after what is queued (also after an error or a cancellation), so
        no write of this sync happens after it returns."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        store: Store | None = None
        try:
            store = Store.open(self._path)
            if self._max_page_count is not None:
                # The same limits as the sync's own connection (a per-connection setting).
                store.db.conn.execute(f"PRAGMA max_page_count = {int(self._max_page_count)}")
        except BaseException as error:
            self._error = error
        try:
            while True:
                batch = self._queue.get()
                try:
                    if batch is None:
                        return
                    if store is not None and self._error is None:
                        stored = store.bodies.put(self._folder_id, batch)
                        self._loop.call_soon_threadsafe(self._on_stored, stored, len(batch))
                except BaseException as error:
                    self._error = error  # the caller raises it; later batches are dropped
                finally:
                    self._queue.task_done()
        finally:
            if store is not None:
                store.close()


BodyWriter = InlineBodyWriter | ThreadedBodyWriter


def body_writer(store: Store, folder_id: int, on_stored: OnStored) -> BodyWriter:
    """The writer for this cache: threaded for a cache file, inline for an in-memory one."""
    path = database_file(store)
    if path is None:
        return InlineBodyWriter(store, folder_id, on_stored)
    limit = store.db.conn.execute("PRAGMA max_page_count").fetchone()
    return ThreadedBodyWriter(
        path, folder_id, on_stored, max_page_count=int(limit[0]) if limit else None
    )


def database_file(store: Store) -> Path | None:
    """The cache's file, or None for an in-memory cache."""
    for _seq, name, file in store.db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None
