"""The background indexer: keeps the full-text index current without blocking sync or the GUI.

    indexer = BackgroundIndexer(cache_path).start()
    ...                       # after a sync stored bodies:
    indexer.wake()
    indexer.stop()            # at exit: returns promptly, no thread or process left

One thread with its own SQLite connection to the cache file (WAL: the engine's and the GUI's
connections keep reading and writing). It repeatedly takes the messages marked `fts_pending`
(by id), has their text extracted, and writes it with fts.write_index in small transactions
(`batch` rows, default 200: tens of milliseconds), so a sync commit waits at most that long
for the write lock (busy_timeout is 5 s; a writer that waits longer makes us back off and
retry, never fail). What is indexed is marked in the same transaction as its FTS rows, so a
stop, a crash or a kill at any moment leaves each message indexed exactly once or still pending.

Text extraction (mime/indextext.py, ~0.7 ms a message) runs in the thread for a handful of
messages, and in a process pool when at least `pool_threshold` are waiting (a first sync, an
import): the workers read the bodies from the cache themselves (no raw bytes cross the pipe,
and the thread that shares the GUI's GIL only writes) and run at a lower priority (`nice`).
The pool uses the "spawn" start method: forking a process that runs Qt or other threads can
copy a held lock into the child and deadlock it. The pool is shut down when the index has been
caught up for `pool_linger` seconds, so an idle application keeps no extra processes.

Indexing is never urgent, and it shares two cores with the sync and the GUI: a round starts once
`settle` seconds pass without a wake() or a commit by another connection (a sync wakes it after
new headers and commits every batch of bodies, so its mail is indexed once it ends), or
`max_defer` seconds after the first wake at the latest (a long first sync). A search waiting for
the index (wait_idle) starts it at once. On Linux the thread itself also runs at the pool's
lower priority (a per-thread nice): it spends its time in SQLite with the GIL released, so it
rarely holds the GUI thread back (unlike the sync's worker, see client/sync/worker.py), and a
core goes to the GUI thread first. Measured
(benchmarks/gui_bench.py, a 10,000-message sync with the window open): the indexer thread, when
it ran during the sync, was runnable about as often as the sync's worker.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from kittiwake.client.foreground import give_way
from kittiwake.client.store import fts
from kittiwake.client.store.database import Database, connect

log = logging.getLogger(__name__)

# (id, has_body as read, text): what fts.write_index takes.
Row = tuple[int, int, str]
# Messages per task sent to a worker: big enough to amortise the round trip, small enough
# that stop() waits for little (a task is ~50 ms of work).
_CHUNK = 64
# A writer that held the lock past busy_timeout: wait this long before trying again.
_RETRY_SECONDS = 0.5
_now = time.monotonic  # the clock of `settle` and `max_defer` (a test moves its own)


def body_path(db_path: Path, message_id: int) -> Path:
    """Where store/bodies.py keeps a large body (a test checks the two agree)."""
    return Path(f"{db_path}.bodies") / f"{message_id % 256:02x}" / f"{message_id}.eml"


def read_texts(
    conn: sqlite3.Connection,
    db_path: Path,
    ids: Sequence[int],
    extractor: Callable[[bytes], str] | None = None,
) -> list[Row]:
    """Read and extract the text of messages `ids`: the work a pool worker does."""
    extract = fts.SafeExtractor(extractor or _default_extractor())
    rows: list[Row] = []
    for message_id in ids:
        found = conn.execute(
            "SELECT m.has_body, b.message_id IS NOT NULL, b.raw FROM messages AS m"
            " LEFT JOIN bodies AS b ON b.message_id = m.id WHERE m.id = ?",
            (message_id,),
        ).fetchone()
        if found is None:
            continue  # expunged since it was listed
        has_body, stored, raw = found
        if has_body and stored and raw is None:
            try:
                raw = body_path(db_path, message_id).read_bytes()
            except OSError:  # lost (store/bodies.py re-fetches it when the reader asks)
                raw = None
        rows.append((message_id, int(has_body), extract(raw) if raw is not None else ""))
    return rows


def _default_extractor() -> Callable[[bytes], str]:
    from kittiwake.client.mime.indextext import index_text  # lazily: sync never needs it

    return index_text


def _data_version(db: Database) -> int:
    """Changes whenever another connection commits to the cache (SQLite's data_version)."""
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])


# --- the pool worker side --------------------------------------------------------------------

_worker_conn: sqlite3.Connection | None = None
_worker_path = Path()


def _worker_init(db_path: str, nice: int) -> None:
    global _worker_conn, _worker_path
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    _worker_path = Path(db_path)
    _worker_conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    _worker_conn.execute("PRAGMA query_only = ON")
    _default_extractor()  # import the parser now, not in the first task


