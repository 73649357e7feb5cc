"""What goes on the wire after DATA, and what the message demands of the server.

Pure functions. The size announced with SIZE= and checked against the server's limit is the
size of the CRLF-normalised message before dot-stuffing, as RFC 1870 defines it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kittiwake.client.smtp.envelope import split_message

_LINE_ENDINGS = re.compile(rb"\r\n|\n|\r(?!\n)")
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class Content:
    """The message as it will be transmitted (without the dot-stuffing), and its needs."""

    data: bytes  # CRLF line endings, ending with CRLF
    header_8bit: bool  # raw UTF-8 in the header block: needs SMTPUTF8 (RFC 6532)
    body_8bit: bool  # 8-bit body: needs 8BITMIME

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def eight_bit(self) -> bool:
        return self.header_8bit or self.body_8bit


def normalise_line_endings(raw: bytes) -> bytes:
    """Every line ending as CRLF, and a final CRLF (SMTP has no other line ending)."""
    data = _LINE_ENDINGS.sub(b"\r\n", raw)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def analyse(raw: bytes) -> Content:
    data = normalise_line_endings(raw)
    header_block, body = split_message(data)
    return Content(
        data=data,
        header_8bit=not header_block.isascii(),
        body_8bit=not body.isascii(),
    )


def dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: a leading '.' doubled on every line, then the '.' terminator."""
    return _LEADING_DOT.sub(b"..", data) + b".\r\n"
