"""Opening an IMAP session: connect, the clear-text STARTTLS dialog, the greeting.

On a STARTTLS port only three things happen in clear text: read the greeting (PREAUTH there is
refused), ask CAPABILITY if the greeting did not say, send STARTTLS. Everything learned before
the handshake is forgotten afterwards (connect.py drops buffered bytes; capabilities and any
[ALERT] are asked again over TLS), so a man in the middle cannot plant them.
"""

from __future__ import annotations

import asyncio
import itertools

from kittiwake.client.imap.capabilities import Capabilities
from kittiwake.client.imap.greeting import Greeting, parse_greeting
from kittiwake.client.imap.parse import parse_response
from kittiwake.client.imap.responses import StatusResponse
from kittiwake.client.imap.session import AlertHandler, ImapSession, UnsolicitedHandler
from kittiwake.client.imap.wire import RawResponse
from kittiwake.client.net.connect import open_connection
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    ConnectionLost,
    OperationTimeout,
    ProtocolError,
    StartTlsNotOffered,
    StartTlsRefused,
)


async def _readline(reader: asyncio.StreamReader, endpoint: Endpoint) -> bytes:
    try:
        line = await reader.readuntil(b"\r\n")
    except asyncio.LimitOverrunError:
        raise ProtocolError(
            f"{endpoint.label} sent an endless line.", host=endpoint.host, port=endpoint.port
        ) from None
    except asyncio.IncompleteReadError as error:
        raise ConnectionLost(
            f"{endpoint.label} closed the connection before the session started.",
            "Check the port and the security mode (TLS or STARTTLS).",
            host=endpoint.host,
            port=endpoint.port,
            server_text=error.partial[:200].decode("utf-8", "replace"),
        ) from None
    return line


async def open_session(
    endpoint: Endpoint,
    *,
    on_unsolicited: UnsolicitedHandler | None = None,
    on_alert: AlertHandler | None = None,
    session_class: type[ImapSession] = ImapSession,
) -> ImapSession:
    """Connect, check the greeting, upgrade by STARTTLS where asked, learn the capabilities."""
    tags = itertools.count(1)

    async def starttls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> object:
        greeting = parse_greeting(
            await _readline(reader, endpoint),
            preauth_allowed=False,
            host=endpoint.host,
            port=endpoint.port,
        )
        capabilities = greeting.capabilities
        if capabilities is None:
            lines = await _pre_tls_command(
                reader, writer, endpoint, f"A{next(tags)}", b"CAPABILITY"
            )
            words: list[str] = []
            for line in lines[:-1]:
                if line.upper().startswith(b"* CAPABILITY "):
                    words += line[13:].decode("ascii", "replace").split()
            capabilities = Capabilities.parse(words)
        if not capabilities.starttls:
            raise StartTlsNotOffered(
                f"{endpoint.label} does not offer STARTTLS.", host=endpoint.host, port=endpoint.port
            )
        lines = await _pre_tls_command(reader, writer, endpoint, f"A{next(tags)}", b"STARTTLS")
        final = parse_response_line(lines[-1])
        if final.status != "OK":
            raise StartTlsRefused(
                f"{endpoint.label} refused STARTTLS: {final.text}",
                host=endpoint.host,
                port=endpoint.port,
                server_text=final.text,
            )
        return greeting

    connection = await open_connection(endpoint, starttls)
    try:
        if endpoint.security is Security.STARTTLS:
            plain = connection.pre_tls
            assert isinstance(plain, Greeting)
            # What the server said before TLS is not trusted: capabilities are asked again,
            # and a clear-text [ALERT] is not shown (anyone on the path could have written it).
            greeting = Greeting(False, plain.text, None, None)
        else:
            line = await asyncio.wait_for(
                _readline(connection.reader, endpoint), endpoint.connect_timeout
            )
            greeting = parse_greeting(
                line, preauth_allowed=True, host=endpoint.host, port=endpoint.port
            )
        session = session_class(
            connection,
            greeting=greeting,
            on_unsolicited=on_unsolicited,
            on_alert=on_alert,
            tags=tags,
        )
    except BaseException as error:
        await connection.close()
        if isinstance(error, TimeoutError):
            raise OperationTimeout(
                f"{endpoint.label} sent no IMAP greeting.",
                "This port may expect STARTTLS, or another protocol.",
                host=endpoint.host,
                port=endpoint.port,
            ) from None
        raise
    try:
        if greeting.capabilities is None:
            await session.capability()
    except BaseException:
        await session.close()
        raise
    return session


def parse_response_line(line: bytes) -> StatusResponse:
    response = parse_response(RawResponse([line.rstrip(b"\r\n")], []))
    if not isinstance(response, StatusResponse):
        raise ProtocolError("The server answered STARTTLS with something else.")
    return response


async def _pre_tls_command(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    endpoint: Endpoint,
    tag: str,
    command: bytes,
) -> list[bytes]:
    """One command in the clear-text phase; returns its lines up to and including the tagged."""
    writer.write(tag.encode("ascii") + b" " + command + b"\r\n")
    await writer.drain()
    lines: list[bytes] = []
    prefix = tag.encode("ascii") + b" "
    while True:
        line = (await _readline(reader, endpoint)).rstrip(b"\r\n")
        lines.append(line)
        if line.startswith(prefix):
            return lines
        if len(lines) > 1000:
            raise ProtocolError(f"{endpoint.label} never finished its answer to {command!r}.")
