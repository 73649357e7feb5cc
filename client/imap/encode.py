"""Command encoding (pure): arguments to the exact bytes a command puts on the wire.

Every user-controlled string goes through `string()` (quoted when safe, a literal otherwise) or
`mailbox()` (modified UTF-7 first), so no name or password can break out of its argument.
A command with synchronizing literals is split into chunks: the session sends the first, and
each following one only after the server's "+" continuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kittiwake.client.imap import seqset, utf7
from kittiwake.client.records import record

_ATOM = re.compile(rb"[!#$&'+,\-./0-9:;<=>?@A-Z^_`a-z|~\\\[\]%*]+")
_QUOTABLE = re.compile(rb"[\x01-\x09\x0b\x0c\x0e-\x7f]*")
MAX_QUOTED = 1000


@record(slots=True)
class Literal:
    data: bytes


@record(slots=True)
class Raw:
    """Bytes the caller vouches for (a search program, a fetch item list): CR/LF refused."""

    data: bytes

    def __post_init__(self) -> None:
        if b"\r" in self.data or b"\n" in self.data or b"\x00" in self.data:
            raise ValueError("command text may not contain CR, LF or NUL")


Arg = Raw | Literal | int


def atom(text: str) -> Raw:
    data = text.encode("ascii")
    if not _ATOM.fullmatch(data):
        raise ValueError(f"{text!r} is not an IMAP atom")
    return Raw(data)


def string(value: str | bytes) -> Raw | Literal:
    data = value.encode("utf-8") if isinstance(value, str) else value
    if len(data) <= MAX_QUOTED and _QUOTABLE.fullmatch(data):
        return Raw(b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"')
    return Literal(data)


def mailbox(name: str | bytes) -> Raw | Literal:
    """A mailbox name: str is encoded to modified UTF-7; bytes (a server's raw name) as is."""
    if isinstance(name, str):
        return string(b"INBOX" if name.upper() == "INBOX" else utf7.encode(name))
    return string(name)


def sequence(value: str | Iterable[int]) -> Raw:
    text = value if isinstance(value, str) else seqset.format_uids(value)
    if not seqset.is_valid(text):
        raise ValueError(f"{text!r} is not an IMAP sequence set")
    return Raw(text.encode("ascii"))


def paren(items: Sequence[str]) -> Raw:
    return Raw(b"(" + b" ".join(atom(item).data for item in items) + b")")


def command(tag: str, name: str, *args: Arg, literal_plus: bool = False) -> list[bytes]:
    """The chunks of one command. With LITERAL+ every literal is non-synchronizing, one chunk."""
    chunks: list[bytes] = []
    current = bytearray(tag.encode("ascii") + b" " + name.encode("ascii"))
    for arg in args:
        current += b" "
        if isinstance(arg, int):
            current += str(arg).encode("ascii")
        elif isinstance(arg, Raw):
            current += arg.data
        elif literal_plus:
            current += b"{%d+}\r\n" % len(arg.data) + arg.data
        else:
            current += b"{%d}\r\n" % len(arg.data)
            chunks.append(bytes(current))
            current = bytearray(arg.data)
    current += b"\r\n"
    chunks.append(bytes(current))
    return chunks
