"""Framed responses to typed values (pure: RawResponse in, responses.* out).

FETCH is the hot path (one per message in a sync), so it is tokenised once and walked as
name/value pairs without intermediate objects.
"""

from __future__ import annotations

import re

from kittiwake.client.imap import utf7
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
from kittiwake.client.imap.tokens import Value, tokenize
from kittiwake.client.imap.wire import RawResponse
from kittiwake.client.net.errors import ProtocolError

_STATUS = frozenset({"OK", "NO", "BAD", "PREAUTH", "BYE"})
_TAG = re.compile(rb"([^ (){%*\"\\\]\x00-\x20\x7f-\xff+]+|\*) ")
_NUMBERED = re.compile(rb"\* (\d+) ([A-Za-z]+)")
_CODE = re.compile(rb"\[([^\] ]+)(?: ([^\]]*))?\] ?")
_SECTION = re.compile(r"(?:BODY|BINARY)\[([^\]]*)\](?:<\d+>)?$", re.IGNORECASE)
_RFC822_SECTIONS = {"RFC822": "", "RFC822.HEADER": "HEADER", "RFC822.TEXT": "TEXT"}


def _bad(raw: RawResponse, why: str) -> ProtocolError:
    return ProtocolError(
        f"The server sent a malformed response ({why}).",
        server_text=raw.lines[0][:200].decode("utf-8", "replace"),
    )


def parse_status_text(tag: str | None, status: str, rest: bytes) -> StatusResponse:
    code = None
    m = _CODE.match(rest)
    if m is not None:
        args = m.group(2) or b""
        code = ResponseCode(
            m.group(1).decode("ascii", "replace").upper(), args.decode("utf-8", "replace")
        )
        rest = rest[m.end() :]
    return StatusResponse(tag, status, code, rest.decode("utf-8", "replace"))


def parse_response(raw: RawResponse) -> Response:
    first = raw.lines[0]
    if first.startswith(b"+"):
        return Continuation(first[2:] if first.startswith(b"+ ") else first[1:])
    m = _TAG.match(first)
    if m is None:
        raise _bad(raw, "no tag")
    tag = m.group(1).decode("ascii")
    rest_at = m.end()
    if tag != "*":
        return _status(raw, tag, first, rest_at)
    numbered = _NUMBERED.match(first)
    if numbered is not None:
        return _numbered(
            raw, int(numbered.group(1)), numbered.group(2).decode("ascii").upper(), numbered.end()
        )
    name_end = first.find(b" ", rest_at)
    name = (first[rest_at:] if name_end < 0 else first[rest_at:name_end]).decode("ascii", "replace")
    upper = name.upper()
    if upper in _STATUS:
        return _status(raw, None, first, rest_at)
    values = tokenize(raw.lines, raw.literals, len(first) if name_end < 0 else name_end + 1)
    if upper == "CAPABILITY":
        return Capability(frozenset(str(v).upper() for v in values if v is not None))
    if upper == "FLAGS":
        return Flags(_atoms(values[0]) if values else ())
    if upper in ("LIST", "LSUB"):
        return _list(raw, values)
    if upper == "STATUS":
        return _mailbox_status(raw, values)
    if upper == "SEARCH":
        return _search(values)
    if upper == "ENABLED":
        return Enabled(frozenset(str(v).upper() for v in values))
    if upper == "VANISHED":
        earlier = bool(values) and isinstance(values[0], list)
        uid_set = values[-1] if values else ""
        return Vanished(earlier, str(uid_set))
    if upper == "ID":
        return _id(values)
    return Other(upper, values)


def _status(raw: RawResponse, tag: str | None, first: bytes, at: int) -> StatusResponse:
    end = first.find(b" ", at)
    status = (first[at:] if end < 0 else first[at:end]).decode("ascii", "replace").upper()
    if status not in _STATUS:
        raise _bad(raw, f"unknown status {status[:20]!r}")
    # A status text never carries literals; anything after them would be a broken server.
    return parse_status_text(tag, status, b"" if end < 0 else first[end + 1 :])


