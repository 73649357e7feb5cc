from __future__ import annotations

from datetime import date

import pytest

from kittiwake.client.store import SearchSyntaxError
from kittiwake.client.store.search.query import (
    And,
    DateBound,
    HasAttachment,
    InAccount,
    InFolder,
    Is,
    MatchAll,
    Not,
    Or,
    Text,
    parse,
)

TODAY = date(2024, 6, 15)


def p(query: str, **kwargs: bool) -> object:
    return parse(query, today=TODAY, **kwargs)


def test_words_phrases_prefixes() -> None:
    assert p("budget") == Text("budget")
    assert p('"quarterly report"') == Text("quarterly report", phrase=True)
    assert p("invo*") == Text("invo", prefix=True)
    assert p('"quarterly rep"*') == Text("quarterly rep", phrase=True, prefix=True)
    assert p("a b") == And((Text("a"), Text("b")))


def test_fields() -> None:
    assert p("from:alice") == Text("alice", field="from")
    assert p('SUBJECT:"big news"') == Text("big news", field="subject", phrase=True)
    assert p("to:bob@example.com cc:carol body:x*") == And(
        (
            Text("bob@example.com", field="to"),
            Text("carol", field="cc"),
            Text("x", field="body", prefix=True),
        )
    )
    assert p("has:attachment is:Unread") == And((HasAttachment(), Is("unread")))
    assert p("folder:Inbox in:sent account:work") == And(
        (InFolder("Inbox"), InFolder("sent"), InAccount("work"))
    )
    # Unknown prefixes are text: URLs, "re:".
    assert p("http://example.com") == Text("http://example.com")


def test_dates() -> None:
    assert p("before:2024-03-01") == DateBound(date(2024, 3, 1), before=True)
    assert p("after:7d") == DateBound(date(2024, 6, 8), before=False)
    assert p("after:2w") == DateBound(date(2024, 6, 1), before=False)
    assert p("after:today") == DateBound(TODAY, before=False)
    assert p("before:yesterday") == DateBound(date(2024, 6, 14), before=True)
    assert p("after:1y") == DateBound(date(2023, 6, 16), before=False)


def test_boolean_structure() -> None:
    assert p("a OR b c") == Or((Text("a"), And((Text("b"), Text("c")))))
    assert p("(a OR b) c") == And((Or((Text("a"), Text("b"))), Text("c")))
    assert p("a AND -b") == And((Text("a"), Not(Text("b"))))
    assert p("NOT a") == Not(Text("a"))
    assert p("--a") == Text("a")
    assert p("or and") == And((Text("or"), Text("and")))  # lower case: words


def test_nothing_searchable() -> None:
    assert p("") == p("   ") == p("!!!") == MatchAll()
    assert p("budget -!!!") == Text("budget")
    assert p("e-mail") == Text("e-mail")


def test_prefix_last_for_search_as_you_type() -> None:
    assert p("from:alice quar", prefix_last=True) == And(
        (Text("alice", field="from"), Text("quar", prefix=True))
    )
    assert p("quar ", prefix_last=True) == Text("quar")  # the word is finished
    assert p('"a b"', prefix_last=True) == Text("a b", phrase=True)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ('"open', "never closed"),
        ("(a OR b", "never closed"),
        ("a)", "no '('"),
        ("a OR", "needs a term"),
        ("OR a", "missing"),
        ("a AND", "needs a term"),
        ("()", "Empty parentheses"),
        ("from:", "needs a value"),
        ("is:sleepy", "is:unread"),
        ("has:cats", "has:attachment"),
        ("before:2024-13-01", "not a date"),
        ("after:soon", "not a date"),
        ("after:99999y", "not a date"),
        ("NOT", "needs a term"),
        ("(" * 60 + "a" + ")" * 60, "nested too deeply"),
    ],
)
def test_clear_errors(query: str, fragment: str) -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        p(query)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert caught.value.hint  # examples for the person
