"""Cache writes on a writer thread: jobs run in order with Bodies.put's and upsert's own
guarantees, their loop-side steps run on the caller's thread after the commit, errors surface
on the caller's side, memory is bounded by the queue."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from kittiwake.client.store.bodies import INLINE_LIMIT
from kittiwake.client.store.model import FolderInfo, MessageHeaders
from kittiwake.client.store.store import Store
from kittiwake.client.store.writer import (
    InlineWriter,
    Job,
    Then,
    ThreadedWriter,
    database_file,
    writer_for,
)


def cache(path: Path | str, count: int) -> tuple[Store, int]:
    store = Store.open(path)
    folder_id = store.folders.upsert(FolderInfo("acct", "INBOX"))
    store.messages.upsert_headers(
        folder_id, (MessageHeaders(uid, 1_700_000_000 + uid, 100) for uid in range(1, count + 1))
    )
    return store, folder_id


def put_bodies(
    folder_id: int, batch: list[tuple[int, bytes]], reports: list[tuple[int, int, str]]
) -> Job:
    def job(store: Store) -> Then:
        stored = store.bodies.put(folder_id, batch)
        writer_thread = threading.current_thread().name

        def then() -> None:
            hop = f"{writer_thread}->{threading.current_thread().name}"
            reports.append((stored, len(batch), hop))

        return then

    return job


async def test_jobs_run_in_order_on_the_writer_thread_and_report_on_the_loop(
    tmp_path: Path,
) -> None:
    store, folder_id = cache(tmp_path / "cache.sqlite3", 6)
    big = b"B" * (INLINE_LIMIT + 1)  # one body goes to a file
    reports: list[tuple[int, int, str]] = []
    writer = writer_for(store, large=True)
    assert isinstance(writer, ThreadedWriter)
    try:
        writer.add(put_bodies(folder_id, [(1, b"one"), (2, big)], reports))
        writer.add(put_bodies(folder_id, [(3, b"three"), (1, b"one again")], reports))  # 1 is in
        writer.add(put_bodies(folder_id, [(4, b"four"), (99, b"no such message")], reports))
        await writer.drain()
    finally:
        writer.close()
    hop = f"kittiwake-writer->{threading.current_thread().name}"
    assert reports == [(2, 2, hop), (1, 2, hop), (1, 2, hop)]
    for uid, raw in ((1, b"one"), (2, big), (3, b"three"), (4, b"four")):
        message_id = store.messages.find_uid(folder_id, uid)
        assert message_id is not None and store.bodies.get(message_id) == raw
    message_id = store.messages.find_uid(folder_id, 5)
    assert message_id is not None and store.bodies.get(message_id) is None
    store.close()


async def test_a_write_error_is_raised_to_the_caller_and_no_later_job_runs(
    tmp_path: Path,
) -> None:
    store, folder_id = cache(tmp_path / "cache.sqlite3", 3)
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    # The limit is the sync connection's; the writer's connection takes it over.
    store.db.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    reports: list[tuple[int, int, str]] = []
    writer = writer_for(store, large=True)
    try:
        writer.add(put_bodies(folder_id, [(1, b"x" * 50_000)], reports))  # > one free page
        with pytest.raises(sqlite3.Error):
            await writer.drain()
        with pytest.raises(sqlite3.Error):
            writer.add(put_bodies(folder_id, [(2, b"small")], reports))
    finally:
        writer.close()
    assert reports == []
    assert store.db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert store.db.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == 0
    store.close()


async def test_at_most_depth_jobs_wait_for_the_thread(tmp_path: Path) -> None:
    """A slow disk makes `add` wait instead of piling batches up in memory."""
    store, folder_id = cache(tmp_path / "cache.sqlite3", 10)
    path = database_file(store)
    assert path is not None
    entered, gate, three_added = threading.Event(), threading.Event(), threading.Event()

    def slow(uid: int) -> Job:
        def job(writer_store: Store) -> None:
            entered.set()
            gate.wait(60)  # the disk is busy
            writer_store.bodies.put(folder_id, [(uid, b"body")])

        return job

    writer = ThreadedWriter(path, depth=2)
    added: list[int] = []

    def producer() -> None:
        for uid in range(1, 6):
            writer.add(slow(uid))
            added.append(uid)
            if len(added) == 3:
                three_added.set()

    adding = asyncio.get_running_loop().run_in_executor(None, producer)
    try:
        assert await asyncio.to_thread(entered.wait, 30)  # the thread holds job 1 ...
        assert await asyncio.to_thread(three_added.wait, 30)  # ... and 2, 3 fill the queue
        assert added == [1, 2, 3] and writer._queue.full() and not adding.done()
    finally:
        gate.set()
    await asyncio.wait_for(adding, 30)
    await writer.drain()
    writer.close()
    assert store.db.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == 5
    store.close()


async def test_small_jobs_and_in_memory_caches_are_written_on_the_callers_thread(
    tmp_path: Path,
) -> None:
    reports: list[tuple[int, int, str]] = []
    memory, memory_folder = cache(":memory:", 1)
    assert database_file(memory) is None
    on_file, file_folder = cache(tmp_path / "cache.sqlite3", 1)
    for store, folder_id, large in ((memory, memory_folder, True), (on_file, file_folder, False)):
        writer = writer_for(store, large=large)
        assert isinstance(writer, InlineWriter)
        writer.add(put_bodies(folder_id, [(1, b"raw")], reports))
        await writer.drain()
        writer.close()
    me = threading.current_thread().name
    assert reports == [(1, 1, f"{me}->{me}")] * 2


async def test_the_writer_connection_maps_no_memory(tmp_path: Path) -> None:
    """It writes; a memory map kept every page it touched resident (80-95 MB at 100,000)."""
    store = Store.open(tmp_path / "c.sqlite3")
    writer = ThreadedWriter(tmp_path / "c.sqlite3")
    seen: list[int] = []

    def job(inner: Store) -> None:
        seen.append(inner.db.conn.execute("PRAGMA mmap_size").fetchone()[0])

    writer.add(job)
    await writer.drain()
    writer.close()
    assert seen == [0]
    assert store.db.conn.execute("PRAGMA mmap_size").fetchone()[0] > 0  # readers keep theirs
    store.close()
