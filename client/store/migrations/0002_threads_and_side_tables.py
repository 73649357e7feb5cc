"""Schema version 2: the JWZ thread graph, and the side tables other modules created ad hoc.

- `thread_nodes` / `thread_subjects`: the threading graph of client/store/threads.py (one row
  per Message-ID an account has seen or referred to; one per base subject for the subject
  fallback). Version 1 set thread ids with a simpler In-Reply-To/References walk, so `migrate`
  re-threads every account once with the JWZ algorithm (thread ids may change, once).
- `pop3_uidls` (client/sync/pop3_download.py), `local_drafts` (client/sync/drafts.py) and
  `local_digests` (client/importexport.py) used to be created on first use with CREATE TABLE
  IF NOT EXISTS. A version-1 database may already have any of them, hence IF NOT EXISTS here
  too (same columns, so the result is the same either way).

Never edit a released migration: add 0003_*.py instead, and freeze
tests/client/store/fixtures/schema_v2.sql beside it (tests/client/store/test_migrate.py).
"""

from __future__ import annotations

import sqlite3

SQL = """
CREATE TABLE IF NOT EXISTS thread_nodes (
    account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    node TEXT NOT NULL,                -- a Message-ID without its brackets; ' <row id>' for a
                                       -- message without one
    thread_id INTEGER NOT NULL,        -- messages.thread_id: the row id of the thread's first
    parent TEXT NOT NULL DEFAULT '',   -- the parent node ('' for a root)
    message INTEGER,                   -- the row of its first copy; NULL: a placeholder
    PRIMARY KEY (account, node)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thread_nodes_by_thread ON thread_nodes (thread_id);

CREATE TABLE IF NOT EXISTS thread_subjects (
    account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    base TEXT NOT NULL,                -- casefolded subject without Re:/Fwd:/[list] prefixes
    node TEXT NOT NULL,                -- the conversation's first node with that subject
    date INTEGER NOT NULL,             -- its newest message's date: the fallback's window
    PRIMARY KEY (account, base)
) WITHOUT ROWID;

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
"""


def migrate(conn: sqlite3.Connection) -> None:
    """After SQL: re-thread every account into the new tables (in the migration's transaction).

    This calls the current threads.py, which is fine as long as it needs no schema newer than
    version 2; a later migration that reshapes the thread tables should re-thread itself.
    Imported here, not at the top: every start lists the migrations, and only this step needs
    the threading modules.
    """
    if conn.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is None:
        return  # a new cache: nothing to re-thread
    from kittiwake.client.store import threads

    threads.rethread_all(conn)
