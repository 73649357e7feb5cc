"""IDLE: changes end the wait, the watchdog renews it, and it never hangs."""

from __future__ import annotations

import asyncio

import pytest

from kittiwake.client.imap.responses import Exists, Untagged
from kittiwake.client.net.errors import ConnectionLost, OperationTimeout
from tests.client.imap.scripts import connect, greet_and_login
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def test_new_message_ends_the_wait() -> None:
    handled: list[Untagged] = []

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 IDLE\r\n")
        await peer.send(b"+ idling\r\n* 5 EXISTS\r\n* 1 RECENT\r\n")
        await peer.expect(b"DONE\r\n")
        await peer.send(b"A2 OK Idle completed.\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, on_unsolicited=handled.append)
        changes = await asyncio.wait_for(client.idle(), 10)
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert changes[0] == Exists(5)
    assert handled[0] == Exists(5)


async def test_watchdog_renews_idle_then_stop_ends_it() -> None:
    stop = asyncio.Event()

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        for tag in (b"A2", b"A3"):
            await peer.expect(tag + b" IDLE\r\n")
            await peer.send(b"+ idling\r\n")
            await peer.expect(b"DONE\r\n")
            await peer.send(tag + b" OK Idle completed.\r\n")
        await peer.expect(b"A4 IDLE\r\n")
        await peer.send(b"+ idling\r\n")
        stop.set()
        await peer.expect(b"DONE\r\n")
        await peer.send(b"A4 OK Idle completed.\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        changes = await asyncio.wait_for(client.idle(stop=stop, renew_after=0.05), 10)
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert changes == []


async def test_server_closing_instead_of_answering_done() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 IDLE\r\n")
        await peer.send(b"+ idling\r\n")
        await peer.expect(b"DONE\r\n")
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, command_timeout=60.0)
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(client.idle(renew_after=0.05), 10)
    server.raise_errors()


async def test_kick_during_idle_is_detected_at_once() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 IDLE\r\n")
        await peer.send(b"+ idling\r\n* BYE Disconnected: Kicked by admin\r\n")
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, command_timeout=60.0)
        with pytest.raises(ConnectionLost) as caught:
            # renew_after is half an hour: only the closed socket can end this wait.
            await asyncio.wait_for(client.idle(), 10)
    assert "Kicked by admin" in caught.value.server_text


async def test_unanswered_done_is_a_dead_connection() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 IDLE\r\n")
        await peer.send(b"+ idling\r\n")
        await peer.read_until_closed()  # swallows DONE, never answers

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, command_timeout=0.3)
        with pytest.raises(OperationTimeout):
            await asyncio.wait_for(client.idle(renew_after=0.05), 10)
        assert not client.is_open


async def test_idle_refused_is_reported() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 IDLE\r\n")
        await peer.send(b"A2 BAD No mailbox selected\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        with pytest.raises(Exception, match="No mailbox selected"):
            await asyncio.wait_for(client.idle(), 10)
        await client.close()
