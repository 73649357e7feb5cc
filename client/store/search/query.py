"""The search language, parsed into a small AST (pure: text in, tree out).

    budget                      a word, anywhere (subject, addresses, body)
    "quarterly report"          a phrase;  invo*  a prefix
    from:alice  to:  cc:  subject:  body:   a word or "phrase" in one field
    has:attachment  is:unread  is:read  is:flagged  is:unflagged  is:answered
    before:2024-03-01  after:7d  (YYYY-MM-DD, today, yesterday, or N days/weeks/months/years
                                  ago as 7d, 2w, 3m, 1y)
    folder:Inbox  in:sent  account:work
    a b  (implicit AND)   a AND b   a OR b   -a  NOT a   ( ... )

AND binds tighter than OR (as in boolean algebra, notmuch and FTS5): `a b OR c` is
`(a AND b) OR c`; parentheses say anything else. A word with an unknown `name:` prefix (a URL,
"re:") is searched as text. Every problem is a SearchSyntaxError naming the position, never an
SQL error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from kittiwake.client.store.errors import SearchSyntaxError

TEXT_FIELDS = ("from", "to", "cc", "subject", "body")
IS_VALUES = ("unread", "read", "flagged", "unflagged", "answered")
_FILTER_FIELDS = ("has", "is", "before", "after", "folder", "in", "account")
_MAX_DEPTH = 50  # parentheses and NOTs nested deeper are refused, not a RecursionError


# --- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Words to find; `field` None means any field. FTS tokenises `text` itself."""

    text: str
    field: str | None = None
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Is:
    state: str  # one of IS_VALUES


@dataclass(frozen=True)
class HasAttachment:
    pass


@dataclass(frozen=True)
class DateBound:
    day: date
    before: bool  # True: strictly before the day starts; False: on or after it


@dataclass(frozen=True)
class InFolder:
    name: str


@dataclass(frozen=True)
class InAccount:
    account: str


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Text | Is | HasAttachment | DateBound | InFolder | InAccount | And | Or | Not | MatchAll


# --- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "-", "AND", "OR", "NOT", "term"
    pos: int
    node: Node | None = None


_WORD_END = re.compile(r'[\s()"]')
_RELATIVE = re.compile(r"^(\d{1,5})([dwmy])$")


def _searchable(text: str) -> bool:
    # FTS5's unicode61 indexes letters and digits; a "word" of punctuation only finds nothing
    # and is dropped rather than sent to FTS as an empty phrase.
    return any(ch.isalnum() for ch in text)


class _Lexer:
    def __init__(self, query: str, today: date, prefix_last: bool) -> None:
        self.query = query
        self.today = today
        self.prefix_last = prefix_last

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        q, i = self.query, 0
        while i < len(q):
            ch = q[i]
            if ch.isspace():
                i += 1
            elif ch in "()":
                out.append(_Token(ch, i))
                i += 1
            elif ch == "-" and i + 1 < len(q) and not q[i + 1].isspace() and q[i + 1] != ")":
                out.append(_Token("-", i))
                i += 1
            elif ch == '"':
                text, i = self._phrase(i)
                prefix = i < len(q) and q[i] == "*"
                i += prefix
                out.append(_Token("term", i, Text(text, None, phrase=True, prefix=prefix)))
            else:
                end = _WORD_END.search(q, i)
                stop = end.start() if end else len(q)
                word = q[i:stop]
                if word in ("AND", "OR", "NOT"):
                    out.append(_Token(word, i))
                    i = stop
                else:
                    token, i = self._word(word, i, stop)
                    out.append(token)
        if self.prefix_last and out and not q[-1:].isspace():
            last = out[-1]
            if last.kind == "term" and isinstance(last.node, Text) and not last.node.phrase:
                node = last.node
                out[-1] = _Token("term", last.pos, Text(node.text, node.field, False, True))
        return out

    def _phrase(self, start: int) -> tuple[str, int]:
        end = self.query.find('"', start + 1)
        if end < 0:
            raise SearchSyntaxError(
                f'The quote at position {start + 1} is never closed: add a closing ".', start
            )
        return self.query[start + 1 : end], end + 1

    def _word(self, word: str, start: int, stop: int) -> tuple[_Token, int]:
        name, colon, value = word.partition(":")
        field = name.lower()
        if not colon or field not in TEXT_FIELDS + _FILTER_FIELDS:
            return _Token("term", start, _plain(word)), stop
        if not value:
            if stop < len(self.query) and self.query[stop] == '"':  # field:"quoted value"
                text, end = self._phrase(stop)
                if field not in TEXT_FIELDS:
                    return _Token("term", start, self._filter(field, text, start)), end
                prefix = end < len(self.query) and self.query[end] == "*"
                return _Token("term", start, Text(text, field, True, prefix)), end + prefix
            raise SearchSyntaxError(
                f"{name}: at position {start + 1} needs a value, for example {_example(field)}.",
                start,
            )
        if field in TEXT_FIELDS:
            node = _plain(value)
            assert isinstance(node, Text)
            return _Token("term", start, Text(node.text, field, False, node.prefix)), stop
        return _Token("term", start, self._filter(field, value, start)), stop

    def _filter(self, field: str, value: str, pos: int) -> Node:
        lowered = value.lower()
        if field == "has":
            if lowered in ("attachment", "attachments"):
                return HasAttachment()
            raise SearchSyntaxError(
                f"has:{value} is not known (position {pos + 1}); use has:attachment.", pos
            )
        if field == "is":
            if lowered in IS_VALUES:
                return Is(lowered)
            raise SearchSyntaxError(
                f"is:{value} is not known (position {pos + 1}); use one of "
                + ", ".join(f"is:{v}" for v in IS_VALUES)
                + ".",
                pos,
            )
        if field in ("before", "after"):
            return DateBound(self._date(value, field, pos), before=field == "before")
        if field in ("folder", "in"):
            return InFolder(value)
        return InAccount(value)

    def _date(self, value: str, field: str, pos: int) -> date:
        lowered = value.lower()
        if lowered == "today":
            return self.today
        if lowered == "yesterday":
            return self.today - timedelta(days=1)
        relative = _RELATIVE.match(lowered)
        try:
            if relative:
                days = int(relative[1]) * {"d": 1, "w": 7, "m": 30, "y": 365}[relative[2]]
                return self.today - timedelta(days=days)
            if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                return date.fromisoformat(value)
        except (ValueError, OverflowError):
            pass
        return _bad_date(field, value, pos)


