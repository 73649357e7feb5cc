"""LOGIN / AUTHENTICATE choices, refusals and alerts, with exact client bytes."""

from __future__ import annotations

import logging

import pytest

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.errors import AuthenticationFailed, LoginDisabled
from tests.client.imap.scripts import PLAIN_JOE, USER, endpoint
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def run(script_caps: bytes, answer: bytes, credentials: Credentials = USER) -> ScriptedServer:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 " + script_caps + b"] ready\r\n")
        line = await peer.readline()
        await peer.send(line.split(b" ")[0] + b" " + answer + b"\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        client = await ImapClient.connect(endpoint(server), credentials)
        await client.close()
    return server


async def test_login_command_when_auth_plain_is_not_offered() -> None:
    server = await run(b"", b"OK [CAPABILITY IMAP4rev1] Logged in")
    assert server.received == b'A1 LOGIN "joe" "s3cret"\r\n'


async def test_login_with_non_ascii_password_uses_a_synchronizing_literal() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
        await peer.expect(b'A1 LOGIN "joe" {7}\r\n')
        await peer.send(b"+ OK\r\n")
        await peer.expect("pässwd".encode() + b"\r\n")
        await peer.send(b"A1 OK [CAPABILITY IMAP4rev1] Logged in\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await ImapClient.connect(endpoint(server), Credentials("joe", "pässwd"))
        await server.wait_closed()
        await client.close()
    server.raise_errors()


async def test_authenticate_plain_without_sasl_ir_waits_for_the_challenge() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
        await peer.expect(b"A1 AUTHENTICATE PLAIN\r\n")
        await peer.send(b"+ \r\n")
        await peer.expect(PLAIN_JOE + b"\r\n")
        await peer.send(b"A1 OK Logged in\r\n")
        await peer.expect(b"A2 CAPABILITY\r\n")  # no capabilities came with the OK
        await peer.send(b"* CAPABILITY IMAP4rev1 IDLE\r\nA2 OK\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await ImapClient.connect(endpoint(server), USER)
        await server.wait_closed()
        assert client.capabilities.idle
        await client.close()
    server.raise_errors()


async def test_wrong_password_carries_the_server_text() -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        await run(b"SASL-IR AUTH=PLAIN", b"NO [AUTHENTICATIONFAILED] Authentication failed.")
    assert caught.value.server_text == "Authentication failed."
    assert "s3cret" not in str(caught.value) and "s3cret" not in repr(caught.value.args)


async def test_logindisabled_refuses_before_sending_anything() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=PLAIN] ready\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(LoginDisabled):
            await ImapClient.connect(endpoint(server), USER)
        await server.wait_closed()
    assert server.received == b""


async def test_xoauth2_error_challenge_is_answered_empty_then_fails() -> None:
    token = Credentials("joe@example.com", "ya29.token", SecretKind.OAUTH2_TOKEN)

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\r\n")
        await peer.expect(
            b"A1 AUTHENTICATE XOAUTH2 "
            b"dXNlcj1qb2VAZXhhbXBsZS5jb20BYXV0aD1CZWFyZXIgeWEyOS50b2tlbgEB\r\n"
        )
        await peer.send(b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n")
        await peer.expect(b"\r\n")
        await peer.send(b"A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(AuthenticationFailed, match="Invalid credentials"):
            await ImapClient.connect(endpoint(server), token)
    server.raise_errors()


async def test_oauth2_refused_when_the_server_lacks_xoauth2() -> None:
    token = Credentials("joe", "tok", SecretKind.OAUTH2_TOKEN)
    with pytest.raises(AuthenticationFailed, match="XOAUTH2"):
        await run(b"AUTH=PLAIN", b"OK", token)


async def test_alerts_are_exposed() -> None:
    alerts: list[str] = []

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [ALERT] Server moves on Monday\r\n")
        await peer.expect(b"A1 CAPABILITY")
        await peer.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\nA1 OK\r\n")
        await peer.expect(b"A2 AUTHENTICATE PLAIN")
        await peer.send(
            b"* OK [ALERT] Your quota is 95% full\r\nA2 OK [CAPABILITY IMAP4rev1] hi\r\n"
        )

    async with ScriptedServer(script, tls="valid") as server:
        client = await ImapClient.connect(endpoint(server), USER, on_alert=alerts.append)
        await server.wait_closed()
        assert client.alerts == ["Server moves on Monday", "Your quota is 95% full"]
        await client.close()
    assert alerts == client.alerts


async def test_transcript_never_shows_the_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kittiwake.protocol.imap")
    await run(b"", b"OK [CAPABILITY IMAP4rev1] Logged in")
    await run(b"SASL-IR AUTH=PLAIN", b"OK [CAPABILITY IMAP4rev1] Logged in")
    text = caplog.text
    assert "A1 LOGIN ..." in text and "A1 AUTHENTICATE ..." in text and "Logged in" in text
    assert "s3cret" not in text and PLAIN_JOE.decode() not in text
