"""POP3 session transcripts: the exact bytes the client sends, and what it makes of answers."""

from __future__ import annotations

import asyncio
import base64
import io
import tracemalloc
from pathlib import Path

import pytest

from kittiwake.client.net.connect import Connection, open_connection
from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CommandFailed,
    ConnectionLost,
    InsecureConfiguration,
    OperationTimeout,
    ProtocolError,
)
from kittiwake.client.pop3.parse import Capabilities, ListEntry, Stat, UidlEntry
from kittiwake.client.pop3.session import Pop3Session, open_session
from tests.client.pop3.scripts import (
    CAPA_PLAIN,
    CAPA_USER_ONLY,
    LOGIN_BYTES,
    answer_quit,
    endpoint,
    farewell_arrived,
    logged_in,
)
from tests.servers.scripted import ScriptedPeer, ScriptedServer

ALICE = Credentials("alice", "pw")


# --- login -------------------------------------------------------------------------------


async def test_sasl_plain_preferred_when_offered() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await answer_quit(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with await open_session(endpoint(server), ALICE) as pop:
            assert pop.authenticated
            assert pop.greeting.text == "POP3 ready"
        await server.wait_closed()
    server.raise_errors()
    assert server.received == LOGIN_BYTES + b"QUIT\r\n"


async def test_user_pass_when_sasl_plain_is_not_offered() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_USER_ONLY)
        await peer.expect(b"USER alice\r\n")
        await peer.send(b"+OK\r\n")
        await peer.expect(b"PASS pw with spaces\r\n")
        await peer.send(b"+OK Logged in.\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_USER_ONLY)
        await answer_quit(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with await open_session(endpoint(server), Credentials("alice", "pw with spaces")):
            pass
        await server.wait_closed()
    server.raise_errors()
    assert server.received == (b"CAPA\r\nUSER alice\r\nPASS pw with spaces\r\nCAPA\r\nQUIT\r\n")


@pytest.mark.parametrize(
    ("answer", "code", "hint_word"),
    [
        (b"-ERR [AUTH] Authentication failed.\r\n", "AUTH", "password"),
        (b"-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n", "IN-USE", "Another"),
        (b"-ERR Authentication failed.\r\n", "", "password"),
    ],
)
async def test_refused_login_keeps_server_words(answer: bytes, code: str, hint_word: str) -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_PLAIN)
        await peer.expect(b"AUTH PLAIN ")
        await peer.send(answer)
        await peer.read_until_closed()

    secret = "hunter2-secret"
    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(AuthenticationFailed) as caught:
            await open_session(endpoint(server), Credentials("alice", secret))
        await server.wait_closed()
    error = caught.value
    server_words = answer[5:-2].decode()
    assert error.server_text == server_words
    assert server_words in error.message
    assert hint_word in error.hint
    assert (f"[{code}]" in error.server_text) == bool(code)
    encoded = base64.b64encode(f"\0alice\0{secret}".encode()).decode()
    for shown in (str(error), error.for_person(), repr(error), repr(error.args)):
        assert secret not in shown and encoded not in shown
    # No QUIT after a failed login: the connection is simply closed.
    assert not server.received.endswith(b"QUIT\r\n")


async def test_user_pass_refused_at_user() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_USER_ONLY)
        await peer.expect(b"USER alice\r\n")
        await peer.send(b"-ERR [AUTH] Plaintext authentication disallowed\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(AuthenticationFailed):
            await open_session(endpoint(server), ALICE)
        await server.wait_closed()
    assert server.received == b"CAPA\r\nUSER alice\r\n"  # the password was never sent


async def test_xoauth2_long_token_goes_after_empty_challenge() -> None:
    token = "ya29." + "t" * 400
    creds = Credentials("a@example.org", token, SecretKind.OAUTH2_TOKEN)
    initial = base64.b64encode(f"user=a@example.org\x01auth=Bearer {token}\x01\x01".encode())

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(b"+OK\r\nSASL PLAIN XOAUTH2\r\nUSER\r\n.\r\n")
        await peer.expect(b"AUTH XOAUTH2\r\n")
        await peer.send(b"+ \r\n")
        await peer.expect(initial + b"\r\n")
        await peer.send(b"+OK Logged in.\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(b"+OK\r\nUSER\r\n.\r\n")
        await answer_quit(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with await open_session(endpoint(server), creds):
            pass
        await server.wait_closed()
    server.raise_errors()


async def test_xoauth2_refusal_carries_the_servers_explanation() -> None:
    creds = Credentials("a@example.org", "tok", SecretKind.OAUTH2_TOKEN)
    challenge = base64.b64encode(b'{"status":"401","schemes":"bearer"}')

    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(b"+OK\r\nSASL XOAUTH2\r\n.\r\n")
        await peer.expect(b"AUTH XOAUTH2 ")
        await peer.send(b"+ " + challenge + b"\r\n")
        await peer.expect(b"\r\n")  # the client's empty answer ends the exchange
        await peer.send(b"-ERR [AUTH] Invalid credentials\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(AuthenticationFailed) as caught:
            await open_session(endpoint(server), creds)
        await server.wait_closed()
    server.raise_errors()
    assert '"status":"401"' in caught.value.server_text
    assert server.received.endswith(b"\r\n\r\n")


async def test_oauth2_credentials_refused_when_server_lacks_xoauth2() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK ready\r\n")
        await peer.expect(b"CAPA\r\n")
        await peer.send(CAPA_PLAIN)
        await peer.read_until_closed()

    creds = Credentials("alice", "tok", SecretKind.OAUTH2_TOKEN)
    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(AuthenticationFailed):
            await open_session(endpoint(server), creds)
        await server.wait_closed()
    assert server.received == b"CAPA\r\n"


async def test_plain_loopback_is_allowed_when_chosen() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await answer_quit(peer)

    async with ScriptedServer(script) as server:
        async with await open_session(endpoint(server, Security.PLAIN_LOOPBACK_ONLY), ALICE):
            pass
        await server.wait_closed()
    server.raise_errors()


# --- transaction commands --------------------------------------------------------------


async def run_session(script_body, body) -> ScriptedServer:  # type: ignore[no-untyped-def]
    """Log in, run `body(pop)` against `script_body(peer)`, then QUIT."""

    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await script_body(peer)
        await answer_quit(peer)

    async with ScriptedServer(script, tls="valid") as server:
        async with await open_session(endpoint(server), ALICE) as pop:
            await body(pop)
        await server.wait_closed()
    server.raise_errors()
    return server


async def test_stat_list_uidl() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.expect(b"STAT\r\n")
        await peer.send(b"+OK 2 320\r\n")
        await peer.expect(b"LIST\r\n")
        await peer.send(b"+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n")
        await peer.expect(b"LIST 2\r\n")
        await peer.send(b"+OK 2 200\r\n")
        await peer.expect(b"UIDL\r\n")
        await peer.send(b"+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n")
        await peer.expect(b"UIDL 1\r\n")
        await peer.send(b"+OK 1 whqtswO00WBw418f9t5JxYwZ\r\n")

    async def body(pop: Pop3Session) -> None:
        assert await pop.stat() == Stat(2, 320)
        assert await pop.list_messages() == [ListEntry(1, 120), ListEntry(2, 200)]
        assert await pop.list_one(2) == ListEntry(2, 200)
        assert await pop.uidl() == [
            UidlEntry(1, "whqtswO00WBw418f9t5JxYwZ"),
            UidlEntry(2, "QhdPYR:00WBw1Ph7x7"),
        ]
        assert await pop.uidl_one(1) == UidlEntry(1, "whqtswO00WBw418f9t5JxYwZ")

    server = await run_session(script, body)
    assert server.received == LOGIN_BYTES + (
        b"STAT\r\nLIST\r\nLIST 2\r\nUIDL\r\nUIDL 1\r\nQUIT\r\n"
    )


MESSAGE = (
    b"From: a@example.org\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n"
)
HEADER_END = MESSAGE.index(b"\r\n\r\n") + 4


def stuffed(message: bytes) -> bytes:
    lines = message.split(b"\r\n")[:-1]
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)


async def test_retr_and_top_unstuff_dots() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.expect(b"RETR 1\r\n")
        await peer.send(b"+OK 120 octets\r\n" + stuffed(MESSAGE) + b".\r\n")
        await peer.expect(b"TOP 1 1\r\n")
        await peer.send(b"+OK\r\n" + stuffed(MESSAGE[:HEADER_END]) + b"..leading dot\r\n.\r\n")

    async def body(pop: Pop3Session) -> None:
        assert await pop.retr(1) == MESSAGE
        assert await pop.top(1, 1) == MESSAGE[:HEADER_END] + b".leading dot\r\n"

    server = await run_session(script, body)
    assert server.received == LOGIN_BYTES + b"RETR 1\r\nTOP 1 1\r\nQUIT\r\n"


async def test_retr_to_binary_file_and_async_callable() -> None:
    async def script(peer: ScriptedPeer) -> None:
        for _ in range(2):
            await peer.expect(b"RETR 1\r\n")
            await peer.send(b"+OK\r\n" + stuffed(MESSAGE) + b".\r\n")

    received: list[bytes] = []

    async def store(piece: bytes) -> None:
        received.append(piece)

    async def body(pop: Pop3Session) -> None:
        handle = io.BytesIO()
        assert await pop.retr_to(1, handle) == len(MESSAGE)
        assert handle.getvalue() == MESSAGE
        await pop.retr_to(1, store)
        assert b"".join(received) == MESSAGE

    await run_session(script, body)


async def test_dele_rset_noop_and_refused_command_keeps_session() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.expect(b"DELE 1\r\n")
        await peer.send(b"+OK Marked to be deleted.\r\n")
        await peer.expect(b"DELE 1\r\n")
        await peer.send(b"-ERR Message is deleted.\r\n")
        await peer.expect(b"RSET\r\n")
        await peer.send(b"+OK\r\n")
        await peer.expect(b"NOOP\r\n")
        await peer.send(b"+OK\r\n")

    async def body(pop: Pop3Session) -> None:
        await pop.dele(1)
        with pytest.raises(CommandFailed) as caught:
            await pop.dele(1)
        assert caught.value.server_text == "Message is deleted."
        await pop.rset()
        await pop.noop()

    server = await run_session(script, body)
    assert server.received == LOGIN_BYTES + b"DELE 1\r\nDELE 1\r\nRSET\r\nNOOP\r\nQUIT\r\n"


async def test_message_numbers_are_checked_before_sending() -> None:
    async def script(peer: ScriptedPeer) -> None:
        pass

    async def body(pop: Pop3Session) -> None:
        for bad in (0, -1, True):
            with pytest.raises(ValueError):
                await pop.dele(bad)
        with pytest.raises(ValueError):
            await pop.retr("1\r\nDELE 2")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            await pop.top(1, -1)
        assert not pop.closed

    server = await run_session(script, body)
    assert server.received == LOGIN_BYTES + b"QUIT\r\n"


async def test_concurrent_commands_run_one_at_a_time() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.expect(b"STAT\r\n")
        await peer.send(b"+OK 1 10\r\n")
        await peer.expect(b"UIDL 1\r\n")
        await peer.send(b"+OK 1 abc\r\n")

    async def body(pop: Pop3Session) -> None:
        stat, uid = await asyncio.gather(pop.stat(), pop.uidl_one(1))
        assert stat == Stat(1, 10) and uid == UidlEntry(1, "abc")

    await run_session(script, body)


async def test_leaving_block_by_exception_sends_no_quit() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"DELE 1\r\n")
        await peer.send(b"+OK\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(RuntimeError):
            async with await open_session(endpoint(server), ALICE) as pop:
                await pop.dele(1)
                raise RuntimeError("the cache write failed")
        await server.wait_closed()
    server.raise_errors()
    # Without QUIT the server never enters UPDATE: the message marked deleted survives.
    assert server.received == LOGIN_BYTES + b"DELE 1\r\n"
    assert pop.closed


# --- hostile and broken servers ----------------------------------------------------------


async def test_server_closes_mid_retr() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"RETR 1\r\n")
        await peer.send(b"+OK\r\nFrom: a@example.org\r\nSubject: half")
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        pop = await open_session(endpoint(server, command_timeout=60), ALICE)
        with pytest.raises(ConnectionLost):
            # Far below the command timeout: the drop itself must end the wait.
            await asyncio.wait_for(pop.retr(1), 10)
        assert pop.closed
        with pytest.raises(ConnectionLost):
            await pop.noop()
        await server.wait_closed()
    server.raise_errors()


async def test_server_closes_before_answering() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"STAT\r\n")
        await peer.close()

    async with ScriptedServer(script, tls="valid") as server:
        pop = await open_session(endpoint(server, command_timeout=60), ALICE)
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(pop.stat(), 10)
        await server.wait_closed()
    server.raise_errors()


async def test_endless_line_is_protocol_error() -> None:
    chunk = b"A" * 65536

    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"RETR 1\r\n")
        await peer.send(b"+OK\r\n")
        # Never a line end; the client must give up after its line limit, not buffer forever.
        for _ in range(64):
            await peer.send(chunk)
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        pop = await open_session(endpoint(server), ALICE)
        with pytest.raises(ProtocolError):
            await pop.retr(1)
        assert pop.closed
        await server.wait_closed()


