"""The POP3 session end to end against a real Dovecot 2.3 (STLS on "pop3", implicit TLS on
"pop3s"), with messages put in place by doveadm and checked byte for byte."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CertificateUntrusted,
    ConnectionLost,
    ConnectionRefused,
    OperationTimeout,
    ProtocolError,
    TlsHandshakeFailed,
)
from kittiwake.client.pop3.session import Pop3Session, open_session
from tests.client.pop3.scripts import farewell_arrived

if TYPE_CHECKING:
    from tests.servers.fixtures import FaultProxy, MailServer, MailUser, ProxyFactory

pytestmark = pytest.mark.servers

SERVICES = ["pop3", "pop3s"]

MESSAGE = (
    b"From: Alice <alice@example.test>\r\n"
    b"To: Bob <bob@example.test>\r\n"
    b"Subject: round trip\r\n"
    b"Message-ID: <round-trip@example.test>\r\n"
    b"\r\n"
    b"first body line\r\n"
    b".a line that starts with a dot\r\n"
    b"..two dots\r\n"
    b".\r\n"
    b"last line\r\n"
)


def canonical(raw: bytes) -> bytes:
    """CRLF line ends throughout: what RFC 5322 and POP3 put on the wire."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def message(number: int) -> bytes:
    return MESSAGE.replace(b"round trip", b"message %d" % number)


@pytest.mark.parametrize("service", SERVICES)
async def test_login(mail_server: MailServer, service: str) -> None:
    user = mail_server.new_user("pop")
    async with await open_session(mail_server.endpoint(service), user.credentials()) as pop:
        assert pop.authenticated
        assert (await pop.stat()).count == 0
        assert pop.capabilities.has("UIDL") and pop.capabilities.has("TOP")


@pytest.mark.parametrize("service", SERVICES)
async def test_wrong_password(mail_server: MailServer, service: str) -> None:
    user = mail_server.new_user("pop")
    wrong = Credentials(user.name, user.password + "-wrong")
    with pytest.raises(AuthenticationFailed) as caught:
        await open_session(mail_server.endpoint(service), wrong)
    assert "[AUTH]" in caught.value.server_text
    assert wrong.secret not in caught.value.for_person()


async def test_implicit_tls_on_the_stls_port(mail_server: MailServer) -> None:
    endpoint = mail_server.endpoint("pop3", security=mail_server.endpoint("pop3s").security)
    with pytest.raises(TlsHandshakeFailed):
        await open_session(endpoint, mail_server.alice.credentials())


async def test_stls_on_the_implicit_tls_port_times_out(mail_server: MailServer) -> None:
    # Dovecot waits for a ClientHello, we wait for a greeting: the connect timeout ends it.
    endpoint = mail_server.endpoint(
        "pop3s", security=mail_server.endpoint("pop3").security, connect_timeout=0.5
    )
    with pytest.raises(OperationTimeout) as caught:
        await open_session(endpoint, mail_server.alice.credentials())
    assert "implicit TLS" in caught.value.hint


async def test_imap_port_is_not_pop3(mail_server: MailServer) -> None:
    with pytest.raises(ProtocolError):
        await open_session(mail_server.endpoint("imaps"), mail_server.alice.credentials())


async def test_closed_port_is_refused(mail_server: MailServer) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionRefused):
        await open_session(
            mail_server.endpoint("pop3s", port=port), mail_server.alice.credentials()
        )


@pytest.mark.parametrize("service", SERVICES)
async def test_untrusted_certificate_then_pinned(mail_server: MailServer, service: str) -> None:
    user = mail_server.new_user("pop")
    with pytest.raises(CertificateUntrusted) as caught:
        await open_session(mail_server.endpoint(service, ca_file=None), user.credentials())
    certificate = caught.value.certificate
    assert certificate is not None and certificate.sha256
    # The user compares the fingerprint and accepts exactly this certificate.
    pinned = mail_server.endpoint(service, ca_file=None, pinned_sha256=certificate.sha256)
    async with await open_session(pinned, user.credentials()) as pop:
        assert (await pop.stat()).count == 0


