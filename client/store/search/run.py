"""Run a search against the cache: parse, compile, execute, rank."""

from __future__ import annotations

import enum
from datetime import date, tzinfo

from kittiwake.client.store.database import Database
from kittiwake.client.store.messages import SUMMARY_COLUMNS, summary
from kittiwake.client.store.model import MessageSummary
from kittiwake.client.store.search.compile import Compiled, compile_query
from kittiwake.client.store.search.query import Node, parse

# bm25 column weights: subject, sender, recipients, cc, body. A hit in the subject or the
# sender says more about a message than one word among thousands of its body.
_BM25 = "bm25(message_fts, 8.0, 4.0, 2.0, 1.0, 1.0)"
_COLUMNS = ", ".join(f"m.{c.strip()}" for c in SUMMARY_COLUMNS.split(","))


class Order(enum.StrEnum):
    DATE = "date"  # newest first
    RELEVANCE = "relevance"  # bm25, then newest first


def build(
    query: str | Node,
    *,
    folder_id: int | None = None,
    account: str | None = None,
    today: date | None = None,
    tz: tzinfo | None = None,
    prefix_last: bool = False,
) -> Compiled:
    node = parse(query, today=today, prefix_last=prefix_last) if isinstance(query, str) else query
    compiled = compile_query(node, tz=tz)
    where, params = compiled.where, list(compiled.params)
    if folder_id is not None:
        where += " AND m.folder_id = ?"
        params.append(folder_id)
    if account is not None:
        where += " AND m.folder_id IN (SELECT id FROM folders WHERE account = ?)"
        params.append(account)
    return Compiled(compiled.match, where, tuple(params))


def _from(compiled: Compiled) -> tuple[str, list[object]]:
    if compiled.match is None:
        return f"FROM messages AS m WHERE {compiled.where}", list(compiled.params)
    # The FTS table drives the join, in its rowid order (= date order, see store/fts.py).
    return (
        "FROM message_fts JOIN messages AS m ON m.fts_key = message_fts.rowid "
        f"WHERE message_fts MATCH ? AND {compiled.where}",
        [compiled.match, *compiled.params],
    )


def search(
    db: Database,
    compiled: Compiled,
    *,
    order: Order = Order.DATE,
    limit: int = 100,
    offset: int = 0,
) -> list[MessageSummary]:
    source, params = _from(compiled)
    if compiled.match is None:
        ordering = "m.date DESC, m.id DESC"
    elif order is Order.RELEVANCE:
        ordering = f"{_BM25}, message_fts.rowid DESC"
    else:
        # Not "m.date": ordering by the FTS rowid lets FTS5 stream hits newest first and
        # stop at the page's end (measured at 10,000 messages: a word in 65 % of them,
        # 136 ms sorting every hit by m.date vs ~1 ms this way).
        ordering = "message_fts.rowid DESC"
    sql = f"SELECT {_COLUMNS} {source} ORDER BY {ordering} LIMIT ? OFFSET ?"
    return [summary(row) for row in db.conn.execute(sql, [*params, limit, offset])]


def count(db: Database, compiled: Compiled) -> int:
    if compiled.match is not None and compiled.where == "1":
        # Text only: FTS5 counts its own hits, no join needed.
        row = db.conn.execute(
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH ?", (compiled.match,)
        ).fetchone()
        return int(row[0])
    source, params = _from(compiled)
    return int(db.conn.execute(f"SELECT count(*) {source}", params).fetchone()[0])
