"""Pure POP3 parsing: bytes in, values out (RFC 1939, 2449 CAPA, 3206 codes, 5034 SASL).

Nothing here touches a socket, so every rule is proved by feeding bytes. The session layer
(`session.py`) only moves bytes between the stream and these functions.

Memory is bounded on purpose: `LineBuffer` refuses a line longer than the limit it is asked
for, so a server that never sends a line end cannot make us buffer without end.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kittiwake.client.net.errors import ProtocolError

# RFC 2449 caps response lines at 512 octets; real servers stay far below. Generous, bounded.
MAX_STATUS_LINE = 8 * 1024
# Message lines should stop at 998 octets (RFC 5322) but broken mailers send long base64
# lines; one mebibyte is far beyond any honest message line and still cheap to hold.
MAX_CONTENT_LINE = 1024 * 1024

_RESPONSE_CODE = re.compile(r"^\[([^\]\s]+)\]\s?")
_UID = re.compile(rb"^[\x21-\x7e]{1,70}$")


@dataclass(frozen=True)
class Status:
    """One +OK / -ERR line. `code` is the RFC 2449 response code ("AUTH", "IN-USE", ...)."""

    ok: bool
    text: str
    code: str = ""


@dataclass(frozen=True)
class Continuation:
    """A SASL "+ <base64>" challenge (RFC 5034); `data` is the decoded challenge."""

    data: bytes


@dataclass(frozen=True)
class Stat:
    count: int
    size: int


@dataclass(frozen=True)
class ListEntry:
    number: int
    size: int


@dataclass(frozen=True)
class UidlEntry:
    number: int
    uid: str


@dataclass(frozen=True)
class Capabilities:
    """What CAPA said. Names are upper-case; `raw` keeps every line for diagnostics."""

    names: frozenset[str] = frozenset()
    sasl: tuple[str, ...] = ()
    implementation: str = ""
    raw: tuple[str, ...] = ()
    # False when the server answered CAPA with -ERR (an RFC 1939-only server).
    supported: bool = True

    def has(self, name: str) -> bool:
        return name.upper() in self.names

    @property
    def stls(self) -> bool:
        return self.has("STLS")


def _text(raw: bytes) -> str:
    # Server text is shown to a person and never parsed further: decode, never fail.
    return raw.decode("utf-8", errors="replace")


def strip_eol(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        return line[:-1]
    return line


def parse_status(line: bytes) -> Status:
    """'+OK text' or '-ERR [CODE] text'. Anything else is a ProtocolError."""
    body = strip_eol(line)
    if body == b"+OK" or body.startswith(b"+OK "):
        ok, rest = True, body[4:]
    elif body == b"-ERR" or body.startswith(b"-ERR "):
        ok, rest = False, body[5:]
    else:
        raise ProtocolError(
            f"The server sent an unexpected answer: {_text(body[:80])!r}.",
            "The port may belong to another service (IMAP, SMTP): check the port.",
            server_text=_text(body[:512]),
        )
    text = _text(rest)
    code = ""
    match = _RESPONSE_CODE.match(text)
    if match:
        code = match.group(1).upper()
    return Status(ok=ok, text=text, code=code)


def parse_auth_reply(line: bytes) -> Status | Continuation:
    """During AUTH the server may answer '+ <base64 challenge>' instead of a status."""
    body = strip_eol(line)
    if body == b"+" or body.startswith(b"+ "):
        payload = body[2:].strip()
        try:
            data = base64.b64decode(payload, validate=True) if payload else b""
        except (binascii.Error, ValueError):
            raise ProtocolError(
                "The server sent a malformed authentication challenge.",
                server_text=_text(body[:512]),
            ) from None
        return Continuation(data)
    return parse_status(line)


def unstuff(line: bytes) -> bytes | None:
    """One line of a multi-line response: None for the terminating '.', else the line with
    its byte-stuffing dot removed (RFC 1939 section 3). The line ending is kept as sent."""
    if not line.startswith(b"."):
        return line
    if line in (b".\r\n", b".\n"):
        return None
    return line[1:]


def parse_capabilities(lines: Iterable[bytes]) -> Capabilities:
    """The unstuffed lines of a CAPA response (without the terminator)."""
    names: set[str] = set()
    sasl: tuple[str, ...] = ()
    implementation = ""
    raw: list[str] = []
    for line in lines:
        text = _text(strip_eol(line)).strip()
        if not text:
            continue
        raw.append(text)
        tag, _, argument = text.partition(" ")
        tag = tag.upper()
        names.add(tag)
        if tag == "SASL":
            sasl = tuple(mechanism.upper() for mechanism in argument.split())
        elif tag == "IMPLEMENTATION":
            implementation = argument.strip()
    return Capabilities(
        names=frozenset(names), sasl=sasl, implementation=implementation, raw=tuple(raw)
    )


def _numbers(text: str, what: str, count: int) -> list[int]:
    fields = text.split()
    try:
        if len(fields) < count:
            raise ValueError(text)
        # Plain ASCII digits only: int() would also take "1_000", "+5" and Arabic digits.
        if not all(field.isascii() and field.isdigit() for field in fields[:count]):
            raise ValueError(text)
        values = [int(field, 10) for field in fields[:count]]
    except ValueError:
        raise ProtocolError(
            f"The server sent a malformed {what} answer: {text[:80]!r}.",
            server_text=text[:512],
        ) from None
    if any(value < 0 for value in values):
        raise ProtocolError(f"The server sent a negative number in {what}.", server_text=text)
    return values


def parse_stat(status: Status) -> Stat:
    """'+OK nn mm': message count and mailbox size in octets."""
    count, size = _numbers(status.text, "STAT", 2)
    return Stat(count=count, size=size)


def parse_list_line(text: str | bytes) -> ListEntry:
    """'msg-number size', from a LIST listing line or a single LIST's status text."""
    value = _text(strip_eol(text)) if isinstance(text, bytes) else text
    number, size = _numbers(value, "LIST", 2)
    return ListEntry(number=number, size=size)


