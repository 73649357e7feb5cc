"""The session layer against scripted servers: framing, streaming, drops and timeouts."""

from __future__ import annotations

import asyncio

import pytest

from kittiwake.client.imap.responses import Exists, FetchItem, Untagged
from kittiwake.client.net.errors import (
    ConnectionLost,
    OperationTimeout,
    ProtocolError,
)
from tests.client.imap.scripts import PLAIN_JOE, connect, greet_and_login
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def test_implicit_tls_login_exact_bytes() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 NOOP\r\n")
        await peer.send(b"A2 OK NOOP completed\r\n")
        await peer.expect(b"A3 LOGOUT\r\n")
        await peer.send(b"* BYE Logging out\r\nA3 OK Logout completed\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        assert client.authenticated and client.capabilities.move
        await client.noop()
        await client.logout()
        await server.wait_closed()
    server.raise_errors()
    assert server.received == (
        b"A1 AUTHENTICATE PLAIN " + PLAIN_JOE + b"\r\nA2 NOOP\r\nA3 LOGOUT\r\n"
    )


async def test_server_closing_mid_response_fails_the_command_at_once() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 UID FETCH 1:* (UID BODY.PEEK[])\r\n")
        await peer.send(b"* 1 FETCH (UID 1 BODY[] {1000}\r\nonly part of it")
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, command_timeout=60.0)
        # The command timeout is a minute; the failure must come from the closed socket.
        with pytest.raises(ConnectionLost, match="middle of a response"):
            await asyncio.wait_for(client.uid_fetch("1:*", "UID BODY.PEEK[]"), 5)
        assert not client.is_open
        with pytest.raises(ConnectionLost):
            await client.noop()
    server.raise_errors()


async def test_bye_text_is_carried_by_connection_lost() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 NOOP")
        await peer.send(b"* BYE Kicked by admin\r\n")
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, command_timeout=60.0)
        with pytest.raises(ConnectionLost) as caught:
            await asyncio.wait_for(client.noop(), 5)
    assert caught.value.server_text == "Kicked by admin"


async def test_silent_server_times_out() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 NOOP")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, command_timeout=0.3)
        with pytest.raises(OperationTimeout):
            await client.noop()
        assert not client.is_open


async def test_endless_line_is_a_protocol_error() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 NOOP")
        chunk = b"x" * (1 << 16)
        await peer.send(b"* OK ")
        for _ in range(80):  # 5 MiB without CRLF, over the 4 MiB bound
            await peer.send(chunk)
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, command_timeout=60.0)
        with pytest.raises(ProtocolError, match="longer than"):
            await asyncio.wait_for(client.noop(), 10)


