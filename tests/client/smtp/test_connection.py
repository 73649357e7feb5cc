"""Opening connections against scripted servers: mandatory TLS, certificates, pins, hostile servers.

Each test scripts the server's half (tests/servers/scripted.py) and asserts the exact bytes the
client wrote: above all that no AUTH leaves before TLS is up and the certificate accepted."""

from __future__ import annotations

import asyncio

import pytest

from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    CertificateExpired,
    CertificateHostMismatch,
    CertificatePinMismatch,
    CertificateUntrusted,
    NetworkError,
    OperationTimeout,
    ProtocolError,
    StartTlsNotOffered,
    StartTlsRefused,
    TlsHandshakeFailed,
)
from kittiwake.client.smtp.session import SubmissionSession
from tests.client.smtp.transcript import (
    AUTH_PLAIN_LINE,
    CREDENTIALS,
    EHLO_CLEAR,
    EHLO_LINE,
    GREETING,
    SESSION_START,
    certificate_sha256,
    endpoint,
    login,
    quit_,
    starttls,
)
from tests.servers.certs import CertKind
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def test_implicit_tls_sends_no_starttls() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await login(peer)
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS) as session:
            assert session.capabilities.size_limit == 100000
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE + AUTH_PLAIN_LINE + b"QUIT\r\n"


async def test_starttls_not_offered_sends_no_auth() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        # A server (or a man in the middle) that hides STARTTLS but offers AUTH in clear.
        await peer.send(b"250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(StartTlsNotOffered) as caught:
            await SubmissionSession(endpoint(server, Security.STARTTLS), CREDENTIALS).open()
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE
    assert "Nothing was sent" in caught.value.message


async def test_starttls_refused_with_454() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(EHLO_CLEAR)
        await peer.expect(b"STARTTLS\r\n")
        await peer.send(b"454 4.7.0 TLS not available due to temporary reason\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(StartTlsRefused) as caught:
            await SubmissionSession(endpoint(server, Security.STARTTLS), CREDENTIALS).open()
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE + b"STARTTLS\r\n"
    assert "temporary reason" in caught.value.server_text


async def test_bytes_injected_after_starttls_220_are_not_read_as_a_reply() -> None:
    # If the client took the injected lines for its post-TLS EHLO reply it would send
    # AUTH LOGIN straight away; the real EHLO over TLS offers only AUTH PLAIN.
    injected = b"250-mx.test\r\n250 AUTH LOGIN\r\n"

    async def script(peer: ScriptedPeer) -> None:
        await starttls(peer, after_220=injected)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-mx.test\r\n250 AUTH PLAIN\r\n")
        await peer.expect(AUTH_PLAIN_LINE)
        await peer.send(b"235 2.7.0 ok\r\n")
        await quit_(peer)

    async with ScriptedServer(script) as server:
        async with SubmissionSession(endpoint(server, Security.STARTTLS), CREDENTIALS):
            pass
        await server.wait_closed()
    server.raise_errors()
    assert server.received == SESSION_START + b"QUIT\r\n"


@pytest.mark.parametrize(
    ("kind", "error_class"),
    [
        ("untrusted", CertificateUntrusted),
        ("expired", CertificateExpired),
        ("wrong-host", CertificateHostMismatch),
    ],
)
async def test_refused_certificate_over_implicit_tls(
    kind: CertKind, error_class: type[Exception]
) -> None:
    async def script(peer: ScriptedPeer) -> None:
        # Only the second connection (reading the certificate for the user) gets this far.
        await peer.send(GREETING)
        await peer.read_until_closed()

    async with ScriptedServer(script, tls=kind) as server:
        with pytest.raises(error_class) as caught:
            await SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS).open()
        await server.wait_closed()
    server.raise_errors()
    assert server.received == b""  # not even EHLO
    certificate = caught.value.certificate  # type: ignore[attr-defined]
    assert certificate is not None
    assert certificate.sha256 == certificate_sha256(kind)
    assert certificate.subject and certificate.issuer and certificate.not_after


async def test_refused_certificate_over_starttls_sends_no_auth() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await starttls(peer, "untrusted")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(CertificateUntrusted) as caught:
            await SubmissionSession(endpoint(server, Security.STARTTLS), CREDENTIALS).open()
        await server.wait_closed()
    assert server.connections == 2  # the refused session, then the one reading the cert
    assert server.received == (EHLO_LINE + b"STARTTLS\r\n") * 2
    assert caught.value.certificate is not None
    assert caught.value.certificate.sha256 == certificate_sha256("untrusted")


async def test_pinned_certificate_is_accepted_without_a_ca() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await starttls(peer, "untrusted")
        await login(peer)
        await quit_(peer)

    pin = certificate_sha256("untrusted").replace(":", "").lower()  # any spelling works
    async with ScriptedServer(script) as server:
        point = endpoint(server, Security.STARTTLS, ca_file=None, pinned_sha256=pin)
        async with SubmissionSession(point, CREDENTIALS) as session:
            assert session.certificate is not None
        await server.wait_closed()
    server.raise_errors()
    assert server.received == SESSION_START + b"QUIT\r\n"


async def test_pin_mismatch_stops_before_auth() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await starttls(peer, "valid")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        point = endpoint(server, Security.STARTTLS, pinned_sha256=certificate_sha256("untrusted"))
        with pytest.raises(CertificatePinMismatch) as caught:
            await SubmissionSession(point, CREDENTIALS).open()
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE + b"STARTTLS\r\n"
    assert caught.value.certificate.sha256 == certificate_sha256("valid")
    assert caught.value.pinned == certificate_sha256("untrusted")


async def test_server_closing_mid_response() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-mx.test\r\n250-PIPEL")
        await peer.close()

    async with ScriptedServer(script) as server:
        with pytest.raises(NetworkError, match="closed the connection"):
            await SubmissionSession(endpoint(server, Security.STARTTLS), CREDENTIALS).open()
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE


async def test_endless_line_is_refused_with_bounded_memory() -> None:
    async def script(peer: ScriptedPeer) -> None:
        # 4 MiB with no line end: the client must give up long before the end.
        for _ in range(64):
            await peer.send(b"220" + b"x" * 65536)

    async with ScriptedServer(script) as server:
        with pytest.raises(ProtocolError, match="invalid reply"):
            await SubmissionSession(endpoint(server, Security.STARTTLS), CREDENTIALS).open()
        await server.wait_closed()
    assert server.received == b""


async def test_implicit_tls_to_a_starttls_port_hints_at_starttls() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        with pytest.raises(TlsHandshakeFailed) as caught:
            await SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS).open()
        await server.wait_closed()
    assert "STARTTLS" in caught.value.hint
    assert b"AUTH" not in server.received


