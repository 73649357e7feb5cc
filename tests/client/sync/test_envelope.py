"""Header fields of a FETCH -> the cache's MessageHeaders (pure)."""

from __future__ import annotations

import base64

from kittiwake.client.imap.responses import FetchItem
from kittiwake.client.store.model import Flag
from kittiwake.client.sync.envelope import (
    HEADER_SECTION,
    header_block,
    headers_from_fetch,
    parse_date,
    parse_internaldate,
    split_headers,
)

HEADERS = (
    b"From: =?utf-8?q?J=C3=B6rg?= <joerg@example.test>\r\n"
    b'To: a@example.test,\r\n "B, Person" <b@example.test>\r\n'
    b"Subject: Re: =?utf-8?b?R3LDvMOfZQ==?=\r\n"
    b"Message-ID: <id-1@example.test> (comment)\r\n"
    b"In-Reply-To: <id-0@example.test>\r\n"
    b"References: <r1@x> <r2@x>\r\n  <id-0@example.test>\r\n"
    b"Date: Tue, 2 Jan 2024 09:00:00 +0100\r\n"
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
)


def test_fields_are_decoded() -> None:
    item = FetchItem(
        seq=1,
        uid=7,
        flags=("\\Seen", "$Work", "\\Recent"),
        size=1234,
        internaldate="02-Jan-2024 10:00:00 +0000",
        sections={HEADER_SECTION: HEADERS},
        modseq=42,
    )
    h = headers_from_fetch(item)
    assert h.uid == 7 and h.size == 1234 and h.modseq == 42
    assert h.flags == Flag.SEEN and h.keywords == ("$Work",)
    assert h.sender is not None and (h.sender.name, h.sender.address) == (
        "Jörg",
        "joerg@example.test",
    )
    assert [a.address for a in h.to] == ["a@example.test", "b@example.test"]
    assert h.to[1].name == "B, Person"
    assert h.subject == "Re: Grüße"
    assert h.message_id == "<id-1@example.test>"
    assert h.in_reply_to == "<id-0@example.test>"
    assert h.references == ("<r1@x>", "<r2@x>", "<id-0@example.test>")
    assert h.date == 1704182400  # 08:00 UTC
    assert h.internal_date == 1704189600
    assert h.has_attachment


def test_missing_and_broken_fields_do_not_raise() -> None:
    item = FetchItem(seq=1, uid=1, sections={HEADER_SECTION: b"Garbage line\r\nDate: never\r\n"})
    h = headers_from_fetch(item)
    assert h.sender is None and h.subject == "" and h.date is None and h.message_id is None
    assert h.internal_date == 0 and not h.has_attachment


def test_dates() -> None:
    assert parse_internaldate("17-Jul-1996 02:44:25 -0700") == 837596665  # 09:44:25 UTC
    assert parse_internaldate(" 7-Jul-1996 02:44:25 +0000") == 836707465
    assert parse_internaldate("bogus") == 0
    assert parse_date("Mon, 1 Jan 1900 00:00:00 +0000") is None
    assert parse_date("Thu, 1 Jan 2099 00:00:00 +0000") is None  # far future: not trusted


def test_split_headers_first_wins_and_folds() -> None:
    fields = split_headers(b"Subject: a\r\n b\r\nSubject: second\r\nX: \xff\r\n")
    assert fields["subject"] == "a b"
    assert header_block(b"A: 1\r\n\r\nbody") == b"A: 1\r\n"


def test_plain_fast_path_agrees_with_the_mime_parser() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kittiwake.client.mime.addrlist import parse_address_list
    from kittiwake.client.sync.envelope import _plain_addresses

    def header_encode(text: str, kind: str) -> str:
        data = text.encode("utf-8")
        if kind == "b":
            return f"=?utf-8?b?{base64.b64encode(data).decode()}?="
        return (
            "=?utf-8?q?"
            + "".join(chr(b) if chr(b).isalnum() and b < 128 else f"={b:02X}" for b in data)
            + "?="
        )

    atom = st.text(alphabet="abcXYZ09.-_ ", min_size=0, max_size=8)
    addr = st.builds(lambda a, b: f"{a.strip() or 'x'}@{b.strip() or 'y'}.test", atom, atom)
    # Encoded-word names (B and Q, valid and broken), alone or beside plain words.
    word = st.text(alphabet="aé ,Ł_=?", min_size=0, max_size=6)
    encoded = st.one_of(
        st.builds(lambda w: header_encode(w, "b"), word),
        st.builds(lambda w: header_encode(w, "q"), word),
        st.sampled_from(["=?utf-8?q?a,b?=", "=?x?b?!!?=", "=??q??=", "=?utf-8?q?J=C3=B6rg?="]),
    )
    name = st.one_of(atom, encoded, st.builds(lambda a, e: f"{a} {e}", atom, encoded))
    one = st.one_of(addr, st.builds(lambda n, a: f"{n} <{a}>", name, addr), encoded)
    value = st.lists(one, min_size=1, max_size=4).map(", ".join)

    @settings(max_examples=300, deadline=None)
    @given(value)
    def agree(text: str) -> None:
        fast = _plain_addresses(text)
        if fast is None:
            return
        slow = [(m.name, m.address) for m in parse_address_list(text)[0]]
        assert [(a.name, a.address) for a in fast] == slow

    agree()
    assert _plain_addresses('"Doe, J" <j@x.test>') is None  # quotes: the full parser
    fast = _plain_addresses("=?utf-8?q?J=C3=B6rg?= <j@x.test>, =?utf-8?b?w6k=?= <e@x.test>")
    assert fast is not None and [a.name for a in fast] == ["Jörg", "é"]


def test_the_plain_address_classes_are_printable_ascii_but_the_specials() -> None:
    """Written as positive ASCII ranges (a negated class spanning \\x7f-\\U0010ffff took ~5 ms
    to compile at every start): still printable ASCII but "()=;:\\ (and ? with encoded
    words), over every code point."""
    from kittiwake.client.sync import envelope

    for code in range(0x110000):
        char = chr(code)
        printable = 0x20 <= code <= 0x7E
        plain = printable and char not in '"()=;:\\'
        assert bool(envelope._PLAIN.fullmatch(char)) == plain, hex(code)
        assert bool(envelope._PLAIN_OR_ENCODED.fullmatch(char)) == (plain and char != "?"), hex(
            code
        )
