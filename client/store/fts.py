"""Full-text indexing: `index_pending` takes a batch of queued messages, extracts their text
off the write lock, and writes the index in one short transaction (`write_index`). The
background indexer (store/indexing.py) uses `pending_batch` and `write_index` directly.

The FTS5 table `message_fts` is external-content over the view `fts_source` (messages joined
with body_text): subject and addresses are read from `messages`, the body text is kept once in
`body_text`. Chosen over contentless because SQLite before 3.43 cannot delete rows from a
contentless table (expunges would leave ghosts), and because snippet()/highlight() need content.
unicode61 with remove_diacritics 2 folds case and accents ("Zürich" = "zurich"); the prefix
indexes (2 and 3 characters) make "inv*" a range read instead of a scan of the term list.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable

from kittiwake.client.records import record
from kittiwake.client.store.bodies import Bodies
from kittiwake.client.store.database import Database

log = logging.getLogger(__name__)

# Text beyond this is not indexed: a mailing-list digest or a pasted log would otherwise grow
# the index (and each later merge) by megabytes for words nobody searches for.
MAX_TEXT_CHARS = 64 * 1024
PREVIEW_CHARS = 200
KEY_SHIFT = 24

Extractor = Callable[[bytes], str]
# map()-like: the built-in map, or a process pool's map to extract on every core.
Mapper = Callable[[Callable[[bytes], str], list[bytes]], Iterable[str]]


@record
class SafeExtractor:
    """Runs the caller's extractor, turning its failures into "no text" (a broken message is
    still found by its subject and addresses). Picklable when the extractor is, so it can go
    to a process pool."""

    extractor: Extractor

    def __call__(self, raw: bytes) -> str:
        try:
            return self.extractor(raw)[:MAX_TEXT_CHARS]
        except Exception:  # a parser bug must not stop indexing of the other messages
            log.warning("text extraction failed; indexing headers only", exc_info=True)
            return ""


def _fts_key(conn: sqlite3.Connection, message_id: int) -> tuple[int, bool]:
    """The message's FTS rowid: date-major, so FTS5's rowid order is date order (newest
    first = rowid DESC, which FTS5 serves lazily). The low 24 bits keep it unique per message;
    a clash (same second, ids 2^24 apart) moves to the next free key. True: the key is new,
    so the message has no index entry yet."""
    key, date = conn.execute(
        "SELECT fts_key, max(date, 0) FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if key is not None:
        return int(key), False
    key = (int(date) << KEY_SHIFT) | (message_id & ((1 << KEY_SHIFT) - 1))
    while conn.execute("SELECT 1 FROM messages WHERE fts_key = ?", (key,)).fetchone():
        key += 1
    conn.execute("UPDATE messages SET fts_key = ? WHERE id = ?", (key, message_id))
    return key, True


def date_of_key(key: int) -> int:
    return key >> KEY_SHIFT


def preview_of(text: str) -> str:
    return " ".join(text[: PREVIEW_CHARS * 4].split())[:PREVIEW_CHARS]


def index_pending(
    db: Database,
    bodies: Bodies,
    limit: int,
    extractor: Extractor,
    mapper: Mapper | None = None,
) -> int:
    """Index up to `limit` queued messages; returns how many (0: nothing left to do)."""
    pending = pending_batch(db.conn, limit)
    if not pending:
        return 0
    raws: list[bytes] = []
    with_body: list[int] = []
    for message_id, has_body in pending:
        raw = bodies.get(message_id) if has_body else None
        if raw is not None:
            raws.append(raw)
            with_body.append(message_id)
    texts = dict(zip(with_body, (mapper or map)(SafeExtractor(extractor), raws), strict=True))
    write_index(db, [(i, has_body, texts.get(i, "")) for i, has_body in pending])
    return len(pending)


def pending_batch(conn: sqlite3.Connection, limit: int, after: int = 0) -> list[tuple[int, int]]:
    """(id, has_body) of up to `limit` messages waiting for the index, by id, from `after`."""
    rows = conn.execute(
        "SELECT id, has_body FROM messages WHERE fts_pending AND id > ? ORDER BY id LIMIT ?",
        (after, limit),
    ).fetchall()
    return [(int(i), int(has_body)) for i, has_body in rows]


def write_index(db: Database, rows: Iterable[tuple[int, int, str]]) -> int:
    """Index messages in one transaction: (id, has_body when the text was read, text).

    The message is marked indexed in the same transaction as its FTS rows, so a crash or a
    stop leaves it either fully indexed or still pending: never half, never twice. A body
    stored since its text was read leaves it pending (indexed again, with the body's text).
    Returns how many were written (messages expunged meanwhile are skipped).
    """
    written = 0
    with db.transaction() as conn:
        for message_id, has_body, text in rows:
            # The message may have been expunged since the text was read.
            now = conn.execute(
                "SELECT has_body FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if now is None:
                continue
            key, fresh = _fts_key(conn, message_id)
            if not fresh:  # indexed before: take the old entry out first
                conn.execute(
                    "INSERT INTO message_fts (message_fts, rowid, subject, sender, recipients,"
                    " cc, body) SELECT 'delete', fts_key, subject, sender, recipients, cc, body"
                    " FROM fts_source WHERE fts_key = ?",
                    (key,),
                )
            conn.execute(
                "INSERT OR REPLACE INTO body_text (id, text) VALUES (?, ?)", (message_id, text)
            )
            conn.execute(
                "INSERT INTO message_fts (rowid, subject, sender, recipients, cc, body)"
                " SELECT fts_key, subject, sender, recipients, cc, body FROM fts_source"
                " WHERE fts_key = ?",
                (key,),
            )
            conn.execute(
                "UPDATE messages SET fts_pending = (has_body != ?),"
                " preview = CASE WHEN preview = '' THEN ? ELSE preview END WHERE id = ?",
                (has_body, preview_of(text), message_id),
            )
            written += 1
    return written
