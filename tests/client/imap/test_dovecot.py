"""End to end against the real Dovecot 2.3 (tests/servers): the same client code, real bytes."""

from __future__ import annotations

import asyncio
import dataclasses
import socket

import pytest

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.imap.responses import Exists
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CertificateUntrusted,
    ConnectionLost,
    ConnectionRefused,
    OperationTimeout,
    TlsHandshakeFailed,
)
from tests.servers.fixtures import MailServer, ProxyFactory

MESSAGE = (
    b"From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <e2e-1@example.test>\r\n"
    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    + "Grüße aus dem Test.\r\n".encode()
    + b"8-bit tail \xff\xfe\r\n"  # (Dovecot stores NUL as 0x80, so none here)
)


@pytest.mark.parametrize("service", ["imap", "imaps"])
async def test_login_on_both_ports(mail_server: MailServer, service: str) -> None:
    user = mail_server.new_user()
    client = await ImapClient.connect(mail_server.endpoint(service), user.credentials())
    try:
        assert client.authenticated
        caps = client.capabilities
        assert caps.idle and caps.condstore and caps.qresync and caps.move and caps.uidplus
        assert caps.special_use and caps.enable and caps.id and caps.literal_plus
    finally:
        await client.logout()
    assert not client.is_open


async def test_starttls_port_hides_login_before_tls(mail_server: MailServer) -> None:
    """What Dovecot says in clear text (LOGINDISABLED) is not what the client ends up with."""
    user = mail_server.new_user()
    client = await ImapClient.connect(mail_server.endpoint("imap"), user.credentials())
    assert not client.capabilities.login_disabled
    await client.logout()


