"""A whole submission session against scripted servers: the exact bytes of the normal path."""

from __future__ import annotations

import asyncio

from kittiwake.client.net.endpoint import Security
from kittiwake.client.smtp.session import SubmissionSession
from tests.client.smtp.transcript import (
    CREDENTIALS,
    GREETING,
    MAIL_FROM,
    MESSAGE,
    RCPTS,
    SENT,
    SESSION_START,
    STUFFED,
    accept_message,
    endpoint,
    login,
    quit_,
    starttls,
)
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def test_starttls_login_send_quit_exact_bytes() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await starttls(peer)
        await login(peer)
        await accept_message(peer, MAIL_FROM, RCPTS)
        await quit_(peer)

    async with ScriptedServer(script) as server:
        async with SubmissionSession(endpoint(server, Security.STARTTLS), CREDENTIALS) as session:
            result = await session.send(MESSAGE)
        await server.wait_closed()
    server.raise_errors()
    assert server.received == SESSION_START + MAIL_FROM + b"".join(RCPTS) + b"DATA\r\n" + (
        STUFFED + b"QUIT\r\n"
    )
    # The Bcc recipient got a RCPT but the Bcc header never left.
    assert b"Bcc:" not in server.received
    assert result.envelope.recipients == ("bob@example.org", "carol@example.org")
    assert result.size == len(SENT)
    assert "ABC123" in result.server_reply


async def test_several_messages_on_one_connection() -> None:
    messages = [MESSAGE.replace(b"<1@", b"<%d@" % n) for n in range(3)]

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        for _ in messages:
            await accept_message(peer, MAIL_FROM, RCPTS)
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            for message in messages:
                await session.send(message)
        await server.wait_closed()
    server.raise_errors()
    assert server.connections == 1
    assert server.received.count(b"DATA\r\n") == 3
    for n in range(3):
        assert b"Message-ID: <%d@example.org>" % n in server.received


async def test_concurrent_sends_are_serialised_on_the_connection() -> None:
    first, second = MESSAGE, MESSAGE.replace(b"<1@", b"<2@")

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        for _ in range(2):
            await accept_message(peer, MAIL_FROM, RCPTS)
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            await asyncio.gather(session.send(first), session.send(second))
        await server.wait_closed()
    server.raise_errors()
    transaction = MAIL_FROM + b"".join(RCPTS) + b"DATA\r\n"
    assert server.received.count(transaction) == 2