def _numbered(raw: RawResponse, number: int, name: str, at: int) -> Response:
    if name == "FETCH":
        values = tokenize(raw.lines, raw.literals, at)
        if len(values) != 1 or not isinstance(values[0], list):
            raise _bad(raw, "FETCH without a list")
        return parse_fetch(number, values[0], raw)
    if name == "EXISTS":
        return Exists(number)
    if name == "EXPUNGE":
        return Expunge(number)
    if name == "RECENT":
        return Recent(number)
    return Other(name, [number])


def parse_fetch(seq: int, pairs: list[Value], raw: RawResponse) -> FetchItem:
    item = FetchItem(seq)
    if len(pairs) % 2:
        raise _bad(raw, "odd FETCH attribute list")
    for i in range(0, len(pairs), 2):
        key = pairs[i]
        value = pairs[i + 1]
        if not isinstance(key, str):
            raise _bad(raw, "FETCH attribute name is not an atom")
        upper = key.upper()
        if upper == "UID" and isinstance(value, int):
            item.uid = value
        elif upper == "FLAGS":
            item.flags = _atoms(value)
        elif upper == "MODSEQ" and isinstance(value, list) and value and isinstance(value[0], int):
            item.modseq = value[0]
        elif upper == "RFC822.SIZE" and isinstance(value, int):
            item.size = value
        elif upper == "INTERNALDATE" and isinstance(value, bytes):
            item.internaldate = value.decode("ascii", "replace")
        elif upper == "ENVELOPE":
            item.envelope = value
        elif upper == "BODYSTRUCTURE" or (upper == "BODY" and isinstance(value, list)):
            item.bodystructure = value
        elif upper in _RFC822_SECTIONS:
            item.sections[_RFC822_SECTIONS[upper]] = _body(raw, value)
        else:
            m = _SECTION.match(key)
            if m is not None:
                section = m.group(1).upper()
                if upper.startswith("BINARY"):
                    section = "BINARY[" + section + "]"
                item.sections[section] = _body(raw, value)
            else:
                item.other[upper] = value
    return item


def _body(raw: RawResponse, value: Value) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    raise _bad(raw, "body section is not a string")


def _atoms(value: Value) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _name(value: Value) -> tuple[str, bytes]:
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str | int):
        raw = str(value).encode("utf-8")
    else:
        raise ProtocolError("The server sent a mailbox without a name.")
    return utf7.decode_lenient(raw), raw


def _list(raw: RawResponse, values: list[Value]) -> ListItem:
    if len(values) < 3 or not isinstance(values[0], list):
        raise _bad(raw, "LIST")
    delimiter = values[1]
    name, raw_name = _name(values[2])
    if raw_name.upper() == b"INBOX":
        name = "INBOX"
    return ListItem(
        name=name,
        raw_name=raw_name,
        delimiter=delimiter.decode("utf-8", "replace") if isinstance(delimiter, bytes) else None,
        attributes=frozenset(_atoms(values[0])),
    )


def _mailbox_status(raw: RawResponse, values: list[Value]) -> MailboxStatus:
    if len(values) < 2 or not isinstance(values[1], list):
        raise _bad(raw, "STATUS")
    name, raw_name = _name(values[0])
    items = values[1]
    out: dict[str, int] = {}
    for i in range(0, len(items) - 1, 2):
        key, number = items[i], items[i + 1]
        if isinstance(key, str) and isinstance(number, int):
            out[key.upper()] = number
    return MailboxStatus(name, raw_name, out)


def _search(values: list[Value]) -> Search:
    numbers: list[int] = []
    modseq = None
    for value in values:
        if isinstance(value, int):
            numbers.append(value)
        elif isinstance(value, list) and len(value) == 2 and isinstance(value[1], int):
            modseq = value[1]  # "(MODSEQ 917162500)" under CONDSTORE
    return Search(tuple(numbers), modseq)


def _id(values: list[Value]) -> IdResponse:
    if not values or not isinstance(values[0], list):
        return IdResponse(None)
    items = values[0]
    params: dict[str, str | None] = {}
    for i in range(0, len(items) - 1, 2):
        key, value = items[i], items[i + 1]
        if isinstance(key, bytes):
            params[key.decode("utf-8", "replace")] = (
                value.decode("utf-8", "replace") if isinstance(value, bytes) else None
            )
    return IdResponse(params)