async def test_huge_literal_is_streamed_byte_exact() -> None:
    body = bytes(range(256)) * (96 << 12)  # 96 MiB

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 UID FETCH 7 (UID BODY.PEEK[])\r\n")
        await peer.send(b"* 1 FETCH (UID 7 BODY[] {%d}\r\n" % len(body))
        for i in range(0, len(body), 1 << 20):
            await peer.send(body[i : i + (1 << 20)])
        await peer.send(b")\r\nA2 OK Fetch completed.\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        result = await client.uid_fetch([7], "UID BODY.PEEK[]")
        await client.close()
    server.raise_errors()
    (item,) = result.messages
    assert item.uid == 7 and item.section() == body


async def test_hundred_thousand_flag_lines_in_one_response() -> None:
    lines = b"".join(b"* %d FETCH (UID %d FLAGS (\\Seen))\r\n" % (i, i) for i in range(1, 100_001))

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 UID FETCH 1:* (UID FLAGS)\r\n")
        await peer.send(lines + b"A2 OK Fetch completed.\r\n")

    seen: list[int] = []
    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        await client.uid_fetch(
            "1:*", ["UID", "FLAGS"], on_message=lambda m: seen.append(m.uid or 0)
        )
        await client.close()
    server.raise_errors()
    assert seen == list(range(1, 100_001))


async def test_messages_reach_the_callback_before_the_tagged_ok() -> None:
    first_stored = asyncio.Event()

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 UID FETCH 1:2 (UID FLAGS)\r\n")
        await peer.send(b"* 1 FETCH (UID 1 FLAGS ())\r\n")
        # The rest is only sent once the client stored the first message.
        await asyncio.wait_for(first_stored.wait(), 5)
        await peer.send(b"* 2 FETCH (UID 2 FLAGS ())\r\nA2 OK done\r\n")

    def store(item: FetchItem) -> None:
        first_stored.set()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        await client.uid_fetch("1:2", "UID FLAGS", on_message=store)
        await client.close()
    server.raise_errors()


async def test_unsolicited_responses_reach_the_handler() -> None:
    events: list[Untagged] = []

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 NOOP")
        await peer.send(
            b"* 4 EXISTS\r\n* 2 EXPUNGE\r\n* 3 FETCH (FLAGS (\\Seen))\r\n"
            b"* VANISHED 9:10\r\nA2 OK\r\n"
        )

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, on_unsolicited=events.append)
        await client.noop()
        await client.close()
    assert events[0] == Exists(4)
    assert [type(e).__name__ for e in events] == ["Exists", "Expunge", "FetchItem", "Vanished"]


async def test_callback_error_fails_the_command_but_keeps_the_connection() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 UID FETCH")
        await peer.send(b"* 1 FETCH (UID 1 FLAGS ())\r\n* 2 FETCH (UID 2 FLAGS ())\r\nA2 OK\r\n")
        await peer.expect(b"A3 NOOP")
        await peer.send(b"A3 OK\r\n")

    def broken(item: FetchItem) -> None:
        raise RuntimeError("disk full")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        with pytest.raises(RuntimeError, match="disk full"):
            await client.uid_fetch("1:2", "UID FLAGS", on_message=broken)
        await client.noop()
        await client.close()
    server.raise_errors()


async def test_a_failing_handler_does_not_kill_the_connection() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 NOOP")
        await peer.send(b"* 4 EXISTS\r\nA2 OK\r\n")
        await peer.expect(b"A3 NOOP")
        await peer.send(b"A3 OK\r\n")

    def broken(response: Untagged) -> None:
        raise RuntimeError("GUI bug")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server, on_unsolicited=broken)
        await client.noop()
        await client.noop()  # answered: the reader survived the handler's exception
        await client.close()
    server.raise_errors()


async def test_cancelling_a_command_midway_closes_the_connection() -> None:
    started = asyncio.Event()

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 UID FETCH")
        await peer.send(b"* 1 FETCH (UID 1 FLAGS ())\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        fetch = asyncio.create_task(
            client.uid_fetch("1:*", "UID FLAGS", on_message=lambda m: started.set())
        )
        await asyncio.wait_for(started.wait(), 5)
        fetch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await fetch
        assert not client.is_open
        with pytest.raises(ConnectionLost, match="cancelled"):
            await client.noop()
    server.raise_errors()


async def test_the_reader_gives_way_to_the_foreground_once_per_response(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kittiwake.client.imap import session

    calls: list[int] = []
    monkeypatch.setattr(session, "give_way", lambda: calls.append(1))
    lines = b"".join(b"* %d FETCH (UID %d FLAGS ())\r\n" % (i, i) for i in range(1, 51))

    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)
        await peer.expect(b"A2 UID FETCH 1:* (UID FLAGS)\r\n")
        await peer.send(lines + b"A2 OK Fetch completed.\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        calls.clear()  # the login's responses counted too; the FETCH's are what matter here
        await client.uid_fetch("1:*", ["UID", "FLAGS"])
        await client.close()
    server.raise_errors()
    assert len(calls) >= 51  # 50 FETCH responses and the tagged OK
