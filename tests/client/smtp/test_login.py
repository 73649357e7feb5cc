"""AUTH against scripted servers: one mechanism, one attempt, never logged."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    InsecureConfiguration,
    LoginDisabled,
)
from kittiwake.client.smtp.login import authenticate, choose_mechanism
from kittiwake.client.smtp.session import SubmissionSession
from kittiwake.client.smtp.wire import SmtpClient
from tests.client.smtp.transcript import (
    AUTH_PLAIN_LINE,
    CREDENTIALS,
    EHLO_LINE,
    EHLO_SECURE,
    GREETING,
    PLAIN,
    SECRET,
    USER,
    endpoint,
    quit_,
)
from tests.servers.scripted import ScriptedPeer, ScriptedServer


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


def test_mechanism_choice() -> None:
    point = Endpoint("mx.test", 465)
    token = Credentials(USER, "t", SecretKind.OAUTH2_TOKEN)
    assert choose_mechanism(frozenset({"LOGIN", "PLAIN"}), CREDENTIALS, point) == "PLAIN"
    assert choose_mechanism(frozenset({"LOGIN", "CRAM-MD5"}), CREDENTIALS, point) == "LOGIN"
    assert choose_mechanism(frozenset({"PLAIN", "XOAUTH2"}), token, point) == "XOAUTH2"
    with pytest.raises(LoginDisabled, match="CRAM-MD5"):
        choose_mechanism(frozenset({"CRAM-MD5"}), CREDENTIALS, point)
    with pytest.raises(LoginDisabled, match="XOAUTH2"):
        choose_mechanism(frozenset({"PLAIN"}), token, point)


async def test_login_refuses_a_connection_without_tls() -> None:
    # The last line of defence: even if a future change skipped STARTTLS, no AUTH goes out.

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        client = SmtpClient(hostname=server.host, port=server.port, start_tls=False)
        await client.connect(local_hostname="[127.0.0.1]")
        with pytest.raises(InsecureConfiguration):
            await authenticate(
                client,
                endpoint(server, Security.STARTTLS),
                frozenset({"PLAIN"}),
                CREDENTIALS,
            )
        client.close()
        await server.wait_closed()
    assert server.received == b""


async def test_xoauth2_rejected_token_is_an_authentication_failure() -> None:
    token = Credentials(USER, "expired-token", SecretKind.OAUTH2_TOKEN)
    challenge = base64.b64encode(b'{"status":"401","schemes":"bearer"}')

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-mx.test\r\n250 AUTH XOAUTH2\r\n")
        await peer.expect(b"AUTH XOAUTH2 ")
        await peer.send(b"334 " + challenge + b"\r\n")
        # RFC 7628 style: the client answers the error challenge with an empty line.
        await peer.expect(re.compile(rb"^\r\n$"))
        await peer.send(b"535 5.7.8 Username and Password not accepted\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(AuthenticationFailed) as caught:
            await SubmissionSession(endpoint(server, Security.TLS), token).open()
        await server.wait_closed()
    server.raise_errors()
    assert "not accepted" in caught.value.server_text
    assert "expired-token" not in caught.value.for_person()