@pytest.mark.parametrize("service", SERVICES)
async def test_saved_message_byte_for_byte(
    mail_server: MailServer, service: str, tmp_path: Path
) -> None:
    user = mail_server.new_user("pop")
    mail_server.save(user, MESSAGE)
    expected = canonical(mail_server.fetch_raw(user, mail_server.mailbox_uids(user)[0]))
    assert expected == canonical(MESSAGE)

    async with await open_session(mail_server.endpoint(service), user.credentials()) as pop:
        stat = await pop.stat()
        listing = await pop.list_messages()
        uids = await pop.uidl()
        assert stat.count == 1 and len(listing) == 1 and len(uids) == 1
        assert (await pop.uidl_one(1)) == uids[0]
        assert (await pop.list_one(1)) == listing[0]

        retrieved = await pop.retr(1)
        assert canonical(retrieved) == expected
        # LIST promises the size of the message as RETR sends it.
        assert listing[0].size == len(retrieved) == stat.size

        target = tmp_path / "message.eml"
        with target.open("wb") as handle:
            assert await pop.retr_to(1, handle) == len(retrieved)
        assert target.read_bytes() == retrieved

        header_end = expected.index(b"\r\n\r\n") + 4
        assert await pop.top(1, 0) == expected[:header_end]
        two_lines = b"first body line\r\n.a line that starts with a dot\r\n"
        assert await pop.top(1, 2) == expected[:header_end] + two_lines


async def test_uidl_is_stable_across_sessions(mail_server: MailServer) -> None:
    user = mail_server.new_user("pop")
    mail_server.save(user, message(1))
    mail_server.save(user, message(2))
    endpoint = mail_server.endpoint("pop3s")
    async with await open_session(endpoint, user.credentials()) as pop:
        first = await pop.uidl()
    async with await open_session(endpoint, user.credentials()) as pop:
        second = await pop.uidl()
    assert first == second and len({entry.uid for entry in first}) == 2


async def test_dele_then_quit_removes_the_message(mail_server: MailServer) -> None:
    user = mail_server.new_user("pop")
    mail_server.save(user, message(1))
    mail_server.save(user, message(2))
    endpoint = mail_server.endpoint("pop3")
    async with await open_session(endpoint, user.credentials()) as pop:
        await pop.dele(1)
        # Marked, not gone: hidden from this session, still on the server until QUIT.
        assert [entry.number for entry in await pop.list_messages()] == [2]
        assert len(mail_server.mailbox_uids(user)) == 2
    assert len(mail_server.mailbox_uids(user)) == 1
    async with await open_session(endpoint, user.credentials()) as pop:
        assert (await pop.stat()).count == 1
        assert b"Subject: message 2" in await pop.retr(1)


async def test_rset_undoes_dele(mail_server: MailServer) -> None:
    user = mail_server.new_user("pop")
    mail_server.save(user, message(1))
    async with await open_session(mail_server.endpoint("pop3s"), user.credentials()) as pop:
        await pop.dele(1)
        assert (await pop.stat()).count == 0
        await pop.rset()
        assert (await pop.stat()).count == 1
    assert len(mail_server.mailbox_uids(user)) == 1


async def test_dele_without_quit_deletes_nothing(mail_server: MailServer) -> None:
    user = mail_server.new_user("pop")
    mail_server.save(user, message(1))
    with pytest.raises(RuntimeError):
        async with await open_session(mail_server.endpoint("pop3s"), user.credentials()) as pop:
            await pop.dele(1)
            raise RuntimeError("storing the message failed")
    # The session was abandoned, not QUIT: Dovecot never entered UPDATE.
    async with await open_session(mail_server.endpoint("pop3s"), user.credentials()) as pop:
        assert (await pop.stat()).count == 1


