"""Shared pieces of the SMTP transcript tests: canned server replies and a scripted server."""

from __future__ import annotations

import base64
import ssl
from typing import Any

from kittiwake.client.net import tls
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint, Security
from tests.servers.certs import CertKind, test_certificates
from tests.servers.scripted import ScriptedPeer, ScriptedServer

USER = "alice@example.org"
SECRET = "s3cret!pw"
CREDENTIALS = Credentials(USER, SECRET)
PLAIN = base64.b64encode(f"\0{USER}\0{SECRET}".encode())

EHLO_LINE = b"EHLO [127.0.0.1]\r\n"
GREETING = b"220 mx.test ESMTP ready\r\n"
EHLO_CLEAR = b"250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
EHLO_SECURE = (
    b"250-mx.test\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-8BITMIME\r\n"
    b"250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN LOGIN\r\n250 SMTPUTF8\r\n"
)
AUTH_PLAIN_LINE = b"AUTH PLAIN " + PLAIN + b"\r\n"

MESSAGE = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: Bob <bob@example.org>\r\n"
    b"Bcc: carol@example.org\r\n"
    b"Subject: Hello\r\n"
    b"Message-ID: <1@example.org>\r\n"
    b"\r\n"
    b"Hi Bob,\r\n"
    b".a line starting with a dot\r\n"
)
SENT = MESSAGE.replace(b"Bcc: carol@example.org\r\n", b"")
STUFFED = SENT.replace(b"\r\n.a line", b"\r\n..a line") + b".\r\n"

MAIL_FROM = b"MAIL FROM:<alice@example.org> SIZE=%d\r\n" % len(SENT)
RCPTS = [b"RCPT TO:<bob@example.org>\r\n", b"RCPT TO:<carol@example.org>\r\n"]
SESSION_START = EHLO_LINE + b"STARTTLS\r\n" + EHLO_LINE + AUTH_PLAIN_LINE


def endpoint(server: ScriptedServer, security: Security, **overrides: Any) -> Endpoint:
    overrides.setdefault("command_timeout", 5.0)
    return server.endpoint(security, **overrides)


def certificate_sha256(kind: CertKind) -> str:
    cert_path, _key = test_certificates().server_cert_pem(kind)
    with open(cert_path) as handle:
        pem = handle.read()
    first = pem[: pem.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")]
    return tls.fingerprint(ssl.PEM_cert_to_DER_cert(first))


async def starttls(peer: ScriptedPeer, kind: CertKind = "valid", after_220: bytes = b"") -> None:
    """Greeting, EHLO, STARTTLS, handshake: the plain-text half of a 587 session."""
    await peer.send(GREETING)
    await peer.expect(EHLO_LINE)
    await peer.send(EHLO_CLEAR)
    await peer.expect(b"STARTTLS\r\n")
    await peer.send(b"220 2.0.0 Ready to start TLS\r\n" + after_220)
    await peer.start_tls(kind)


async def login(peer: ScriptedPeer, ehlo: bytes = EHLO_SECURE) -> None:
    """EHLO over TLS and a successful AUTH PLAIN."""
    await peer.expect(EHLO_LINE)
    await peer.send(ehlo)
    await peer.expect(AUTH_PLAIN_LINE)
    await peer.send(b"235 2.7.0 Authentication successful\r\n")


async def accept_message(peer: ScriptedPeer, mail_from: bytes, rcpts: list[bytes]) -> bytes:
    """One transaction: MAIL, RCPTs, DATA; returns the payload up to and including '.'."""
    await peer.expect(mail_from)
    await peer.send(b"250 2.1.0 Ok\r\n")
    for rcpt in rcpts:
        await peer.expect(rcpt)
        await peer.send(b"250 2.1.5 Ok\r\n")
    await peer.expect(b"DATA\r\n")
    await peer.send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
    payload = b""
    while not payload.endswith(b"\r\n.\r\n"):
        payload += await peer.readline()
    await peer.send(b"250 2.0.0 Ok: queued as ABC123\r\n")
    return payload


async def quit_(peer: ScriptedPeer) -> None:
    await peer.expect(b"QUIT\r\n")
    await peer.send(b"221 2.0.0 Bye\r\n")
