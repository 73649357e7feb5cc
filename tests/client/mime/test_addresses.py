"""addresses.py: lenient parsing of received lists, strict formatting and validation."""

from __future__ import annotations

import email
import email.policy
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kittiwake.client.mime.addresses import (
    Address,
    decode_header_text,
    fold_inherited,
    format_address,
    format_address_list,
    is_valid_address,
    parse_address_list,
    parse_typed_addresses,
    unique,
)
from kittiwake.client.net.errors import HeaderInjection, InvalidAddress


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unlisted-recipients:;", []),
        ("undisclosed-recipients: ;", []),
        ("a@b.example", [("a@b.example", "")]),
        ("Bob <bob@b.example>", [("bob@b.example", "Bob")]),
        (
            '"Doe, John" <j@d.example>, x@y.example',
            [("j@d.example", "Doe, John"), ("x@y.example", "")],
        ),
        ('"Say \\"hi\\"" <q@q.example>', [("q@q.example", 'Say "hi"')]),
        ("x@y.example (Old Style)", [("x@y.example", "Old Style")]),
        (
            "Friends: a@b.example, B <b@c.example>;, e@f.example",
            [("a@b.example", ""), ("b@c.example", "B"), ("e@f.example", "")],
        ),
        (
            "=?utf-8?q?J=C3=BCrgen?= =?utf-8?q?_M=C3=BCller?= <j@m.example>",
            [("j@m.example", "Jürgen Müller")],
        ),
        ("=?utf-8?b?TcO8bGxlciwgSG9ucw==?= <h@m.example>", [("h@m.example", "Müller, Hons")]),
        ('"=?iso-8859-1?q?Fran=E7ois?=" <f@x.example>', [("f@x.example", "François")]),
        ("jo@bücher.de", [("jo@bücher.de", "")]),
        ("<@route.example:a@b.example>", [("a@b.example", "")]),
        ("Pete <pete(his account)@silly.test(his host)>", [("pete@silly.test", "Pete")]),
        ("Broken <a@b.example", [("a@b.example", "Broken")]),
        ("just a name, a@b.example", [("a@b.example", "")]),
        ('"john doe"@example.com', [('"john doe"@example.com', "")]),
        ("a@b.example,,, ,c@d.example", [("a@b.example", ""), ("c@d.example", "")]),
        ("", []),
    ],
)
def test_parse_address_list(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(a.addr_spec, a.name) for a in parse_address_list(text)] == expected


def test_parse_folds_decoded_line_breaks_and_raw_utf8() -> None:
    # A name that decodes to CR LF must not carry the line break onward.
    (a,) = parse_address_list("=?utf-8?q?Eve=0D=0ABcc=3A_x=40y?= <eve@e.example>")
    assert "\r" not in a.name and "\n" not in a.name and a.name.startswith("Eve")
    raw = "Jürgen <j@x.example>".encode().decode("ascii", "surrogateescape")
    assert parse_address_list(raw) == [Address("j@x.example", "Jürgen")]


def test_parse_never_raises_on_garbage() -> None:
    for text in ['"unterminated', "<", "(((", "a@", "@", ":;:;", "\\", "=?x?q?", "<>"]:
        parse_address_list(text)


@given(st.text(max_size=80))
def test_parse_address_list_never_raises(text: str) -> None:
    for a in parse_address_list(text):
        assert "\n" not in a.addr_spec + a.name and "\r" not in a.addr_spec + a.name


def test_typed_addresses_are_strict() -> None:
    assert parse_typed_addresses("Bob <bob@b.example>, c@d.example") == [
        Address("bob@b.example", "Bob"),
        Address("c@d.example"),
    ]
    with pytest.raises(InvalidAddress):
        parse_typed_addresses("bob")
    with pytest.raises(InvalidAddress):
        parse_typed_addresses("bob@")
    with pytest.raises(HeaderInjection):
        parse_typed_addresses("a@b.example\r\nBcc: v@x.example")


