"""A fault-injecting TCP proxy that runs in the test's own event loop.

It forwards bytes without looking at them, so TLS still runs end to end between the client
and the real server; the faults are at the transport level, where real networks fail:

    async with FaultProxy(server.host, server.ports["imaps"]) as proxy:
        endpoint = server.endpoint("imaps", port=proxy.port)
        proxy.cut_after(2000, "to_client")   # the next 2000 bytes pass, then the line dies
        proxy.stall(); ...; proxy.resume()   # silence without disconnecting
        proxy.inject_to_client(b"* BYE\\r\\n") # bytes the server never sent
        proxy.drop_all()                     # every connection reset at once
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

Direction = Literal["to_client", "to_server"]
_DIRECTIONS: tuple[Direction, ...] = ("to_client", "to_server")


@dataclass
class _Connection:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    # Set by drop_all(), so pumps held by a stall let go of a dead connection.
    dropped: asyncio.Event = field(default_factory=asyncio.Event)

    def transports(self) -> list[asyncio.WriteTransport]:
        writers = [self.client] if self.server is None else [self.client, self.server]
        return [writer.transport for writer in writers]


class FaultProxy:
    host = "127.0.0.1"

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.connections = 0  # accepted so far
        # Bytes read from one side, and bytes passed on to the other, per direction.
        self.received: dict[Direction, int] = {"to_client": 0, "to_server": 0}
        self.forwarded: dict[Direction, int] = {"to_client": 0, "to_server": 0}
        self._progress = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._live: list[_Connection] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self._budget: dict[Direction, int] = {}
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._pending_injection = bytearray()
        self._accepted = asyncio.Condition()

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._server is None:
            return
        self._server.close()
        self.resume()
        self.drop_all()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    # -- faults ----------------------------------------------------------------------------

    def cut_after(self, n_bytes: int, direction: Direction = "to_client") -> None:
        """Let `n_bytes` more bytes through in that direction (over all connections), then
        close every live connection after flushing exactly those bytes. One-shot: later
        connections are forwarded normally again, so reconnecting works."""
        if direction not in _DIRECTIONS:
            raise ValueError(f"direction must be one of {_DIRECTIONS}")
        if n_bytes < 0:
            raise ValueError("n_bytes must be >= 0")
        self._budget[direction] = n_bytes

    def stall(self) -> None:
        """Stop forwarding in both directions; connections stay open (a hung server or a
        dead Wi-Fi). Data waits in the proxy and TCP buffers until resume()."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def inject_to_client(self, data: bytes) -> None:
        """Send bytes to the client that the server never sent: to every live connection,
        or, when there is none, first thing on the next one accepted."""
        if not self._live:
            self._pending_injection.extend(data)
            return
        for connection in self._live:
            connection.client.write(data)

    def drop_all(self) -> None:
        """Abort every live connection at once (the client sees a reset or end of stream)."""
        for connection in list(self._live):
            connection.dropped.set()
            for transport in connection.transports():
                transport.abort()

    @property
    def live(self) -> int:
        return len(self._live)

    async def wait_for_connections(self, count: int, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Until `count` connections have been accepted in total."""
        async with asyncio.timeout(timeout), self._accepted:
            await self._accepted.wait_for(lambda: self.connections >= count)

    async def wait_received(
        self,
        direction: Direction,
        n_bytes: int,
        timeout: float = 10,  # noqa: ASYNC109 (same shape as the rest of the helpers)
    ) -> None:
        """Until the proxy has read `n_bytes` in that direction (forwarded or held by a
        stall): lets a test know data reached the proxy without sleeping."""
        async with asyncio.timeout(timeout):
            while self.received[direction] < n_bytes:
                self._progress.clear()
                await self._progress.wait()

    # -- forwarding ------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        connection = _Connection(client=writer)
        self._live.append(connection)
        async with self._accepted:
            self.connections += 1
            self._accepted.notify_all()
        try:
            if self._pending_injection:
                writer.write(bytes(self._pending_injection))
                self._pending_injection.clear()
            try:
                up_reader, up_writer = await asyncio.open_connection(
                    self.target_host, self.target_port
                )
            except OSError:
                return  # target down: the client sees its connection closed at once
            connection.server = up_writer
            await asyncio.gather(
                self._pump(connection, reader, up_writer, "to_server"),
                self._pump(connection, up_reader, writer, "to_client"),
                return_exceptions=True,
            )
        finally:
            self._live.remove(connection)
            for transport in connection.transports():
                transport.abort()
            self._handlers.discard(task)

    async def _pump(
        self,
        connection: _Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: Direction,
    ) -> None:
        while data := await reader.read(65536):
            self.received[direction] += len(data)
            self._progress.set()
            if not await self._until_flowing(connection) or writer.is_closing():
                return
            budget = self._budget.get(direction)
            if budget is not None and len(data) >= budget:
                del self._budget[direction]
                writer.write(data[:budget])
                self.forwarded[direction] += budget
                self._cut_all()
                return
            if budget is not None:
                self._budget[direction] = budget - len(data)
            writer.write(data)
            self.forwarded[direction] += len(data)
            await writer.drain()
        # End of stream one way: pass the half-close on, as TCP would.
        with contextlib.suppress(OSError, RuntimeError):
            if not writer.is_closing() and writer.can_write_eof():
                writer.write_eof()

    async def _until_flowing(self, connection: _Connection) -> bool:
        """Wait out a stall; False if the connection was dropped meanwhile."""
        if not self._flowing.is_set():
            waits = {
                asyncio.ensure_future(self._flowing.wait()),
                asyncio.ensure_future(connection.dropped.wait()),
            }
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        return not connection.dropped.is_set()

    def _cut_all(self) -> None:
        # close(), not abort(): the bytes already written are flushed before the FIN, so the
        # peer gets exactly the promised prefix and then end of stream.
        for connection in list(self._live):
            for transport in connection.transports():
                transport.close()