async def test_wrong_password(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    wrong = dataclasses.replace(user.credentials(), secret="not-the-password")
    with pytest.raises(AuthenticationFailed) as caught:
        await ImapClient.connect(mail_server.endpoint("imaps"), wrong)
    assert "Authentication failed" in caught.value.server_text
    assert "not-the-password" not in str(caught.value)


async def test_implicit_tls_on_the_starttls_port(mail_server: MailServer) -> None:
    endpoint = mail_server.endpoint("imaps", port=mail_server.ports["imap"], connect_timeout=5.0)
    with pytest.raises(TlsHandshakeFailed):
        await ImapClient.connect(endpoint)


async def test_starttls_on_the_implicit_tls_port_times_out_with_a_hint(
    mail_server: MailServer,
) -> None:
    endpoint = mail_server.endpoint("imap", port=mail_server.ports["imaps"], connect_timeout=1.0)
    with pytest.raises(OperationTimeout) as caught:
        await ImapClient.connect(endpoint)
    assert "implicit TLS" in caught.value.hint


async def test_closed_port_is_refused(mail_server: MailServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pytest.raises(ConnectionRefused):
        await ImapClient.connect(mail_server.endpoint("imaps", port=free))


@pytest.mark.parametrize("service", ["imap", "imaps"])
async def test_untrusted_certificate_then_pinned(mail_server: MailServer, service: str) -> None:
    user = mail_server.new_user()
    with pytest.raises(CertificateUntrusted) as caught:
        await ImapClient.connect(mail_server.endpoint(service, ca_file=None), user.credentials())
    certificate = caught.value.certificate
    assert certificate is not None and certificate.sha256
    pinned = mail_server.endpoint(service, ca_file=None, pinned_sha256=certificate.sha256)
    client = await ImapClient.connect(pinned, user.credentials())
    assert client.authenticated
    await client.logout()


async def test_list_select_fetch_byte_for_byte(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    await asyncio.to_thread(mail_server.save, user, MESSAGE)
    (uid,) = await asyncio.to_thread(mail_server.mailbox_uids, user)
    stored = await asyncio.to_thread(mail_server.fetch_raw, user, uid)
    client = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    try:
        folders = await client.list(status=["MESSAGES", "UIDNEXT"])
        inbox = next(f for f in folders if f.name == "INBOX")
        assert inbox.status == {"MESSAGES": 1, "UIDNEXT": uid + 1}
        box = await client.select("INBOX", condstore=True)
        assert box.exists == 1 and box.uidnext == uid + 1
        assert box.uidvalidity and box.highestmodseq
        result = await client.uid_fetch(
            "1:*", ["UID", "FLAGS", "MODSEQ", "RFC822.SIZE", "BODY.PEEK[]", "BODY.PEEK[HEADER]"]
        )
        (item,) = result.messages
        assert item.uid == uid and "\\Seen" not in (item.flags or ()) and item.modseq
        assert item.section() == stored == MESSAGE
        assert item.size == len(MESSAGE)
        assert item.section("HEADER") == MESSAGE.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        await client.uid_store([uid], "+FLAGS", ["\\Seen", "$Kittiwake"])
        flagged = await client.uid_fetch([uid], "UID FLAGS")
        assert {"\\Seen", "$Kittiwake"} <= set(flagged.messages[0].flags or ())
        assert (await client.uid_search("SEEN")).numbers == (uid,)
    finally:
        await client.logout()


async def test_non_ascii_mailbox_created_and_listed_back(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    name = 'Entwürfe & "日本語" 📬'
    client = await ImapClient.connect(mail_server.endpoint("imaps"), user.credentials())
    try:
        await client.create(name)
        await client.subscribe(name)
        names = [f.name for f in await client.list()]
        assert name in names
        uid = await client.append(name, MESSAGE, flags=["\\Seen"])
        assert uid is not None
        box = await client.select(name)
        assert box.exists == 1 and box.uidvalidity == uid.uidvalidity
        moved = await client.uid_move([uid.uid], "INBOX")
        assert moved is not None and moved.source == [uid.uid]
        await client.rename(name, name + " (alt)")
        assert name + " (alt)" in [f.name for f in await client.list()]
    finally:
        await client.logout()
    listed = await asyncio.to_thread(mail_server.doveadm, "mailbox", "list", "-u", user.name)
    assert name + " (alt)" in listed.splitlines()


async def test_idle_sees_a_message_saved_by_doveadm(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    events: list[object] = []
    client = await ImapClient.connect(
        mail_server.endpoint("imaps"), user.credentials(), on_unsolicited=events.append
    )
    try:
        await client.select("INBOX")
        waiting = asyncio.create_task(client.idle())
        await asyncio.to_thread(mail_server.save, user, MESSAGE)
        changes = await asyncio.wait_for(waiting, 15)
        assert Exists(1) in changes and Exists(1) in events
        # The session is usable afterwards: IDLE was ended with DONE and its OK.
        assert (await client.uid_search("ALL")).numbers
    finally:
        await client.logout()


async def test_kick_during_idle_is_detected(mail_server: MailServer) -> None:
    user = mail_server.new_user()
    client = await ImapClient.connect(mail_server.endpoint("imap"), user.credentials())
    await client.select("INBOX")
    waiting = asyncio.create_task(client.idle())
    await asyncio.to_thread(mail_server.kick, user)
    with pytest.raises(ConnectionLost):
        await asyncio.wait_for(waiting, 10)
    assert not client.is_open
    await client.close()


async def test_connection_cut_mid_fetch_fails_at_once(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user()
    big = MESSAGE + b"x" * 200_000 + b"\r\n"
    await asyncio.to_thread(mail_server.save, user, big)
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        endpoint = mail_server.endpoint("imaps", port=proxy.port, command_timeout=60.0)
        client = await ImapClient.connect(endpoint, user.credentials())
        await client.select("INBOX")
        proxy.cut_after(50_000, "to_client")
        with pytest.raises(ConnectionLost):
            # The command timeout is a minute: only the closed socket can end this so soon.
            await asyncio.wait_for(client.uid_fetch("1:*", "UID BODY.PEEK[]"), 10)
        await client.close()


async def test_stalled_then_dropped_connection_fails_the_pending_command(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user()
    async with fault_proxy(mail_server.host, mail_server.ports["imaps"]) as proxy:
        endpoint = mail_server.endpoint("imaps", port=proxy.port, command_timeout=60.0)
        client = await ImapClient.connect(endpoint, user.credentials())
        sent = proxy.received["to_server"]
        proxy.stall()
        pending = asyncio.create_task(client.noop())
        await proxy.wait_received("to_server", sent + 1)
        proxy.drop_all()
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(pending, 10)
        await client.close()