@pytest.mark.parametrize(
    ("spec", "valid"),
    [
        ("a@b.example", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("jo@bücher.de", True),
        ("jürgen@bücher.de", True),
        ('"john doe"@example.com', True),
        ("a@[192.0.2.1]", True),
        ("a@localhost", True),
        ("a..b@example.com", False),
        (".a@example.com", False),
        ("a@-example.com", False),
        ("a@exa mple.com", False),
        ("@example.com", False),
        ("a@", False),
        ("a", False),
        ("a@b.example\r\n", False),
        ("x" * 65 + "@example.com", False),
    ],
)
def test_is_valid_address(spec: str, valid: bool) -> None:
    assert is_valid_address(spec) is valid


def test_format_quotes_encodes_and_converts_idn() -> None:
    assert format_address(Address("a@b.example", "Bob Smith")) == "Bob Smith <a@b.example>"
    assert format_address(Address("a@b.example", "Doe, John")) == '"Doe, John" <a@b.example>'
    assert format_address(Address("a@b.example", 'A "q" \\')) == '"A \\"q\\" \\\\" <a@b.example>'
    assert format_address(Address("j@bücher.de")) == "j@xn--bcher-kva.de"
    assert format_address(Address("j@bücher.de"), utf8=True) == "j@bücher.de"
    encoded = format_address(Address("j@x.example", "Jürgen"))
    assert encoded.startswith("=?utf-8?b?") and encoded.isascii()
    assert format_address(Address("j@x.example", "Jürgen"), utf8=True) == "Jürgen <j@x.example>"
    with pytest.raises(InvalidAddress):
        format_address(Address("jürgen@x.example"))


def test_formatted_list_parses_back_with_the_stdlib() -> None:
    addresses = [
        Address("a@b.example", "Doe, John"),
        Address("c@bücher.de", "Jürgen =?utf-8?q?x?= Müller"),
        Address("e@f.example"),
    ]
    header = format_address_list(addresses)
    msg = email.message_from_string(f"To: {header}\n\n", policy=email.policy.default)
    got = [(a.display_name, a.addr_spec) for a in msg["To"].addresses]
    assert got == [
        ("Doe, John", "a@b.example"),
        ("Jürgen =?utf-8?q?x?= Müller", "c@xn--bcher-kva.de"),
        ("", "e@f.example"),
    ]
    assert parse_address_list(header)[1].name == "Jürgen =?utf-8?q?x?= Müller"


def test_key_and_unique_ignore_case_and_idn_spelling() -> None:
    a = Address("Bob@Bücher.DE")
    b = Address("bob@xn--bcher-kva.de", "Bob")
    assert a.key() == b.key()
    me = Address("me@x.example")
    assert unique([a, b, me, Address("c@d.example")], exclude={me.key()}) == [
        a,
        Address("c@d.example"),
    ]


def test_decode_header_text_is_robust() -> None:
    assert decode_header_text("=?utf-8?q?a?= =?utf-8?q?b?=") == "ab"
    assert decode_header_text("=?unknown-8?q?caf=C3=A9?=") == "café"
    assert decode_header_text("=?utf-8?b?!!!?=") in ("!!!", "")
    assert decode_header_text("plain\r\n folded") == "plain folded"
    assert fold_inherited("a\r\nBcc: b\x00c\u2028d") == "a Bcc: b c d"


# RFC 5322 atext: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~" (RFC 6532 adds every non-ASCII one).
_RFC_ATEXT = set(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~")


def test_the_character_classes_are_the_rfcs_sets_over_every_code_point() -> None:
    """The classes are written as ASCII complements (a class spanning \\u0080-\\U0010ffff takes
    ~10 ms to compile at every start): each must still be exactly the set the RFCs define."""
    import re

    from kittiwake.client.mime import addresses

    atext = re.compile(addresses._ATEXT)
    utf8_name = re.compile(addresses._PLAIN_UTF8_NAME.pattern.removesuffix("+"))
    for code in range(0x110000):
        char = chr(code)
        assert bool(atext.fullmatch(char)) == (char in _RFC_ATEXT or code >= 0x80), hex(code)
        in_name = char in _RFC_ATEXT or char == " " or code >= 0xA0
        assert bool(utf8_name.fullmatch(char)) == in_name, hex(code)
