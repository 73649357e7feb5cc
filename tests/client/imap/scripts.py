"""Shared pieces of the IMAP transcript tests: endpoints and the usual server opening."""

from __future__ import annotations

from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint, Security
from tests.servers.scripted import ScriptedPeer, ScriptedServer

CAPS = b"IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE AUTH=PLAIN"
LOGGED_IN_CAPS = (
    b"IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE SORT CONDSTORE QRESYNC MOVE UIDPLUS "
    b"SPECIAL-USE LIST-EXTENDED LIST-STATUS UNSELECT"
)
USER = Credentials("joe", "s3cret")
# base64("\0joe\0s3cret")
PLAIN_JOE = b"AGpvZQBzM2NyZXQ="


def endpoint(
    server: ScriptedServer,
    security: Security = Security.TLS,
    *,
    command_timeout: float = 10.0,
) -> Endpoint:
    return server.endpoint(security, command_timeout=command_timeout)


async def greet_and_login(peer: ScriptedPeer, caps: bytes = CAPS) -> None:
    """Implicit-TLS opening: greeting with capabilities, AUTHENTICATE PLAIN via SASL-IR."""
    await peer.send(b"* OK [CAPABILITY " + caps + b"] ready\r\n")
    await peer.expect(b"A1 AUTHENTICATE PLAIN " + PLAIN_JOE + b"\r\n")
    await peer.send(b"A1 OK [CAPABILITY " + LOGGED_IN_CAPS + b"] Logged in\r\n")


async def connect(server: ScriptedServer, **kwargs: object) -> ImapClient:
    command_timeout = kwargs.pop("command_timeout", 10.0)
    assert isinstance(command_timeout, float)
    return await ImapClient.connect(
        endpoint(server, command_timeout=command_timeout),
        USER,
        **kwargs,  # type: ignore[arg-type]
    )
