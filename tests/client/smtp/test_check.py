"""The wizard's login check: each step reported ok or failed, and nothing ever sent."""

from __future__ import annotations

import pathlib
import socket

from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CertificateUntrusted,
    ConfigError,
    ConnectionRefused,
    HostNotFound,
    StartTlsNotOffered,
)
from kittiwake.client.smtp.check import check_login
from kittiwake.client.smtp.steps import Step
from tests.client.smtp.transcript import (
    AUTH_PLAIN_LINE,
    CREDENTIALS,
    EHLO_LINE,
    EHLO_SECURE,
    GREETING,
    certificate_sha256,
    endpoint,
    login,
    quit_,
    starttls,
)
from tests.servers.scripted import ScriptedPeer, ScriptedServer

ALL_STEPS = [Step.RESOLVE, Step.CONNECT, Step.TLS, Step.CERTIFICATE, Step.LOGIN]


def outcome(check: object) -> list[tuple[Step, bool]]:
    return [(result.step, result.ok) for result in check.steps]  # type: ignore[attr-defined]


async def test_successful_check_is_ehlo_tls_auth_quit_only() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await starttls(peer)
        await login(peer)
        await quit_(peer)

    async with ScriptedServer(script) as server:
        check = await check_login(endpoint(server, Security.STARTTLS), CREDENTIALS)
        await server.wait_closed()
    server.raise_errors()
    assert check.ok and check.error is None
    assert outcome(check) == [(step, True) for step in ALL_STEPS]
    assert server.received == (
        EHLO_LINE + b"STARTTLS\r\n" + EHLO_LINE + AUTH_PLAIN_LINE + b"QUIT\r\n"
    )
    assert check.certificate is not None
    assert check.certificate.sha256 == certificate_sha256("valid")
    assert check.capabilities.size_limit == 100000
    assert check.steps[-1].detail == f"{CREDENTIALS.username} (PLAIN)"


async def test_wrong_password_fails_the_login_step() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(EHLO_SECURE)
        await peer.expect(AUTH_PLAIN_LINE)
        await peer.send(b"535 5.7.8 Authentication failed\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        check = await check_login(endpoint(server, Security.TLS), CREDENTIALS)
        await server.wait_closed()
    assert isinstance(check.error, AuthenticationFailed)
    assert check.failed_step is Step.LOGIN
    assert outcome(check)[-1] == (Step.LOGIN, False)
    assert check.steps[-1].detail == check.error.message


async def test_untrusted_certificate_fails_the_certificate_step_not_tls() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="untrusted") as server:
        check = await check_login(endpoint(server, Security.TLS), CREDENTIALS)
        await server.wait_closed()
    assert isinstance(check.error, CertificateUntrusted)
    assert outcome(check) == [
        (Step.RESOLVE, True),
        (Step.CONNECT, True),
        (Step.TLS, True),
        (Step.CERTIFICATE, False),
    ]
    # The refused certificate is handed to the wizard so the user can choose to pin it.
    assert check.certificate is not None
    assert check.certificate.sha256 == certificate_sha256("untrusted")


async def test_starttls_not_offered_fails_the_tls_step() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(GREETING)
        await peer.expect(EHLO_LINE)
        await peer.send(b"250-mx.test\r\n250 AUTH PLAIN\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        check = await check_login(endpoint(server, Security.STARTTLS), CREDENTIALS)
        await server.wait_closed()
    assert isinstance(check.error, StartTlsNotOffered)
    assert check.failed_step is Step.TLS
    assert server.received == EHLO_LINE


async def test_refused_port_fails_the_connect_step() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe socket is closed.
    check = await check_login(
        Endpoint("127.0.0.1", port, Security.TLS, connect_timeout=5), CREDENTIALS
    )
    assert isinstance(check.error, ConnectionRefused)
    assert outcome(check) == [(Step.RESOLVE, True), (Step.CONNECT, False)]


async def test_unknown_host_fails_the_resolve_step() -> None:
    check = await check_login(
        Endpoint("no-such-host.invalid", 465, Security.TLS, connect_timeout=5), CREDENTIALS
    )
    assert isinstance(check.error, HostNotFound)
    assert outcome(check) == [(Step.RESOLVE, False)]
    assert "no-such-host.invalid" in check.error.message


async def test_unreadable_ca_file_fails_the_tls_step_before_any_connection(
    tmp_path: pathlib.Path,
) -> None:
    point = Endpoint("127.0.0.1", 1, Security.TLS, ca_file=str(tmp_path / "missing.pem"))
    check = await check_login(point, CREDENTIALS)
    assert isinstance(check.error, ConfigError)
    assert outcome(check) == [(Step.TLS, False)]
    assert "missing.pem" in check.error.message
