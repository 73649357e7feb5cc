"""Self-tests of the fault proxy, in front of scripted servers (no Dovecot needed)."""

from __future__ import annotations

import asyncio

import pytest

from tests.servers.fixtures import ProxyFactory
from tests.servers.scripted import ScriptedPeer, ScriptedServer

PAYLOAD = bytes(range(256)) * 4  # 1024 bytes, every byte value


async def greet_then_echo(peer: ScriptedPeer) -> None:
    await peer.send(PAYLOAD)
    while True:
        line = await peer.readline()
        await peer.send(b"echo " + line)


async def read_to_end(reader: asyncio.StreamReader) -> bytes:
    """Everything until end of stream; a reset counts as the end."""
    data = bytearray()
    try:
        while chunk := await reader.read(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return bytes(data)


async def test_bytes_pass_through_both_ways(fault_proxy: ProxyFactory) -> None:
    async with (
        ScriptedServer(greet_then_echo) as server,
        fault_proxy(server.host, server.port) as proxy,
    ):
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        assert await reader.readexactly(len(PAYLOAD)) == PAYLOAD
        writer.write(b"ping\r\n")
        assert await reader.readline() == b"echo ping\r\n"
        assert proxy.forwarded == {"to_client": len(PAYLOAD) + 11, "to_server": 6}
        writer.close()
        await server.wait_closed()
    assert server.received == b"ping\r\n"


async def test_cut_after_to_client_delivers_exactly_n_bytes_then_ends(
    fault_proxy: ProxyFactory,
) -> None:
    async with (
        ScriptedServer(greet_then_echo) as server,
        fault_proxy(server.host, server.port) as proxy,
    ):
        proxy.cut_after(300, "to_client")
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        assert await read_to_end(reader) == PAYLOAD[:300]
        writer.close()
        await server.wait_closed()
        # One-shot: the next connection is whole again.
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        assert await reader.readexactly(len(PAYLOAD)) == PAYLOAD
        writer.close()


async def test_cut_after_to_server_passes_exactly_n_bytes(fault_proxy: ProxyFactory) -> None:
    async def swallow(peer: ScriptedPeer) -> None:
        await peer.read_until_closed()

    async with (
        ScriptedServer(swallow) as server,
        fault_proxy(server.host, server.port) as proxy,
    ):
        proxy.cut_after(10, "to_server")
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        writer.write(b"A1 LOGIN alice secret\r\n")
        assert await read_to_end(reader) == b""
        await server.wait_closed()
        writer.close()
    assert server.received == b"A1 LOGIN a"


async def test_stall_holds_data_until_resume(fault_proxy: ProxyFactory) -> None:
    async with (
        ScriptedServer(greet_then_echo) as server,
        fault_proxy(server.host, server.port) as proxy,
    ):
        proxy.stall()
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        await proxy.wait_received("to_client", len(PAYLOAD))
        assert proxy.forwarded["to_client"] == 0
        assert proxy.live == 1  # silent, not disconnected
        proxy.resume()
        assert await reader.readexactly(len(PAYLOAD)) == PAYLOAD
        writer.close()


async def test_drop_all_while_stalled_releases_the_connection(fault_proxy: ProxyFactory) -> None:
    async with (
        ScriptedServer(greet_then_echo) as server,
        fault_proxy(server.host, server.port) as proxy,
    ):
        proxy.stall()
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        await proxy.wait_received("to_client", len(PAYLOAD))
        proxy.drop_all()
        assert await read_to_end(reader) == b""
        await server.wait_closed()
        assert proxy.live == 0
        writer.close()


async def test_inject_to_client_adds_bytes_the_server_never_sent(
    fault_proxy: ProxyFactory,
) -> None:
    async def greet(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK hello\r\n")
        await peer.read_until_closed()

    async with (
        ScriptedServer(greet) as server,
        fault_proxy(server.host, server.port) as proxy,
    ):
        # Before any connection: the injection comes first on the next one.
        proxy.inject_to_client(b"* OK forged\r\n")
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        assert await reader.readline() == b"* OK forged\r\n"
        assert await reader.readline() == b"* OK hello\r\n"
        proxy.inject_to_client(b"* BYE injected\r\n")
        assert await reader.readline() == b"* BYE injected\r\n"
        writer.close()
        await server.wait_closed()
    assert server.received == b""


async def test_drop_all_resets_every_connection_and_keeps_listening(
    fault_proxy: ProxyFactory,
) -> None:
    async with (
        ScriptedServer(greet_then_echo) as server,
        fault_proxy(server.host, server.port) as proxy,
    ):
        first = await asyncio.open_connection(proxy.host, proxy.port)
        second = await asyncio.open_connection(proxy.host, proxy.port)
        await proxy.wait_for_connections(2)
        for reader, _ in (first, second):
            await reader.readexactly(len(PAYLOAD))
        proxy.drop_all()
        for reader, writer in (first, second):
            assert await read_to_end(reader) == b""
            writer.close()
        await server.wait_closed()
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        assert await reader.readexactly(len(PAYLOAD)) == PAYLOAD
        writer.close()
    assert proxy.connections == 3


async def test_target_down_closes_the_client_at_once(fault_proxy: ProxyFactory) -> None:
    async def nothing(peer: ScriptedPeer) -> None:
        return None

    async with ScriptedServer(nothing) as gone:
        port = gone.port
    async with fault_proxy("127.0.0.1", port) as proxy:
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        assert await read_to_end(reader) == b""
        writer.close()


def test_cut_after_rejects_nonsense() -> None:
    from tests.servers.proxy import FaultProxy

    proxy = FaultProxy("127.0.0.1", 1)
    with pytest.raises(ValueError):
        proxy.cut_after(-1)
    with pytest.raises(ValueError):
        proxy.cut_after(5, "sideways")  # type: ignore[arg-type]