def _bad_date(field: str, value: str, pos: int) -> date:
    raise SearchSyntaxError(
        f"{field}:{value} is not a date (position {pos + 1}); use YYYY-MM-DD such as "
        f"{field}:2024-03-01, or today, yesterday, 7d, 2w, 3m, 1y.",
        pos,
    )


def _plain(word: str) -> Node:
    prefix = word.endswith("*")
    text = word.rstrip("*") if prefix else word
    return Text(text, None, False, prefix)


def _example(field: str) -> str:
    return {
        "from": "from:alice",
        "to": "to:bob@example.com",
        "cc": "cc:carol",
        "subject": 'subject:"quarterly report"',
        "body": "body:invoice",
        "has": "has:attachment",
        "is": "is:unread",
        "before": "before:2024-03-01",
        "after": "after:7d",
        "folder": "folder:Inbox",
        "in": "in:sent",
        "account": "account:work",
    }[field]


# --- grammar -------------------------------------------------------------------------------


class _Parser:
    """or := and (OR and)* ;  and := unary ([AND] unary)* ;  unary := (-|NOT) unary | atom ;
    atom := ( or ) | term"""

    def __init__(self, tokens: list[_Token], length: int) -> None:
        self.tokens = tokens
        self.i = 0
        self.length = length

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Node:
        if not self.tokens:
            return MatchAll()
        node = self.or_(0)
        token = self.peek()
        if token is not None:
            raise SearchSyntaxError(
                f"Unexpected ')' at position {token.pos + 1}: there is no '(' to close.",
                token.pos,
            )
        return node

    def or_(self, depth: int) -> Node:
        items = [self.and_(depth)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.i += 1
            if self.peek() is None or self.peek().kind in (")", "OR"):  # type: ignore[union-attr]
                raise SearchSyntaxError(
                    f"OR at position {token.pos + 1} needs a term after it.", token.pos
                )
            items.append(self.and_(depth))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self, depth: int) -> Node:
        token = self.peek()
        if token is None or token.kind in (")", "OR", "AND"):
            where = self.length if token is None else token.pos
            what = "the end" if token is None else f"'{token.kind}'"
            raise SearchSyntaxError(
                f"A search term is missing before {what} (position {where + 1}).", where
            )
        items = [self.unary(depth)]
        while (token := self.peek()) is not None and token.kind not in (")", "OR"):
            if token.kind == "AND":
                self.i += 1
                following = self.peek()
                if following is None or following.kind in (")", "OR", "AND"):
                    raise SearchSyntaxError(
                        f"AND at position {token.pos + 1} needs a term after it.", token.pos
                    )
            items.append(self.unary(depth))
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self, depth: int) -> Node:
        if depth > _MAX_DEPTH:
            raise SearchSyntaxError("The search is nested too deeply.", 0)
        token = self.peek()
        assert token is not None
        if token.kind in ("-", "NOT"):
            self.i += 1
            following = self.peek()
            if following is None or following.kind in (")", "OR", "AND"):
                raise SearchSyntaxError(
                    f"{token.kind} at position {token.pos + 1} needs a term after it.", token.pos
                )
            return Not(self.unary(depth + 1))
        if token.kind == "(":
            self.i += 1
            following = self.peek()
            if following is not None and following.kind == ")":
                raise SearchSyntaxError(
                    f"Empty parentheses at position {token.pos + 1}.", token.pos
                )
            node = self.or_(depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise SearchSyntaxError(
                    f"The '(' at position {token.pos + 1} is never closed: add a ')'.", token.pos
                )
            self.i += 1
            return node
        if token.kind == "term":
            self.i += 1
            assert token.node is not None
            return token.node
        raise SearchSyntaxError(
            f"Unexpected '{token.kind}' at position {token.pos + 1}.", token.pos
        )


def _simplify(node: Node) -> Node:
    """Drop words FTS cannot search (punctuation only) and fold what collapses."""
    if isinstance(node, Text):
        return node if _searchable(node.text) else MatchAll()
    if isinstance(node, And | Or):
        items = [item for item in map(_simplify, node.items) if not isinstance(item, MatchAll)]
        if not items:
            return MatchAll()
        return items[0] if len(items) == 1 else type(node)(tuple(items))
    if isinstance(node, Not):
        inner = _simplify(node.item)
        if isinstance(inner, MatchAll):
            return MatchAll()  # "-!!!" excludes nothing searchable: ignore it
        if isinstance(inner, Not):
            return inner.item
        return Not(inner)
    return node


def parse(query: str, *, today: date | None = None, prefix_last: bool = False) -> Node:
    """Parse a search; `prefix_last` makes the last bare word a prefix (search as you type).

    Raises SearchSyntaxError with a message for a person; never anything else for any text.
    """
    tokens = _Lexer(query, today or date.today(), prefix_last).tokens()
    return _simplify(_Parser(tokens, len(query)).parse())
