"""The SQLite connection: pragmas, migrations at open, explicit transactions.

Pragmas, and why:
- journal_mode=WAL: readers (the GUI's own connection) never block the writer (the sync
  engine) and the other way round; a commit is one append to the WAL file.
- synchronous=NORMAL: in WAL mode a commit is written to the WAL before COMMIT returns, but
  fsync()ed only at checkpoints. A crash of the application (or a kill -9) loses nothing: the
  bytes are in the operating system's page cache, which outlives the process. Only a power
  cut or a kernel crash can lose the last few commits, and even then the database stays
  consistent (WAL frames are checksummed; a torn tail is discarded). The cache can be
  re-fetched from the server; what the server does not have yet (the offline queue, the
  outbox) is written with `transaction(durable=True)`, which switches that commit to FULL.
- foreign_keys=ON: deleting a folder or an account cascades to its messages, bodies and
  index entries (SQLite leaves this off by default, per connection).
- busy_timeout: a second connection waits for the write lock instead of failing at once.
- temp_store=MEMORY, cache_size 64 MiB, mmap 256 MiB: sorting and reading a 100,000-message
  folder stay in memory. The sync's writer thread maps nothing (store/writer.py): it writes,
  and the pages it touched stayed resident, 80-95 MB of a 100,000-message sync's peak RSS.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kittiwake.client.foreground import holding_writes
from kittiwake.client.store import checkpoints
from kittiwake.client.store.migrate import migrate

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",
    "PRAGMA mmap_size = 268435456",
    # Bound the WAL file after a big sync; the default checkpoint (1000 pages) still applies.
    "PRAGMA journal_size_limit = 67108864",
)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the cache database at `path`."""
    # isolation_level=None: no implicit BEGIN; Database.transaction() says where they are.
    # check_same_thread=False: the engine may hand the store to one worker thread after
    # opening it; the caller serialises access (one Store per thread of use).
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        migrate(conn)
        checkpoints.opened(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


class Database:
    """A connection plus nestable transactions and after-commit hooks."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._depth = 0
        self._lock = threading.RLock()
        self._after_commit: list[Callable[[], None]] = []

    def add_commit_hook(self, hook: Callable[[], None]) -> None:
        """Call `hook` after every outermost commit (e.g. to unlink files of deleted rows)."""
        self._after_commit.append(hook)

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one.

        BEGIN IMMEDIATE takes the write lock at the start, so two writers queue on
        busy_timeout instead of deadlocking on a read-to-write upgrade. `durable=True` fsyncs
        this commit (synchronous=FULL): for changes the server does not have yet.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            if durable:
                self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                with holding_writes():  # no pause for the GUI while the write lock is held
                    yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (SQLITE_FULL, SQLITE_IOERR): a second
                # ROLLBACK would raise "no transaction is active" and hide the real cause.
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
                if durable:
                    self.conn.execute("PRAGMA synchronous = NORMAL")
            for hook in self._after_commit:
                hook()

    def close(self) -> None:
        # optimize keeps the planner's statistics fresh for the next start. analysis_limit
        # bounds it: unbounded, it re-ran a full ANALYZE of messages on every close (the empty
        # partial FTS-key index never gets statistics), 120-210 ms of a no-change sync.
        try:
            self.conn.execute("PRAGMA analysis_limit = 400")
            self.conn.execute("PRAGMA optimize")
        except sqlite3.OperationalError as error:
            # Statistics are a hint: when another connection is writing (the GUI's own while
            # the sync's writer thread closes), the next close refreshes them. Anything else
            # is a real problem with the cache and is raised.
            if getattr(error, "sqlite_errorcode", 0) & 0xFF not in _BUSY_OR_LOCKED:
                raise
        finally:
            if not checkpoints.leave_the_wal(self.conn):
                self.conn.close()


_BUSY_OR_LOCKED = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (and their extended codes' low byte)
