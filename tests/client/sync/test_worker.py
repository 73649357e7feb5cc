"""The worker thread: jobs run there with its context, results and failures come back to the
caller's loop, cancelling reaches the job, and stop() leaves no thread, no task, nothing open."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import pytest

from kittiwake.client.sync.worker import SyncWorker, WorkerStopped

TIMEOUT = 10.0


@dataclass
class Context:
    thread: int = field(default_factory=threading.get_ident)
    torn_down_on: int | None = None
    closed_on: int | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)


async def _teardown(context: Context) -> None:
    context.torn_down_on = threading.get_ident()


def _close(context: Context) -> None:
    context.closed_on = threading.get_ident()


def make_worker(made: list[Context] | None = None) -> SyncWorker[Context]:
    def setup() -> Context:
        context = Context()
        if made is not None:
            made.append(context)
        return context

    worker = SyncWorker(setup, teardown=_teardown, close=_close, name="test-worker")
    worker.start()
    return worker


async def _blocked_until_cancelled(context: Context) -> None:
    """A job that waits forever, noting in the context that it started and was cancelled."""
    context.started.set()
    try:
        await asyncio.Event().wait()
    finally:
        context.cancelled.set()


async def wait_threading(flag: threading.Event) -> None:
    """Await a flag set on another thread without blocking this loop."""
    assert await asyncio.to_thread(flag.wait, TIMEOUT)


async def test_a_job_runs_on_the_worker_thread_and_its_result_comes_back() -> None:
    made: list[Context] = []
    worker = make_worker(made)
    try:

        async def job(context: Context) -> tuple[int, int, bool]:
            await asyncio.sleep(0)  # a real coroutine, in the worker's own loop
            return threading.get_ident(), context.thread, asyncio.get_running_loop().is_running()

        ran_on, context_on, running = await asyncio.wait_for(worker.submit(job), TIMEOUT)
        assert ran_on == context_on == made[0].thread != threading.get_ident()
        assert running
        assert worker.thread is not None and worker.thread.ident == ran_on
    finally:
        worker.stop()


async def test_a_failure_is_raised_in_the_caller() -> None:
    worker = make_worker()
    try:

        async def job(_context: Context) -> None:
            raise ValueError("from the worker")

        with pytest.raises(ValueError, match="from the worker"):
            await asyncio.wait_for(worker.submit(job), TIMEOUT)
    finally:
        worker.stop()


async def test_cancelling_the_callers_future_cancels_the_job() -> None:
    made: list[Context] = []
    worker = make_worker(made)
    try:
        waiting = asyncio.ensure_future(worker.submit(_blocked_until_cancelled))
        await wait_threading(made[0].started)
        waiting.cancel()
        await wait_threading(made[0].cancelled)
        with pytest.raises(asyncio.CancelledError):
            await waiting
    finally:
        worker.stop()


async def test_stop_tears_down_cancels_closes_and_joins() -> None:
    made: list[Context] = []
    worker = make_worker(made)
    running = asyncio.ensure_future(worker.submit(_blocked_until_cancelled))
    await wait_threading(made[0].started)
    thread = worker.thread
    assert thread is not None and thread.is_alive()

    worker.stop()

    assert not thread.is_alive()
    context = made[0]
    assert context.cancelled.is_set()  # the job still running was cancelled
    # The teardown ran in the worker's loop, the close after it, both on the worker's thread.
    assert context.torn_down_on == context.closed_on == context.thread
    await asyncio.wait_for(asyncio.wait({running}), TIMEOUT)
    assert running.cancelled()
    assert not worker.running
    worker.stop()  # a second stop is harmless


async def test_work_after_stop_is_refused() -> None:
    worker = make_worker()
    worker.stop()

    async def job(_context: Context) -> None:
        return None

    with pytest.raises(WorkerStopped):
        worker.submit(job)
    with pytest.raises(WorkerStopped):
        worker.call(lambda _context: None)


async def test_a_failed_setup_reaches_every_job() -> None:
    def setup() -> Context:
        raise OSError("no cache here")

    worker: SyncWorker[Context] = SyncWorker(setup, name="test-worker")
    worker.start()
    try:

        async def job(_context: Context) -> None:
            return None

        for _ in range(2):
            with pytest.raises(OSError, match="no cache here"):
                await asyncio.wait_for(worker.submit(job), TIMEOUT)
    finally:
        worker.stop()
    assert worker.thread is not None and not worker.thread.is_alive()


async def test_call_runs_a_plain_function_in_the_worker_loop() -> None:
    made: list[Context] = []
    worker = make_worker(made)
    try:
        # A plain function may start tasks in the worker's loop (as start_online does).
        future = worker.call(
            lambda context: asyncio.get_running_loop().create_task(
                _blocked_until_cancelled(context)
            )
        )
        await asyncio.wait_for(asyncio.wrap_future(future), TIMEOUT)
        await wait_threading(made[0].started)
        assert not made[0].cancelled.is_set()
    finally:
        worker.stop()
    assert made[0].cancelled.is_set()  # stop() cancelled the task it started


async def test_jobs_run_in_the_order_they_were_handed_over() -> None:
    worker = make_worker()
    order: list[int] = []
    try:
        for i in range(20):
            worker.call(lambda _context, i=i: order.append(i))  # type: ignore[misc]

        async def last(_context: Context) -> list[int]:
            return list(order)

        assert await asyncio.wait_for(worker.submit(last), TIMEOUT) == list(range(20))
    finally:
        worker.stop()


async def test_a_background_job_runs_until_stop() -> None:
    made: list[Context] = []
    worker = make_worker(made)
    worker.start_background("index", _blocked_until_cancelled)
    worker.start_background("index", _blocked_until_cancelled)  # already running: once
    await wait_threading(made[0].started)
    assert sum(1 for t in threading.enumerate() if t.name == "test-worker") == 1
    worker.stop()
    assert made[0].cancelled.is_set()
    assert not any(t.name == "test-worker" for t in threading.enumerate())
