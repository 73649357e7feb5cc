"""Migrations: a database at every earlier schema version opens and reaches the latest.

Each released version N has a frozen fixture, fixtures/schema_vN.sql (its schema plus a few
rows). Adding migration N+1 means: freeze schema_v{N+1}.sql too (test_every_version_has_a_
fixture fails until then); test_every_version_migrates then covers the new migration from every
older version, and asserts the rows of each fixture survive.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kittiwake.client.store import CacheTooNew, Flag, Store
from kittiwake.client.store.migrate import available, current_version, latest_version, migrate

FIXTURES = Path(__file__).parent / "fixtures"
LATEST = latest_version()


def fixture_versions() -> list[int]:
    return sorted(int(p.stem.removeprefix("schema_v")) for p in FIXTURES.glob("schema_v*.sql"))


def shape(conn: sqlite3.Connection) -> dict[str, object]:
    """Tables with their columns, indexes with their keys, views and triggers by name."""
    virtual = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")
    ]
    result: dict[str, object] = {}
    for kind, name, table in conn.execute(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ):
        if any(name.startswith(v + "_") for v in virtual):
            continue  # FTS5 shadow tables follow from the virtual table
        if kind == "table":
            result[name] = [tuple(r[1:]) for r in conn.execute(f"PRAGMA table_xinfo({name})")]
        elif kind == "index":
            keys = [tuple(r[1:]) for r in conn.execute(f"PRAGMA index_xinfo({name})")]
            result[name] = (table, keys)
        else:
            result[name] = kind
    return result


def fresh_shape(tmp_path: Path) -> dict[str, object]:
    conn = sqlite3.connect(tmp_path / "fresh.sqlite", isolation_level=None)
    migrate(conn)
    try:
        return shape(conn)
    finally:
        conn.close()


def make_database(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    if version:
        conn.executescript((FIXTURES / f"schema_v{version}.sql").read_text("utf-8"))
    conn.close()


def test_migrations_are_numbered_without_gaps() -> None:
    assert [m.version for m in available()] == list(range(1, LATEST + 1))


def test_every_version_has_a_fixture() -> None:
    assert fixture_versions() == list(range(1, LATEST + 1))


def test_latest_fixture_is_the_schema_the_migrations_make(tmp_path: Path) -> None:
    make_database(tmp_path / "fixture.sqlite", LATEST)
    conn = sqlite3.connect(tmp_path / "fixture.sqlite")
    try:
        assert current_version(conn) == LATEST
        assert shape(conn) == fresh_shape(tmp_path)
    finally:
        conn.close()


@pytest.mark.parametrize("version", range(LATEST + 1))
def test_every_version_migrates(tmp_path: Path, version: int) -> None:
    path = tmp_path / "cache.sqlite"
    make_database(path, version)
    with Store.open(path) as store:
        assert current_version(store.db.conn) == LATEST
        assert shape(store.db.conn) == fresh_shape(tmp_path)
        if version >= 1:  # the rows every fixture carries
            (folder,) = store.folders.list("work")
            assert (folder.uidvalidity, folder.unread_count, folder.total_count) == (1234, 1, 2)
            first = store.messages.get(1)
            assert first is not None
            assert first.subject == "Fixture message"
            assert first.flags == Flag.SEEN
            assert first.keywords == ("$Label1",)
            assert store.bodies.get(1) == b"Subject: Fixture message\n\nHello from the fixture"
            assert [m.id for m in store.messages.thread(1)] == [1, 2]
            assert [op.kind for op in store.ops.list("work")] == ["flags"]
            assert [item.message_id for item in store.outbox.list()] == ["<out@example.com>"]


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    Store.open(path).close()
    with Store.open(path) as store:
        rows = store.db.conn.execute("SELECT version FROM schema_version").fetchall()
        assert rows == [(LATEST,)]


def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(CacheTooNew) as caught:
        Store.open(path)
    assert "newer Kittiwake" in str(caught.value)
    assert isinstance(caught.value, RuntimeError)
