"""The wire layer on its own: bounded sink pieces, -ERR keeps it open, garbage closes it."""

from __future__ import annotations

import pytest

from kittiwake.client.net.connect import open_connection
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import CommandFailed, ConnectionLost, ProtocolError
from kittiwake.client.pop3.wire import READ_CHUNK, SINK_CHUNK, Wire
from tests.client.pop3.scripts import endpoint
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def test_sink_pieces_are_bounded_and_complete() -> None:
    body = b"".join(b"%06d ................................\r\n" % n for n in range(10_000))

    async def script(peer: ScriptedPeer) -> None:
        await peer.expect(b"RETR 1\r\n")
        await peer.send(b"+OK\r\n" + body + b".\r\n")
        await peer.read_until_closed()

    pieces: list[bytes] = []
    async with ScriptedServer(script) as server:
        wire = Wire(await open_connection(endpoint(server, Security.PLAIN_LOOPBACK_ONLY)))
        async with wire.exclusive():
            await wire.send(b"RETR 1\r\n")
            await wire.expect_ok("RETR")
            assert await wire.stream(pieces.append) == len(body)
        await wire.abort()
    assert b"".join(pieces) == body
    assert len(pieces) > 1
    assert max(map(len, pieces)) < SINK_CHUNK + READ_CHUNK


async def test_err_keeps_the_wire_open_and_garbage_closes_it() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.expect(b"DELE 9\r\n")
        await peer.send(b"-ERR There's no message 9.\r\n")
        await peer.expect(b"NOOP\r\n")
        await peer.send(b"* BYE not pop3\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        wire = Wire(await open_connection(endpoint(server, Security.PLAIN_LOOPBACK_ONLY)))
        with pytest.raises(CommandFailed):
            async with wire.exclusive():
                await wire.send(b"DELE 9\r\n")
                await wire.expect_ok("DELE")
        assert not wire.closed
        with pytest.raises(ProtocolError):
            async with wire.exclusive():
                await wire.send(b"NOOP\r\n")
                await wire.expect_ok("NOOP")
        assert wire.closed
        with pytest.raises(ConnectionLost):
            async with wire.exclusive():
                pass
        await wire.abort()
        await server.wait_closed()
    server.raise_errors()
