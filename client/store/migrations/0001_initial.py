"""Schema version 1: accounts, folders, messages, bodies, full-text index, queue, outbox.

Never edit a released migration: add 0002_*.py instead, and freeze
tests/client/store/fixtures/schema_v1.sql beside it (tests/client/store/test_migrate.py).
SQL lives in a Python module so it ships in every package format without package-data rules.
"""

SQL = """
CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,                -- the server's name (decoded from modified UTF-7)
    delimiter TEXT,                    -- NULL for a flat namespace (and for POP3)
    role TEXT CHECK (role IN ('inbox', 'sent', 'drafts', 'trash', 'junk', 'archive')),
    uidvalidity INTEGER,
    uidnext INTEGER,
    highestmodseq INTEGER,
    subscribed INTEGER NOT NULL DEFAULT 1,
    -- Maintained by the triggers below, so the folder list never counts rows.
    unread_count INTEGER NOT NULL DEFAULT 0,
    total_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, name)
);

CREATE TABLE messages (
    -- AUTOINCREMENT: an id is never reused, so the GUI, the FTS rowid and the body file name
    -- of an expunged message can never point at a newer one.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    modseq INTEGER NOT NULL DEFAULT 0,
    flags INTEGER NOT NULL DEFAULT 0,  -- bitmask of the system flags (store/model.py Flag)
    keywords TEXT NOT NULL DEFAULT '', -- other IMAP keywords, space-separated, sorted
    internal_date INTEGER NOT NULL,    -- seconds since the epoch (UTC)
    size INTEGER NOT NULL,             -- RFC822.SIZE
    date INTEGER NOT NULL,             -- Date: header (internal date when missing or bogus)
    from_name TEXT NOT NULL DEFAULT '',
    from_addr TEXT NOT NULL DEFAULT '',
    from_sort TEXT NOT NULL DEFAULT '',    -- casefolded name or address: the "From" column sort
    to_addrs TEXT NOT NULL DEFAULT '',     -- "Name <addr>, ..." as shown
    cc_addrs TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    subject_sort TEXT NOT NULL DEFAULT '', -- casefolded, "Re:"/"Fwd:" stripped
    message_id TEXT,
    in_reply_to TEXT,
    refs TEXT NOT NULL DEFAULT '',         -- References, space-separated
    thread_id INTEGER,                     -- NULL until threads.py places the message
    has_attachment INTEGER NOT NULL DEFAULT 0,
    preview TEXT NOT NULL DEFAULT '',
    has_body INTEGER NOT NULL DEFAULT 0,   -- the raw RFC 5322 bytes are in `bodies`
    fts_pending INTEGER NOT NULL DEFAULT 1, -- (re)index in the background (store/fts.py)
    -- The message's rowid in message_fts: date * 2^24 + (id mod 2^24), set when first indexed.
    -- FTS5 walks a match in rowid order, so "newest first" is its native order and a page of
    -- 100 hits stops after 100 instead of sorting every hit (store/fts.py).
    fts_key INTEGER,
    -- Generated so "unread" and "flagged" can be indexed and queried by name.
    is_unread INTEGER GENERATED ALWAYS AS ((flags & 1) = 0) VIRTUAL,
    is_flagged INTEGER GENERATED ALWAYS AS ((flags & 4) != 0) VIRTUAL,
    UNIQUE (folder_id, uid)
);

-- One index per sortable column of the message list; the rowid (id) is the implicit last
-- column of each, which makes (key, id) keyset paging an index range scan.
CREATE INDEX messages_by_date ON messages (folder_id, date);
CREATE INDEX messages_by_from ON messages (folder_id, from_sort);
CREATE INDEX messages_by_subject ON messages (folder_id, subject_sort);
CREATE INDEX messages_by_size ON messages (folder_id, size);
CREATE INDEX messages_unread ON messages (folder_id, is_unread, date);
CREATE INDEX messages_flagged ON messages (is_flagged, date) WHERE is_flagged;
CREATE INDEX messages_by_thread ON messages (thread_id, date);
CREATE INDEX messages_by_message_id ON messages (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX messages_by_in_reply_to ON messages (in_reply_to) WHERE in_reply_to IS NOT NULL;
CREATE INDEX messages_unthreaded ON messages (folder_id, date) WHERE thread_id IS NULL;
CREATE INDEX messages_fts_pending ON messages (id) WHERE fts_pending;
CREATE INDEX messages_date ON messages (date);
-- Search joins every full-text hit to its message by fts_key; carrying the filter columns in
-- the index spares a table read per hit (measured: a filtered count 15 -> 7 ms at 10,000).
-- fts_key is unique by construction (store/fts.py), in the one writer's transaction.
CREATE INDEX messages_by_fts_key
ON messages (fts_key, is_unread, is_flagged, folder_id, date, has_attachment)
WHERE fts_key IS NOT NULL;

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
    UPDATE folders SET total_count = total_count + 1, unread_count = unread_count + new.is_unread
    WHERE id = new.folder_id;
END;

CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
    UPDATE folders SET total_count = total_count - 1, unread_count = unread_count - old.is_unread
    WHERE id = old.folder_id;
END;

CREATE TRIGGER messages_count_flags AFTER UPDATE OF flags ON messages
WHEN old.is_unread != new.is_unread BEGIN
    UPDATE folders SET unread_count = unread_count + new.is_unread - old.is_unread
    WHERE id = new.folder_id;
END;

-- The raw RFC 5322 bytes for offline reading. Measured (benchmarks/search_bench.py
-- raw-storage): SQLite is faster below ~100 KB, files are 4-7x faster for large messages, so
-- small messages live here and large ones in files named by message id (raw IS NULL).
CREATE TABLE bodies (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    raw BLOB                           -- NULL: the bytes are in the body file (store/bodies.py)
);

-- Body files whose message left the cache; bodies.py unlinks them after the commit (a
-- trigger cannot touch the file system, and unlinking before the commit could lose a body
-- that a rolled-back transaction still references).
CREATE TABLE body_files_to_delete (
    message_id INTEGER PRIMARY KEY
);

CREATE TRIGGER bodies_file_delete AFTER DELETE ON bodies WHEN old.raw IS NULL BEGIN
    INSERT OR IGNORE INTO body_files_to_delete (message_id) VALUES (old.message_id);
END;

-- Full-text search. External content: the indexed body text is kept once, in body_text, and
-- subject/addresses are read from messages, so nothing is stored twice; and unlike a
-- contentless table (before SQLite 3.43) rows can be deleted, and snippet() works.
CREATE TABLE body_text (
    id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    text TEXT NOT NULL
);

CREATE VIEW fts_source AS
SELECT m.fts_key AS fts_key, m.subject AS subject, m.from_name || ' ' || m.from_addr AS sender,
       m.to_addrs AS recipients, m.cc_addrs AS cc, b.text AS body
FROM messages AS m JOIN body_text AS b ON b.id = m.id WHERE m.fts_key IS NOT NULL;

CREATE VIRTUAL TABLE message_fts USING fts5 (
    subject, sender, recipients, cc, body,
    content = 'fts_source', content_rowid = 'fts_key',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- A message leaving the cache (expunge, UIDVALIDITY reset, folder or account removal: the
-- cascades fire this too) leaves the index with the exact values it was indexed with.
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages
WHEN EXISTS (SELECT 1 FROM body_text WHERE id = old.id) BEGIN
    INSERT INTO message_fts (message_fts, rowid, subject, sender, recipients, cc, body)
    SELECT 'delete', old.fts_key, old.subject, old.from_name || ' ' || old.from_addr,
           old.to_addrs, old.cc_addrs, text
    FROM body_text WHERE id = old.id;
    DELETE FROM body_text WHERE id = old.id;
END;

-- The offline queue: local changes waiting to be replayed to the server (client/sync).
CREATE TABLE pending_ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,             -- JSON object
    created INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'running', 'done', 'failed')),
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pending_ops_by_state ON pending_ops (account, state, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    raw BLOB NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    last_error TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
CREATE INDEX outbox_by_state ON outbox (state, next_attempt);
"""
