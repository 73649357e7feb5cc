"""One background thread with its own asyncio loop, for the work that must not run on the GUI's.

    worker = SyncWorker(setup, teardown=..., close=..., name="kittiwake-sync")
    worker.start()                                   # the thread runs `setup()` -> its context
    result = await worker.submit(lambda ctx: ctx.sync())   # awaited on the caller's loop
    worker.call(lambda ctx: ctx.start_online())      # a plain function, in the worker's loop
    worker.start_background("index", job)            # long-running, cancelled by stop()
    worker.stop()                                    # blocking: teardown, cancel, close, join

Why a thread and not asyncio.to_thread per call: a sync is a long conversation (IMAP reads,
envelope parsing, SQLite batches) interleaved with awaits; running the whole coroutine on a
second loop keeps the sync code unchanged, and the GUI's loop only sees the results and events.

The context (the engine's worker-side twin, with its OWN Store connection) is made on the
thread by `setup` and only ever used there, so no SQLite connection crosses threads. The
caller's side gets asyncio futures (asyncio.wrap_future): cancelling one cancels the job in the
worker (concurrent.futures chaining), and its result arrives through the caller loop's
call_soon_threadsafe queue, after anything the job scheduled there before it ended (events).

The GIL: the worker's pure-Python stretches (parsing) are preempted every
sys.getswitchinterval() (5 ms) when the GUI thread wants to run, but each time the GUI thread
returns from a Qt call (PySide6 releases the GIL around them) while the worker computes, it may
wait a switch interval again: a burst of GUI work (a refresh, a repaint) was stretched
several-fold, to 100-600 ms in a 10,000-message sync (benchmarks/gui_bench.py). A shorter
switch interval (1 or 2 ms) showed no consistent gain and a slower sync; a niced worker was
worse (it held the GIL while waiting for a core). What works is cooperation
(client/foreground.py): while the GUI thread handles events, the worker and the cache's writer
thread wait at their next checkpoint (an IMAP response, an envelope, a writer job) with the GIL
released, never inside a write transaction; the longest stalls fell to 57-70 ms at load ~3.5
(gui_bench --variants 'fg=off;fg=on'), the rest being the GUI's own work and waits for a core.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

C = TypeVar("C")
T = TypeVar("T")

STOP_TIMEOUT = 30.0  # the teardown's own grace is shorter; this only bounds a hang


class WorkerStopped(RuntimeError):
    """Work was submitted to a worker that is not running (a programming error)."""


async def _nothing(_context: Any) -> None:
    return None


class SyncWorker(Generic[C]):
    def __init__(
        self,
        setup: Callable[[], C],
        *,
        teardown: Callable[[C], Awaitable[None]] = _nothing,
        close: Callable[[C], None] = lambda _context: None,
        name: str = "kittiwake-worker",
    ) -> None:
        """`setup` makes the context on the thread; at stop(), `teardown(context)` ends its
        work gracefully in the loop, then leftover tasks are cancelled, then `close(context)`."""
        self._setup = setup
        self._teardown = teardown
        self._close = close
        self.name = name
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._context: C | None = None
        self._setup_error: BaseException | None = None
        self._background: dict[str, asyncio.Task[None]] = {}
        self._stopped = False

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopped

    def start(self) -> None:
        if self._thread is not None or self._stopped:
            return
        # A daemon only as a last resort: stop() joins it; an interpreter exiting without
        # stop() must not hang on it.
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._context = self._setup()
        except BaseException as error:  # reported to every job, not lost in the thread
            log.error("%s: setup failed", self.name, exc_info=error)
            self._setup_error = error
        try:
            self._loop.run_forever()
        finally:
            try:
                if self._context is not None:
                    self._close(self._context)
            finally:
                self._context = None
                self._loop.close()

    # --- handing work over ---------------------------------------------------------------

    def _checked(self) -> None:
        if self._thread is None or self._stopped or self._loop.is_closed():
            raise WorkerStopped(f"the {self.name} thread is not running")

    def _context_or_error(self) -> C:
        if self._setup_error is not None:
            raise self._setup_error
        assert self._context is not None
        return self._context

    def run(self, job: Callable[[C], Coroutine[Any, Any, T]]) -> concurrent.futures.Future[T]:
        """Run `job(context)` in the worker's loop; a future any thread can wait on."""
        self._checked()

        async def run_job() -> T:
            return await job(self._context_or_error())

        return asyncio.run_coroutine_threadsafe(run_job(), self._loop)

    def submit(self, job: Callable[[C], Coroutine[Any, Any, T]]) -> asyncio.Future[T]:
        """`job(context)` in the worker, awaitable in the calling (running) loop."""
        return asyncio.wrap_future(self.run(job), loop=asyncio.get_running_loop())

    def call(self, job: Callable[[C], T]) -> concurrent.futures.Future[T]:
        """A plain function in the worker's loop (e.g. one that starts tasks there); its
        failure is logged when nobody looks at the returned future."""

        async def run_job() -> T:
            return job(self._context_or_error())

        future = self.run(lambda _context: run_job())
        future.add_done_callback(self._log_failure)
        return future

    def _log_failure(self, future: concurrent.futures.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.error("%s: a job failed", self.name, exc_info=future.exception())

    # --- long-running jobs ---------------------------------------------------------------

    def start_background(self, name: str, job: Callable[[C], Coroutine[Any, Any, None]]) -> None:
        """A job that runs until stop() (which cancels it), e.g. the full-text indexer
        (client/store/indexing.py): it then shares the worker's Store connection, so the
        index is written off the GUI thread by the same single writer as the sync. Starting
        a name that still runs does nothing."""

        def begin(context: C) -> None:
            running = self._background.get(name)
            if running is not None and not running.done():
                return
            task = self._loop.create_task(job(context), name=f"{self.name}:{name}")
            task.add_done_callback(self._background_ended)
            self._background[name] = task

        self.call(begin)

    def _background_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: %s failed", self.name, task.get_name(), exc_info=task.exception())

    # --- stopping ------------------------------------------------------------------------

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """End everything: the teardown (e.g. online sessions log out), then whatever still
        runs is cancelled (a sync's open transaction rolls back: the cache stays consistent,
        and queued work is durable in SQLite), the context is closed, the thread joined.
        Blocking; call it from any thread but the worker's."""
        thread = self._thread
        if thread is None or self._stopped:
            self._stopped = True
            return
        if threading.current_thread() is thread:
            raise RuntimeError("a worker cannot stop itself")
        self._stopped = True
        if not self._loop.is_closed():
            shutdown = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
            try:
                shutdown.result(timeout)
            except concurrent.futures.TimeoutError:
                log.warning("%s: did not stop within %.0f s", self.name, timeout)
            except Exception as error:  # the thread must still end
                log.error("%s: teardown failed", self.name, exc_info=error)
            with contextlib.suppress(RuntimeError):  # closed by the thread meanwhile
                self._loop.call_soon_threadsafe(self._loop.stop)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("%s: the thread is still running", self.name)

    async def _shutdown(self) -> None:
        try:
            if self._context is not None:
                await self._teardown(self._context)
        finally:
            me = asyncio.current_task()
            left = [t for t in asyncio.all_tasks() if t is not me]
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
            await self._loop.shutdown_asyncgens()
            # Not self._loop.stop() here: this task's result reaches stop()'s future through a
            # callback of the next loop iteration; stop() stops the loop once it has it.
