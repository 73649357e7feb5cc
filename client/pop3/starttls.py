"""The POP3 side of STARTTLS (RFC 2595 "STLS"), as a `connect.StartTlsDialog`.

Greeting, CAPA, check STLS is offered, send STLS, wait for +OK. connect.py then upgrades the
stream and drops anything the server sent after its +OK. No credential is ever sent here: a
server that does not offer STLS gets nothing but CAPA.
"""

from __future__ import annotations

import asyncio

from kittiwake.client.net.errors import (
    CommandFailed,
    ConnectionLost,
    ProtocolError,
    StartTlsNotOffered,
    StartTlsRefused,
)
from kittiwake.client.pop3.parse import (
    MAX_CONTENT_LINE,
    MAX_STATUS_LINE,
    LineBuffer,
    Status,
    parse_capabilities,
    parse_status,
    unstuff,
)

_CHUNK = 4096


class _PlainReader:
    """Line reading over the clear-text stream, bounded like the session's own reader.

    It keeps its own buffer and throws it away with itself: bytes that arrived after the
    server's +OK to STLS can never be read as an answer (CVE-2011-0411).
    """

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._lines = LineBuffer()

    async def line(self, limit: int) -> bytes:
        while True:
            line = self._lines.next_line(limit)
            if line is not None:
                return line
            data = await self._reader.read(_CHUNK)
            if not data:
                raise ConnectionLost("The server closed the connection before TLS started.")
            self._lines.feed(data)

    def idle(self) -> bool:
        return self._lines.pending() == 0


async def stls_dialog(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Status:
    """Returns the clear-text greeting once the server agreed to start TLS."""
    plain = _PlainReader(reader)
    greeting = parse_status(await plain.line(MAX_STATUS_LINE))
    if not greeting.ok:
        raise CommandFailed(
            f"The server refused the session: {greeting.text}",
            "The server may be overloaded or blocking this address; try again later.",
            server_text=greeting.text,
        )

    writer.write(b"CAPA\r\n")
    await writer.drain()
    status = parse_status(await plain.line(MAX_STATUS_LINE))
    lines: list[bytes] = []
    if status.ok:
        while (content := unstuff(await plain.line(MAX_CONTENT_LINE))) is not None:
            lines.append(content)
    if not parse_capabilities(lines).stls:
        raise StartTlsNotOffered("The server does not offer STLS (STARTTLS for POP3).")
    if not plain.idle():
        # Nothing was asked for; unsolicited clear text before TLS is a tampering sign.
        raise ProtocolError("The server sent unexpected data before starting TLS.")

    writer.write(b"STLS\r\n")
    await writer.drain()
    answer = parse_status(await plain.line(MAX_STATUS_LINE))
    if not answer.ok:
        raise StartTlsRefused(
            f"The server refused to start TLS: {answer.text}", server_text=answer.text
        )
    return greeting
