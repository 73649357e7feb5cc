from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kittiwake.client.store import Store
from kittiwake.client.store.database import Database, connect


def test_pragmas(tmp_path: Path) -> None:
    conn = connect(tmp_path / "c.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    conn.close()


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO accounts (id) VALUES ('a')")
        raise RuntimeError("boom")
    assert store.folders.accounts() == []


def test_nested_transactions_join_the_outer_one(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.folders.add_account("a")  # opens its own (nested) transaction
        raise RuntimeError("boom")
    assert store.folders.accounts() == []


def test_durable_transaction_restores_normal_sync(store: Store) -> None:
    with store.transaction(durable=True) as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.db.conn.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_a_second_connection_reads_while_the_first_writes(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.sqlite") as writer, Store.open(tmp_path / "c.sqlite") as reader:
        with writer.transaction():
            writer.folders.add_account("a")
            assert reader.folders.accounts() == []  # WAL: the reader sees the last commit
        assert reader.folders.accounts() == ["a"]


class _BusyOnOptimize:
    """A connection whose PRAGMA optimize meets another writer (as the GUI's own connection
    writing while the sync's writer thread closes), or a real failure."""

    def __init__(self, conn: sqlite3.Connection, code: int) -> None:
        self._conn, self._code, self.closed = conn, code, False

    def execute(self, sql: str) -> sqlite3.Cursor:
        if "optimize" in sql:
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = self._code  # type: ignore[attr-defined]
            raise error
        return self._conn.execute(sql)

    def close(self) -> None:
        self.closed = True
        self._conn.close()

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction


def test_closing_while_another_connection_writes_still_closes(tmp_path: Path) -> None:
    db = Database(connect(tmp_path / "c.sqlite3"))
    busy = _BusyOnOptimize(db.conn, 517)  # SQLITE_BUSY_SNAPSHOT
    db.conn = busy  # type: ignore[assignment]
    db.close()  # statistics skipped, no error
    assert busy.closed


def test_a_real_error_at_close_is_raised_and_the_connection_closed(tmp_path: Path) -> None:
    db = Database(connect(tmp_path / "c.sqlite3"))
    broken = _BusyOnOptimize(db.conn, 10)  # SQLITE_IOERR
    db.conn = broken  # type: ignore[assignment]
    with pytest.raises(sqlite3.OperationalError):
        db.close()
    assert broken.closed
