"""A command's process keeps the cache's checkpoints off its critical path."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kittiwake.client import process
from kittiwake.client.store import checkpoints
from kittiwake.client.store.database import Database, connect


@pytest.fixture
def command_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[sqlite3.Connection]]:
    """This test's process as a command's; the connections it leaves are closed after."""
    left: list[sqlite3.Connection] = []
    monkeypatch.setattr(process, "_short_lived", False)
    monkeypatch.setattr(checkpoints, "_left_open", left)
    monkeypatch.setattr(checkpoints, "_background", None)
    monkeypatch.setattr(checkpoints, "BACKGROUND_MIN_BYTES", 1)  # these tests' WALs are small
    process.ends_after_its_command()
    yield left
    checkpoints.wait_for_the_background_checkpoint()
    for conn in left:  # as the process's exit would drop them
        conn.close()


def _add_account(db: Database, name: str) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO accounts (id) VALUES (?)", (name,))


def _a_command_left_an_account_in_the_wal(path: Path) -> None:
    """One command's process: it adds an account and leaves (its WAL not checkpointed)."""
    db = Database(connect(path))
    checkpoints.wait_for_the_background_checkpoint()
    _add_account(db, "a")
    db.close()


def _checkpointed_accounts(path: Path) -> list[str]:
    """What the database file itself holds, the WAL ignored (immutable: no WAL, no locks)."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM accounts ORDER BY id")]
    finally:
        conn.close()


def test_outside_a_command_process_the_close_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    db = Database(connect(path))
    assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # SQLite's
    _add_account(db, "a")
    db.close()
    assert not Path(f"{path}-wal").exists()
    assert _checkpointed_accounts(path) == ["a"]


def test_a_command_leaves_its_commits_in_the_wal_and_the_next_open_reads_them(
    tmp_path: Path, command_process: list[sqlite3.Connection]
) -> None:
    path = tmp_path / "c.sqlite3"
    _a_command_left_an_account_in_the_wal(path)
    assert Path(f"{path}-wal").stat().st_size > 0
    assert _checkpointed_accounts(path) == []  # not copied into the database on the way out
    reader = Database(connect(path))
    assert reader.conn.execute("SELECT id FROM accounts").fetchall() == [("a",)]
    reader.close()


def test_a_command_checkpoints_what_the_last_one_left_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command_process: list[sqlite3.Connection]
) -> None:
    path = tmp_path / "c.sqlite3"
    _a_command_left_an_account_in_the_wal(path)
    assert _checkpointed_accounts(path) == []
    monkeypatch.setattr(checkpoints, "_background", None)  # the next command's process
    second = Database(connect(path))
    assert second.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == (
        checkpoints.COMMAND_AUTOCHECKPOINT
    )
    checkpoints.wait_for_the_background_checkpoint()
    assert _checkpointed_accounts(path) == ["a"]
    second.close()


def test_one_background_checkpoint_per_process(
    tmp_path: Path, command_process: list[sqlite3.Connection]
) -> None:
    path = tmp_path / "c.sqlite3"
    one = Database(connect(path))
    started = checkpoints._background
    two = Database(connect(path))  # a writer thread's own connection, say
    assert started is not None and checkpoints._background is started
    one.close()
    two.close()


def test_a_small_wal_is_not_worth_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command_process: list[sqlite3.Connection]
) -> None:
    path = tmp_path / "c.sqlite3"
    _a_command_left_an_account_in_the_wal(path)
    monkeypatch.setattr(checkpoints, "_background", None)  # the next command's process
    monkeypatch.setattr(checkpoints, "BACKGROUND_MIN_BYTES", 1 << 20)
    second = Database(connect(path))
    assert checkpoints._background is None  # a few pages: left for a later command
    assert _checkpointed_accounts(path) == []
    second.close()
