"""Bodies stored on a writer thread: same guarantees as Bodies.put, errors surface on the
caller's side, memory bounded by the queue."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from kittiwake.client.store.bodies import INLINE_LIMIT
from kittiwake.client.store.body_writer import (
    InlineBodyWriter,
    ThreadedBodyWriter,
    body_writer,
    database_file,
)
from kittiwake.client.store.model import FolderInfo, MessageHeaders
from kittiwake.client.store.store import Store


def cache(path: Path, count: int) -> tuple[Store, int]:
    store = Store.open(path)
    folder_id = store.folders.upsert(FolderInfo("acct", "INBOX"))
    store.messages.upsert_headers(
        folder_id, (MessageHeaders(uid, 1_700_000_000 + uid, 100) for uid in range(1, count + 1))
    )
    return store, folder_id


async def test_batches_are_stored_by_another_thread_and_reported_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, folder_id = cache(tmp_path / "cache.sqlite3", 6)
    big = b"B" * (INLINE_LIMIT + 1)  # one body goes to a file
    threads: set[str] = set()
    real_put = type(store.bodies).put

    def put(self: object, folder: int, items: list[tuple[int, bytes]]) -> int:
        threads.add(threading.current_thread().name)
        return real_put(self, folder, items)  # type: ignore[arg-type]

    monkeypatch.setattr(type(store.bodies), "put", put)
    reports: list[tuple[int, int, str]] = []

    def on_stored(stored: int, handled: int) -> None:
        reports.append((stored, handled, threading.current_thread().name))

    writer = body_writer(store, folder_id, on_stored)
    assert isinstance(writer, ThreadedBodyWriter)
    try:
        writer.add([(1, b"one"), (2, big)])
        writer.add([(3, b"three"), (1, b"one again")])  # UID 1 is stored already
        writer.add([(4, b"four"), (99, b"no such message")])
        await writer.drain()
    finally:
        writer.close()
    assert threads == {"kittiwake-bodies"}
    main = threading.current_thread().name
    assert reports == [(2, 2, main), (1, 2, main), (1, 2, main)]
    for uid, raw in ((1, b"one"), (2, big), (3, b"three"), (4, b"four")):
        message_id = store.messages.find_uid(folder_id, uid)
        assert message_id is not None and store.bodies.get(message_id) == raw
    message_id = store.messages.find_uid(folder_id, 5)
    assert message_id is not None and store.bodies.get(message_id) is None
    store.close()


async def test_a_write_error_is_raised_to_the_caller_and_nothing_more_is_stored(
    tmp_path: Path,
) -> None:
    store, folder_id = cache(tmp_path / "cache.sqlite3", 3)
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    # The limit is the sync connection's; the writer's connection takes it over.
    store.db.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    writer = body_writer(store, folder_id, lambda _stored, _handled: None)
    try:
        writer.add([(1, b"x" * 50_000)])  # more than one page left
        with pytest.raises(sqlite3.Error):
            await writer.drain()
        with pytest.raises(sqlite3.Error):
            writer.add([(2, b"small")])
    finally:
        writer.close()
    assert store.db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = store.db.conn.execute("SELECT count(*) FROM bodies").fetchone()[0]
    assert stored == 0
    store.close()


async def test_at_most_depth_batches_wait_for_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow disk makes `add` wait instead of piling batches up in memory."""
    store, folder_id = cache(tmp_path / "cache.sqlite3", 10)
    path = database_file(store)
    assert path is not None
    entered, gate, three_added = threading.Event(), threading.Event(), threading.Event()
    real_put = type(store.bodies).put

    def slow_put(self: object, folder: int, items: list[tuple[int, bytes]]) -> int:
        entered.set()
        gate.wait(60)  # the disk is busy
        return real_put(self, folder, items)  # type: ignore[arg-type]

    monkeypatch.setattr(type(store.bodies), "put", slow_put)
    writer = ThreadedBodyWriter(path, folder_id, lambda _s, _h: None, depth=2)
    added: list[int] = []

    def producer() -> None:
        for uid in range(1, 6):
            writer.add([(uid, b"body")])
            added.append(uid)
            if len(added) == 3:
                three_added.set()

    adding = asyncio.get_running_loop().run_in_executor(None, producer)
    try:
        assert await asyncio.to_thread(entered.wait, 30)  # the thread holds batch 1 ...
        assert await asyncio.to_thread(three_added.wait, 30)  # ... and 2, 3 fill the queue
        assert added == [1, 2, 3] and writer._queue.full() and not adding.done()
    finally:
        gate.set()
    await asyncio.wait_for(adding, 30)
    await writer.drain()
    writer.close()
    assert store.db.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == 5
    store.close()


def test_an_in_memory_cache_is_written_on_the_callers_thread() -> None:
    store = Store.open(":memory:")
    folder_id = store.folders.upsert(FolderInfo("acct", "INBOX"))
    store.messages.upsert_headers(folder_id, [MessageHeaders(1, 1_700_000_000, 10)])
    seen: list[tuple[int, int]] = []
    writer = body_writer(store, folder_id, lambda stored, handled: seen.append((stored, handled)))
    assert isinstance(writer, InlineBodyWriter) and database_file(store) is None
    writer.add([(1, b"raw")])
    assert seen == [(1, 1)]
