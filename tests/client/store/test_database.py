from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kittiwake.client.store import Store, database
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


def _one_account_database(path: Path) -> Database:
    db = Database(connect(path))
    with db.transaction() as conn:
        conn.execute("INSERT INTO accounts (id) VALUES ('a')")
    return db


def test_closing_the_last_connection_folds_the_wal_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    _one_account_database(path).close()
    assert not Path(f"{path}-wal").exists()  # checkpointed, then removed


def test_a_deferred_close_leaves_the_wal_and_the_next_open_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    left: list[sqlite3.Connection] = []
    monkeypatch.setattr(database, "_left_open", left)
    monkeypatch.setattr(database, "_defer_checkpoint", False)  # restored after the test
    database.defer_checkpoint_to_next_open()
    path = tmp_path / "c.sqlite3"
    _one_account_database(path).close()
    wal = Path(f"{path}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the commit is there, not yet copied
    try:
        reader = Database(connect(path))
        assert reader.conn.execute("SELECT id FROM accounts").fetchall() == [("a",)]
        reader.conn.close()
    finally:
        for conn in left:  # as the process's exit would drop them
            conn.close()
