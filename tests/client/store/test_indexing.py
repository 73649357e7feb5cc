"""The background indexer: real messages found by search, restart safety, malformed input,
concurrent writers, and a clean stop (no thread, no process left)."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kittiwake.client.mime.indextext import index_text
from kittiwake.client.store import FolderInfo, Role, Store
from kittiwake.client.store.indexing import BackgroundIndexer, body_path
from tests.client.mime.corpus import SKIP_REASON, corpus_dir, iter_messages
from tests.client.store.conftest import headers

WAIT = 120.0  # seconds: generous, for a loaded machine; a pass normally takes well under one


def _raw(uid: int, word: str = "") -> bytes:
    return (
        f"From: Sender {uid} <s{uid}@example.com>\r\nSubject: Message {uid}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nbody of {uid} token{uid}x {word}\r\n"
    ).encode()


def _fill(store: Store, raws: list[bytes], first_uid: int = 1) -> int:
    folder = store.folders.upsert(FolderInfo("work", "INBOX", role=Role.INBOX))
    uids = range(first_uid, first_uid + len(raws))
    store.messages.upsert_headers(folder, [headers(uid) for uid in uids])
    store.bodies.put(folder, list(zip(uids, raws, strict=True)))
    return folder


def _started(
    path: Path, stopper: list[BackgroundIndexer], count: int, **options: Any
) -> tuple[Store, BackgroundIndexer]:
    """A cache at `path` holding `count` messages to index, and an indexer started on it."""
    store = Store.open(path)
    _fill(store, [_raw(uid) for uid in range(1, count + 1)])
    indexer = BackgroundIndexer(path, **options)
    stopper.append(indexer.start())
    return store, indexer


def _integrity(store: Store) -> None:
    """FTS5 compares its index with the content: an entry written twice, or one missing or
    stale, fails the check (SQLITE_CORRUPT_VTAB)."""
    store.db.conn.execute("INSERT INTO message_fts (message_fts) VALUES ('integrity-check')")


@pytest.fixture
def stopper() -> Iterator[list[BackgroundIndexer]]:
    """Indexers a test started, stopped even when it fails."""
    started: list[BackgroundIndexer] = []
    yield started
    for indexer in started:
        indexer.stop()


def test_real_messages_are_found_by_search(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    root = corpus_dir()
    if root is None:
        pytest.skip(SKIP_REASON)
    raws = [raw for _, raw in iter_messages(root)][:300]
    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    _fill(store, raws)
    # A word of each message that no other message has: search must find exactly that one.
    words: dict[str, int] = {}
    seen: dict[str, int] = {}
    for uid, raw in enumerate(raws, start=1):
        for word in set(re.findall(r"\b[a-z]{7,12}\b", index_text(raw).lower())):
            seen[word] = seen.get(word, 0) + 1
            words.setdefault(word, uid)
    in_headers = {"example", "message"}  # every message's sender and subject (_fill)
    unique = {w: uid for w, uid in words.items() if seen[w] == 1 and w not in in_headers}
    assert len(unique) > 100

    indexer = BackgroundIndexer(path, workers=2, pool_threshold=1, nice=0)
    stopper.append(indexer.start())
    assert indexer.wait_idle(WAIT)
    assert indexer.pending() == 0 and indexer.indexed == len(raws)
    for word, uid in sorted(unique.items())[:: max(1, len(unique) // 60)]:
        hits = store.search(word)
        assert [h.uid for h in hits] == [uid], word
    _integrity(store)
    store.close()


def test_wake_indexes_what_a_sync_added(tmp_path: Path, stopper: list[BackgroundIndexer]) -> None:
    path = tmp_path / "cache.sqlite"
    store, indexer = _started(path, stopper, 5, workers=0)
    assert indexer.wait_idle(WAIT)
    _fill(store, [_raw(uid, "latecomer") for uid in range(6, 9)], first_uid=6)
    indexer.wake()
    assert indexer.wait_idle(WAIT)
    assert sorted(h.uid for h in store.search("latecomer")) == [6, 7, 8]
    assert store.pending_index_count() == 0
    store.close()


def test_a_restart_in_the_middle_indexes_each_message_exactly_once(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    count, batch, stop_at = 250, 20, 3 * 20 + 5
    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    _fill(store, [_raw(uid) for uid in range(1, count + 1)])
    calls = 0
    reached, release = threading.Event(), threading.Event()

    def pausing(raw: bytes) -> str:
        nonlocal calls
        calls += 1
        if calls == stop_at:  # inside the fourth batch: three are committed
            reached.set()
            release.wait(WAIT)
        return index_text(raw)

    first = BackgroundIndexer(path, workers=0, batch=batch, extractor=pausing)
    stopper.append(first.start())
    assert reached.wait(WAIT)
    assert not first.stop(timeout=0)  # asked to stop while extracting: not gone yet
    release.set()
    assert first.stop(WAIT)
    assert first.indexed == 3 * batch
    assert store.pending_index_count() == count - 3 * batch

    second = BackgroundIndexer(path, workers=0, batch=batch)
    stopper.append(second.start())
    assert second.wait_idle(WAIT)
    assert first.indexed + second.indexed == count  # each written once, none twice
    _integrity(store)
    for uid in (1, 3 * batch, 3 * batch + 1, stop_at, count):
        assert [h.uid for h in store.search(f"token{uid}x")] == [uid]
    assert store.db.conn.execute("SELECT count(*) FROM body_text").fetchone()[0] == count
    store.close()


MALFORMED = (
    # A readable first part, then a part with broken base64, an unknown charset and no
    # closing delimiter: the readable words must still be found.
    b"Subject: broken\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
    b"--b1\r\nContent-Type: text/plain\r\n\r\nsalvageable words here\r\n"
    b"--b1\r\nContent-Type: text/plain; charset=x-no-such\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n%%%not base64 at all===\r\n",
    b"\x00\xff\xfe garbage without any header at all \x00 rescuable",
    b"Content-Type: multipart/alternative\r\n\r\nno boundary parameter; stillfound\r\n",
    b"",
)


def test_malformed_messages_are_indexed_by_what_can_be_read(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    raws = [*MALFORMED, _raw(5, "explode"), _raw(6, "afterwards")]
    _fill(store, raws)

    def fragile(raw: bytes) -> str:
        if b"explode" in raw:
            raise ValueError("a parser bug")
        return index_text(raw)

    indexer = BackgroundIndexer(path, workers=0, extractor=fragile)
    stopper.append(indexer.start())
    assert indexer.wait_idle(WAIT)
    assert indexer.error is None and store.pending_index_count() == 0
    assert [h.uid for h in store.search("salvageable")] == [1]
    assert [h.uid for h in store.search("rescuable")] == [2]
    assert [h.uid for h in store.search("stillfound")] == [3]
    # The message whose extraction raised is still found by its headers, and the next one
    # by its text: one failure does not stop the indexer.
    assert [h.uid for h in store.search('subject:"message 5"')] == [5]
    assert [h.uid for h in store.search("afterwards")] == [6]
    _integrity(store)
    store.close()


def test_a_writer_on_another_connection_is_not_locked_out(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    count = 1500
    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    _fill(store, [_raw(uid, "filler " * 400) for uid in range(1, count + 1)])
    started = threading.Event()

    def signalling(raw: bytes) -> str:
        started.set()
        return index_text(raw)

    indexer = BackgroundIndexer(path, workers=0, batch=200, extractor=signalling)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA busy_timeout = 2000")  # short: an indexer transaction is ~0.1 s
    stopper.append(indexer.start())
    assert started.wait(WAIT)
    commits = 0
    while indexer.pending() > 0 and commits < 400:
        writer.execute("BEGIN IMMEDIATE")  # raises "database is locked" after 2 s
        writer.execute("UPDATE messages SET flags = flags | 4 WHERE uid = ?", (commits + 1,))
        writer.execute("COMMIT")
        commits += 1
    assert commits > 0, "the indexer finished before the writer could even start"
    assert indexer.wait_idle(WAIT)
    assert store.pending_index_count() == 0
    flagged = store.db.conn.execute("SELECT count(*) FROM messages WHERE flags & 4").fetchone()
    assert flagged[0] == commits
    writer.close()
    _integrity(store)
    store.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _indexer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kittiwake-indexer"]


def test_stop_leaves_no_thread_and_no_process(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    _fill(store, [_raw(uid) for uid in range(1, 41)])
    indexer = BackgroundIndexer(path, workers=2, pool_threshold=1)
    indexer.start()
    try:
        assert indexer.wait_idle(WAIT)
        # The pool lingers for the next sync's messages: its processes are still there.
        pids = [p.pid for p in multiprocessing.active_children() if p.pid is not None]
        assert pids and all(_alive(pid) for pid in pids)
        assert _indexer_threads()
    finally:
        assert indexer.stop(WAIT)
    assert not _indexer_threads()
    assert not any(_alive(pid) for pid in pids)
    assert not multiprocessing.active_children()
    assert not indexer.running
    assert indexer.wait_idle(0) is False  # a stopped indexer is never "idle"
    store.close()


def test_stop_without_start_and_twice_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    indexer = BackgroundIndexer(path, workers=0)
    assert indexer.stop()
    indexer.start()
    assert indexer.stop(WAIT) and indexer.stop()
    with pytest.raises(RuntimeError):
        indexer.start().start()
    indexer.stop(WAIT)
    store.close()


def test_a_cache_that_cannot_be_opened_is_reported_not_waited_for(tmp_path: Path) -> None:
    indexer = BackgroundIndexer(tmp_path / "no such directory" / "cache.sqlite", workers=0)
    indexer.start()
    assert indexer.wait_idle(WAIT) is False
    assert isinstance(indexer.error, sqlite3.Error)
    assert indexer.stop(WAIT) and not _indexer_threads()


def test_body_path_agrees_with_the_store(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    for message_id in (1, 255, 256, 70_000):
        assert body_path(path, message_id) == store.bodies.path_for(message_id)
    store.close()


def test_large_bodies_in_files_are_indexed(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    path = tmp_path / "cache.sqlite"
    store = Store.open(path)
    big = _raw(1, "needle " + "hay " * 40_000)  # over bodies.INLINE_LIMIT: kept in a file
    _fill(store, [big, _raw(2)])
    assert store.db.conn.execute("SELECT raw IS NULL FROM bodies ORDER BY 1").fetchall() == [
        (0,),
        (1,),
    ]
    for workers in (0, 2):
        store.db.conn.execute("UPDATE messages SET fts_pending = 1")
        indexer = BackgroundIndexer(path, workers=workers, pool_threshold=1, extractor=None)
        stopper.append(indexer.start())
        assert indexer.wait_idle(WAIT)
        assert [h.uid for h in store.search("needle")] == [1]
        assert indexer.stop(WAIT)
    _integrity(store)
    store.close()


def _deferring(indexer: BackgroundIndexer) -> bool:
    with indexer._cv:
        return indexer._cv.wait_for(lambda: indexer.deferring, WAIT)


def test_a_round_waits_for_a_quiet_moment_until_a_search_wants_the_index(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    """A sync wakes the indexer after every batch: it indexes once the wakes stop (here: not
    within the test), and at once when a search waits for it."""
    path = tmp_path / "cache.sqlite"
    store, indexer = _started(path, stopper, 5, workers=0, settle=3600, max_defer=3600)
    assert _deferring(indexer)  # the round at start waits, with the messages still pending
    assert store.pending_index_count() == 5 and indexer.indexed == 0
    indexer.wake()  # another batch stored: still waiting
    assert _deferring(indexer) and indexer.indexed == 0
    assert indexer.wait_idle(WAIT)  # a search: now
    assert store.pending_index_count() == 0 and indexer.indexed == 5
    store.close()


def test_max_defer_bounds_the_wait_for_a_quiet_moment(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    path = tmp_path / "cache.sqlite"
    store, indexer = _started(path, stopper, 3, workers=0, settle=3600, max_defer=0)
    with indexer._cv:  # idle without anyone calling wait_idle (which would hurry it)
        assert indexer._cv.wait_for(lambda: indexer._idle, WAIT)
    assert store.pending_index_count() == 0
    store.close()


def test_stop_ends_a_round_that_waits_for_a_quiet_moment(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    Store.open(path).close()
    indexer = BackgroundIndexer(path, workers=0, settle=3600, max_defer=3600).start()
    assert _deferring(indexer)
    assert indexer.stop(WAIT) and not indexer.running


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a per-thread nice is Linux's")
def test_the_thread_runs_at_a_lower_priority_and_the_process_does_not(
    tmp_path: Path, stopper: list[BackgroundIndexer]
) -> None:
    path = tmp_path / "cache.sqlite"
    Store.open(path).close()
    here = os.getpriority(os.PRIO_PROCESS, 0)  # this thread's nice value
    indexer = BackgroundIndexer(path, workers=0, nice=7, settle=0)
    stopper.append(indexer.start())
    assert indexer.wait_idle(WAIT)
    assert indexer._thread is not None and indexer._thread.native_id is not None
    assert os.getpriority(os.PRIO_PROCESS, indexer._thread.native_id) == min(19, here + 7)
    assert os.getpriority(os.PRIO_PROCESS, 0) == here


def test_a_commit_by_another_connection_keeps_the_round_waiting(
    tmp_path: Path, stopper: list[BackgroundIndexer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync storing bodies wakes nobody, but it commits: the round waits `settle` seconds
    after the last commit (on a clock the test moves)."""
    from kittiwake.client.store import indexing

    clock = [1000.0]
    monkeypatch.setattr(indexing, "_now", lambda: clock[0])
    path = tmp_path / "cache.sqlite"
    store, indexer = _started(path, stopper, 3, workers=0, settle=10, max_defer=1000)
    assert _deferring(indexer)

    def look_at(now: float, commit: bool = False) -> None:
        """Move the clock (and commit), and wait until the indexer has looked again. Holding
        its condition, so that it cannot look in between."""
        with indexer._cv:
            if commit:
                _fill(store, [_raw(4)], first_uid=4)
            clock[0] = now
            seen = indexer.quiet_checks
            indexer._cv.notify_all()
            assert indexer._cv.wait_for(lambda: indexer.quiet_checks > seen, WAIT)

    look_at(1008.0, commit=True)  # a commit at 1008, two seconds before it would be quiet
    look_at(1015.0)  # 10 s after the start, 7 after the commit: still waiting
    assert indexer.deferring and indexer.indexed == 0
    clock[0] = 1019.0  # 11 s after the commit
    with indexer._cv:
        indexer._cv.notify_all()
        assert indexer._cv.wait_for(lambda: indexer._idle, WAIT)
    assert indexer.indexed == 4 and store.pending_index_count() == 0
    store.close()


def test_the_indexer_gives_way_to_the_window_between_its_transactions(
    tmp_path: Path, stopper: list[BackgroundIndexer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kittiwake.client.foreground import _writing
    from kittiwake.client.store import indexing

    calls: list[int] = []  # the write depth at each checkpoint: 0, outside any transaction
    monkeypatch.setattr(indexing, "give_way", lambda: calls.append(getattr(_writing, "depth", 0)))
    path = tmp_path / "cache.sqlite"
    store, indexer = _started(path, stopper, 5, workers=0)
    assert indexer.wait_idle(WAIT)
    store.close()
    assert calls and set(calls) == {0}
