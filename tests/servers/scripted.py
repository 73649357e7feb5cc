"""Byte-transcript servers: a script plays the server side of one conversation.

For behaviour a real Dovecot never shows (hostile greetings, broken STARTTLS, truncated
responses, bad certificates) a test writes the server's half as a small coroutine:

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK ready\\r\\n")
        line = await peer.expect(re.compile(rb"^(\\S+) CAPABILITY"))
        ...

    async with ScriptedServer(script) as server:
        ...connect a client to server.host, server.port (trusting server.ca_file)...
        await server.wait_closed()
    assert not server.errors

Every connection accepted runs the script once. Everything the client sends is recorded in
`received` (decrypted once TLS is up), whether or not the script read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, SupportsIndex

from kittiwake.client.net.endpoint import Endpoint, Security
from tests.servers.certs import CertKind, test_certificates

Script = Callable[["ScriptedPeer"], Awaitable[None]]

# Literal uploads can be large; a line longer than this is a client bug worth failing on.
_LINE_LIMIT = 4 * 1024 * 1024


class ClientClosed(EOFError):
    """The client hung up while the script was waiting for a line."""


class HandshakeFailed(Exception):
    """The TLS handshake failed (usually: the client refused our certificate, as it should).

    Recorded in ScriptedServer.handshake_errors, not in errors: for certificate tests it is
    the expected outcome, not a broken script.
    """


class _RecordingReader(asyncio.StreamReader):
    """A StreamReader that also copies every byte it is fed into the server's transcript."""

    def __init__(self, sink: bytearray) -> None:
        super().__init__(limit=_LINE_LIMIT)
        self._sink = sink

    def feed_data(self, data: Iterable[SupportsIndex]) -> None:
        self._sink.extend(data)
        super().feed_data(data)


class _Protocol(asyncio.StreamReaderProtocol):
    """Pauses reading at once when TLS must start, so no ClientHello byte reaches the reader
    before the script's task has handed the transport to TLS."""

    def __init__(self, reader: asyncio.StreamReader, callback: Any, pause: bool) -> None:
        super().__init__(reader, callback)
        self._pause = pause

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._pause and isinstance(transport, asyncio.ReadTransport):
            transport.pause_reading()
        super().connection_made(transport)


class ScriptedPeer:
    """The script's view of one client connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @property
    def tls_active(self) -> bool:
        return self._writer.get_extra_info("ssl_object") is not None

    async def readline(self) -> bytes:
        """One line from the client, CRLF included. Raises ClientClosed at end of stream."""
        line = await self._reader.readline()
        if not line:
            raise ClientClosed("the client closed the connection")
        return line

    async def readexactly(self, count: int) -> bytes:
        """Exactly `count` bytes (an IMAP literal, an SMTP DATA body)."""
        try:
            return await self._reader.readexactly(count)
        except asyncio.IncompleteReadError as error:
            raise ClientClosed(f"the client closed after {len(error.partial)} bytes") from error

    async def expect(self, pattern: bytes | re.Pattern[bytes]) -> bytes:
        """readline(), then assert it matches: a bytes pattern must occur literally in the
        line, a compiled pattern must `search` it. Returns the line."""
        line = await self.readline()
        if isinstance(pattern, re.Pattern):
            ok = pattern.search(line) is not None
        else:
            ok = pattern in line
        if not ok:
            shown = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
            raise AssertionError(f"expected {shown!r} from the client, got {line!r}")
        return line

    async def send(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def start_tls(self, kind: CertKind = "valid") -> None:
        """Server side of STARTTLS/STLS: the handshake, then the same peer speaks TLS."""
        context = test_certificates().server_context(kind)
        try:
            await self._writer.start_tls(context)
        except (ssl.SSLError, ConnectionError, EOFError) as error:
            raise HandshakeFailed(f"TLS handshake failed: {error!r}") from error

    async def close(self) -> None:
        self._writer.close()
        # A client that already tore the TLS session down makes the close itself fail.
        with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
            await self._writer.wait_closed()

    async def read_until_closed(self) -> bytes:
        """Everything the client sends until it closes its side."""
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            return await self._reader.read()
        return b""


class ScriptedServer:
    """Async context manager: listens on 127.0.0.1:<free port> while the block runs."""

    host = "127.0.0.1"

    def __init__(self, script: Script, *, tls: CertKind | None = None) -> None:
        self._script = script
        self._tls = tls
        self._context = test_certificates().server_context(tls) if tls else None
        self.ca_file = test_certificates().ca_file
        self.port = 0
        self._received = bytearray()
        self.errors: list[BaseException] = []
        self.handshake_errors: list[BaseException] = []
        self.connections = 0
        self._handlers: set[asyncio.Task[None]] = set()
        self._finished = asyncio.Event()
        self._server: asyncio.Server | None = None

    def endpoint(
        self,
        security: Security = Security.TLS,
        *,
        connect_timeout: float = 5.0,
        command_timeout: float = 10.0,
        **overrides: Any,
    ) -> Endpoint:
        """Where a client reaches this server, trusting the test CA (as MailServer.endpoint)."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": security,
            "ca_file": self.ca_file,
            "connect_timeout": connect_timeout,
            "command_timeout": command_timeout,
        }
        values.update(overrides)
        return Endpoint(**values)

    @property
    def received(self) -> bytes:
        return bytes(self._received)

    async def __aenter__(self) -> ScriptedServer:
        loop = asyncio.get_running_loop()

        def factory() -> _Protocol:
            reader = _RecordingReader(self._received)
            return _Protocol(reader, self._on_connection, pause=self._context is not None)

        self._server = await loop.create_server(factory, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def wait_closed(self, timeout: float = 5) -> None:  # noqa: ASYNC109 (the agreed API)
        """Until a connection was served and every script run so far has finished."""
        await asyncio.wait_for(self._finished.wait(), timeout)

    def raise_errors(self) -> None:
        """Re-raise the first exception a script raised (for tests that expect none)."""
        if self.errors:
            raise self.errors[0]

    def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._finished.clear()
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._handlers.add(task)
        task.add_done_callback(self._on_done)

    def _on_done(self, task: asyncio.Task[None]) -> None:
        self._handlers.discard(task)
        if not self._handlers:
            self._finished.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = ScriptedPeer(reader, writer)
        try:
            if self._context is not None:
                try:
                    await writer.start_tls(self._context)
                except (ssl.SSLError, ConnectionError, EOFError) as error:
                    self.handshake_errors.append(error)
                    return
            await self._script(peer)
        except HandshakeFailed as error:
            self.handshake_errors.append(error)
        except asyncio.CancelledError:
            raise
        except BaseException as error:
            self.errors.append(error)
        finally:
            await peer.close()
