"""The public ports of the test Dovecot: a PROXY-protocol forwarder in a background thread.

Why it exists: Dovecot treats a connection whose remote IP equals its local IP as "secured"
(client-common.c), so from 127.0.0.1 to 127.0.0.1 it would accept LOGIN in clear text and
never advertise LOGINDISABLED, even with disable_plaintext_auth = yes. Real servers do not
behave like that. This forwarder accepts on 127.0.0.1:<public port> and opens each connection
to Dovecot's private listener with a PROXY v1 header naming a made-up client address
(10.x.y.z, a new one per connection): Dovecot then sees a remote client, requires TLS before
authentication, and its per-IP auth penalty (seconds of delay after a wrong password) never
accumulates across tests. Bytes pass through untouched, so TLS is end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Coroutine
from typing import Any


class ProxyFront:
    host = "127.0.0.1"

    def __init__(self, routes: dict[int, int]) -> None:
        """routes: public port -> Dovecot's private haproxy listener port."""
        self.routes = dict(routes)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.Server] = []
        # Live connections: (task, client transport, upstream transport or None).
        self._live: dict[asyncio.Task[None], list[asyncio.WriteTransport]] = {}
        self._counter = itertools.count(1)
        self._thread.start()

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def open(self) -> None:
        """Start accepting on the public ports."""
        self._call(self._open())

    def shut(self) -> None:
        """Stop accepting (clients get 'connection refused', as from a stopped server) and
        drop every forwarded connection."""
        self._call(self._shut())

    def close(self) -> None:
        self.shut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _open(self) -> None:
        if self._servers:
            return
        for public, private in self.routes.items():

            async def handle(
                reader: asyncio.StreamReader,
                writer: asyncio.StreamWriter,
                private: int = private,
                public: int = public,
            ) -> None:
                await self._forward(reader, writer, private, public)

            server = await asyncio.start_server(handle, self.host, public, reuse_address=True)
            self._servers.append(server)

    async def _shut(self) -> None:
        for server in self._servers:
            server.close()
        # Abort rather than cancel: the pumps see end of stream and finish on their own.
        tasks = list(self._live)
        for transports in self._live.values():
            for transport in transports:
                transport.abort()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    async def _forward(
        self,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        private: int,
        public: int,
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        transports: list[asyncio.WriteTransport] = [client_writer.transport]
        self._live[task] = transports
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.host, private)
            transports.append(upstream_writer.transport)
            n = next(self._counter)
            fake_ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            source_port = client_writer.get_extra_info("peername")[1]
            upstream_writer.write(
                f"PROXY TCP4 {fake_ip} {self.host} {source_port} {public}\r\n".encode("ascii")
            )
            await asyncio.gather(
                _pump(client_reader, upstream_writer),
                _pump(upstream_reader, client_writer),
            )
        except (OSError, RuntimeError):
            pass  # one side went away: the other is dropped below, as a real server would
        finally:
            for transport in transports:
                transport.abort()
            del self._live[task]


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then pass the half-close on."""
    while data := await reader.read(65536):
        if writer.is_closing():
            return
        writer.write(data)
        await writer.drain()
    with contextlib.suppress(OSError, RuntimeError):
        if not writer.is_closing() and writer.can_write_eof():
            writer.write_eof()