def parse_uidl_line(text: str | bytes) -> UidlEntry:
    """'msg-number unique-id'; the id is 1-70 printable ASCII characters (RFC 1939)."""
    raw = strip_eol(text) if isinstance(text, bytes) else text.encode("utf-8", "replace")
    fields = raw.split()
    if len(fields) < 2 or not fields[0].isdigit() or not _UID.match(fields[1]):
        raise ProtocolError(
            f"The server sent a malformed UIDL answer: {_text(raw[:80])!r}.",
            server_text=_text(raw[:512]),
        )
    return UidlEntry(number=int(fields[0]), uid=fields[1].decode("ascii"))


def parse_list(lines: Iterable[bytes]) -> list[ListEntry]:
    return [parse_list_line(line) for line in lines if strip_eol(line)]


def parse_uidl(lines: Iterable[bytes]) -> list[UidlEntry]:
    return [parse_uidl_line(line) for line in lines if strip_eol(line)]


class LineBuffer:
    """Splits a byte stream into lines (LF-terminated, CR kept), refusing over-long lines.

    The session feeds whatever the socket gave and takes lines out one at a time; bytes after
    the last complete line stay here for the next response.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._start = 0  # consumed prefix, dropped lazily so taking a line stays cheap

    def feed(self, data: bytes) -> None:
        if self._start:
            del self._buffer[: self._start]
            self._start = 0
        self._buffer += data

    def pending(self) -> int:
        return len(self._buffer) - self._start

    def next_line(self, limit: int) -> bytes | None:
        """The next complete line with its ending, or None if more bytes are needed.

        Raises ProtocolError once a line exceeds `limit` octets (ending included), whether
        or not its end has arrived, so an endless line costs at most `limit` of memory.
        """
        end = self._buffer.find(b"\n", self._start)
        if end < 0:
            if self.pending() > limit:
                raise _too_long(limit)
            return None
        if end + 1 - self._start > limit:
            raise _too_long(limit)
        line = bytes(self._buffer[self._start : end + 1])
        self._start = end + 1
        return line

    def take_body(self, limit: int) -> tuple[bytes, bool]:
        """The unstuffed bytes of every complete line buffered, up to a multi-line answer's
        terminating '.'; True once that terminator was consumed. Call only at a line start
        (after the status line). Gives the same bytes as `unstuff` line by line, but in bulk:
        a large RETR costs a few C-level scans per chunk instead of Python work per line.
        """
        buffer, start = self._buffer, self._start
        if buffer.startswith(b".\r\n", start) or buffer.startswith(b".\n", start):
            self._start = start + (3 if buffer[start + 1] == 0x0D else 2)
            return b"", True
        ends = [i for i in (buffer.find(b"\n.\r\n", start), buffer.find(b"\n.\n", start)) if i >= 0]
        if ends:
            end = min(ends) + 1  # the terminator line starts after that LF
            self._start = end + (3 if buffer[end + 1] == 0x0D else 2)
            done = True
        else:
            end = buffer.rfind(b"\n", start) + 1
            if end == 0:
                end = start  # no complete line yet
            self._start = end
            done = False
            # Only the unfinished last line can grow without bound: hold it to the limit.
            if self.pending() > limit:
                raise _too_long(limit)
        if end == start:
            return b"", done
        body = bytes(buffer[start:end])
        if body.startswith(b"."):
            body = body[1:]
        return body.replace(b"\n.", b"\n"), done

    def clear(self) -> None:
        self._buffer.clear()
        self._start = 0


def _too_long(limit: int) -> ProtocolError:
    return ProtocolError(
        f"The server sent a line longer than {limit} bytes; the connection was closed.",
        "The server is misbehaving, or this port does not speak POP3.",
    )
