"""The thin asyncio layer: a TCP socket we open ourselves, handed to aiosmtplib.

We resolve and connect the socket here (so the step log can tell DNS from TCP from TLS), then
give it to `aiosmtplib.SMTP(sock=...)`. The subclass adds one thing: a debug log of the client's
commands in which AUTH payloads are never written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from typing import Any

import aiosmtplib
from aiosmtplib.response import SMTPResponse

log = logging.getLogger("kittiwake.smtp")

REDACTED = b"<redacted>"


def redacted(args: tuple[bytes, ...], in_auth: bool) -> bytes:
    """A command line as it may be logged: AUTH arguments and AUTH continuations hidden."""
    if args and args[0].upper() == b"AUTH":
        # The mechanism name is useful and harmless; its initial response is a credential.
        return b" ".join(args[:2] + ((REDACTED,) if len(args) > 2 else ()))
    if in_auth:
        return REDACTED
    return b" ".join(args)


class SmtpClient(aiosmtplib.SMTP):
    """aiosmtplib.SMTP whose command log cannot leak a credential."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # True while an AUTH exchange runs: every client line then carries a secret.
        self.in_auth = False

    async def execute_command(self, *args: bytes, **kwargs: Any) -> SMTPResponse:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("C: %s", redacted(args, self.in_auth).decode("utf-8", "replace"))
        response = await super().execute_command(*args, **kwargs)
        if log.isEnabledFor(logging.DEBUG):
            # Only the code: reply text is server-controlled and can be long.
            log.debug("S: %d", response.code)
        return response

    def tls_object(self) -> ssl.SSLObject | None:
        if not self.is_connected:
            return None
        ssl_object: ssl.SSLObject | None = self.get_transport_info("ssl_object")
        return ssl_object

    def peer_certificate(self) -> bytes | None:
        ssl_object = self.tls_object()
        if ssl_object is None:
            return None
        der: bytes | None = ssl_object.getpeercert(binary_form=True)
        return der


async def resolve(host: str, port: int, seconds: float) -> list[tuple[Any, ...]]:
    """getaddrinfo results for a TCP connection; raises socket.gaierror or TimeoutError."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP),
        seconds,
    )
    if not infos:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    return infos


async def connect_socket(infos: list[tuple[Any, ...]], seconds: float) -> socket.socket:
    """A connected non-blocking socket to the first address that answers (in order).

    The timeout covers all attempts, so a dead IPv6 route cannot double the wait.
    """
    loop = asyncio.get_running_loop()
    last_error: BaseException | None = None

    async def attempt() -> socket.socket:
        nonlocal last_error
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, address)
            except OSError as error:
                sock.close()
                last_error = error
                continue
            except BaseException:
                sock.close()
                raise
            return sock
        assert last_error is not None
        raise last_error

    return await asyncio.wait_for(attempt(), seconds)


def local_name(sock: socket.socket) -> str:
    """The EHLO argument: our address literal (RFC 5321 4.1.3), which names no host.

    aiosmtplib's default, socket.getfqdn(), would send the machine's name to every server.
    """
    address = sock.getsockname()[0]
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def close_quietly(client: SmtpClient) -> None:
    with contextlib.suppress(Exception):
        client.close()
