"""Opening a session: implicit TLS, STARTTLS (missing, refused, injected bytes), PREAUTH,
certificates and hostile greetings, against scripted servers with exact client bytes."""

from __future__ import annotations

import pytest

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import (
    CertificateExpired,
    CertificateHostMismatch,
    CertificateUntrusted,
    ProtocolError,
    StartTlsNotOffered,
    StartTlsRefused,
)
from tests.client.imap.scripts import CAPS, PLAIN_JOE, USER, connect, endpoint, greet_and_login
from tests.servers.certs import CertKind
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def starttls_opening(peer: ScriptedPeer, *, inject: bytes = b"") -> None:
    await peer.send(b"* OK Dovecot ready.\r\n")
    await peer.expect(b"A1 CAPABILITY\r\n")
    await peer.send(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nA1 OK done\r\n")
    await peer.expect(b"A2 STARTTLS\r\n")
    await peer.send(b"A2 OK Begin TLS negotiation now.\r\n" + inject)
    await peer.start_tls("valid")


async def test_starttls_rereads_capabilities_after_the_handshake() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await starttls_opening(peer)
        await peer.expect(b"A3 CAPABILITY\r\n")
        await peer.send(b"* CAPABILITY " + CAPS + b"\r\nA3 OK done\r\n")
        await peer.expect(b"A4 AUTHENTICATE PLAIN " + PLAIN_JOE + b"\r\n")
        await peer.send(b"A4 OK Logged in\r\n")
        await peer.expect(b"A5 CAPABILITY\r\n")
        await peer.send(b"* CAPABILITY " + CAPS + b" MOVE\r\nA5 OK done\r\n")

    async with ScriptedServer(script) as server:
        client = await ImapClient.connect(endpoint(server, Security.STARTTLS), USER)
        await server.wait_closed()
        assert client.capabilities.move and not client.capabilities.login_disabled
        await client.close()
    server.raise_errors()
    assert server.received == (
        b"A1 CAPABILITY\r\nA2 STARTTLS\r\nA3 CAPABILITY\r\n"
        b"A4 AUTHENTICATE PLAIN " + PLAIN_JOE + b"\r\nA5 CAPABILITY\r\n"
    )


async def test_bytes_injected_after_starttls_ok_are_discarded() -> None:
    injected = b"* CAPABILITY IMAP4rev1 AUTH=PLAIN X-INJECTED\r\nA3 OK [ALERT] injected\r\n"

    async def script(peer: ScriptedPeer) -> None:
        await starttls_opening(peer, inject=injected)
        await peer.expect(b"A3 CAPABILITY\r\n")
        await peer.send(b"* CAPABILITY " + CAPS + b"\r\nA3 OK done\r\n")

    async with ScriptedServer(script) as server:
        client = await ImapClient.connect(endpoint(server, Security.STARTTLS))
        await server.wait_closed()
        assert "X-INJECTED" not in client.capabilities
        assert client.alerts == []
        await client.close()
    server.raise_errors()


async def test_starttls_not_offered_sends_nothing_more() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no tls here\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(StartTlsNotOffered):
            await ImapClient.connect(endpoint(server, Security.STARTTLS), USER)
        await server.wait_closed()
    assert server.received == b""


async def test_starttls_refused() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")
        await peer.expect(b"A1 STARTTLS\r\n")
        await peer.send(b"A1 NO TLS is broken today\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(StartTlsRefused) as caught:
            await ImapClient.connect(endpoint(server, Security.STARTTLS), USER)
        await server.wait_closed()
    assert caught.value.server_text == "TLS is broken today"
    assert server.received == b"A1 STARTTLS\r\n"


async def test_preauth_on_starttls_is_refused_before_sending_anything() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome joe\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(ProtocolError, match="PREAUTH"):
            await ImapClient.connect(endpoint(server, Security.STARTTLS), USER)
        await server.wait_closed()
    assert server.received == b""


async def test_preauth_on_implicit_tls_skips_login() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* PREAUTH [CAPABILITY " + CAPS + b"] welcome joe\r\n")
        await peer.expect(b"A1 NOOP\r\n")
        await peer.send(b"A1 OK\r\n")

    async with ScriptedServer(script, tls="valid") as server:
        client = await connect(server)
        assert client.authenticated
        await client.noop()
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert server.received == b"A1 NOOP\r\n"


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("untrusted", CertificateUntrusted),
        ("expired", CertificateExpired),
        ("wrong-host", CertificateHostMismatch),
    ],
)
async def test_bad_certificates_are_refused(kind: CertKind, error: type[Exception]) -> None:
    async def script(peer: ScriptedPeer) -> None:
        await greet_and_login(peer)

    async with ScriptedServer(script, tls=kind) as server:
        with pytest.raises(error) as caught:
            await connect(server)
    assert server.received == b""
    assert caught.value.certificate is not None  # type: ignore[attr-defined]


async def test_bad_certificate_on_starttls() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")
        await peer.expect(b"A1 STARTTLS\r\n")
        await peer.send(b"A1 OK go\r\n")
        await peer.start_tls("untrusted")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(CertificateUntrusted):
            await ImapClient.connect(endpoint(server, Security.STARTTLS), USER)
    assert b"AUTHENTICATE" not in server.received and b"LOGIN" not in server.received


async def test_endless_greeting_is_a_protocol_error() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK " + b"y" * (2 << 20))
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(ProtocolError, match="endless"):
            await connect(server)


async def test_clear_text_alert_before_starttls_is_not_shown() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [ALERT] Your account is locked, log in at evil.example\r\n")
        await peer.expect(b"A1 CAPABILITY\r\n")
        await peer.send(b"* CAPABILITY IMAP4rev1 STARTTLS\r\nA1 OK\r\n")
        await peer.expect(b"A2 STARTTLS\r\n")
        await peer.send(b"A2 OK go\r\n")
        await peer.start_tls("valid")
        await peer.expect(b"A3 CAPABILITY\r\n")
        await peer.send(b"* CAPABILITY " + CAPS + b"\r\nA3 OK\r\n")

    alerts: list[str] = []
    async with ScriptedServer(script) as server:
        client = await ImapClient.connect(
            endpoint(server, Security.STARTTLS), on_alert=alerts.append
        )
        await server.wait_closed()
        await client.close()
    server.raise_errors()
    assert alerts == [] and client.alerts == []
