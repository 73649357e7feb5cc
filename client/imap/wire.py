"""Sans-I/O framing of server output: bytes in, complete responses out.

A response is one logical line: text segments separated by literals (`{n}` CRLF + n raw bytes).
The reader is a two-state machine (LINE, LITERAL) over one buffer, so the work per byte is
constant whatever the response size: no recursion, no rescanning. Memory is bounded per text
line (`max_line`; only a literal may be long, since its size is announced up front) and per
literal (`max_literal`).
"""

from __future__ import annotations

import re

from kittiwake.client.net.errors import ProtocolError
from kittiwake.client.records import record

# Longest text line (between literals) accepted. Dovecot's longest lines are LIST/SEARCH
# results well under this; a line this long without a literal is a broken or hostile server.
MAX_LINE = 4 << 20
# Largest single literal accepted (a message body). Larger messages are refused as hostile.
MAX_LITERAL = 1 << 31

_LITERAL_TAIL = re.compile(rb"\{(\d{1,19})\+?\}$")


@record(slots=True, frozen=False)
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
    """Feed bytes with `feed()`; it returns the responses completed by them, in order.

    Copies are what a full sync pays for per byte (measured here: copying runs at ~200 MB/s on
    a loaded machine, so each extra copy of 1 GB of mail is seconds). A literal's bytes are
    copied once: a read that is all literal (most reads of a large body) is kept as it is and
    joined at the end; other bytes are cut out of the read or the carried-over tail directly.
    """

    def __init__(self, *, max_line: int = MAX_LINE, max_literal: int = MAX_LITERAL) -> None:
        self._max_line = max_line
        self._max_literal = max_literal
        self._buffer = bytearray()  # an unfinished line carried to the next read
        self._scan_from = 0  # where the CRLF search resumes in the current line
        self._lines: list[bytes] = []
        self._text_size = 0  # text bytes (not literals) of the response being read
        self._literals: list[bytes] = []
        self._chunks: list[bytes] | None = None  # the literal being read, in pieces
        self._literal_left = 0

    @property
    def mid_response(self) -> bool:
        return bool(self._buffer) or bool(self._lines) or self._chunks is not None

    def _end_literal(self, chunks: list[bytes]) -> None:
        self._literals.append(chunks[0] if len(chunks) == 1 else b"".join(chunks))
        self._chunks = None

    def feed(self, data: bytes) -> list[RawResponse]:
        out: list[RawResponse] = []
        chunks = self._chunks
        if chunks is not None:
            # Inside a literal (the buffer is empty then): take its bytes from `data` as is.
            take = min(self._literal_left, len(data))
            chunks.append(data if take == len(data) else data[:take])
            self._literal_left -= take
            if self._literal_left:
                return out
            self._end_literal(chunks)
            if take == len(data):
                return out
            data = data[take:]
        buf: bytes | bytearray
        if self._buffer:
            self._buffer += data
            buf = self._buffer
        else:
            buf = data
        view = memoryview(buf)
        try:
            pos = self._parse(buf, view, out)
        finally:
            view.release()
        if buf is self._buffer:
            del self._buffer[:pos]
        else:
            self._buffer = bytearray(buf[pos:]) if pos < len(buf) else bytearray()
        if self._scan_from:
            self._scan_from -= pos
        return out

    def _parse(self, buf: bytes | bytearray, view: memoryview, out: list[RawResponse]) -> int:
        """Frame what `buf` holds; returns how far it got (the rest waits for more bytes)."""
        pos = 0
        size = len(buf)
        while pos < size:
            end = buf.find(b"\r\n", max(pos, self._scan_from - 1))
            if end < 0:
                if size - pos > self._max_line:
                    raise ProtocolError(
                        f"The server sent a line longer than {self._max_line} bytes.",
                        server_text=bytes(view[pos : pos + 200]).decode("ascii", "replace"),
                    )
                self._scan_from = size
                break
            self._scan_from = 0
            if end - pos > self._max_line:
                raise ProtocolError(f"The server sent a line longer than {self._max_line} bytes.")
            line = bytes(view[pos:end])
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
                    # The whole literal is here: one slice.
                    self._literals.append(bytes(view[pos : pos + length]))
                    pos += length
                    continue
                # The literal goes on in the next reads: keep what is here and wait.
                self._chunks = [bytes(view[pos:size])]
                self._literal_left = length - (size - pos)
                return size
            out.append(RawResponse(self._lines, self._literals))
            self._lines, self._literals = [], []
            self._text_size = 0
        return pos
