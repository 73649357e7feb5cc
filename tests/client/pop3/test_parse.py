"""Pure POP3 parsing, proved with bytes."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kittiwake.client.net.errors import ProtocolError
from kittiwake.client.pop3.parse import (
    Continuation,
    LineBuffer,
    ListEntry,
    Stat,
    Status,
    UidlEntry,
    parse_auth_reply,
    parse_capabilities,
    parse_list,
    parse_list_line,
    parse_stat,
    parse_status,
    parse_uidl,
    parse_uidl_line,
    unstuff,
)


def test_ok_status_keeps_text() -> None:
    assert parse_status(b"+OK Dovecot ready.\r\n") == Status(True, "Dovecot ready.")


def test_bare_ok_and_err() -> None:
    assert parse_status(b"+OK\r\n") == Status(True, "")
    assert parse_status(b"-ERR\n") == Status(False, "")


def test_err_with_response_code() -> None:
    status = parse_status(b"-ERR [AUTH] Authentication failed.\r\n")
    assert status == Status(False, "[AUTH] Authentication failed.", "AUTH")
    assert parse_status(b"-ERR [IN-USE] Mailbox locked\r\n").code == "IN-USE"
    assert parse_status(b"-ERR [SYS/TEMP] try later\r\n").code == "SYS/TEMP"


@pytest.mark.parametrize(
    "line", [b"* OK IMAP4rev1 ready\r\n", b"220 smtp ready\r\n", b"+OKAY\r\n", b"\r\n", b"ok\r\n"]
)
def test_not_a_status_is_protocol_error(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_status(line)


def test_non_utf8_server_text_does_not_fail() -> None:
    assert parse_status(b"+OK caf\xe9\r\n").text == "caf\ufffd"


def test_auth_continuation_is_decoded() -> None:
    assert parse_auth_reply(b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n") == Continuation(b'{"status":"401"}')
    assert parse_auth_reply(b"+ \r\n") == Continuation(b"")
    assert parse_auth_reply(b"+\r\n") == Continuation(b"")
    assert parse_auth_reply(b"+OK Logged in.\r\n") == Status(True, "Logged in.")


def test_malformed_challenge_is_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_auth_reply(b"+ not*base64\r\n")


def test_unstuff() -> None:
    assert unstuff(b"Subject: x\r\n") == b"Subject: x\r\n"
    assert unstuff(b"..hidden\r\n") == b".hidden\r\n"
    assert unstuff(b"...\r\n") == b"..\r\n"
    assert unstuff(b"..\r\n") == b".\r\n"
    assert unstuff(b".\r\n") is None
    assert unstuff(b".\n") is None


def test_capabilities_from_dovecot() -> None:
    lines = [
        b"CAPA\r\n",
        b"TOP\r\n",
        b"UIDL\r\n",
        b"RESP-CODES\r\n",
        b"PIPELINING\r\n",
        b"AUTH-RESP-CODE\r\n",
        b"STLS\r\n",
        b"USER\r\n",
        b"SASL PLAIN xoauth2 LOGIN\r\n",
        b"IMPLEMENTATION Dovecot 2.3\r\n",
    ]
    caps = parse_capabilities(lines)
    assert caps.stls and caps.has("top") and caps.has("UIDL") and caps.has("USER")
    assert caps.sasl == ("PLAIN", "XOAUTH2", "LOGIN")
    assert caps.implementation == "Dovecot 2.3"
    assert caps.supported
    assert not parse_capabilities([b"USER\r\n"]).stls


def test_stat() -> None:
    assert parse_stat(Status(True, "2 320")) == Stat(2, 320)
    assert parse_stat(Status(True, "0 0 extra words")) == Stat(0, 0)
    for text in ("", "2", "two 320", "2 -1", "1_000 2", "+2 3", "\u0661 2"):
        with pytest.raises(ProtocolError):
            parse_stat(Status(True, text))


def test_list_lines() -> None:
    assert parse_list([b"1 120\r\n", b"2 200\r\n"]) == [ListEntry(1, 120), ListEntry(2, 200)]
    assert parse_list_line("3 4711") == ListEntry(3, 4711)
    with pytest.raises(ProtocolError):
        parse_list([b"1\r\n"])


def test_uidl_lines() -> None:
    assert parse_uidl([b"1 whqtswO00WBw418f9t5JxYwZ\r\n", b"2 QhdPYR:00WBw1Ph7x7\r\n"]) == [
        UidlEntry(1, "whqtswO00WBw418f9t5JxYwZ"),
        UidlEntry(2, "QhdPYR:00WBw1Ph7x7"),
    ]
    assert parse_uidl_line("7 abc") == UidlEntry(7, "abc")
    for bad in (b"1\r\n", b"x abc\r\n", b"1 " + b"a" * 71 + b"\r\n", b"1 caf\xc3\xa9\r\n"):
        with pytest.raises(ProtocolError):
            parse_uidl([bad])


def test_line_buffer_splits_across_feeds() -> None:
    buffer = LineBuffer()
    buffer.feed(b"+OK 1 2\r\nfirst li")
    assert buffer.next_line(100) == b"+OK 1 2\r\n"
    assert buffer.next_line(100) is None
    buffer.feed(b"ne\r\n.\r\nrest")
    assert buffer.next_line(100) == b"first line\r\n"
    assert buffer.next_line(100) == b".\r\n"
    assert buffer.next_line(100) is None
    assert buffer.pending() == 4


def test_line_buffer_refuses_endless_line_before_it_ends() -> None:
    buffer = LineBuffer()
    buffer.feed(b"x" * 50)
    assert buffer.next_line(100) is None
    buffer.feed(b"x" * 51)
    with pytest.raises(ProtocolError):
        buffer.next_line(100)


def test_line_buffer_refuses_long_complete_line() -> None:
    buffer = LineBuffer()
    buffer.feed(b"y" * 200 + b"\r\n")
    with pytest.raises(ProtocolError):
        buffer.next_line(100)


@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"") + b"\r\n"), max_size=20),
    st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=10),
)
def test_line_buffer_any_split_gives_the_same_lines(lines: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(lines)
    buffer = LineBuffer()
    got: list[bytes] = []
    position = 0
    index = 0
    while position < len(stream):
        size = cuts[index % len(cuts)]
        buffer.feed(stream[position : position + size])
        position += size
        index += 1
        while (line := buffer.next_line(1000)) is not None:
            got.append(line)
    assert got == lines


@given(st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=20))
def test_stuff_then_unstuff_round_trips(lines: list[bytes]) -> None:
    # What a server does (RFC 1939 byte-stuffing), undone line by line, gives the message back.
    wire = [b"." + line + b"\r\n" if line.startswith(b".") else line + b"\r\n" for line in lines]
    decoded = []
    for raw in [*wire, b".\r\n"]:
        content = unstuff(raw)
        if content is None:
            break
        decoded.append(content)
    assert decoded == [line + b"\r\n" for line in lines]


def body_lines() -> st.SearchStrategy[list[bytes]]:
    line = st.binary(max_size=12).map(lambda b: b.replace(b"\n", b""))
    dotted = st.sampled_from([b".", b"..", b".x", b"", b"\r"])
    return st.lists(st.one_of(line, dotted), max_size=25)


@given(body_lines(), st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=8))
def test_take_body_equals_line_by_line_unstuffing(lines: list[bytes], cuts: list[int]) -> None:
    wire = b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)
    stream = wire + b".\r\n+OK next\r\n"
    buffer = LineBuffer()
    got = b""
    position = index = 0
    done = False
    while not done:
        size = cuts[index % len(cuts)]
        buffer.feed(stream[position : position + size])
        position += size
        index += 1
        content, done = buffer.take_body(1000)
        got += content
    assert got == b"".join(line + b"\r\n" for line in lines)
    # Whatever followed the terminator is left for the next answer.
    buffer.feed(stream[position:])
    assert buffer.next_line(100) == b"+OK next\r\n"


def test_take_body_terminator_forms() -> None:
    buffer = LineBuffer()
    buffer.feed(b".\r\n")
    assert buffer.take_body(100) == (b"", True)
    buffer.feed(b"a\n..b\n.\nrest")
    assert buffer.take_body(100) == (b"a\n.b\n", True)
    assert buffer.pending() == 4


def test_take_body_refuses_endless_line() -> None:
    buffer = LineBuffer()
    buffer.feed(b"fine\r\n" + b"z" * 90)
    assert buffer.take_body(100) == (b"fine\r\n", False)
    buffer.feed(b"z" * 20)
    with pytest.raises(ProtocolError):
        buffer.take_body(100)


@given(st.binary(max_size=120))
def test_hostile_bytes_raise_only_protocol_error(data: bytes) -> None:
    # Whatever a server sends, parsing ends in a value or a ProtocolError, never a crash.
    for parse in (parse_status, parse_auth_reply, parse_list_line, parse_uidl_line):
        with contextlib.suppress(ProtocolError):
            parse(data)
    parse_capabilities(data.split(b"\n"))
    with contextlib.suppress(ProtocolError):
        parse_stat(Status(True, data.decode("utf-8", "replace")))
