"""Byte transcripts (mostly as Dovecot 2.3 and RFC examples write them) to typed values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kittiwake.client.imap.parse import parse_response
from kittiwake.client.imap.responses import (
    Capability,
    Continuation,
    Enabled,
    Exists,
    Expunge,
    FetchItem,
    Flags,
    IdResponse,
    ListItem,
    MailboxStatus,
    Other,
    Recent,
    Response,
    ResponseCode,
    Search,
    StatusResponse,
    Vanished,
)
from kittiwake.client.imap.wire import ResponseReader
from kittiwake.client.net.errors import ProtocolError


def parse(data: bytes) -> list[Response]:
    return [parse_response(raw) for raw in ResponseReader().feed(data)]


def one(data: bytes) -> Response:
    (response,) = parse(data)
    return response


def test_tagged_status_with_code() -> None:
    assert one(b"A3 OK [APPENDUID 38505 3955] Append completed.\r\n") == StatusResponse(
        "A3", "OK", ResponseCode("APPENDUID", "38505 3955"), "Append completed."
    )


def test_untagged_status_without_code_and_bye() -> None:
    assert one(b"* NO Disk full\r\n") == StatusResponse(None, "NO", None, "Disk full")
    bye = one(b"* BYE Disconnected for inactivity.\r\n")
    assert isinstance(bye, StatusResponse) and bye.status == "BYE"


def test_alert_code() -> None:
    alert = one(b"* OK [ALERT] System shutdown in 10 minutes\r\n")
    assert isinstance(alert, StatusResponse)
    assert alert.code == ResponseCode("ALERT") and alert.text == "System shutdown in 10 minutes"


def test_continuation() -> None:
    assert one(b"+ idling\r\n") == Continuation(b"idling")
    assert one(b"+\r\n") == Continuation(b"")


def test_capability_is_upper_cased() -> None:
    response = one(b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE auth=plain\r\n")
    assert isinstance(response, Capability)
    assert {"IMAP4REV1", "IDLE", "AUTH=PLAIN", "SASL-IR"} <= response.names


def test_select_transcript() -> None:
    responses = parse(
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n"
        b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags.\r\n"
        b"* 172 EXISTS\r\n* 1 RECENT\r\n"
        b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK [UIDNEXT 4392] Predicted next UID\r\n"
        b"* OK [HIGHESTMODSEQ 715194045007] Highest\r\n"
        b"A2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
    )
    assert responses[0] == Flags(
        ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "$Forwarded")
    )
    permanent = responses[1]
    assert isinstance(permanent, StatusResponse) and permanent.code is not None
    assert permanent.code.name == "PERMANENTFLAGS" and "\\*" in permanent.code.args
    assert responses[2:4] == [Exists(172), Recent(1)]
    codes = [r.code for r in responses[4:] if isinstance(r, StatusResponse)]
    assert [c.number() for c in codes if c] == [3857529045, 4392, 715194045007, None]


def test_fetch_with_header_literal_flags_modseq_and_size() -> None:
    header = b"Subject: hi\r\nFrom: a@b\r\n\r\n"
    item = one(
        b"* 12 FETCH (UID 4827 RFC822.SIZE 4423 FLAGS (\\Seen $Label1) MODSEQ (9004) "
        b'INTERNALDATE "17-Jul-1996 02:44:25 -0700" BODY[HEADER] {%d}\r\n'
        % len(header)
        + header
        + b")\r\n"
    )
    assert isinstance(item, FetchItem)
    assert (item.seq, item.uid, item.size, item.modseq) == (12, 4827, 4423, 9004)
    assert item.flags == ("\\Seen", "$Label1")
    assert item.internaldate == "17-Jul-1996 02:44:25 -0700"
    assert item.section("header") == header


def test_fetch_sections_with_field_lists_partial_and_rfc822() -> None:
    item = one(
        b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT FROM)] {3}\r\nabc"
        b" BODY[]<0> {2}\r\nxy RFC822.TEXT NIL BINARY[1] {1}\r\nz)\r\n"
    )
    assert isinstance(item, FetchItem)
    assert item.section("HEADER.FIELDS (SUBJECT FROM)") == b"abc"
    assert item.section("") == b"xy"
    assert item.sections["TEXT"] is None
    assert item.sections["BINARY[1]"] == b"z"


def test_fetch_envelope_keeps_nil_and_strings_apart() -> None:
    item = one(
        b'* 2 FETCH (UID 9 ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "NIL" '
        b'(("Fred" NIL "fred" "example.com")) NIL NIL NIL NIL NIL NIL "<id@x>"))\r\n'
    )
    assert isinstance(item, FetchItem) and isinstance(item.envelope, list)
    assert item.envelope[1] == b"NIL"  # a subject that reads NIL is a string, not absent
    assert item.envelope[2] == [[b"Fred", None, b"fred", b"example.com"]]


def test_quoted_string_escapes() -> None:
    item = one(b'* 3 FETCH (UID 1 INTERNALDATE "a\\"b\\\\c")\r\n')
    assert isinstance(item, FetchItem) and item.internaldate == 'a"b\\c'


def test_unsolicited_fetch_without_uid() -> None:
    item = one(b"* 5 FETCH (FLAGS (\\Deleted))\r\n")
    assert isinstance(item, FetchItem) and item.uid is None and item.flags == ("\\Deleted",)


def test_list_decodes_modified_utf7_and_keeps_raw_name() -> None:
    item = one(b'* LIST (\\HasNoChildren \\Drafts) "/" "Entw&APw-rfe"\r\n')
    assert item == ListItem(
        "Entwürfe", b"Entw&APw-rfe", "/", frozenset({"\\HasNoChildren", "\\Drafts"})
    )


def test_list_with_nil_delimiter_atom_name_and_literal_name() -> None:
    atom = one(b"* LIST (\\Noselect) NIL inbox\r\n")
    assert isinstance(atom, ListItem) and atom.name == "INBOX" and atom.delimiter is None
    literal = one(b'* LIST () "." {8}\r\nA "b" \\c\r\n')
    assert isinstance(literal, ListItem) and literal.name == 'A "b" \\c'


def test_status() -> None:
    assert one(b'* STATUS "Sent" (MESSAGES 231 UIDNEXT 44292 UNSEEN 0)\r\n') == MailboxStatus(
        "Sent", b"Sent", {"MESSAGES": 231, "UIDNEXT": 44292, "UNSEEN": 0}
    )


def test_search_plain_empty_and_with_modseq() -> None:
    assert one(b"* SEARCH 2 84 882\r\n") == Search((2, 84, 882))
    assert one(b"* SEARCH\r\n") == Search(())
    assert one(b"* SEARCH 2 5 (MODSEQ 917162500)\r\n") == Search((2, 5), 917162500)


def test_expunge_vanished_enabled_id_and_unknown() -> None:
    assert one(b"* 3 EXPUNGE\r\n") == Expunge(3)
    vanished = one(b"* VANISHED (EARLIER) 300:303,405\r\n")
    assert vanished == Vanished(True, "300:303,405")
    assert isinstance(vanished, Vanished) and vanished.uids() == [300, 301, 302, 303, 405]
    assert one(b"* VANISHED 7\r\n") == Vanished(False, "7")
    assert one(b"* ENABLED CONDSTORE QRESYNC\r\n") == Enabled(frozenset({"CONDSTORE", "QRESYNC"}))
    assert one(b'* ID ("name" "Dovecot" "version" NIL)\r\n') == IdResponse(
        {"name": "Dovecot", "version": None}
    )
    assert one(b"* ID NIL\r\n") == IdResponse(None)
    assert one(b"* XWEIRD 1 (a)\r\n") == Other("XWEIRD", [1, ["a"]])


@pytest.mark.parametrize(
    "bad",
    [
        b"garbage without tag\r\n",
        b"A1 MAYBE fine\r\n",
        b"* 1 FETCH (UID 1 FLAGS (\\Seen)\r\n",
        b"* 1 FETCH (UID 1))\r\n",
        b"* 1 FETCH UID 1\r\n",
        b"* 1 FETCH (UID)\r\n",
        b'* 1 FETCH (UID 1 BODY[] "unterminated)\r\n',
    ],
)
def test_malformed_responses_are_protocol_errors(bad: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse(bad)


_PIECES = st.sampled_from(
    [
        b"* ",
        b"A1 ",
        b"OK ",
        b"FETCH ",
        b"1 ",
        b"(",
        b")",
        b'"',
        b"\\",
        b"{3}\r\n",
        b"{0}\r\n",
        b"\r\n",
        b"[",
        b"]",
        b"NIL ",
        b"BODY[HEADER] ",
        b"UID ",
        b"LIST ",
        b"STATUS ",
        b"+ ",
        b"\x00",
        b"\xff",
        b"VANISHED ",
        b"SEARCH ",
        b"ID ",
        b"CAPABILITY ",
        b"x",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES | st.binary(max_size=8), max_size=40))
def test_hostile_bytes_give_values_or_protocol_errors_only(pieces: list[bytes]) -> None:
    reader = ResponseReader(max_line=200, max_literal=50)
    try:
        for raw in reader.feed(b"".join(pieces) + b"\r\n"):
            parse_response(raw)
    except ProtocolError:
        pass
