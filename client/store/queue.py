"""The offline operation queue and the outbox: schema-level typed accessors only.

The logic (replay order, retries, backoff) belongs to client/sync; this module only stores and
reads rows. Every write here is `durable`: the server does not have these changes yet, so they
must survive a power cut, not only a crash (see database.py).
"""

from __future__ import annotations

import enum
import time
from typing import Any

from kittiwake.client.records import record
from kittiwake.client.store.database import Database


class OpState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class OutboxState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@record
class PendingOp:
    id: int
    account: str
    kind: str
    payload: dict[str, Any]
    created: int
    attempts: int
    state: OpState
    last_error: str


@record
class OutboxItem:
    id: int
    account: str
    raw: bytes
    message_id: str
    state: OutboxState
    last_error: str
    attempts: int
    next_attempt: int
    created: int

    def __repr__(self) -> str:  # the raw message can be megabytes (and private)
        return (
            f"OutboxItem(id={self.id}, account={self.account!r}, message_id="
            f"{self.message_id!r}, state={self.state.value}, attempts={self.attempts})"
        )


class PendingOps:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, account: str, kind: str, payload: dict[str, Any]) -> int:
        import json  # here: a sync with nothing queued (most) does not load it

        encoded = json.dumps(payload, sort_keys=True)  # raises on what JSON cannot hold
        with self._db.transaction(durable=True) as conn:
            row = conn.execute(
                "INSERT INTO pending_ops (account, kind, payload, created) VALUES (?, ?, ?, ?) "
                "RETURNING id",
                (account, kind, encoded, int(time.time())),
            ).fetchone()
        return int(row[0])

    def list(self, account: str | None = None, state: OpState = OpState.PENDING) -> list[PendingOp]:
        """Operations in the order they were made (the order they must be replayed in)."""
        sql = (
            "SELECT id, account, kind, payload, created, attempts, state, last_error "
            "FROM pending_ops WHERE state = ?"
        )
        params: tuple[object, ...] = (state.value,)
        if account is not None:
            sql += " AND account = ?"
            params += (account,)
        rows = self._db.conn.execute(sql + " ORDER BY id", params).fetchall()
        if not rows:
            return []
        import json

        return [
            PendingOp(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], OpState(r[6]), r[7])
            for r in rows
        ]

    def set_state(
        self, op_id: int, state: OpState, *, error: str = "", count_attempt: bool = False
    ) -> None:
        with self._db.transaction(durable=True) as conn:
            conn.execute(
                "UPDATE pending_ops SET state = ?, last_error = ?, attempts = attempts + ? "
                "WHERE id = ?",
                (state.value, error, int(count_attempt), op_id),
            )

    def remove(self, op_id: int) -> None:
        with self._db.transaction(durable=True) as conn:
            conn.execute("DELETE FROM pending_ops WHERE id = ?", (op_id,))


class Outbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, account: str, raw: bytes, message_id: str) -> int:
        with self._db.transaction(durable=True) as conn:
            row = conn.execute(
                "INSERT INTO outbox (account, raw, message_id, created) VALUES (?, ?, ?, ?) "
                "RETURNING id",
                (account, raw, message_id, int(time.time())),
            ).fetchone()
        return int(row[0])

    def get(self, item_id: int) -> OutboxItem | None:
        row = self._db.conn.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE id = ?", (item_id,)
        ).fetchone()
        return None if row is None else _outbox_item(row)

    def due(self, now: int, limit: int = 50) -> list[OutboxItem]:
        """Queued messages whose next attempt time has come, oldest first."""
        return [
            _outbox_item(r)
            for r in self._db.conn.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE state = 'queued' "
                "AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?",
                (now, limit),
            )
        ]

    def list(self, account: str | None = None) -> list[OutboxItem]:
        if account is None:
            cursor = self._db.conn.execute(f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY id")
        else:
            cursor = self._db.conn.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE account = ? ORDER BY id", (account,)
            )
        return [_outbox_item(r) for r in cursor]

    def set_state(
        self,
        item_id: int,
        state: OutboxState,
        *,
        error: str = "",
        next_attempt: int | None = None,
        count_attempt: bool = False,
    ) -> None:
        with self._db.transaction(durable=True) as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, last_error = ?, attempts = attempts + ?, "
                "next_attempt = coalesce(?, next_attempt) WHERE id = ?",
                (state.value, error, int(count_attempt), next_attempt, item_id),
            )

    def remove(self, item_id: int) -> None:
        with self._db.transaction(durable=True) as conn:
            conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))


_OUTBOX_COLUMNS = "id, account, raw, message_id, state, last_error, attempts, next_attempt, created"


def _outbox_item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row[0],
        account=row[1],
        raw=bytes(row[2]),
        message_id=row[3],
        state=OutboxState(row[4]),
        last_error=row[5],
        attempts=row[6],
        next_attempt=row[7],
        created=row[8],
    )
