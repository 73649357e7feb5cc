"""The raw RFC 5322 bytes of each message, for offline reading.

Where they live was decided by measurement (`benchmarks/search_bench.py raw-storage`, the
10,000-message corpus, this 2-core machine under load; two runs): below 100 KB SQLite wins
(writes 40-86 MB/s vs 16-19 MB/s for one file each, reads 21-29 vs 49-58 us a message: no
open/rename/close per message), from 100 KB files win (writes 201-398 vs 63-109 MB/s, reads
0.4-1.0 vs 1.9-2.3 ms: SQLite writes a large blob twice, WAL then checkpoint, and reads it
through a chain of overflow pages). So: up to INLINE_LIMIT in the `bodies` table, larger ones
in files `<database>.bodies/<xx>/<id>.eml`, named by the never-reused message id. The hybrid
wrote the whole mix at 152 MB/s (SQLite alone 50-103, files alone 91-225).

Files are written (temporary name, then rename) before the row that points at them commits,
and unlinked only after the commit that removed their row (`body_files_to_delete`, swept by a
commit hook), so no committed row points at a file that is not there — except after a power cut
(files are not fsynced, like WAL commits under synchronous=NORMAL); `get` then reports the body
as missing and the sync engine fetches it again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from kittiwake.client.store.database import Database

INLINE_LIMIT = 100 * 1024
_BATCH = 500


class Bodies:
    def __init__(self, db: Database, directory: Path | None) -> None:
        """`directory` None keeps every body inline (an in-memory database)."""
        self._db = db
        self._dir = directory
        self._sweeping = False
        db.add_commit_hook(self.sweep)

    def path_for(self, message_id: int) -> Path:
        if self._dir is None:
            raise ValueError("this cache keeps every body inline")
        return self._dir / f"{message_id % 256:02x}" / f"{message_id}.eml"

    def put(self, folder_id: int, items: Iterable[tuple[int, bytes]]) -> int:
        """Store bodies by UID (as FETCH BODY.PEEK[] returns them); returns how many were new.

        A UID's bytes never change, so a body already stored is left alone. Storing a body
        queues the message for (re)indexing with its text.
        """
        batch: list[tuple[int, bytes]] = []
        stored = 0
        for item in items:
            batch.append(item)
            if len(batch) == _BATCH:
                stored += self._put_batch(folder_id, batch)
                batch = []
        if batch:
            stored += self._put_batch(folder_id, batch)
        return stored

    def _put_batch(self, folder_id: int, batch: list[tuple[int, bytes]]) -> int:
        conn = self._db.conn
        with self._db.transaction():
            # One lookup for the batch (a statement per UID was most of a small body's cost).
            marks = ",".join("?" * len(batch))
            missing = {
                int(uid): int(message_id)
                for uid, message_id in conn.execute(
                    f"SELECT uid, id FROM messages WHERE folder_id = ? AND uid IN ({marks})"
                    " AND has_body = 0",
                    (folder_id, *(uid for uid, _raw in batch)),
                )
            }
            rows: list[tuple[int, bytes | None]] = []
            for uid, raw in batch:
                message_id = missing.pop(uid, None)  # pop: a UID twice in a batch stores once
                if message_id is None:
                    continue
                if self._dir is not None and len(raw) > INLINE_LIMIT:
                    self._write_file(message_id, raw)
                    rows.append((message_id, None))
                else:
                    rows.append((message_id, raw))
            conn.executemany("INSERT OR IGNORE INTO bodies (message_id, raw) VALUES (?, ?)", rows)
            conn.executemany(
                "UPDATE messages SET has_body = 1, fts_pending = 1 WHERE id = ?",
                [(message_id,) for message_id, _ in rows],
            )
        return len(rows)

    def _write_file(self, message_id: int, raw: bytes) -> None:
        target = self.path_for(message_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(raw)
        os.replace(temporary, target)

    def get(self, message_id: int) -> bytes | None:
        """The raw message, or None when it has not been downloaded (or was lost)."""
        row = self._db.conn.execute(
            "SELECT raw FROM bodies WHERE message_id = ?", (message_id,)
        ).fetchone()
        if row is None:
            return None
        if row[0] is not None:
            return bytes(row[0])
        try:
            return self.path_for(message_id).read_bytes()
        except FileNotFoundError:
            # Lost in a power cut: forget it, so the sync engine downloads it again.
            with self._db.transaction() as conn:
                conn.execute("DELETE FROM bodies WHERE message_id = ?", (message_id,))
                conn.execute("UPDATE messages SET has_body = 0 WHERE id = ?", (message_id,))
            return None

    def sweep(self) -> None:
        """Unlink the files of bodies whose rows are gone (runs after each commit)."""
        if self._sweeping or self._dir is None:
            return
        self._sweeping = True
        try:
            while True:
                ids = [
                    int(r[0])
                    for r in self._db.conn.execute(
                        "SELECT message_id FROM body_files_to_delete LIMIT ?", (_BATCH,)
                    )
                ]
                if not ids:
                    return
                for message_id in ids:
                    self.path_for(message_id).unlink(missing_ok=True)
                with self._db.transaction() as conn:
                    conn.executemany(
                        "DELETE FROM body_files_to_delete WHERE message_id = ?",
                        [(i,) for i in ids],
                    )
        finally:
            self._sweeping = False