async def test_kicked_session_fails_the_next_command(mail_server: MailServer) -> None:
    user = mail_server.new_user("pop")
    pop = await open_session(mail_server.endpoint("pop3s"), user.credentials())
    try:
        await asyncio.to_thread(mail_server.kick, user)
        # Dovecot says "-ERR [SYS/TEMP] Server shutting down." unasked, then hangs up.
        await asyncio.wait_for(farewell_arrived(pop), 10)
        with pytest.raises(ConnectionLost) as caught:
            await pop.stat()
        assert "shutting down" in caught.value.server_text
        assert pop.closed
    finally:
        await pop.abort()


def big_message(size: int) -> bytes:
    header = b"From: a@example.test\r\nSubject: big\r\nMessage-ID: <big@example.test>\r\n\r\n"
    # Every 10th line starts with a dot, so stuffing is exercised across piece boundaries.
    lines = [
        (b"." if number % 10 == 0 else b"") + b"%07d " % number + b"y" * 70 + b"\r\n"
        for number in range(size // 80 + 1)
    ]
    return header + b"".join(lines)


async def test_large_message_streams_to_a_file(mail_server: MailServer, tmp_path: Path) -> None:
    user = mail_server.new_user("pop")
    raw = big_message(5 * 1024 * 1024)
    await asyncio.to_thread(mail_server.save, user, raw)
    target = tmp_path / "big.eml"
    async with await open_session(mail_server.endpoint("pop3s"), user.credentials()) as pop:
        size = (await pop.list_one(1)).size
        with target.open("wb") as handle:
            assert await pop.retr_to(1, handle) == size
    assert target.read_bytes() == raw


# --- faults between us and Dovecot (tests/servers/proxy.py) ------------------------------


async def proxied_session(
    mail_server: MailServer, proxy: FaultProxy, user: MailUser, **overrides: float
) -> Pop3Session:
    endpoint = mail_server.endpoint("pop3s", host=proxy.host, port=proxy.port, **overrides)
    return await open_session(endpoint, user.credentials())


async def test_connection_cut_mid_retr_fails_promptly(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user("pop")
    await asyncio.to_thread(mail_server.save, user, big_message(1024 * 1024))
    async with fault_proxy(mail_server.host, mail_server.ports["pop3s"]) as proxy:
        pop = await proxied_session(mail_server, proxy, user, command_timeout=60)
        proxy.cut_after(300_000, "to_client")
        with pytest.raises(ConnectionLost):
            # Far below the 60 s command timeout: the cut itself must end the wait.
            await asyncio.wait_for(pop.retr(1), 10)
        assert pop.closed
    # Nothing was deleted and the next session sees the message whole.
    async with await open_session(mail_server.endpoint("pop3s"), user.credentials()) as pop:
        assert (await pop.stat()).count == 1


async def test_drop_while_waiting_fails_the_pending_command(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user("pop")
    async with fault_proxy(mail_server.host, mail_server.ports["pop3s"]) as proxy:
        pop = await proxied_session(mail_server, proxy, user, command_timeout=60)
        proxy.stall()
        pending = asyncio.create_task(pop.stat())
        await asyncio.sleep(0)  # one loop turn: STAT is written, the task awaits the answer
        assert not pending.done()
        proxy.drop_all()
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(pending, 10)


async def test_stalled_server_times_out(mail_server: MailServer, fault_proxy: ProxyFactory) -> None:
    user = mail_server.new_user("pop")
    async with fault_proxy(mail_server.host, mail_server.ports["pop3s"]) as proxy:
        pop = await proxied_session(mail_server, proxy, user, command_timeout=0.5)
        proxy.stall()
        with pytest.raises(OperationTimeout):
            await pop.noop()
        assert pop.closed
        proxy.resume()


async def test_bytes_injected_into_tls_are_never_an_answer(
    mail_server: MailServer, fault_proxy: ProxyFactory
) -> None:
    user = mail_server.new_user("pop")
    mail_server.save(user, message(1))
    async with fault_proxy(mail_server.host, mail_server.ports["pop3s"]) as proxy:
        pop = await proxied_session(mail_server, proxy, user)
        proxy.inject_to_client(b"+OK 0 0\r\n")
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(pop.stat(), 10)
        assert pop.closed
