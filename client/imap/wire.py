"""Sans-I/O framing of server output: bytes in, complete responses out.

A response is one logical line: text segments separated by literals (`{n}` CRLF + n raw bytes).
The reader is a two-state machine (LINE, LITERAL) over one buffer, so the work per byte is
constant whatever the response size: no recursion, no rescanning. Memory is bounded per text
line (`max_line`; only a literal may be long, since its size is announced up front) and per
literal (`max_literal`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kittiwake.client.net.errors import ProtocolError

# Longest text line (between literals) accepted. Dovecot's longest lines are LIST/SEARCH
# results well under this; a line this long without a literal is a broken or hostile server.
MAX_LINE = 4 << 20
# Largest single literal accepted (a message body). Larger messages are refused as hostile.
MAX_LITERAL = 1 << 31

_LITERAL_TAIL = re.compile(rb"\{(\d{1,19})\+?\}$")


@dataclass(slots=True)
class RawResponse:
    """One response: `lines[i]` is followed by `literals[i]`; there is one more line than literal.

    Lines exclude their CRLF.
    """

    lines: list[bytes]
    literals: list[bytes]

    def to_bytes(self) -> bytes:
        """The response as it was on the wire (for logs of tests and diagnostics)."""
        out = bytearray()
        for i, line in enumerate(self.lines):
            out += line + b"\r\n"
            if i < len(self.literals):
                out += self.literals[i]
        return bytes(out)


class ResponseReader:
    """Feed bytes with `feed()`; it returns the responses completed by them, in order."""

    def __init__(self, *, max_line: int = MAX_LINE, max_literal: int = MAX_LITERAL) -> None:
        self._max_line = max_line
        self._max_literal = max_literal
        self._buffer = bytearray()
        self._scan_from = 0  # where the CRLF search resumes in the current line
        self._lines: list[bytes] = []
        self._text_size = 0  # text bytes (not literals) of the response being read
        self._literals: list[bytes] = []
        self._literal: bytearray | None = None
        self._literal_left = 0

    @property
    def mid_response(self) -> bool:
        return bool(self._buffer) or bool(self._lines) or self._literal is not None

    def feed(self, data: bytes) -> list[RawResponse]:
        out: list[RawResponse] = []
        buffer = self._buffer
        buffer += data
        pos = 0
        size = len(buffer)
        while pos < size:
            if self._literal is not None:
                take = min(self._literal_left, size - pos)
                self._literal += buffer[pos : pos + take]
                pos += take
                self._literal_left -= take
                if self._literal_left:
                    break
                self._literals.append(bytes(self._literal))
                self._literal = None
                continue
            end = buffer.find(b"\r\n", max(pos, self._scan_from - 1))
            if end < 0:
                if size - pos > self._max_line:
                    raise ProtocolError(
                        f"The server sent a line longer than {self._max_line} bytes.",
                        server_text=bytes(buffer[pos : pos + 200]).decode("ascii", "replace"),
                    )
                self._scan_from = size
                break
            self._scan_from = 0
            if end - pos > self._max_line:
                raise ProtocolError(f"The server sent a line longer than {self._max_line} bytes.")
            line = bytes(buffer[pos:end])
            pos = end + 2
            self._lines.append(line)
            self._text_size += len(line)
            if self._text_size > self._max_line:
                # Many short segments joined by empty literals are one long line in disguise.
                raise ProtocolError(
                    f"The server sent a response longer than {self._max_line} bytes."
                )
            match = _LITERAL_TAIL.search(line, max(0, len(line) - 24))
            if match is not None:
                length = int(match.group(1))
                if length > self._max_literal:
                    raise ProtocolError(f"The server announced a {length}-byte literal.")
                if size - pos >= length:
                    # Fast path: the whole literal is already here, one slice.
                    self._literals.append(bytes(buffer[pos : pos + length]))
                    pos += length
                else:
                    self._literal = bytearray()
                    self._literal_left = length
                continue
            out.append(RawResponse(self._lines, self._literals))
            self._lines, self._literals = [], []
            self._text_size = 0
        del buffer[:pos]
        if self._scan_from:
            self._scan_from -= pos
        return out
