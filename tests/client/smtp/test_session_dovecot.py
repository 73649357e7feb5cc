"""End to end against a real Dovecot 2.3: submission (587-style STARTTLS) and submissions (TLS).

A message submitted for a user is relayed into Dovecot LMTP and lands in that user's INBOX,
where it is compared byte for byte with what Kittiwake meant to send.
"""

from __future__ import annotations

import asyncio

import pytest

from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CertificateUntrusted,
    ConnectionLost,
    OperationTimeout,
    SubmissionOutcomeUnknown,
    TlsHandshakeFailed,
)
from kittiwake.client.smtp.check import check_login
from kittiwake.client.smtp.session import SubmissionSession
from kittiwake.client.smtp.steps import Step
from tests.servers.fixtures import MailServer, MailUser, ProxyFactory

pytestmark = pytest.mark.servers


def message(sender: MailUser, to: MailUser, bcc: MailUser | None, n: int) -> bytes:
    bcc_line = f"Bcc: {bcc.address}\r\n".encode() if bcc else b""
    return (
        f"From: Alice <{sender.address}>\r\nTo: Bob <{to.address}>\r\n".encode()
        + bcc_line
        + f"Subject: Kittiwake test {n}\r\n"
        f"Message-ID: <kittiwake-{n}-{to.name}@test>\r\n"
        "Date: Sat, 28 Nov 2026 14:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Hello Bob,\r\n"
        ".a line that starts with a dot\r\n"
        "..and one with two\r\n"
        ".\r\n"
        "Grüße aus Kittiwake\r\n".encode()
    )


async def stored(server: MailServer, user: MailUser, count: int) -> list[bytes]:
    await asyncio.to_thread(server.wait_for_messages, user, count)
    uids = await asyncio.to_thread(server.mailbox_uids, user)
    return [await asyncio.to_thread(server.fetch_raw, user, uid) for uid in uids]


def from_first_header(delivered: bytes, first_header: bytes) -> bytes:
    """What we sent, out of what was stored: LMTP adds Return-Path/Received/... on top."""
    start = delivered.index(first_header)
    return delivered[start:]


@pytest.mark.parametrize("service", ["submission", "submissions"])
async def test_login_check(mail_server: MailServer, service: str) -> None:
    user = mail_server.new_user("login")
    check = await check_login(mail_server.endpoint(service), user.credentials())
    assert check.ok, check.error and check.error.for_person()
    assert [(r.step, r.ok) for r in check.steps] == [
        (Step.RESOLVE, True),
        (Step.CONNECT, True),
        (Step.TLS, True),
        (Step.CERTIFICATE, True),
        (Step.LOGIN, True),
    ]
    assert check.capabilities.auth_methods


async def test_wrong_password(mail_server: MailServer) -> None:
    user = mail_server.new_user("wrongpw")
    credentials = Credentials(user.name, user.password + "x")
    check = await check_login(mail_server.endpoint("submission"), credentials)
    assert isinstance(check.error, AuthenticationFailed)
    assert check.failed_step is Step.LOGIN
    assert check.error.server_text  # Dovecot's own words, e.g. "5.7.8 Authentication failed"
    assert user.password not in check.error.for_person()


async def test_tls_to_the_starttls_port_gives_a_clear_hint(mail_server: MailServer) -> None:
    user = mail_server.new_user("port")
    endpoint = mail_server.endpoint("submission", security=Security.TLS)
    check = await check_login(endpoint, user.credentials())
    assert isinstance(check.error, TlsHandshakeFailed)
    assert check.failed_step is Step.TLS
    assert "STARTTLS" in check.error.hint


async def test_starttls_to_the_tls_port_gives_a_clear_hint(mail_server: MailServer) -> None:
    user = mail_server.new_user("port")
    # Dovecot waits for a TLS ClientHello there, so no greeting ever comes: a short wait.
    endpoint = mail_server.endpoint("submissions", security=Security.STARTTLS, connect_timeout=1.0)
    check = await check_login(endpoint, user.credentials())
    assert isinstance(check.error, OperationTimeout)
    assert check.failed_step is Step.CONNECT
    assert "465" in check.error.hint


async def test_untrusted_certificate_then_pinned(mail_server: MailServer) -> None:
    user = mail_server.new_user("pin")
    untrusted = mail_server.endpoint("submissions", ca_file=None)
    check = await check_login(untrusted, user.credentials())
    assert isinstance(check.error, CertificateUntrusted)
    assert check.failed_step is Step.CERTIFICATE
    assert check.certificate is not None
    # The user accepts exactly that certificate: the same server is now trusted by its pin.
    pinned = mail_server.endpoint(
        "submissions", ca_file=None, pinned_sha256=check.certificate.sha256
    )
    again = await check_login(pinned, user.credentials())
    assert again.ok, again.error and again.error.for_person()


@pytest.mark.parametrize("service", ["submission", "submissions"])
async def test_sent_message_arrives_byte_for_byte(mail_server: MailServer, service: str) -> None:
    alice, bob, carol = (mail_server.new_user(name) for name in ("alice", "bob", "carol"))
    raw = message(alice, bob, carol, 1)
    async with SubmissionSession(mail_server.endpoint(service), alice.credentials()) as session:
        result = await session.send(raw)
    assert result.envelope.recipients == (bob.address, carol.address)

    sent = raw.replace(f"Bcc: {carol.address}\r\n".encode(), b"")
    first_header = f"From: Alice <{alice.address}>\r\n".encode()
    for user in (bob, carol):
        [delivered] = await stored(mail_server, user, 1)
        assert from_first_header(delivered, first_header) == sent
        assert b"Bcc:" not in delivered


async def test_three_messages_on_one_connection(mail_server: MailServer) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    raws = [message(alice, bob, None, n) for n in range(3)]
    async with SubmissionSession(mail_server.endpoint("submission"), alice.credentials()) as s:
        for raw in raws:
            await s.send(raw)
    delivered = await stored(mail_server, bob, 3)
    first_header = f"From: Alice <{alice.address}>\r\n".encode()
    assert sorted(from_first_header(d, first_header) for d in delivered) == sorted(raws)


async def test_connection_cut_mid_data_is_outcome_unknown(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    big = message(alice, bob, None, 9) + b"0123456789abcdef\r\n" * 12_000  # about 216 kB
    target = mail_server.endpoint("submissions")
    async with fault_proxy(target.host, target.port) as proxy:
        endpoint = mail_server.endpoint("submissions", port=proxy.port)
        session = SubmissionSession(endpoint, alice.credentials())
        await session.open()
        # Login is done: the MAIL/RCPT/DATA lines pass, the line dies inside the payload.
        proxy.cut_after(50_000, "to_server")
        with pytest.raises(SubmissionOutcomeUnknown) as caught:
            await session.send(big)
        await session.close()
    assert isinstance(caught.value, ConnectionLost)
    assert "may or may not" in caught.value.message
