"""Verification against the real Dovecot: every step logged, each failure on its own step with
its own advice."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from kittiwake.client.autoconfig.candidates import Protocol
from kittiwake.client.autoconfig.verify import ServerCheck, verify_account, verify_incoming
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CertificateUntrusted,
    ConnectionRefused,
    HostNotFound,
    OperationTimeout,
    ProtocolError,
    TlsHandshakeFailed,
)
from kittiwake.client.smtp.steps import Step
from tests.servers.fixtures import MailServer

ALL_STEPS = [Step.RESOLVE, Step.CONNECT, Step.TLS, Step.CERTIFICATE, Step.LOGIN]


def outcome(check: ServerCheck) -> list[tuple[Step, bool]]:
    return [(result.step, result.ok) for result in check.steps]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def alice(mail_server: MailServer) -> Credentials:
    return mail_server.alice.credentials()


@pytest.mark.parametrize(
    ("protocol", "service"),
    [
        (Protocol.IMAP, "imaps"),
        (Protocol.IMAP, "imap"),
        (Protocol.POP3, "pop3s"),
        (Protocol.POP3, "pop3"),
    ],
)
async def test_incoming_success_logs_every_step(
    mail_server: MailServer, alice: Credentials, protocol: Protocol, service: str
) -> None:
    check = await verify_incoming(protocol, mail_server.endpoint(service), alice)
    assert check.ok, check.error
    assert outcome(check) == [(step, True) for step in ALL_STEPS]
    assert check.certificate is not None
    assert check.steps[-1].detail == alice.username
    assert check.steps[2].detail.startswith("TLSv1.")


async def test_both_servers_at_once(mail_server: MailServer, alice: Credentials) -> None:
    check = await verify_account(
        Protocol.IMAP,
        mail_server.endpoint("imaps"),
        alice,
        mail_server.endpoint("submission"),
        alice,
    )
    assert check.ok
    assert outcome(check.outgoing) == [(step, True) for step in ALL_STEPS]


@pytest.mark.parametrize(
    ("protocol", "service"),
    [(Protocol.IMAP, "imaps"), (Protocol.POP3, "pop3s"), (Protocol.SMTP, "submissions")],
)
async def test_wrong_password_fails_the_login_step(
    mail_server: MailServer, alice: Credentials, protocol: Protocol, service: str
) -> None:
    wrong = dataclasses.replace(alice, secret="not-the-password")
    endpoint = mail_server.endpoint(service)
    if protocol is Protocol.SMTP:
        check = (await verify_account(Protocol.IMAP, endpoint, alice, endpoint, wrong)).outgoing
    else:
        check = await verify_incoming(protocol, endpoint, wrong)
    assert check.failed_step is Step.LOGIN
    assert outcome(check) == [(step, step is not Step.LOGIN) for step in ALL_STEPS]
    assert isinstance(check.error, AuthenticationFailed)
    assert "password" in check.error.hint
    assert "not-the-password" not in check.error.for_person()


async def test_nothing_on_the_port_fails_the_connect_step(alice: Credentials) -> None:
    endpoint = Endpoint("127.0.0.1", free_port(), Security.TLS, connect_timeout=5)
    check = await verify_incoming(Protocol.IMAP, endpoint, alice)
    assert outcome(check) == [(Step.RESOLVE, True), (Step.CONNECT, False)]
    assert isinstance(check.error, ConnectionRefused)
    assert "port" in check.error.hint


async def test_another_protocols_port_fails_the_connect_step(
    mail_server: MailServer, alice: Credentials
) -> None:
    # IMAP asked on the POP3 port: it answers, but not as an IMAP server.
    endpoint = mail_server.endpoint("pop3s")
    check = await verify_incoming(Protocol.IMAP, endpoint, alice)
    assert check.failed_step is Step.CONNECT
    assert isinstance(check.error, ProtocolError)
    assert "port" in check.error.hint


async def test_tls_on_a_starttls_port_fails_the_tls_step(
    mail_server: MailServer, alice: Credentials
) -> None:
    endpoint = mail_server.endpoint("imap", security=Security.TLS)
    check = await verify_incoming(Protocol.IMAP, endpoint, alice)
    assert outcome(check) == [(Step.RESOLVE, True), (Step.CONNECT, True), (Step.TLS, False)]
    assert isinstance(check.error, TlsHandshakeFailed)
    assert "STARTTLS" in check.error.hint


async def test_starttls_on_a_tls_port_says_the_port_expects_tls(
    mail_server: MailServer, alice: Credentials
) -> None:
    # The server waits for a TLS handshake, we for a clear-text greeting: only a timeout ends it.
    endpoint = mail_server.endpoint("pop3s", security=Security.STARTTLS, connect_timeout=2)
    check = await verify_incoming(Protocol.POP3, endpoint, alice)
    assert check.failed_step is Step.CONNECT
    assert isinstance(check.error, OperationTimeout)
    assert "implicit TLS" in check.error.hint


async def test_unknown_host_fails_the_resolve_step(alice: Credentials) -> None:
    endpoint = Endpoint("no-such-host.invalid", 993, Security.TLS, connect_timeout=5)
    check = await verify_incoming(Protocol.IMAP, endpoint, alice)
    assert outcome(check) == [(Step.RESOLVE, False)]
    assert isinstance(check.error, HostNotFound)
    assert "no-such-host.invalid" in check.error.message


async def test_untrusted_certificate_then_pinned(
    mail_server: MailServer, alice: Credentials
) -> None:
    endpoint = mail_server.endpoint("imaps", ca_file=None)
    check = await verify_incoming(Protocol.IMAP, endpoint, alice)
    assert check.failed_step is Step.CERTIFICATE
    assert outcome(check)[:3] == [(Step.RESOLVE, True), (Step.CONNECT, True), (Step.TLS, True)]
    assert isinstance(check.error, CertificateUntrusted) and check.certificate_refused
    certificate = check.certificate
    assert certificate is not None and certificate.subject and certificate.issuer
    assert certificate.not_before and certificate.not_after

    pinned = dataclasses.replace(endpoint, pinned_sha256=certificate.sha256)
    again = await verify_incoming(Protocol.IMAP, pinned, alice)
    assert again.ok, again.error
    assert again.steps[3].detail == f"accepted by you: {certificate.sha256}"


async def test_each_failure_gives_different_advice(
    mail_server: MailServer, alice: Credentials
) -> None:
    wrong = dataclasses.replace(alice, secret="nope")
    cases = [
        verify_incoming(Protocol.IMAP, mail_server.endpoint("imaps"), wrong),
        verify_incoming(Protocol.IMAP, Endpoint("127.0.0.1", free_port(), Security.TLS), alice),
        verify_incoming(Protocol.IMAP, mail_server.endpoint("imap", security=Security.TLS), alice),
        verify_incoming(Protocol.IMAP, Endpoint("no-such-host.invalid", 993, Security.TLS), alice),
        verify_incoming(Protocol.IMAP, mail_server.endpoint("imaps", ca_file=None), alice),
    ]
    advice = []
    for case in cases:
        check = await case
        assert check.error is not None
        advice.append(check.error.hint)
    assert len(set(advice)) == len(advice), advice