async def test_endless_status_line_is_protocol_error() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"STAT\r\n")
        await peer.send(b"+OK " + b"9" * 20000)
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        pop = await open_session(endpoint(server), ALICE)
        with pytest.raises(ProtocolError):
            await pop.stat()
        await server.wait_closed()


async def test_silent_server_times_out() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"STAT\r\n")
        await peer.read_until_closed()  # never answers

    async with ScriptedServer(script, tls="valid") as server:
        pop = await open_session(endpoint(server, command_timeout=0.3), ALICE)
        with pytest.raises(OperationTimeout):
            await pop.stat()
        assert pop.closed
        await server.wait_closed()


async def test_imap_server_on_the_port_is_protocol_error() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        with pytest.raises(ProtocolError):
            await open_session(endpoint(server), ALICE)
        await server.wait_closed()
    assert server.received == b""


async def test_cancelled_retr_closes_the_session() -> None:
    started = asyncio.Event()

    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"RETR 1\r\n")
        await peer.send(b"+OK\r\nFrom: a@example.org\r\n")
        started.set()
        await peer.read_until_closed()

    async with ScriptedServer(script, tls="valid") as server:
        pop = await open_session(endpoint(server), ALICE)
        task = asyncio.create_task(pop.retr(1))
        await asyncio.wait_for(started.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The rest of that message may still come: the session cannot be reused.
        assert pop.closed
        await server.wait_closed()


async def test_five_megabyte_message_streams_to_file(tmp_path: Path) -> None:
    line = b"x" * 998 + b"\r\n"
    count = 5 * 1024 * 1024 // len(line) + 1
    header = b"From: a@example.org\r\nSubject: big\r\n\r\n"
    expected_size = len(header) + count * len(line)

    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        await peer.expect(b"RETR 1\r\n")
        await peer.send(b"+OK %d octets\r\n" % expected_size + header)
        block = line * 64
        for _ in range(count // 64):
            await peer.send(block)
        await peer.send(line * (count % 64) + b".\r\n")
        await answer_quit(peer)

    target = tmp_path / "big.eml"
    async with ScriptedServer(script, tls="valid") as server:
        async with await open_session(endpoint(server), ALICE) as pop:
            tracemalloc.start()
            try:
                with target.open("wb") as handle:
                    written = await pop.retr_to(1, handle)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        await server.wait_closed()
    server.raise_errors()
    assert written == expected_size
    assert target.stat().st_size == expected_size
    with target.open("rb") as handle:
        assert handle.read(len(header)) == header
        assert handle.read(len(line)) == line
    # Peak for the whole process (server side included) stays well under one copy of the
    # message: the client never holds it, let alone twice.
    assert peak < 2 * 1024 * 1024, peak


async def test_farewell_before_a_command_is_connection_lost() -> None:
    farewell_sent = asyncio.Event()

    async def script(peer: ScriptedPeer) -> None:
        await logged_in(peer)
        # Kicked by the admin: the server says goodbye without being asked, then hangs up.
        await peer.send(b"-ERR [SYS/TEMP] Server shutting down.\r\n")
        await peer.close()
        farewell_sent.set()

    async with ScriptedServer(script, tls="valid") as server:
        pop = await open_session(endpoint(server), ALICE)
        await asyncio.wait_for(farewell_sent.wait(), 10)
        await server.wait_closed()
        await asyncio.wait_for(farewell_arrived(pop), 10)
        with pytest.raises(ConnectionLost) as caught:
            await pop.noop()
        assert caught.value.server_text == "[SYS/TEMP] Server shutting down."
        assert pop.closed
    server.raise_errors()
    assert server.received == LOGIN_BYTES  # NOOP was never sent


async def test_no_credential_on_a_stream_without_tls() -> None:
    # Defence in depth: even handed an un-upgraded stream for a STARTTLS endpoint (a bug
    # elsewhere), login refuses before a byte is written.
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"+OK ready\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        plain = await open_connection(endpoint(server, Security.PLAIN_LOOPBACK_ONLY))
        disguised = Connection(plain.reader, plain.writer, endpoint(server, Security.STARTTLS))
        session = Pop3Session(disguised)
        session.capabilities = Capabilities(names=frozenset({"USER"}), sasl=("PLAIN",))
        with pytest.raises(InsecureConfiguration):
            await session.login(ALICE)
        await session.abort()
        await server.wait_closed()
    assert server.received == b""
