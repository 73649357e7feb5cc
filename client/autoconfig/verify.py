"""The wizard's verification: log in to the incoming server, and to the outgoing one.

Both give the same step log (resolve, connect, TLS, certificate, login; client/smtp/steps.py),
so the wizard shows one shape for IMAP, POP3 and SMTP, and names the step that failed with the
error's message and hint (what to check). Nothing is changed on the servers: IMAP logs out,
POP3 quits without a DELE, SMTP quits before MAIL FROM (smtp/check.py).

The incoming side opens with the protocol clients' own code (imap/opening.py, pop3/session.py),
which connects, upgrades and verifies in one call; its errors say which step they belong to
(a refused certificate, a TLS failure, a refused connection), and a separate name look-up first
tells DNS apart from TCP.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass

from kittiwake.client.autoconfig.candidates import Protocol
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.net import tls
from kittiwake.client.net.connect import Connection, translate
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    CertificateError,
    CertificateInfo,
    HostNotFound,
    KittiwakeError,
    TlsError,
)
from kittiwake.client.pop3.session import Pop3Session
from kittiwake.client.smtp import wire
from kittiwake.client.smtp.check import check_login
from kittiwake.client.smtp.steps import Step, StepLog, StepResult


@dataclass(frozen=True)
class ServerCheck:
    protocol: Protocol
    server: str  # host:port, for the log's heading
    steps: tuple[StepResult, ...]
    error: KittiwakeError | None
    # The accepted certificate, or the refused one (so the user can decide to pin it).
    certificate: CertificateInfo | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def failed_step(self) -> Step | None:
        return next((result.step for result in self.steps if not result.ok), None)

    @property
    def certificate_refused(self) -> bool:
        return isinstance(self.error, CertificateError) and self.certificate is not None


@dataclass(frozen=True)
class AccountCheck:
    incoming: ServerCheck
    outgoing: ServerCheck

    @property
    def ok(self) -> bool:
        return self.incoming.ok and self.outgoing.ok


async def verify_account(
    protocol: Protocol,
    incoming: Endpoint,
    incoming_credentials: Credentials,
    outgoing: Endpoint,
    outgoing_credentials: Credentials,
) -> AccountCheck:
    """Both servers at once; each check returns its log rather than raising."""
    checked_in, checked_out = await asyncio.gather(
        verify_incoming(protocol, incoming, incoming_credentials),
        verify_outgoing(outgoing, outgoing_credentials),
    )
    return AccountCheck(checked_in, checked_out)


async def verify_outgoing(endpoint: Endpoint, credentials: Credentials) -> ServerCheck:
    check = await check_login(endpoint, credentials)
    steps = tuple(
        dataclasses.replace(result, detail=_certificate_detail(endpoint, check.certificate))
        if result.step is Step.CERTIFICATE and result.ok
        else result
        for result in check.steps
    )
    return ServerCheck(Protocol.SMTP, endpoint.label, steps, check.error, check.certificate)


async def verify_incoming(
    protocol: Protocol, endpoint: Endpoint, credentials: Credentials
) -> ServerCheck:
    if not protocol.incoming:
        raise ValueError(f"{protocol} is not an incoming protocol")
    steps = StepLog()
    certificate: CertificateInfo | None = None

    def done(error: KittiwakeError | None) -> ServerCheck:
        return ServerCheck(protocol, endpoint.label, steps.results, error, certificate)

    steps.begin(Step.RESOLVE)
    try:
        infos = await wire.resolve(endpoint.host, endpoint.port, endpoint.connect_timeout)
    except Exception as failure:
        error = translate(failure, endpoint, "looking up the server name")
        if isinstance(failure, TimeoutError):
            error = HostNotFound(
                f"Looking up the server name {endpoint.host} took too long.",
                host=endpoint.host,
                port=endpoint.port,
            )
        steps.failed(Step.RESOLVE, error)
        return done(error)
    steps.ok(Step.RESOLVE, ", ".join(sorted({str(info[4][0]) for info in infos})))

    steps.begin(Step.CONNECT)
    session: ImapClient | Pop3Session
    try:
        if protocol is Protocol.IMAP:
            session = await ImapClient.connect(endpoint)
        else:
            session = await Pop3Session.connect(endpoint)
    except KittiwakeError as error:
        if isinstance(error, CertificateError):
            certificate = error.certificate
        _record_opening_failure(steps, error)
        return done(error)

    try:
        connection = session.connection
        _record_opened(steps, connection)
        der = connection.peer_certificate()
        if der:
            certificate = tls.describe_certificate(der, endpoint.host)
        steps.ok(Step.CERTIFICATE, _certificate_detail(endpoint, certificate))
        steps.begin(Step.LOGIN)
        try:
            await session.login(credentials)
        except KittiwakeError as error:
            steps.failed(Step.LOGIN, error)
            return done(error)
        steps.ok(Step.LOGIN, credentials.username)
    finally:
        await _leave(session)
    return done(None)


def _record_opening_failure(steps: StepLog, error: KittiwakeError) -> None:
    """Put the failure of connect + TLS + certificate on the step it belongs to."""
    if isinstance(error, HostNotFound):
        steps.failed(Step.RESOLVE, error)
        return
    if isinstance(error, CertificateError):
        # The handshake itself worked; it was the certificate that was refused.
        steps.ok(Step.CONNECT)
        steps.ok(Step.TLS, "handshake reached the certificate check")
        steps.failed(Step.CERTIFICATE, error)
        return
    if isinstance(error, TlsError):
        steps.ok(Step.CONNECT)
        steps.failed(Step.TLS, error)
        return
    # Refused, timed out, closed, or an answer that is not this protocol's greeting.
    steps.failed(Step.CONNECT, error)


def _record_opened(steps: StepLog, connection: Connection) -> None:
    peer = connection.writer.get_extra_info("peername")
    address = f"{peer[0]} port {peer[1]}" if isinstance(peer, tuple) else ""
    steps.ok(Step.CONNECT, address)
    if connection.endpoint.security is Security.PLAIN_LOOPBACK_ONLY:
        steps.ok(Step.TLS, "none (plain text to this computer)")
        return
    ssl_object = connection.writer.get_extra_info("ssl_object")
    version = ssl_object.version() if ssl_object is not None else ""
    steps.ok(Step.TLS, str(version or ""))


def _certificate_detail(endpoint: Endpoint, certificate: CertificateInfo | None) -> str:
    if certificate is None:
        return ""
    if endpoint.pinned_sha256:
        return f"accepted by you: {certificate.sha256}"
    return certificate.sha256


async def _leave(session: ImapClient | Pop3Session) -> None:
    # A polite goodbye, bounded: the verdict is already known.
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            if isinstance(session, ImapClient):
                await session.logout()
            else:
                await session.quit()
    if isinstance(session, ImapClient):
        await session.close()
    else:
        await session.abort()
