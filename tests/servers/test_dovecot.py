"""Self-tests of the test Dovecot, with stdlib clients only (imaplib, poplib, smtplib)."""

from __future__ import annotations

import asyncio
import imaplib
import poplib
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from kittiwake.client.net.endpoint import Security
from tests.servers import dovecot
from tests.servers.dovecot import DOMAIN, DovecotUnavailable
from tests.servers.fixtures import MailServer, MailUser, ProxyFactory


def tls(server: MailServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca_file)


def message(sender: MailUser, to: str, subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender.address
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Hello from the test suite.\n")
    return msg.as_bytes(policy=SMTP)


def imaps(server: MailServer, user: MailUser) -> imaplib.IMAP4_SSL:
    client = imaplib.IMAP4_SSL(server.host, server.ports["imaps"], ssl_context=tls(server))
    client.login(user.name, user.password)
    return client


# -- logging in, every port and mode ---------------------------------------------------------


def test_imap_refuses_plain_login_then_accepts_after_starttls(mail_server: MailServer) -> None:
    user = mail_server.alice
    client = imaplib.IMAP4(mail_server.host, mail_server.ports["imap"])
    try:
        assert "STARTTLS" in client.capabilities
        assert "LOGINDISABLED" in client.capabilities
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            client.login(user.name, user.password)
        client.starttls(ssl_context=tls(mail_server))
        assert client.login(user.name, user.password)[0] == "OK"
    finally:
        client.logout()


def test_imaps_login(mail_server: MailServer) -> None:
    client = imaps(mail_server, mail_server.bob)
    try:
        status, _ = client.select("INBOX")
        assert status == "OK"
    finally:
        client.logout()


def test_pop3_stls_login(mail_server: MailServer) -> None:
    user = mail_server.bob
    client = poplib.POP3(mail_server.host, mail_server.ports["pop3"])
    try:
        assert "STLS" in client.capa()
        client.stls(tls(mail_server))
        client.user(user.name)
        assert client.pass_(user.password).startswith(b"+OK")
    finally:
        client.quit()


def test_pop3s_login(mail_server: MailServer) -> None:
    user = mail_server.alice
    client = poplib.POP3_SSL(mail_server.host, mail_server.ports["pop3s"], context=tls(mail_server))
    try:
        client.user(user.name)
        assert client.pass_(user.password).startswith(b"+OK")
    finally:
        client.quit()


def test_wrong_passwords_are_refused_on_every_login_service(mail_server: MailServer) -> None:
    user = mail_server.alice
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        imaplib.IMAP4_SSL(
            mail_server.host, mail_server.ports["imaps"], ssl_context=tls(mail_server)
        ).login(user.name, "not-the-password")
    pop = poplib.POP3_SSL(mail_server.host, mail_server.ports["pop3s"], context=tls(mail_server))
    pop.user(user.name)
    with pytest.raises(poplib.error_proto):
        pop.pass_("not-the-password")
    with (
        smtplib.SMTP_SSL(
            mail_server.host, mail_server.ports["submissions"], context=tls(mail_server)
        ) as smtp,
        pytest.raises(smtplib.SMTPAuthenticationError),
    ):
        smtp.user, smtp.password = user.name, "not-the-password"
        smtp.ehlo()
        smtp.auth("PLAIN", smtp.auth_plain)


def test_submission_requires_auth(mail_server: MailServer) -> None:
    alice, bob = mail_server.alice, mail_server.bob
    with smtplib.SMTP(mail_server.host, mail_server.ports["submission"]) as smtp:
        smtp.ehlo()
        # No mechanism offered before STARTTLS, and mail without AUTH is refused.
        assert "PLAIN" not in smtp.esmtp_features.get("auth", "")
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail(alice.address, [bob.address], message(alice, bob.address, "no auth"))
        assert refused.value.smtp_code == 530
        smtp.starttls(context=tls(mail_server))
        smtp.ehlo()
        assert "PLAIN" in smtp.esmtp_features["auth"]
        with pytest.raises(smtplib.SMTPSenderRefused):
            smtp.sendmail(alice.address, [bob.address], message(alice, bob.address, "no auth"))


# -- delivery --------------------------------------------------------------------------------


def test_message_submitted_for_a_user_lands_in_their_inbox(mail_server: MailServer) -> None:
    sender, recipient = mail_server.alice, mail_server.new_user("rcpt")
    raw = message(sender, recipient.address, "Through submission, relay and LMTP")
    with smtplib.SMTP(mail_server.host, mail_server.ports["submission"]) as smtp:
        smtp.starttls(context=tls(mail_server))
        smtp.login(sender.name, sender.password)
        smtp.sendmail(sender.address, [recipient.address, "someone@elsewhere.example"], raw)
    mail_server.wait_for_messages(recipient, 1)
    [uid] = mail_server.mailbox_uids(recipient)
    stored = mail_server.fetch_raw(recipient, uid)
    # Dovecot prepends its trace headers; the rest is the message, stored with CRLF.
    assert stored.startswith(b"Return-Path: <alice@example.test>\r\n")
    assert stored.endswith(b"\r\n" + raw)
    relayed = mail_server.relay.messages[-1]
    assert relayed.rcpt_tos == (recipient.address, "someone@elsewhere.example")


def test_submissions_implicit_tls_delivers_too(mail_server: MailServer) -> None:
    sender, recipient = mail_server.bob, mail_server.new_user("rcpt")
    with smtplib.SMTP_SSL(
        mail_server.host, mail_server.ports["submissions"], context=tls(mail_server)
    ) as smtp:
        smtp.login(sender.name, sender.password)
        smtp.sendmail(sender.address, [recipient.address], message(sender, recipient.address, "s"))
    mail_server.wait_for_messages(recipient, 1)


def test_unknown_local_recipient_is_refused_at_rcpt(mail_server: MailServer) -> None:
    sender = mail_server.alice
    with smtplib.SMTP_SSL(
        mail_server.host, mail_server.ports["submissions"], context=tls(mail_server)
    ) as smtp:
        smtp.login(sender.name, sender.password)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail(sender.address, [f"ghost@{DOMAIN}"], b"Subject: x\r\n\r\nx\r\n")
    assert refused.value.recipients[f"ghost@{DOMAIN}"][0] == 550


def test_lmtp_delivers_directly(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    with smtplib.LMTP(mail_server.host, mail_server.ports["lmtp"]) as lmtp:
        lmtp.sendmail("robot@elsewhere.example", [user.address], b"Subject: lmtp\r\n\r\nhi\r\n")
    assert len(mail_server.mailbox_uids(user)) == 1


def test_new_user_logs_in_at_once_with_an_empty_inbox(mail_server: MailServer) -> None:
    # A login just before must not hide the new user (Dovecot's once-a-second file check).
    imaps(mail_server, mail_server.alice).logout()
    user = mail_server.new_user("fresh")
    assert user.name.startswith("fresh-") and user.address == f"{user.name}@{DOMAIN}"
    assert user.credentials().username == user.name
    assert user.password not in repr(user) and user.password not in repr(user.credentials())
    client = imaps(mail_server, user)
    try:
        status, data = client.select("INBOX")
        assert (status, data) == ("OK", [b"0"])
    finally:
        client.logout()


def test_endpoint_matches_each_service(mail_server: MailServer) -> None:
    expected = {
        "imap": Security.STARTTLS,
        "imaps": Security.TLS,
        "pop3": Security.STARTTLS,
        "pop3s": Security.TLS,
        "submission": Security.STARTTLS,
        "submissions": Security.TLS,
        "lmtp": Security.PLAIN_LOOPBACK_ONLY,
    }
    for service, security in expected.items():
        endpoint = mail_server.endpoint(service)
        assert (endpoint.host, endpoint.port) == ("127.0.0.1", mail_server.ports[service])
        assert endpoint.security is security
        assert endpoint.ca_file == mail_server.ca_file
    assert mail_server.endpoint("imaps", command_timeout=3.0).command_timeout == 3.0


# -- doveadm fault helpers -------------------------------------------------------------------


def test_save_flags_expunge_and_uidvalidity(mail_server: MailServer) -> None:
    user = mail_server.new_user("faults")
    for n in range(3):
        mail_server.save(user, f"Subject: m{n}\r\n\r\nbody {n}\r\n".encode())
    mail_server.save(user, b"Subject: sent\r\n\r\nx\r\n", mailbox="Sent")
    assert mail_server.mailbox_uids(user) == [1, 2, 3]
    assert mail_server.fetch_raw(user, 2) == b"Subject: m1\r\n\r\nbody 1\r\n"
    mail_server.flags(user, "add", "\\Seen \\Flagged", "INBOX", "uid 1:2")
    mail_server.flags(user, "remove", "\\Flagged", "INBOX", "uid 2")
    mail_server.expunge(user, "INBOX", "uid 3")
    mail_server.set_uidvalidity(user, "INBOX", 424242)
    client = imaps(mail_server, user)
    try:
        client.select("INBOX")
        _, data = client.uid("FETCH", "1:*", "(FLAGS)")
        flags = {
            int(m[1]): set(m[2].split()) - {b"\\Recent"}
            for item in data
            if isinstance(item, bytes) and (m := re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", item))
        }
        assert flags == {1: {b"\\Seen", b"\\Flagged"}, 2: {b"\\Seen"}}
        _, status = client.status("INBOX", "(UIDVALIDITY)")
        assert b"UIDVALIDITY 424242" in status[0]
        _, sent = client.status("Sent", "(MESSAGES)")
        assert b"MESSAGES 1" in sent[0]
    finally:
        client.logout()
    with pytest.raises(KeyError):
        mail_server.fetch_raw(user, 99)


def test_kick_ends_the_users_sessions(mail_server: MailServer) -> None:
    user = mail_server.new_user("kicked")
    client = imaps(mail_server, user)
    client.select("INBOX")
    mail_server.kick(user)
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        client.noop()
        client.noop()
    mail_server.kick(user)  # nobody left to kick: not an error


def test_restart_refuses_while_stopped_and_serves_again(mail_server: MailServer) -> None:
    user = mail_server.new_user("restart")
    mail_server.save(user, b"Subject: kept\r\n\r\nx\r\n")
    mail_server.stop()
    assert not mail_server.running
    with pytest.raises(ConnectionRefusedError):
        imaplib.IMAP4(mail_server.host, mail_server.ports["imap"])
    mail_server.start()
    client = imaps(mail_server, user)
    try:
        assert client.select("INBOX") == ("OK", [b"1"])
    finally:
        client.logout()


# -- TLS through the fault proxy -------------------------------------------------------------


async def test_tls_passes_end_to_end_through_the_fault_proxy(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.alice
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        reader, writer = await asyncio.open_connection(
            proxy.host, proxy.port, ssl=tls(mail_server), server_hostname="127.0.0.1"
        )
        assert (await reader.readline()).startswith(b"* OK")
        writer.write(f"a LOGIN {user.name} {user.password}\r\n".encode())
        while not (line := await reader.readline()).startswith(b"a "):
            pass
        assert line.startswith(b"a OK")
        # The proxy saw only ciphertext: the password never crossed it in clear.
        assert proxy.forwarded["to_server"] > 0
        writer.close()


async def test_await_messages_in_an_async_test(mail_server: MailServer) -> None:
    user = mail_server.new_user("async")
    mail_server.save(user, b"Subject: a\r\n\r\nb\r\n")
    await mail_server.await_messages(user, 1)
    with pytest.raises(TimeoutError):
        await mail_server.await_messages(user, 2, timeout=0.3)


# -- missing Dovecot pieces are named, with their Debian package ------------------------------


def test_missing_protocol_modules_name_their_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "imap").touch()
    monkeypatch.setattr(dovecot, "_LIBEXEC_DIRS", (str(tmp_path),))
    with pytest.raises(DovecotUnavailable) as missing:
        dovecot.find_dovecot()
    text = str(missing.value)
    for package in ("dovecot-pop3d", "dovecot-lmtpd", "dovecot-submissiond"):
        assert package in text
    assert "dovecot-imapd" not in text


def test_missing_dovecot_binary_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/nonexistent/{name}")
    with pytest.raises(DovecotUnavailable, match="dovecot-core"):
        dovecot.find_dovecot()
