"""When the WAL is copied into the database: off the critical path of a short-lived process.

A `kittiwake` command's process ends right after its work (client/process.py says which).
Two checkpoints used to sit on its critical path, each copying the WAL's pages into the
database and fsyncing both files (50-75 ms after a sync that stored 100 messages, on this
project's machines):

- the one SQLite runs when the last connection closes. The process leaves it to the next start
  (`leave_the_wal`): nothing is at risk, every commit is in the WAL already (a kill -9 after the
  commit leaves exactly this state) and the next opener reads it. Python 3.12+ says so to
  SQLite (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE); before, the connection stays open until the
  process leaves with os._exit (cli.run_as_program), which closes nothing;
- the automatic one, when a commit takes the WAL past 1000 pages (a 100-message resync writes
  about that many). The process raises that mark (COMMAND_AUTOCHECKPOINT pages) and instead
  checkpoints what earlier runs left (from 1 MB of WAL), once, on a thread of its own, as
  soon as it opens the cache: the copy and its fsyncs (the GIL released) overlap the
  imports, the TLS handshake and the server's LIST that the command waits for anyway. A
  PASSIVE checkpoint never blocks the command's own reads or writes.

The WAL stays bounded: a command checkpoints what the one before it wrote, the raised mark
still applies to a large sync, and journal_size_limit truncates the file after a checkpoint.
The GUI keeps SQLite's defaults: it closes once per session.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from kittiwake.client import process

COMMAND_AUTOCHECKPOINT = 4000  # pages (16 MB): above what a resync writes, bounded for a big one
# A WAL smaller than this (what no-change runs leave) is not worth a thread at start.
BACKGROUND_MIN_BYTES = 1 << 20

_left_open: list[sqlite3.Connection] = []
_background: threading.Thread | None = None


def opened(conn: sqlite3.Connection, path: str | Path) -> None:
    """Called for each connection to the cache file at `path` once it is set up."""
    global _background
    if not process.short_lived() or str(path) == ":memory:":
        return
    conn.execute(f"PRAGMA wal_autocheckpoint = {COMMAND_AUTOCHECKPOINT}")
    if _background is None and _wal_bytes(path) >= BACKGROUND_MIN_BYTES:
        _background = threading.Thread(
            target=_checkpoint, args=(str(path),), name="kittiwake-checkpoint", daemon=True
        )
        _background.start()


def _wal_bytes(path: str | Path) -> int:
    try:
        return os.stat(f"{path}-wal").st_size
    except OSError:
        return 0


def _checkpoint(path: str) -> None:
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()  # never the last connection: the command's own is open
    except sqlite3.Error:
        pass  # only an optimisation: the next start (or the GUI's close) checkpoints


def wait_for_the_background_checkpoint() -> None:
    """(tests) Until the background checkpoint, if one started, is done."""
    if _background is not None:
        _background.join()


def leave_the_wal(conn: sqlite3.Connection) -> bool:
    """Close `conn` without checkpointing, if this is a command's process; False otherwise
    (the caller closes it as usual)."""
    if not process.short_lived():
        return False
    setconfig = getattr(conn, "setconfig", None)  # Python 3.12+
    if setconfig is not None:
        setconfig(getattr(sqlite3, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE", 1010), True)
        conn.close()
    elif conn.in_transaction:
        conn.close()  # never abandon a half-done transaction: close() rolls it back
    else:
        _left_open.append(conn)  # closed by nothing: the process leaves
    return True
