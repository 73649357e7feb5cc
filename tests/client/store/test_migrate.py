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


def test_the_latest_version_constant_counts_the_migrations() -> None:
    from kittiwake.client.store import migrate as module

    assert len(available()) == module.LATEST  # bump LATEST with every new migration


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
            # Whatever version the fixture is, the migrated cache has the JWZ graph of its rows.
            nodes = store.db.conn.execute(
                "SELECT node, thread_id, parent, message FROM thread_nodes ORDER BY node"
            ).fetchall()
            assert nodes == [("1@example.com", 1, "", 1), ("2@example.org", 1, "1@example.com", 2)]
        if version >= 2:  # rows of the tables version 2 added
            conn = store.db.conn
            assert conn.execute("SELECT uidl, uid FROM pop3_uidls").fetchall() == [("uidl-1", 7)]
            assert conn.execute("SELECT message_id FROM local_drafts").fetchall() == [
                ("<draft@example.com>",)
            ]
            assert conn.execute("SELECT digest FROM local_digests").fetchall() == [("ab12",)]


# The side tables as client/sync/pop3_download.py, client/sync/drafts.py and
# client/importexport.py created them on first use while the schema was at version 1.
V1_AD_HOC_SIDE_TABLES = """
CREATE TABLE IF NOT EXISTS pop3_uidls (
    account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uidl TEXT NOT NULL,
    uid INTEGER NOT NULL,         -- the local UID the message got in the account's Inbox
    downloaded INTEGER NOT NULL,  -- epoch seconds: "delete after N days" counts from here
    PRIMARY KEY (account, uidl)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS local_drafts (
    account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    raw BLOB NOT NULL,
    version INTEGER NOT NULL,         -- bumped by each save
    uploaded_version INTEGER NOT NULL DEFAULT 0,
    server_uid INTEGER,               -- where the uploaded version lives in Drafts, if known
    updated INTEGER NOT NULL,
    PRIMARY KEY (account, message_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS local_digests (
    folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    digest TEXT NOT NULL,   -- sha256 of the stored bytes
    uid INTEGER NOT NULL,
    PRIMARY KEY (folder_id, digest)
) WITHOUT ROWID;
INSERT INTO pop3_uidls VALUES ('work', 'old-uidl', 3, 1690000000);
INSERT INTO local_drafts (account, message_id, raw, version, updated)
VALUES ('work', '<old-draft@x>', CAST('Subject: d' AS BLOB), 2, 1690000000);
INSERT INTO local_digests VALUES (1, 'cafe', 1);
"""


@pytest.mark.parametrize("with_side_tables", [False, True])
def test_version_1_migrates_with_or_without_the_ad_hoc_side_tables(
    tmp_path: Path, with_side_tables: bool
) -> None:
    path = tmp_path / "cache.sqlite"
    make_database(path, 1)
    conn = sqlite3.connect(path)
    if with_side_tables:
        conn.executescript(V1_AD_HOC_SIDE_TABLES)
    # A reply without references: version 1 gave it a thread of its own (thread_id = its id),
    # JWZ's subject fallback puts it in the conversation.
    conn.executescript(
        "INSERT INTO messages (id, folder_id, uid, internal_date, size, date, subject,"
        " message_id, thread_id) VALUES (3, 1, 3, 1700000120, 10, 1700000120,"
        " 'Re: Fixture message', '<3@example.org>', 3);"
    )
    conn.close()
    with Store.open(path) as store:
        conn = store.db.conn
        assert current_version(conn) == LATEST
        assert shape(conn) == fresh_shape(tmp_path)
        assert [m.id for m in store.messages.thread(1)] == [1, 2, 3]
        uidls = conn.execute("SELECT uidl FROM pop3_uidls").fetchall()
        drafts = conn.execute("SELECT message_id, version FROM local_drafts").fetchall()
        digests = conn.execute("SELECT digest FROM local_digests").fetchall()
        if with_side_tables:
            assert (uidls, drafts, digests) == (
                [("old-uidl",)],
                [("<old-draft@x>", 2)],
                [("cafe",)],
            )
        else:
            assert (uidls, drafts, digests) == ([], [], [])


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
