"""STLS (RFC 2595) transcripts: no credential ever crosses before TLS, and TLS is verified."""

from __future__ import annotations

import pytest

from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import (
    CertificateError,
    CertificateExpired,
    CertificateHostMismatch,
    CertificateUntrusted,
    CommandFailed,
    ProtocolError,
    StartTlsNotOffered,
    StartTlsRefused,
)
from kittiwake.client.pop3.session import open_session
from tests.client.pop3.scripts import AUTH_PLAIN_ALICE, CAPA_PLAIN, CAPA_STLS, endpoint
from tests.servers.scripted import ScriptedPeer, ScriptedServer

ALICE = Credentials("alice", "pw")


async def test_stls_missing_sends_no_credentials() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK POP3 ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(b"+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(StartTlsNotOffered):
            await open_session(endpoint(server, Security.STARTTLS), ALICE)
        await server.wait_closed()
    assert server.received == b"CAPA\r\n"
    server.raise_errors()


async def test_server_without_capa_is_treated_as_without_stls() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK POP3 ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(b"-ERR unknown command\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(StartTlsNotOffered):
            await open_session(endpoint(server, Security.STARTTLS), ALICE)
        await server.wait_closed()
    assert server.received == b"CAPA\r\n"


async def test_stls_refused() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK POP3 ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_STLS)
        await peer.expect(b"STLS\r\n")
        await peer.send(b"-ERR TLS not available right now\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(StartTlsRefused) as caught:
            await open_session(endpoint(server, Security.STARTTLS), ALICE)
        await server.wait_closed()
    assert caught.value.server_text == "TLS not available right now"
    assert server.received == b"CAPA\r\nSTLS\r\n"
    server.raise_errors()


async def test_bytes_injected_after_stls_ok_are_never_read() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK POP3 ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_STLS)
        await peer.expect(b"STLS\r\n")
        # A man in the middle appends a forged answer to the go-ahead, in the same segment.
        await peer.send(b"+OK Begin TLS\r\n-ERR injected\r\n.\r\n")
        await peer.start_tls()
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_PLAIN)
        await peer.expect(AUTH_PLAIN_ALICE)
        await peer.send(b"+OK Logged in.\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_PLAIN)
        await peer.expect(b"QUIT\r\n")
        await peer.send(b"+OK bye\r\n")

    async with ScriptedServer(script) as server:
        session = await open_session(endpoint(server, Security.STARTTLS), ALICE)
        # The capabilities are the ones sent under TLS, not the clear-text ones.
        assert not session.capabilities.stls
        assert session.capabilities.sasl == ("PLAIN",)
        await session.quit()
        await server.wait_closed()
    server.raise_errors()
    assert server.received == b"CAPA\r\nSTLS\r\nCAPA\r\n" + AUTH_PLAIN_ALICE + b"CAPA\r\nQUIT\r\n"


async def test_unsolicited_clear_text_before_stls_is_refused() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK POP3 ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_STLS + b"+OK forged answer to STLS\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(ProtocolError):
            await open_session(endpoint(server, Security.STARTTLS), ALICE)
        await server.wait_closed()
    assert server.received == b"CAPA\r\n"


async def test_greeting_err_is_refused_session() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"-ERR [SYS/TEMP] Too many connections\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(CommandFailed) as caught:
            await open_session(endpoint(server, Security.STARTTLS), ALICE)
        await server.wait_closed()
    assert "Too many connections" in caught.value.server_text
    assert server.received == b""


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("untrusted", CertificateUntrusted),
        ("expired", CertificateExpired),
        ("wrong-host", CertificateHostMismatch),
    ],
)
async def test_bad_certificate_after_stls_is_refused(
    kind: str, error: type[CertificateError]
) -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK POP3 ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_STLS)
        await peer.expect(b"STLS\r\n")
        await peer.send(b"+OK Begin TLS\r\n")
        await peer.start_tls(kind)  # type: ignore[arg-type]
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(error) as caught:
            await open_session(endpoint(server, Security.STARTTLS), ALICE)
        await server.wait_closed()
    # The certificate is described so the user can decide; nothing but STLS was ever sent.
    assert caught.value.certificate is not None
    assert b"AUTH" not in server.received and b"USER" not in server.received
    assert set(server.received.split(b"\r\n")) <= {b"CAPA", b"STLS", b""}


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("untrusted", CertificateUntrusted),
        ("expired", CertificateExpired),
        ("wrong-host", CertificateHostMismatch),
    ],
)
async def test_bad_certificate_on_implicit_tls_is_refused(
    kind: str, error: type[CertificateError]
) -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK POP3 ready\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls=kind) as server:  # type: ignore[arg-type]
        with pytest.raises(error):
            await open_session(endpoint(server, Security.TLS), ALICE)
        await server.wait_closed()
    assert server.received == b""
