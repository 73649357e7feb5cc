"""Numbered schema migrations, applied in order when the cache is opened.

Each migration is a module `client/store/migrations/NNNN_name.py` holding `SQL` (a script),
`migrate(conn)` (for changes SQL alone cannot express), or both (the script first). Each runs
in its own transaction together with the bump of `schema_version`, so a crash mid-migration
leaves the database at the previous version, never in between.
"""

from __future__ import annotations

import importlib
import re
import sqlite3

from kittiwake.client.records import record
from kittiwake.client.store.errors import CacheTooNew

_NAME = re.compile(r"^(\d{4})_(\w+)\.py$")
# How many migrations there are: an open of an up-to-date cache (every open but the first after
# an update) compares with this instead of listing the package (importlib.resources and zipfile
# are ~5 ms of a `kittiwake sync`). A test checks that it matches the modules.
LATEST = 3


@record
class Migration:
    version: int
    name: str


def available() -> list[Migration]:
    from importlib import resources

    found: list[Migration] = []
    for entry in resources.files("kittiwake.client.store.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2]))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {found}")
    return found


def latest_version() -> int:
    return len(available())


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring the database to `target` (default: the latest); returns the version reached.

    `conn` must be in autocommit mode (isolation_level=None): transactions are explicit here.
    """
    if target is None and current_version(conn) == LATEST:
        return LATEST
    migrations = available()
    target = len(migrations) if target is None else target
    version = current_version(conn)
    if version > len(migrations):
        raise CacheTooNew(
            f"The mail cache was written by a newer Kittiwake (schema {version}, this version "
            f"knows {len(migrations)}).",
        )
    for migration in migrations[version:target]:
        _apply(conn, migration)
    return current_version(conn)


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    module = importlib.import_module(
        f"kittiwake.client.store.migrations.{migration.version:04d}_{migration.name}"
    )
    conn.execute("BEGIN IMMEDIATE")
    try:
        if hasattr(module, "SQL"):
            run_script(conn, module.SQL)
        if hasattr(module, "migrate"):
            module.migrate(conn)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run a script statement by statement inside the caller's transaction.

    (executescript() would COMMIT first.) complete_statement() knows that a trigger's body
    ends at END;, so statements are split where SQLite itself would split them.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    if pending.strip() and not _only_comments(pending):
        raise ValueError(f"incomplete SQL statement at the end of the script: {pending!r}")


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())
