"""Shared pieces of scripted POP3 servers for the transcript tests."""

from __future__ import annotations

import asyncio

from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.pop3.session import Pop3Session
from tests.servers.scripted import ScriptedPeer, ScriptedServer

CAPA_PLAIN = b"+OK\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nUSER\r\nSASL PLAIN\r\n.\r\n"
CAPA_USER_ONLY = b"+OK\r\nTOP\r\nUIDL\r\nUSER\r\n.\r\n"
CAPA_STLS = b"+OK\r\nTOP\r\nUIDL\r\nSTLS\r\nUSER\r\n.\r\n"
# base64("\0alice\0pw")
AUTH_PLAIN_ALICE = b"AUTH PLAIN AGFsaWNlAHB3\r\n"
# What the client sends to log in as alice/pw on a CAPA_PLAIN server, after the greeting.
LOGIN_BYTES = b"CAPA\r\n" + AUTH_PLAIN_ALICE + b"CAPA\r\n"


def endpoint(
    server: ScriptedServer,
    security: Security = Security.TLS,
    *,
    command_timeout: float = 10.0,
) -> Endpoint:
    return server.endpoint(security, connect_timeout=10.0, command_timeout=command_timeout)


async def logged_in(peer: ScriptedPeer, capa: bytes = CAPA_PLAIN) -> None:
    """Greeting, CAPA, AUTH PLAIN alice/pw accepted, CAPA again."""
    await peer.send(b"+OK POP3 ready\r\n")
    await peer.expect(b"CAPA\r\n")
    await peer.send(capa)
    await peer.expect(AUTH_PLAIN_ALICE)
    await peer.send(b"+OK Logged in.\r\n")
    await peer.expect(b"CAPA\r\n")
    await peer.send(capa)


async def answer_quit(peer: ScriptedPeer) -> None:
    await peer.expect(b"QUIT\r\n")
    await peer.send(b"+OK Logging out.\r\n")


async def farewell_arrived(pop: Pop3Session) -> None:
    """Until the client's stream holds the server's farewell (the loop delivers it soon after
    the server wrote it; the test must not race that delivery). StreamReader offers no
    event for "data buffered", hence the bounded yield loop."""
    reader = pop.connection.reader
    while not (getattr(reader, "_buffer", b"") or reader.at_eof()):  # noqa: ASYNC110
        await asyncio.sleep(0)
