"""Cache writes on a thread of their own while a download keeps streaming.

A full sync is mostly writes: at 10,000 messages (1.2 GB) the sync's one thread spent a third
of its time storing bodies (py-spy: writing the large ones to files 22 %, the SQLite inserts
and commits 11 %) and a tenth inserting headers, plus waits on the fsyncs of WAL checkpoints
that the profiler does not see; all that time it read nothing from the socket. Here the event
loop hands jobs (a batch of headers, a batch of bodies) to a writer thread with its own SQLite
connection to the same cache file and goes back to reading; file writes, SQLite statements,
commits and checkpoints release the GIL, so they run beside the TLS decryption and parsing on
the other core.

Jobs run one after the other, in the order given, each in its own transaction(s), exactly as
they ran on the caller's thread: Bodies.put's guarantees hold unchanged (a body file is
written before the commit that points at it; a batch commits whole or not at all), and a
caller that needs a job committed (before recording a sync state that vouches for it) awaits
`drain()`. A job returns what to run on the loop's thread once it committed (an event to
announce). At most `depth` jobs wait (each bounded by its caller: 1,000 headers, or 200 bodies
or 16 MB), so memory stays bounded: a full queue makes `add` wait, which stops the socket reads
(TCP flow control), as a slow disk did before. A failed job's error (disk full) is raised by
the next `add` or `drain`, and no later job runs.

An in-memory cache (the tests') cannot be opened twice, and a small job is not worth a thread
and a second connection: `InlineWriter` runs jobs on the caller's thread, same interface.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from kittiwake.client.foreground import give_way
from kittiwake.client.store.store import Store

Then = Callable[[], None]
Job = Callable[[Store], Then | None]  # runs on the writer's store; returns the loop-side step


class InlineWriter:
    """Runs each job at once on the caller's thread and store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, job: Job) -> None:
        then = job(self._store)
        if then is not None:
            then()

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        return None


class ThreadedWriter:
    """Runs jobs on a writer thread with its own connection to the cache at `path`."""

    def __init__(self, path: Path, *, max_page_count: int | None = None, depth: int = 2) -> None:
        self._path = path
        self._max_page_count = max_page_count
        self._loop = asyncio.get_running_loop()
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kittiwake-writer", daemon=True)
        self._thread.start()

    def add(self, job: Job) -> None:
        """Hand a job over; waits only while `depth` jobs are queued already."""
        self._raise()
        self._queue.put(job)

    async def drain(self) -> None:
        """Wait until every job handed over has committed (or failed: raises the error)."""
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
            # No memory map: this connection writes. Mapped, every page it touched stayed in
            # the process's resident set (80-95 MB of a 100,000-message sync's peak RSS) for
            # no measurable speed (a full sync's time was the same either way).
            store.db.conn.execute("PRAGMA mmap_size = 0")
            if self._max_page_count is not None:
                # The same limits as the sync's own connection (a per-connection setting).
                store.db.conn.execute(f"PRAGMA max_page_count = {int(self._max_page_count)}")
        except BaseException as error:
            self._error = error
        try:
            while True:
                job = self._queue.get()
                try:
                    if job is None:
                        return
                    if store is not None and self._error is None:
                        give_way()  # between transactions: the window first
                        then = job(store)
                        if then is not None:
                            self._loop.call_soon_threadsafe(then)
                except BaseException as error:
                    self._error = error  # the caller raises it; later jobs are dropped
                finally:
                    self._queue.task_done()
        finally:
            if store is not None:
                store.close()


Writer = InlineWriter | ThreadedWriter


def writer_for(store: Store, *, large: bool) -> Writer:
    """A threaded writer for a large job on a cache file; inline otherwise."""
    path = database_file(store)
    if path is None or not large:
        return InlineWriter(store)
    limit = store.db.conn.execute("PRAGMA max_page_count").fetchone()
    return ThreadedWriter(path, max_page_count=int(limit[0]) if limit else None)


def database_file(store: Store) -> Path | None:
    """The cache's file, or None for an in-memory cache."""
    for _seq, name, file in store.db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None
