"""AST -> one FTS5 MATCH expression plus an SQL WHERE clause, with bound parameters only.

User text never becomes SQL: it reaches SQLite as bound parameters. Inside the MATCH
expression (itself one bound parameter) every user word is an FTS5 string ("..." with "
doubled), so FTS5 operators and column syntax typed by the user (NEAR, ^, :, *, AND) are
plain text to it; only the compiler writes operators.

Plan: the text parts of a top-level AND go into one MATCH (FTS5 intersects them itself, the
fastest path); filters (is:, dates, folder:) become WHERE terms on `messages m`. Text that
sits under OR or NOT together with filters falls back to `m.fts_key IN (SELECT rowid ...)`
so any combination is correct, if slower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from kittiwake.client.store.errors import SearchSyntaxError
from kittiwake.client.store.fts import KEY_SHIFT
from kittiwake.client.store.search.query import (
    And,
    DateBound,
    HasAttachment,
    InAccount,
    InFolder,
    Is,
    MatchAll,
    Node,
    Not,
    Or,
    Text,
)

# The FTS5 column each field searches (store/migrations/0001_initial.py, message_fts).
_COLUMNS = {
    "from": "sender",
    "to": "recipients",
    "cc": "cc",
    "subject": "subject",
    "body": "body",
}

_IS_SQL = {
    "unread": "m.is_unread = 1",
    "read": "m.is_unread = 0",
    "flagged": "m.is_flagged = 1",
    "unflagged": "m.is_flagged = 0",
    "answered": "(m.flags & 2) != 0",
}


@dataclass(frozen=True)
class Compiled:
    """`match` None: no full-text part (the query reads `messages m` alone)."""

    match: str | None
    where: str
    params: tuple[object, ...]


def fts_string(text: str) -> str:
    """A user's text as an FTS5 string: always quoted, so it is never FTS5 syntax.

    NUL would end the expression inside FTS5's parser ("unterminated string"): it separates
    words like a space.
    """
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


def _fts_leaf(node: Text) -> str:
    expr = fts_string(node.text) + (" *" if node.prefix else "")
    if node.field is not None:
        expr = f"{_COLUMNS[node.field]} : {expr}"
    return expr


def _pure(node: Node) -> bool:
    """Expressible as one FTS5 expression (FTS5 has no unary NOT: a NOT needs a partner)."""
    if isinstance(node, Text):
        return True
    if isinstance(node, Or):
        return all(_pure(item) for item in node.items)
    if isinstance(node, And):
        positives = [item for item in node.items if not isinstance(item, Not)]
        negatives = [item.item for item in node.items if isinstance(item, Not)]
        return bool(positives) and all(map(_pure, positives)) and all(map(_pure, negatives))
    return False


def _fts(node: Node) -> str:
    if isinstance(node, Text):
        return _fts_leaf(node)
    if isinstance(node, Or):
        return " OR ".join(f"({_fts(item)})" for item in node.items)
    assert isinstance(node, And)
    return _fts_and(
        [item for item in node.items if not isinstance(item, Not)],
        [item.item for item in node.items if isinstance(item, Not)],
    )


def _fts_and(positives: Sequence[Node], negatives: Sequence[Node]) -> str:
    expr = " AND ".join(f"({_fts(item)})" for item in positives)
    for negative in negatives:
        expr = f"({expr}) NOT ({_fts(negative)})"
    return expr


class _Compiler:
    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self.params: list[object] = []

    def top(self, node: Node) -> Compiled:
        if _pure(node):
            return Compiled(_fts(node), "1", ())
        if isinstance(node, And):
            positives = [i for i in node.items if isinstance(i, Text | Or | And) and _pure(i)]
            negatives = [
                i for i in node.items if isinstance(i, Not) and _pure(i.item) and positives
            ]
            rest = [i for i in node.items if i not in positives and i not in negatives]
            if positives:
                match = _fts_and(positives, [n.item for n in negatives if isinstance(n, Not)])
                terms = [self.sql(i) for i in rest]
                # FTS rowids are date-major (store/fts.py): a date bound is also a rowid
                # range, which FTS5 seeks to instead of reading hits outside it.
                terms += [self.rowid_bound(i) for i in rest if isinstance(i, DateBound)]
                return Compiled(match, " AND ".join(terms) or "1", tuple(self.params))
        where = self.sql(node)
        return Compiled(None, where, tuple(self.params))

    def bind(self, value: object) -> str:
        self.params.append(value)
        return "?"

    def sql(self, node: Node) -> str:
        if _pure(node):
            match = self.bind(_fts(node))
            return f"m.fts_key IN (SELECT rowid FROM message_fts WHERE message_fts MATCH {match})"
        if isinstance(node, And):
            return "(" + " AND ".join(self.sql(i) for i in node.items) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.sql(i) for i in node.items) + ")"
        if isinstance(node, Not):
            return f"NOT {self.sql(node.item)}"
        if isinstance(node, Is):
            return _IS_SQL[node.state]
        if isinstance(node, HasAttachment):
            return "m.has_attachment = 1"
        if isinstance(node, DateBound):
            op = "<" if node.before else ">="
            return f"m.date {op} {self.bind(self.timestamp(node.day))}"
        if isinstance(node, InFolder):
            name, role = self.bind(node.name), self.bind(node.name.lower())
            return (
                "m.folder_id IN (SELECT id FROM folders WHERE "
                f"name = {name} COLLATE NOCASE OR role = {role})"
            )
        if isinstance(node, InAccount):
            account = self.bind(node.account)
            return f"m.folder_id IN (SELECT id FROM folders WHERE account = {account})"
        assert isinstance(node, MatchAll)
        return "1"

    def rowid_bound(self, node: DateBound) -> str:
        key = self.bind(self.timestamp(node.day) << KEY_SHIFT)
        return f"message_fts.rowid {'<' if node.before else '>='} {key}"

    def timestamp(self, day: date) -> int:
        """Start of the day in the user's time zone (None: this computer's)."""
        try:
            start = datetime.combine(day, time.min, tzinfo=self.tz)
            return int(start.timestamp() if self.tz else start.astimezone().timestamp())
        except (OverflowError, ValueError, OSError) as exc:
            raise SearchSyntaxError(f"The date {day.isoformat()} is out of range.") from exc


def compile_query(node: Node, *, tz: tzinfo | None = None) -> Compiled:
    return _Compiler(tz).top(node)
