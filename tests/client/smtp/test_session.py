"""Submission sessions against scripted servers: the exact bytes Kittiwake sends.

Each test scripts the server's half of a conversation (tests/servers/scripted.py) and asserts
what the client wrote, byte for byte: above all that no AUTH and no message ever leaves
before TLS is up and the certificate accepted.
"""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest

from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CertificateExpired,
    CertificateHostMismatch,
    CertificatePinMismatch,
    CertificateUntrusted,
    ConnectionLost,
    LoginDisabled,
    MessageRefused,
    MessageTooLarge,
    NetworkError,
    OperationTimeout,
    ProtocolError,
    StartTlsNotOffered,
    StartTlsRefused,
    SubmissionOutcomeUnknown,
    TlsHandshakeFailed,
)
from kittiwake.client.smtp.session import SubmissionSession
from tests.client.smtp.transcript import (
    AUTH_PLAIN_LINE,
    CREDENTIALS,
    EHLO_CLEAR,
    EHLO_LINE,
    EHLO_SECURE,
    GREETING,
    MESSAGE,
    PLAIN,
    SECRET,
    SENT,
    STUFFED,
    USER,
    accept_message,
    certificate_sha256,
    endpoint,
    login,
    quit_,
    starttls,
)
from tests.servers.certs import CertKind
from tests.servers.scripted import ScriptedPeer, ScriptedServer

MAIL_FROM = b"MAIL FROM:<alice@example.org> SIZE=%d\r\n" % len(SENT)
RCPTS = [b"RCPT TO:<bob@example.org>\r\n", b"RCPT TO:<carol@example.org>\r\n"]
SESSION_START = EHLO_LINE + b"STARTTLS\r\n" + EHLO_LINE + AUTH_PLAIN_LINE


# --- the normal path ---------------------------------------------------------------------------


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


async def test_auth_login_when_plain_is_not_offered() -> None:
    ehlo = b"250-mx.test\r\n250 AUTH LOGIN\r\n"

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(ehlo)
        await peer.expect(b"AUTH LOGIN " + base64.b64encode(USER.encode()) + b"\r\n")
        await peer.send(b"334 UGFzc3dvcmQ6\r\n")
        await peer.expect(base64.b64encode(SECRET.encode()) + b"\r\n")
        await peer.send(b"235 2.7.0 ok\r\n")
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS):
            pass
        await server.wait_closed()
    server.raise_errors()


async def test_xoauth2_for_oauth_credentials() -> None:
    token = Credentials(USER, "ya29.token", SecretKind.OAUTH2_TOKEN)
    initial = base64.b64encode(f"user={USER}\x01auth=Bearer ya29.token\x01\x01".encode())

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-mx.test\r\n250 AUTH PLAIN LOGIN XOAUTH2\r\n")
        await peer.expect(b"AUTH XOAUTH2 " + initial + b"\r\n")
        await peer.send(b"235 2.7.0 ok\r\n")
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), token):
            pass
        await server.wait_closed()
    server.raise_errors()


async def test_auth_payloads_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kittiwake.smtp")

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-mx.test\r\n250 AUTH LOGIN\r\n")
        await peer.expect(b"AUTH LOGIN")
        await peer.send(b"334 UGFzc3dvcmQ6\r\n")
        await peer.expect(base64.b64encode(SECRET.encode()))
        await peer.send(b"235 2.7.0 ok\r\n")
        await quit_(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS):
            pass
        await server.wait_closed()
    server.raise_errors()
    assert "C: AUTH LOGIN <redacted>" in caplog.text
    assert "C: QUIT" in caplog.text
    for secret in (SECRET, base64.b64encode(SECRET.encode()).decode(), PLAIN.decode()):
        assert secret not in caplog.text
    assert base64.b64encode(USER.encode()).decode() not in caplog.text


# --- STARTTLS ----------------------------------------------------------------------------------


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


# --- certificates ------------------------------------------------------------------------------


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


# --- hostile and broken servers ----------------------------------------------------------------


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


async def test_auth_failure_carries_the_server_text() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(EHLO_SECURE)
        await peer.expect(AUTH_PLAIN_LINE)
        await peer.send(b"535 5.7.8 Authentication credentials invalid\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(AuthenticationFailed) as caught:
            await SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS).open()
        await server.wait_closed()
    server.raise_errors()
    # One attempt only: no fallback to LOGIN that would double the failed-login count.
    assert server.received == EHLO_LINE + AUTH_PLAIN_LINE
    assert caught.value.server_text == "5.7.8 Authentication credentials invalid"
    assert SECRET not in caught.value.for_person()


async def test_no_auth_offered_over_tls() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-mx.test\r\n250 SIZE 1000\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(LoginDisabled):
            await SubmissionSession(endpoint(server, Security.TLS), CREDENTIALS).open()
        await server.wait_closed()
    assert server.received == EHLO_LINE


# --- refusals ----------------------------------------------------------------------------------


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


# --- connection lost ---------------------------------------------------------------------------


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


# --- wrong security mode for the port ---------------------------------------------------------


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
