"""The POP3 wire: one command at a time over a stream, every failure mapped to the taxonomy.

`session.py` says *what* to send; this module moves the bytes. It owns the one rule that
keeps a POP3 stream sane: answers carry no tags, so if an answer is left half-read (timeout,
lost connection, garbage, cancellation, a sink that raised) the next read would take the rest
of it for the next answer. Such a failure therefore closes the connection; a plain -ERR, after
which both sides are still in step, does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Callable

from kittiwake.client.net.connect import Connection
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CommandFailed,
    ConnectionLost,
    OperationTimeout,
    ProtocolError,
)
from kittiwake.client.pop3.parse import (
    MAX_CONTENT_LINE,
    MAX_STATUS_LINE,
    LineBuffer,
    Status,
    parse_status,
    unstuff,
)

# Bytes asked of the socket per read, and the size of the pieces a sink receives.
READ_CHUNK = 64 * 1024
SINK_CHUNK = 64 * 1024


class Wire:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.endpoint = connection.endpoint
        self.closed = False
        self._lines = LineBuffer()
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def exclusive(self, *, greeting: bool = False) -> AsyncIterator[None]:
        """Hold the wire for one command and its answer; close it if the answer is left
        half-read. `greeting`: the server speaks first, so its words are expected."""
        async with self._lock:
            if self.closed:
                raise ConnectionLost(
                    f"The POP3 session with {self.endpoint.label} is closed.",
                    "Open a new session.",
                    host=self.endpoint.host,
                    port=self.endpoint.port,
                )
            try:
                if not greeting:
                    await self._refuse_unsolicited()
                yield
            except (CommandFailed, AuthenticationFailed):
                raise  # the server answered -ERR: both sides are still in step
            except BaseException:
                self.closed = True
                self.connection.writer.close()
                raise

    async def abort(self) -> None:
        self.closed = True
        await self.connection.close()

    async def _refuse_unsolicited(self) -> None:
        """POP3 is strictly question and answer. A server that spoke before we asked (or hung
        up) is ending the session: kicked, idle timeout, shutdown. Say so before sending a
        command, rather than read its farewell as the answer to that command."""
        reader = self.connection.reader
        # StreamReader has no public "bytes buffered" view; connect.py reads it the same way.
        buffered = bool(getattr(reader, "_buffer", b""))
        if not (buffered or self._lines.pending() or reader.at_eof()):
            return
        if buffered:
            self._lines.feed(await reader.read(READ_CHUNK))  # returns at once: data is there
        text = ""
        line = self._lines.next_line(MAX_STATUS_LINE)
        if line is not None:
            with contextlib.suppress(ProtocolError):
                text = parse_status(line).text
        raise ConnectionLost(
            f"{self.endpoint.label} ended the session" + (f": {text}" if text else "."),
            host=self.endpoint.host,
            port=self.endpoint.port,
            server_text=text,
        )

    # --- bytes out, lines in -----------------------------------------------------------------

    async def send(self, data: bytes) -> None:
        writer = self.connection.writer
        try:
            writer.write(data)
            async with asyncio.timeout(self.endpoint.command_timeout):
                await writer.drain()
        except TimeoutError:
            raise self._timeout() from None
        except OSError as error:
            raise self._lost(error) from error

    async def _fill(self) -> None:
        # The timeout is per read: it measures the server's silence, not the answer's length.
        try:
            async with asyncio.timeout(self.endpoint.command_timeout):
                data = await self.connection.reader.read(READ_CHUNK)
        except TimeoutError:
            raise self._timeout() from None
        except OSError as error:  # reset, broken pipe, TLS record errors
            raise self._lost(error) from error
        if not data:
            raise self._lost(None)
        self._lines.feed(data)

    async def line(self, limit: int = MAX_STATUS_LINE) -> bytes:
        while (line := self._lines.next_line(limit)) is None:
            await self._fill()
        return line

    async def status(self) -> Status:
        return parse_status(await self.line(MAX_STATUS_LINE))

    async def expect_ok(self, what: str) -> Status:
        status = await self.status()
        if not status.ok:
            raise CommandFailed(
                f"{self.endpoint.label} refused {what}: {status.text}",
                host=self.endpoint.host,
                port=self.endpoint.port,
                server_text=status.text,
            )
        return status

    async def collect(self) -> list[bytes]:
        """A short multi-line answer (CAPA, LIST, UIDL) as its unstuffed lines."""
        lines: list[bytes] = []
        while (content := unstuff(await self.line(MAX_CONTENT_LINE))) is not None:
            lines.append(content)
        return lines

    async def stream(self, write: Callable[[bytes], object]) -> int:
        """A multi-line answer to `write` in pieces, unstuffed; returns the octets written.
        Holds at most one piece (plus one socket read) of the message at a time."""
        piece = bytearray()
        total = 0
        while True:
            content, done = self._lines.take_body(MAX_CONTENT_LINE)
            piece += content
            if len(piece) >= SINK_CHUNK:
                total += len(piece)
                await _call(write, bytes(piece))
                piece.clear()
            if done:
                break
            await self._fill()
        if piece:
            total += len(piece)
            await _call(write, bytes(piece))
        return total

    def _timeout(self) -> OperationTimeout:
        seconds = self.endpoint.command_timeout
        return OperationTimeout(
            f"{self.endpoint.label} did not answer within {seconds:g} seconds.",
            host=self.endpoint.host,
            port=self.endpoint.port,
        )

    def _lost(self, error: BaseException | None) -> ConnectionLost:
        reason = f" ({error})" if error is not None and str(error) else ""
        return ConnectionLost(
            f"{self.endpoint.label} closed the connection before answering in full{reason}.",
            host=self.endpoint.host,
            port=self.endpoint.port,
        )


async def _call(write: Callable[[bytes], object], data: bytes) -> None:
    # A sink may be a coroutine function (say, one that writes to the cache): await it.
    result = write(data)
    if inspect.isawaitable(result):
        await result
