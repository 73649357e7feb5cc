"""One POP3 session (RFC 1939) over an asyncio stream from client/net/connect.py.

Use it as:

    async with await open_session(endpoint, credentials) as pop:
        for entry in await pop.uidl():
            await pop.retr_to(entry.number, sink)
            await pop.dele(entry.number)
    # leaving the block normally sends QUIT: only then does the server delete the messages.

DELE only *marks* a message; the server removes marked messages when it receives QUIT (the
UPDATE state). RSET unmarks them, and a session that ends any other way (an error, a dropped
connection, `abort()`, leaving the `async with` block by an exception) deletes nothing. The
sync layer can rely on that: a crash between download and QUIT loses no mail.

Commands run one at a time (POP3 has no tags to match answers to commands). A failure that
leaves the answer half-read (timeout, dropped connection, malformed reply, cancellation, a
sink that raised) closes the session, since the next answer could not be told apart from the
rest of this one; a plain -ERR leaves the session usable (see wire.py).

APOP is not offered: it rests on MD5 and needs the password stored in clear on the server;
under TLS, SASL PLAIN or USER/PASS protect the password as well.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, runtime_checkable

from kittiwake.client.net.connect import Connection, open_connection
from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CommandFailed,
    InsecureConfiguration,
    ProtocolError,
)
from kittiwake.client.pop3 import sasl
from kittiwake.client.pop3.parse import (
    Capabilities,
    Continuation,
    ListEntry,
    Stat,
    Status,
    UidlEntry,
    parse_auth_reply,
    parse_capabilities,
    parse_list,
    parse_list_line,
    parse_stat,
    parse_uidl,
    parse_uidl_line,
)
from kittiwake.client.pop3.starttls import stls_dialog
from kittiwake.client.pop3.wire import Wire

# A server that keeps challenging after our answer and our cancel is not going to finish.
_MAX_CHALLENGES = 3


@runtime_checkable
class BinaryWritable(Protocol):
    def write(self, data: bytes, /) -> object: ...


# Where a streamed message goes: a binary file, or a callable taking each piece (it may be a
# coroutine function, e.g. one that stores the piece in the cache).
Sink = BinaryWritable | Callable[[bytes], object]

_AUTH_HINTS = {
    "IN-USE": (
        "Another program is using this mailbox right now (POP3 allows one at a time). Close "
        "it, or wait a few minutes and try again."
    ),
    "LOGIN-DELAY": "The server limits how often you may log in: check mail less often.",
    "SYS/TEMP": "The server has a temporary problem; try again later.",
    "SYS/PERM": "The server has a problem it cannot recover from: contact the provider.",
}


async def open_session(endpoint: Endpoint, credentials: Credentials) -> Pop3Session:
    """Connect (TLS verified), read CAPA, log in. Closes the connection if any step fails."""
    session = await Pop3Session.connect(endpoint)
    try:
        await session.login(credentials)
    except BaseException:
        await session.abort()
        raise
    return session


class Pop3Session:
    def __init__(self, connection: Connection) -> None:
        self._wire = Wire(connection)
        self._endpoint = connection.endpoint
        self.greeting = Status(ok=True, text="")
        self.capabilities = Capabilities()
        self.authenticated = False

    # --- opening and closing ---------------------------------------------------------------

    @classmethod
    async def connect(cls, endpoint: Endpoint) -> Pop3Session:
        """Open the stream (implicit TLS or STLS), read the greeting and CAPA. No login."""
        dialog = stls_dialog if endpoint.security is Security.STARTTLS else None
        session = cls(await open_connection(endpoint, dialog))
        try:
            pre_tls = session.connection.pre_tls
            if isinstance(pre_tls, Status):
                session.greeting = pre_tls
            else:
                async with session._wire.exclusive(greeting=True):
                    session.greeting = await session._wire.expect_ok("the session")
            # After STLS the clear-text CAPA may have been forged: ask again under TLS.
            await session.capa()
        except BaseException:
            await session.abort()
            raise
        return session

    async def __aenter__(self) -> Pop3Session:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Only a block that finished normally commits its DELEs; anything else rolls back.
        if exc is None and not self.closed:
            await self.quit()
        else:
            await self.abort()

    @property
    def closed(self) -> bool:
        return self._wire.closed

    @property
    def connection(self) -> Connection:
        """The underlying stream (its certificate: `connection.peer_certificate()`)."""
        return self._wire.connection

    async def quit(self) -> None:
        """QUIT: the server now deletes every message marked with DELE, and says goodbye."""
        try:
            async with self._wire.exclusive():
                await self._wire.send(b"QUIT\r\n")
                status = await self._wire.status()
        finally:
            await self.abort()
        if not status.ok:
            raise CommandFailed(
                f"{self._endpoint.label} could not remove the deleted messages: {status.text}",
                "The messages are still on the server; they will be deleted next time.",
                host=self._endpoint.host,
                port=self._endpoint.port,
                server_text=status.text,
            )

    async def abort(self) -> None:
        """Close without QUIT: messages marked with DELE stay on the server."""
        await self._wire.abort()

    # --- login ---------------------------------------------------------------------------

    async def login(self, credentials: Credentials) -> None:
        """SASL XOAUTH2 for OAuth2 tokens; for passwords SASL PLAIN if offered, else USER/PASS."""
        self._require_encryption()
        if credentials.kind is SecretKind.OAUTH2_TOKEN:
            if "XOAUTH2" not in self.capabilities.sasl:
                raise AuthenticationFailed(
                    f"{self._endpoint.label} does not offer OAuth2 login (SASL XOAUTH2).",
                    "Choose password login for this account, or check the server name.",
                    host=self._endpoint.host,
                    port=self._endpoint.port,
                )
            await self._authenticate("XOAUTH2", sasl.xoauth2(credentials), cancel=b"\r\n")
        elif "PLAIN" in self.capabilities.sasl:
            await self._authenticate("PLAIN", sasl.plain(credentials), cancel=b"*\r\n")
        else:
            await self._user_pass(credentials)
        self.authenticated = True
        # RFC 2449: capabilities may change once logged in (TOP, UIDL, EXPIRE, LOGIN-DELAY).
        await self.capa()

    def _require_encryption(self) -> None:
        # connect.py never hands back an un-upgraded STARTTLS stream; this makes the rule
        # local and obvious: no credential on a stream without TLS unless the user chose a
        # plain loopback connection.
        tls_up = self.connection.writer.get_extra_info("ssl_object") is not None
        if not tls_up and self._endpoint.security is not Security.PLAIN_LOOPBACK_ONLY:
            raise InsecureConfiguration(
                "Refusing to send a password over a connection without TLS.",
                host=self._endpoint.host,
                port=self._endpoint.port,
            )

    async def _user_pass(self, credentials: Credentials) -> None:
        user = credentials.username.encode()
        secret = credentials.secret.encode()
        if any(ch in credentials.username for ch in "\r\n\x00"):
            raise AuthenticationFailed("The user name contains a line break and cannot be sent.")
        if any(ch in credentials.secret for ch in "\r\n\x00"):
            raise AuthenticationFailed("The password contains a line break and cannot be sent.")
        async with self._wire.exclusive():
            await self._wire.send(b"USER " + user + b"\r\n")
            status = await self._wire.status()
            if status.ok:
                await self._wire.send(b"PASS " + secret + b"\r\n")
                status = await self._wire.status()
            if not status.ok:
                raise self._auth_failed(status)

    async def _authenticate(self, mechanism: str, initial: bytes, *, cancel: bytes) -> None:
        async with self._wire.exclusive():
            line = sasl.command_line(mechanism, initial)
            sent = line is not None
            await self._wire.send(line or b"AUTH " + mechanism.encode("ascii") + b"\r\n")
            detail = ""
            for _ in range(_MAX_CHALLENGES):
                reply = parse_auth_reply(await self._wire.line())
                if isinstance(reply, Status):
                    if reply.ok:
                        return
                    raise self._auth_failed(reply, detail)
                if not sent:
                    await self._wire.send(initial + b"\r\n")
                    sent = True
                else:
                    # XOAUTH2 explains a refusal in a challenge (JSON); answer to get the -ERR.
                    detail = _printable(reply)
                    await self._wire.send(cancel)
            raise ProtocolError(f"{self._endpoint.label} never finished the AUTH exchange.")

    def _auth_failed(self, status: Status, detail: str = "") -> AuthenticationFailed:
        text = f"{status.text} {detail}".strip()
        return AuthenticationFailed(
            f"{self._endpoint.label} refused the login: {status.text}",
            _AUTH_HINTS.get(status.code),
            host=self._endpoint.host,
            port=self._endpoint.port,
            server_text=text,
        )

    # --- transaction commands -------------------------------------------------------------

    async def capa(self) -> Capabilities:
        """CAPA (RFC 2449). A server without CAPA gets `Capabilities(supported=False)`."""
        async with self._wire.exclusive():
            await self._wire.send(b"CAPA\r\n")
            status = await self._wire.status()
            if status.ok:
                self.capabilities = parse_capabilities(await self._wire.collect())
            else:
                self.capabilities = Capabilities(supported=False)
        return self.capabilities

    async def stat(self) -> Stat:
        async with self._wire.exclusive():
            await self._wire.send(b"STAT\r\n")
            return parse_stat(await self._wire.expect_ok("STAT"))

    async def list_messages(self) -> list[ListEntry]:
        """Every message not marked deleted, with its size in octets."""
        async with self._wire.exclusive():
            await self._wire.send(b"LIST\r\n")
            await self._wire.expect_ok("LIST")
            return parse_list(await self._wire.collect())

    async def list_one(self, number: int) -> ListEntry:
        command = b"LIST %d\r\n" % _number(number)
        async with self._wire.exclusive():
            await self._wire.send(command)
            return parse_list_line((await self._wire.expect_ok("LIST")).text)

    async def uidl(self) -> list[UidlEntry]:
        """Message numbers with their unique ids, which stay the same across sessions."""
        async with self._wire.exclusive():
            await self._wire.send(b"UIDL\r\n")
            await self._wire.expect_ok("UIDL")
            return parse_uidl(await self._wire.collect())

    async def uidl_one(self, number: int) -> UidlEntry:
        command = b"UIDL %d\r\n" % _number(number)
        async with self._wire.exclusive():
            await self._wire.send(command)
            return parse_uidl_line((await self._wire.expect_ok("UIDL")).text)

    async def top(self, number: int, lines: int) -> bytes:
        """The header, the blank line, and the first `lines` lines of the body."""
        if isinstance(lines, bool) or not isinstance(lines, int) or lines < 0:
            raise ValueError("TOP needs a line count of 0 or more")
        command = b"TOP %d %d\r\n" % (_number(number), lines)
        pieces: list[bytes] = []
        async with self._wire.exclusive():
            await self._wire.send(command)
            await self._wire.expect_ok("TOP")
            await self._wire.stream(pieces.append)
        return b"".join(pieces)

    async def retr(self, number: int) -> bytes:
        """The whole message, unstuffed, line endings as sent. For large messages prefer
        `retr_to`, which never holds the message in memory."""
        pieces: list[bytes] = []
        await self.retr_to(number, pieces.append)
        return b"".join(pieces)

    async def retr_to(self, number: int, sink: Sink) -> int:
        """Stream the message to `sink` in pieces of at most 64 KiB; returns its size.

        Only one piece is held at a time. If the sink raises, the session is closed (the rest
        of the message is still on the wire) and nothing is deleted.
        """
        command = b"RETR %d\r\n" % _number(number)
        write = sink.write if isinstance(sink, BinaryWritable) else sink
        async with self._wire.exclusive():
            await self._wire.send(command)
            await self._wire.expect_ok("RETR")
            return await self._wire.stream(write)

    async def dele(self, number: int) -> None:
        """Mark a message deleted. It disappears from the server only at `quit()`."""
        await self._simple(b"DELE %d\r\n" % _number(number), "DELE")

    async def rset(self) -> None:
        """Unmark every message marked with DELE in this session."""
        await self._simple(b"RSET\r\n", "RSET")

    async def noop(self) -> None:
        await self._simple(b"NOOP\r\n", "NOOP")

    async def _simple(self, command: bytes, verb: str) -> Status:
        async with self._wire.exclusive():
            await self._wire.send(command)
            return await self._wire.expect_ok(verb)


def _number(number: int) -> int:
    # Message numbers are interpolated into command lines: only positive ints get there.
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"POP3 message numbers start at 1, not {number!r}")
    return number


def _printable(reply: Continuation) -> str:
    text = reply.data.decode("utf-8", errors="replace")
    return "".join(ch for ch in text if ch.isprintable())[:300]


__all__ = ["BinaryWritable", "Pop3Session", "Sink", "open_session"]
