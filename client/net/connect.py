"""Open a verified TLS stream to an Endpoint, implicit or by STARTTLS, with timeouts.

Protocol clients give a `StartTlsDialog` (greeting + their STARTTLS command); this module does
the rest: connect, upgrade, verify or check the pin, and translate every low-level failure into
the error taxonomy of `errors.py`. When a certificate is refused it reconnects once without
verification to fetch the certificate, so the user can see what they are asked to trust; nothing
is sent over that second connection beyond the protocol's own STARTTLS preamble.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
from collections.abc import Awaitable, Callable

from kittiwake.client.net import tls
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    CertificateInfo,
    CertificatePinMismatch,
    ConnectionRefused,
    HostNotFound,
    KittiwakeError,
    NetworkError,
    OperationTimeout,
    TlsHandshakeFailed,
)
from kittiwake.client.records import record

# Reads the greeting, sends the protocol's STARTTLS command and returns once the server said
# "go ahead". Raises StartTlsNotOffered / StartTlsRefused / ProtocolError otherwise. It returns
# whatever it learned from the greeting (an IMAP greeting, say) for the caller to keep.
StartTlsDialog = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[object]]

STREAM_LIMIT = 1 << 20  # longest line a StreamReader will buffer (1 MiB)


@record(frozen=False)
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    endpoint: Endpoint
    # What the STARTTLS dialog returned (e.g. the plain-text greeting), None for implicit TLS.
    pre_tls: object = None
    # Set for plain loopback connections the user explicitly chose.
    encrypted: bool = True

    def peer_certificate(self) -> bytes | None:
        ssl_object = self.writer.get_extra_info("ssl_object")
        if ssl_object is None:
            return None
        der: bytes | None = ssl_object.getpeercert(binary_form=True)
        return der

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.wait_closed(), 2)


# Loading the system trust store costs ~100 ms of CPU (measured here): each verifying context is
# built once, in a worker thread so the GUI's event loop never stalls on it. Keyed by the extra
# CA file and its mtime, so an edited CA file is read again.
_verifying: dict[tuple[str | None, float], ssl.SSLContext] = {}


async def context_for(endpoint: Endpoint) -> ssl.SSLContext:
    if endpoint.pinned_sha256:
        return tls.pinning_context()
    ca_file = endpoint.ca_file
    try:
        stamp = os.stat(ca_file).st_mtime if ca_file else 0.0
    except OSError:
        stamp = -1.0  # let verifying_context report the missing file
    key = (ca_file, stamp)
    context = _verifying.get(key)
    if context is None:
        context = await asyncio.to_thread(tls.verifying_context, ca_file)
        _verifying[key] = context
    return context


async def open_connection(
    endpoint: Endpoint,
    starttls: StartTlsDialog | None = None,
) -> Connection:
    """Connect per `endpoint.security`. STARTTLS needs `starttls`; plain needs nothing."""
    try:
        return await _open(endpoint, await context_for(endpoint), starttls)
    except ssl.SSLCertVerificationError as error:
        certificate = await _fetch_certificate(endpoint, starttls)
        raise tls.classify_verification_error(
            error, endpoint.host, endpoint.port, certificate
        ) from None


async def _open(
    endpoint: Endpoint, context: ssl.SSLContext, starttls: StartTlsDialog | None
) -> Connection:
    host, port = endpoint.host, endpoint.port
    implicit = endpoint.security is Security.TLS
    connecting = asyncio.open_connection(
        host,
        port,
        ssl=context if implicit else None,
        server_hostname=host if implicit else None,
        limit=STREAM_LIMIT,
        ssl_handshake_timeout=endpoint.connect_timeout if implicit else None,
    )
    try:
        reader, writer = await asyncio.wait_for(connecting, endpoint.connect_timeout)
    except (ssl.SSLCertVerificationError, KittiwakeError):
        raise
    except BaseException as error:
        # wait_for fails before starting it when no loop runs (a Qt event handled outside
        # the loop, as at a test's teardown): close it ourselves (a no-op once it ran), or
        # Python warns at exit that it was never awaited.
        connecting.close()
        raise translate(error, endpoint, "connecting") from error

    connection = Connection(reader, writer, endpoint)
    try:
        if endpoint.security is Security.STARTTLS:
            if starttls is None:
                raise ValueError("STARTTLS endpoint opened without a STARTTLS dialog")
            connection.pre_tls = await asyncio.wait_for(
                starttls(reader, writer), endpoint.connect_timeout
            )
            # Anything the server sent after its "go ahead" arrived in clear text and could have
            # been injected by a man in the middle (CVE-2011-0411): drop it, never parse it.
            _discard_buffered(reader)
            await asyncio.wait_for(
                writer.start_tls(context, server_hostname=host),
                endpoint.connect_timeout,
            )
        elif endpoint.security is Security.PLAIN_LOOPBACK_ONLY:
            connection.encrypted = False
            return connection
        _check_pin(connection)
    except (ssl.SSLCertVerificationError, KittiwakeError):
        writer.close()
        raise
    except BaseException as error:
        writer.close()
        if isinstance(error, asyncio.CancelledError):
            raise
        raise translate(error, endpoint, "starting TLS") from error
    return connection


def _discard_buffered(reader: asyncio.StreamReader) -> None:
    buffer = getattr(reader, "_buffer", None)
    if isinstance(buffer, bytearray):
        buffer.clear()


def _check_pin(connection: Connection) -> None:
    endpoint = connection.endpoint
    if not endpoint.pinned_sha256:
        return
    der = connection.peer_certificate() or b""
    actual = tls.fingerprint(der)
    pinned = tls.normalise_fingerprint(endpoint.pinned_sha256)
    if actual != pinned:
        raise CertificatePinMismatch(
            pinned=pinned,
            certificate=tls.describe_certificate(der, endpoint.host),
            host=endpoint.host,
            port=endpoint.port,
        )


async def _fetch_certificate(
    endpoint: Endpoint, starttls: StartTlsDialog | None
) -> CertificateInfo | None:
    try:
        connection = await _open(endpoint, tls.pinning_context(), starttls)
    except Exception:
        return None
    try:
        der = connection.peer_certificate()
        return tls.describe_certificate(der, endpoint.host) if der else None
    finally:
        await connection.close()


def translate(error: BaseException, endpoint: Endpoint, doing: str) -> KittiwakeError:
    """Map an OS / asyncio / ssl failure to the taxonomy, naming the server and the step."""
    where = endpoint.label
    host, port = endpoint.host, endpoint.port
    if isinstance(error, KittiwakeError):
        return error
    if isinstance(error, socket.gaierror):
        return HostNotFound(f"The server name {host} could not be found.", host=host, port=port)
    if isinstance(error, ConnectionRefusedError):
        return ConnectionRefused(
            f"{where} refused the connection: nothing is listening on that port.",
            host=host,
            port=port,
        )
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        hint = None
        if endpoint.security is Security.STARTTLS and doing == "starting TLS":
            hint = (
                "The server sent no greeting. This port may expect implicit TLS: "
                "try the TLS setting (993, 995, 465)."
            )
        return OperationTimeout(
            f"{where} did not answer in time while {doing}.", hint, host=host, port=port
        )
    if isinstance(error, ssl.SSLError):
        reason = error.reason or str(error)
        hint = None
        if "WRONG_VERSION_NUMBER" in str(reason).upper() or "record layer" in str(error):
            hint = (
                "The server does not speak TLS on this port. It may expect STARTTLS "
                "(143, 110, 587) instead."
            )
        elif "UNSUPPORTED_PROTOCOL" in str(reason).upper() or "VERSION" in str(reason).upper():
            hint = "The server only offers TLS older than 1.2, which is no longer safe."
        return TlsHandshakeFailed(
            f"The TLS handshake with {where} failed ({reason}).", hint, host=host, port=port
        )
    if isinstance(error, (ConnectionResetError, asyncio.IncompleteReadError, EOFError)):
        return NetworkError(
            f"{where} closed the connection while {doing}.",
            "Check the port and the security mode (TLS or STARTTLS).",
            host=host,
            port=port,
        )
    if isinstance(error, OSError):
        return NetworkError(
            f"Could not reach {where} while {doing}: {error.strerror or error}.",
            host=host,
            port=port,
        )
    return NetworkError(f"Unexpected failure while {doing} with {where}: {error!r}.")
