from __future__ import annotations

from pathlib import Path

import pytest

from kittiwake.client.store import Store
from kittiwake.client.store.database import connect


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