def _worker_texts(ids: list[int]) -> list[Row]:
    assert _worker_conn is not None, "the pool initializer opens the connection"
    return read_texts(_worker_conn, _worker_path, ids)


# --- the indexer -----------------------------------------------------------------------------


class BackgroundIndexer:
    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        workers: int | None = None,
        batch: int = 200,
        pool_threshold: int = 256,
        pool_linger: float = 30.0,
        nice: int = 10,
        settle: float = 2.0,
        max_defer: float = 60.0,
        extractor: Callable[[bytes], str] | None = None,
    ) -> None:
        """`workers`: extraction processes (None: one per core; 0: extract in the thread).
        `pool_linger`: seconds an idle pool is kept for the next sync's messages.
        `nice`: the pool's processes' and (Linux) the thread's lower priority.
        `settle`, `max_defer`: a round waits for `settle` s without a wake, at most
        `max_defer` s (0: at once). `extractor` replaces mime/indextext.py's (in the thread
        only, for tests)."""
        self.db_path = Path(db_path)
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.batch = batch
        self.pool_threshold = pool_threshold
        self.pool_linger = pool_linger
        self.nice = nice
        self.settle = settle
        self.max_defer = max_defer
        self._extractor = extractor
        self._cv = threading.Condition()
        self._woken = True  # a first pass at start
        self._last_wake = 0.0  # _now() at the last wake()
        self._hurry = False  # someone waits for the index (wait_idle): no deferring
        self.deferring = False  # a round waits for a quiet moment (for tests)
        self.quiet_checks = 0  # how often it looked whether it is quiet yet (for tests)
        self._stopping = False
        self._idle = False
        self._ended = False  # the thread has finished (stopped, or could not open the cache)
        self._thread: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        self.indexed = 0  # messages written since start (for progress and tests)
        self.write_seconds = 0.0  # time in write transactions (the benchmark reports it)
        self.error: BaseException | None = None  # the last unexpected failure, if any

    # --- the caller's side (any thread) ------------------------------------------------------

    def start(self) -> BackgroundIndexer:
        if self._thread is not None:
            raise RuntimeError("the indexer is already running")
        self._stopping = False
        self._woken = True
        self._last_wake = _now()  # the first round, too, waits for a quiet moment
        self._idle = False
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="kittiwake-indexer", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """New messages or bodies were stored: look for work (cheap; call after each sync)."""
        with self._cv:
            self._woken = True
            self._idle = False
            self._last_wake = _now()
            self._cv.notify_all()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop after the current transaction and task; True when the thread and the pool's
        processes are gone. Uncommitted work is simply done again at the next start."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            return False  # still finishing a task: stop() may be called again to wait more
        self._thread = None
        return True

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is pending (as of the last wake()); False on timeout, on stop, or
        when the indexer could not run at all (see `error`). A round waiting for a quiet
        moment starts now: someone wants the index."""
        with self._cv:
            self._hurry = True
            self._cv.notify_all()
            self._cv.wait_for(self._settled_idle, timeout)
            return self._idle and not self._stopping

    def _settled_idle(self) -> bool:
        return self._idle or self._stopping or self._ended

    def pending(self) -> int:
        """Messages waiting for the index (its own short connection: any thread may ask)."""
        conn = sqlite3.connect(self.db_path, timeout=5)
        try:
            return int(
                conn.execute("SELECT count(*) FROM messages WHERE fts_pending").fetchone()[0]
            )
        finally:
            conn.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the indexer thread ------------------------------------------------------------------

    def _run(self) -> None:
        db: Database | None = None
        self._lower_priority()
        try:
            db = Database(connect(self.db_path))
            while self._next_round(db):
                try:
                    self._catch_up(db)
                except Exception as error:  # keep the application running; try again later
                    log.exception("background indexing failed; retrying shortly")
                    self.error = error
                    self._close_pool()
                    self._pause(5.0)
                    with self._cv:
                        self._woken = True
        except Exception as error:  # the cache cannot be opened: nothing to do but say so
            log.exception("background indexing cannot open the cache")
            self.error = error
        finally:
            self._close_pool()
            if db is not None:
                db.close()
            with self._cv:
                self._idle = False
                self._ended = True
                self._cv.notify_all()

    def _next_round(self, db: Database) -> bool:
        """Wait for a wake(); False when stopping. An idle pool is closed after pool_linger."""
        if self._pool is not None:
            with self._cv:
                called = self._cv.wait_for(self._called, self.pool_linger)
            if not called:
                self._close_pool()
        with self._cv:
            self._cv.wait_for(self._called)
            self._wait_for_quiet(db)
            self._woken = False
            self._hurry = False
            return not self._stopping

    def _called(self) -> bool:
        return self._woken or self._stopping

    def _wait_for_quiet(self, db: Database) -> None:
        """(Holding the condition.) Until `settle` s have passed since the last wake or the
        last commit of another connection (a sync storing bodies wakes nobody), at most
        `max_defer` s from now, unless someone waits for the index or we stop."""
        latest = _now() + self.max_defer
        version = _data_version(db)
        self.deferring = True
        self._cv.notify_all()
        try:
            while not (self._stopping or self._hurry):
                self.quiet_checks += 1
                self._cv.notify_all()
                now = _now()
                seen = _data_version(db)
                if seen != version:  # someone wrote since the last look: not quiet yet
                    version, self._last_wake = seen, now
                until = min(self._last_wake + self.settle, latest)
                if until <= now:
                    return
                self._cv.wait(min(until - now, self.settle / 4))
        finally:
            self.deferring = False

    def _lower_priority(self) -> None:
        """This thread at the pool's nice value (Linux only: there setpriority with a thread
        id affects that thread; elsewhere it would slow the whole application down)."""
        if not self.nice or not sys.platform.startswith("linux"):
            return
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + self.nice)
        except OSError as error:  # a sandbox may refuse it: index at normal priority
            log.info("indexing runs at normal priority (%s)", error)

    def _catch_up(self, db: Database) -> None:
        while not self._stopping:
            total = self._count(db)
            if total == 0:
                break
            if self.workers > 0 and total >= self.pool_threshold:
                self._pass_pool(db)
            else:
                self._pass_thread(db)
        with self._cv:
            if not self._woken and not self._stopping:
                self._idle = True
                self._cv.notify_all()

    def _count(self, db: Database) -> int:
        return int(db.conn.execute("SELECT count(*) FROM messages WHERE fts_pending").fetchone()[0])

    def _pass_thread(self, db: Database) -> None:
        after = 0
        while not self._stopping:
            pending = fts.pending_batch(db.conn, self.batch, after)
            if not pending:
                return
            after = pending[-1][0]
            ids = [message_id for message_id, _ in pending]
            self._write(db, read_texts(db.conn, self.db_path, ids, self._extractor))

    def _pass_pool(self, db: Database) -> None:
        """One pass over everything pending, extraction on the pool: a few tasks in flight per
        worker, so the workers parse the next messages while this thread writes the last."""
        pool = self._ensure_pool()
        in_flight: deque[Future[list[Row]]] = deque()
        after = 0
        ready: list[Row] = []
        try:
            while not self._stopping:
                while len(in_flight) < 2 * self.workers:
                    pending = fts.pending_batch(db.conn, _CHUNK, after)
                    if not pending:
                        break
                    after = pending[-1][0]
                    task = pool.submit(_worker_texts, [i for i, _ in pending])
                    task.add_done_callback(self._notify)
                    in_flight.append(task)
                if not in_flight:
                    break
                task = in_flight.popleft()
                with self._cv:
                    self._cv.wait_for(partial(self._settled, task))
                if self._stopping:
                    break
                ready.extend(task.result())
                if len(ready) >= self.batch or not in_flight:
                    self._write(db, ready)
                    ready = []
        except (BrokenProcessPool, RuntimeError, OSError) as error:
            # A worker died (killed, out of memory), or none could start (no fork/exec
            # allowed, an unguarded main module): the thread extracts from now on.
            log.warning("indexing processes unavailable (%s); extracting in the thread", error)
            self._close_pool()
            self.workers = 0
        finally:
            for task in in_flight:
                task.cancel()

    def _settled(self, task: Future[list[Row]]) -> bool:
        return task.done() or self._stopping

    def _notify(self, _task: object) -> None:
        with self._cv:
            self._cv.notify_all()

    def _write(self, db: Database, rows: list[Row]) -> None:
        """Write in transactions of at most `batch` rows; wait out a writer that holds the
        lock past busy_timeout (a huge sync commit) instead of failing."""
        for start in range(0, len(rows), self.batch):
            chunk = rows[start : start + self.batch]
            give_way()  # between transactions: the window first (client/foreground.py)
            while not self._stopping:
                try:
                    began = time.perf_counter()
                    self.indexed += fts.write_index(db, chunk)
                    self.write_seconds += time.perf_counter() - began
                    break
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) and "busy" not in str(error):
                        raise
                    log.info("cache busy; indexing resumes shortly")
                    self._pause(_RETRY_SECONDS)

    def _pause(self, seconds: float) -> None:
        with self._cv:
            self._cv.wait_for(lambda: self._stopping, seconds)

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("spawn"),
                initializer=_worker_init,
                initargs=(str(self.db_path), self.nice),
            )
        return self._pool

    def _close_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            # Running tasks finish (tens of milliseconds); queued ones are dropped. Waiting
            # here is what guarantees no worker process outlives stop().
            pool.shutdown(wait=True, cancel_futures=True)
