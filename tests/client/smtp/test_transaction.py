"""Mail transactions against scripted servers: the gate before MAIL, refusals, lost connections."""

from __future__ import annotations

import pytest

from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import (
    ConnectionLost,
    MessageRefused,
    MessageTooLarge,
    SubmissionOutcomeUnknown,
)
from kittiwake.client.smtp.session import SubmissionSession
from tests.client.smtp.transcript import (
    AUTH_PLAIN_LINE,
    CREDENTIALS,
    EHLO_LINE,
    GREETING,
    MAIL_FROM,
    MESSAGE,
    RCPTS,
    accept_message,
    endpoint,
    login,
    quit_,
)
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def test_permanent_rcpt_refusal_resets_and_session_stays_usable() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await peer.expect(MAIL_FROM)
        await peer.send(b"250 2.1.0 Ok\r\n")
        await peer.expect(RCPTS[0])
        await peer.send(b"550 5.1.1 <bob@example.org>: Recipient address rejected\r\n")
        await peer.expect(b"RSET\r\n")
        await peer.send(b"250 2.0.0 Ok\r\n")
        await accept_message(peer, MAIL_FROM, RCPTS)
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            with pytest.raises(MessageRefused) as caught:
                await session.send(MESSAGE)
            await session.send(MESSAGE)
        await server.wait_closed()
    server.raise_errors()
    error = caught.value
    assert (error.code, error.enhanced_status, error.permanent) == (550, "5.1.1", True)
    assert "Recipient address rejected" in error.server_text
    assert "bob@example.org" in error.message
    # Refused at RCPT: the message was sent to nobody, not to carol alone.
    assert server.received.count(b"DATA\r\n") == 1


async def test_temporary_refusal_after_data() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await peer.expect(MAIL_FROM)
        await peer.send(b"250 2.1.0 Ok\r\n")
        for rcpt in RCPTS:
            await peer.expect(rcpt)
            await peer.send(b"250 2.1.5 Ok\r\n")
        await peer.expect(b"DATA\r\n")
        await peer.send(b"354 go\r\n")
        while await peer.readline() != b".\r\n":
            pass
        await peer.send(b"451 4.3.0 Temporary queue failure\r\n")
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            with pytest.raises(MessageRefused) as caught:
                await session.send(MESSAGE)
        await server.wait_closed()
    server.raise_errors()
    assert (caught.value.code, caught.value.enhanced_status) == (451, "4.3.0")
    assert not caught.value.permanent


async def test_size_limit_refuses_before_mail_from() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer, b"250-mx.test\r\n250-SIZE 100\r\n250 AUTH PLAIN\r\n")
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            with pytest.raises(MessageTooLarge) as caught:
                await session.send(MESSAGE + b"x" * 200 + b"\r\n")
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE + AUTH_PLAIN_LINE + b"QUIT\r\n"
    assert caught.value.permanent


async def test_server_size_refusal_at_mail_from_is_too_large() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await peer.expect(MAIL_FROM)
        await peer.send(b"552 5.3.4 Message size exceeds fixed limit\r\n")
        await peer.expect(b"RSET\r\n")
        await peer.send(b"250 Ok\r\n")
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            with pytest.raises(MessageTooLarge):
                await session.send(MESSAGE)
        await server.wait_closed()
    server.raise_errors()


async def test_eight_bit_message_without_8bitmime_sends_nothing() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer, b"250-mx.test\r\n250 AUTH PLAIN\r\n")
        await quit_(peer)

    eight_bit = MESSAGE + "Grüße\r\n".encode()
    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            with pytest.raises(MessageRefused, match="8BITMIME"):
                await session.send(eight_bit)
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE + AUTH_PLAIN_LINE + b"QUIT\r\n"


async def test_eight_bit_and_utf8_address_use_the_extensions() -> None:
    raw = "From: alice@example.org\r\nTo: josé@exämple.org\r\n\r\nGrüße\r\n".encode()
    mail_from = b"MAIL FROM:<alice@example.org> SIZE=%d BODY=8BITMIME SMTPUTF8\r\n" % len(raw)

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await accept_message(peer, mail_from, ["RCPT TO:<josé@exämple.org>\r\n".encode()])
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            await session.send(raw)
        await server.wait_closed()
    server.raise_errors()
    assert raw + b".\r\n" in server.received


async def test_utf8_address_without_smtputf8_sends_nothing() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer, b"250-mx.test\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n")
        await quit_(peer)

    raw = "From: alice@example.org\r\nTo: josé@example.org\r\n\r\nhi\r\n".encode()
    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            with pytest.raises(MessageRefused, match="SMTPUTF8"):
                await session.send(raw)
        await server.wait_closed()
    server.raise_errors()
    assert b"MAIL" not in server.received


async def test_connection_lost_after_data_payload_is_outcome_unknown() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await peer.expect(MAIL_FROM)
        await peer.send(b"250 2.1.0 Ok\r\n")
        for rcpt in RCPTS:
            await peer.expect(rcpt)
            await peer.send(b"250 2.1.5 Ok\r\n")
        await peer.expect(b"DATA\r\n")
        await peer.send(b"354 go\r\n")
        while await peer.readline() != b".\r\n":
            pass
        await peer.close()  # the message is in; the reply never comes

    async with ScriptedServer(script, tls="valid") as server:
        session = SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS)
        await session.open()
        with pytest.raises(SubmissionOutcomeUnknown) as caught:
            await session.send(MESSAGE)
        await server.wait_closed()
    server.raise_errors()
    assert isinstance(caught.value, ConnectionLost)
    assert "may or may not" in caught.value.message
    # The session is closed: a second send fails at once, nothing is written.
    with pytest.raises(ConnectionLost):
        await session.send(MESSAGE)
    await session.close()


async def test_connection_lost_before_data_is_known_not_sent() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await peer.expect(MAIL_FROM)
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        session = SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS)
        await session.open()
        with pytest.raises(ConnectionLost) as caught:
            await session.send(MESSAGE)
        await server.wait_closed()
    server.raise_errors()
    assert not isinstance(caught.value, SubmissionOutcomeUnknown)
    assert "nothing was delivered" in caught.value.message
    await session.close()