async def test_starttls_to_an_implicit_tls_port_hints_at_tls() -> None:
    # An implicit-TLS server says nothing until the client's handshake. A bare listener plays
    # it (ScriptedServer's TLS mode cannot be torn down while its handshake waits).
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()
        done.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    point = Endpoint("127.0.0.1", port, Security.STARTTLS, connect_timeout=0.5)
    try:
        with pytest.raises(OperationTimeout) as caught:
            await SubmissionSession(point, CREDENTIALS).open()
        await asyncio.wait_for(done.wait(), 5)
    finally:
        server.close()
        await server.wait_closed()
    assert "no greeting" in caught.value.message
    assert "465" in caught.value.hint


async def test_plain_loopback_only_when_chosen_explicitly() -> None:
    # The user's own relay on this computer: no TLS, and AUTH is allowed (loopback only;
    # Endpoint refuses this mode for any other host).
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-localhost\r\n250 AUTH PLAIN\r\n")
        await peer.expect(AUTH_PLAIN_LINE)
        await peer.send(b"235 ok\r\n")
        await quit_(peer)

    async with ScriptedServer(script) as server:
        point = endpoint(server, Security.PLAIN_LOOPBACK_ONLY)
        async with SubmissionSession(point, CREDENTIALS) as session:
            assert session.certificate is None
        await server.wait_closed()
    server.raise_errors()
    assert server.received == EHLO_LINE + AUTH_PLAIN_LINE + b"QUIT\r\n"
