"""Opening a submission connection: resolve, connect, TLS, certificate; each step logged.

TLS is mandatory: implicit TLS (465), or STARTTLS (587) that must be offered and must succeed.
aiosmtplib's `start_tls=None` would go on in clear text when STARTTLS is missing (DESIGN.md),
so it never decides: we pass `start_tls=False` and run STARTTLS ourselves as an explicit,
failing step. A pinned certificate is compared before this module returns, so nothing of the
user's (AUTH, a message) can be sent to a server that has not passed.
"""

from __future__ import annotations

import ssl

import aiosmtplib

from kittiwake.client.net import connect, tls
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    CertificateInfo,
    CertificatePinMismatch,
    ConfigError,
    StartTlsNotOffered,
    StartTlsRefused,
)
from kittiwake.client.smtp import failures, wire
from kittiwake.client.smtp.capabilities import Capabilities
from kittiwake.client.smtp.steps import Step, StepLog

# One cache of verifying contexts for every protocol lives in net.connect.
context_for = connect.context_for


async def ehlo(
    client: wire.SmtpClient, endpoint: Endpoint, doing: str, seconds: float | None = None
) -> Capabilities:
    try:
        await client.ehlo(timeout=seconds or endpoint.command_timeout)
    except Exception as error:
        raise failures.translate(error, endpoint, doing) from error
    return Capabilities.from_ehlo(client.esmtp_extensions, client.server_auth_methods)


class Connector:
    """Opens one connection to `endpoint`, recording each step in `steps`."""

    def __init__(self, endpoint: Endpoint, steps: StepLog) -> None:
        self.endpoint = endpoint
        self.steps = steps
        # The certificate the server showed, once TLS is up (accepted, or only read).
        self.certificate: CertificateInfo | None = None

    async def open(self, *, fetching: bool = False) -> wire.SmtpClient:
        """Connected, TLS up and the certificate accepted; with `fetching`, only read."""
        endpoint, step = self.endpoint, self.steps
        # The TLS settings come first: an unreadable CA file fails the TLS step, not DNS.
        step.begin(Step.TLS)
        context = tls.pinning_context() if fetching else await self._context()
        step.begin(Step.RESOLVE)
        try:
            infos = await wire.resolve(endpoint.host, endpoint.port, endpoint.connect_timeout)
        except Exception as error:
            raise failures.translate(error, endpoint, "looking up the server name") from error
        step.ok(Step.RESOLVE, ", ".join(sorted({str(info[4][0]) for info in infos})))

        step.begin(Step.CONNECT)
        try:
            sock = await wire.connect_socket(infos, endpoint.connect_timeout)
        except Exception as error:
            raise failures.translate(error, endpoint, "connecting") from error
        peer = f"{sock.getpeername()[0]} port {endpoint.port}"

        implicit = endpoint.security is Security.TLS
        client = wire.SmtpClient(
            hostname=endpoint.host,
            sock=sock,
            use_tls=implicit,
            start_tls=False,  # never None (opportunistic): see the module docstring
            tls_context=context,
            local_hostname=wire.local_name(sock),
            timeout=endpoint.command_timeout,
        )
        try:
            if implicit:
                step.ok(Step.CONNECT, peer)
                step.begin(Step.TLS)
                await self._greeting(client, "starting TLS")
            else:
                await self._greeting(client, "reading the greeting")
                step.ok(Step.CONNECT, peer)
                if endpoint.security is Security.PLAIN_LOOPBACK_ONLY:
                    return client
                step.begin(Step.TLS)
                await self._starttls(client)
            tls_object = client.tls_object()
            step.ok(Step.TLS, (tls_object.version() or "") if tls_object else "")
            step.begin(Step.CERTIFICATE)
            der = client.peer_certificate() or b""
            self.certificate = tls.describe_certificate(der, endpoint.host) if der else None
            if not fetching:
                self._check_pin(der)
                step.ok(Step.CERTIFICATE, self.certificate.sha256 if self.certificate else "")
        except BaseException:
            wire.close_quietly(client)
            sock.close()
            raise
        return client

    async def _context(self) -> ssl.SSLContext:
        try:
            return await context_for(self.endpoint)
        except (OSError, ssl.SSLError) as error:
            raise ConfigError(
                f"The CA file {self.endpoint.ca_file} for {self.endpoint.label} cannot be "
                f"used: {getattr(error, 'strerror', None) or error}.",
                "Check the certificate authority file in the account's server settings.",
                host=self.endpoint.host,
                port=self.endpoint.port,
            ) from error

    async def _greeting(self, client: wire.SmtpClient, doing: str) -> None:
        # aiosmtplib's connect(): the implicit-TLS handshake (if any), then the 220 greeting.
        try:
            await client.connect(timeout=self.endpoint.connect_timeout)
        except Exception as error:
            await self._raise_certificate_error(error)
            raise failures.translate(error, self.endpoint, doing) from error

    async def _starttls(self, client: wire.SmtpClient) -> None:
        endpoint = self.endpoint
        timeout = endpoint.connect_timeout
        await ehlo(client, endpoint, "saying EHLO", seconds=timeout)
        if not client.supports_extension("starttls"):
            raise StartTlsNotOffered(
                f"{endpoint.label} does not offer STARTTLS, so the connection cannot be "
                "encrypted. Nothing was sent.",
                host=endpoint.host,
                port=endpoint.port,
            )
        try:
            # aiosmtplib drops whatever arrived after the 220 before the handshake
            # (CVE-2011-0411 style injection); a transcript test holds it to that.
            wire.log.debug("C: STARTTLS")
            await client.starttls(server_hostname=endpoint.host, timeout=timeout)
        except aiosmtplib.SMTPResponseException as error:
            if error.code < 0:
                raise failures.translate(error, endpoint, "starting TLS") from error
            raise StartTlsRefused(
                f"{endpoint.label} refused to start TLS: {error.code} {error.message}",
                host=endpoint.host,
                port=endpoint.port,
                server_text=error.message,
            ) from error
        except Exception as error:
            await self._raise_certificate_error(error)
            raise failures.translate(error, endpoint, "starting TLS") from error

    async def _raise_certificate_error(self, error: BaseException) -> None:
        verification = failures.certificate_failure(error)
        if verification is None:
            return
        certificate = await self._fetch_certificate()
        raise tls.classify_verification_error(
            verification, self.endpoint.host, self.endpoint.port, certificate
        ) from None

    async def _fetch_certificate(self) -> CertificateInfo | None:
        """The refused certificate, read over a second connection that stops after TLS.

        It sends nothing but EHLO and STARTTLS (for 587), so the user can be shown what they
        are asked to trust (subject, issuer, validity, fingerprint) and pin it.
        """
        probe = Connector(self.endpoint, StepLog())
        try:
            client = await probe.open(fetching=True)
        except Exception:
            return None
        wire.close_quietly(client)
        return probe.certificate

    def _check_pin(self, der: bytes) -> None:
        endpoint = self.endpoint
        if not endpoint.pinned_sha256:
            return
        pinned = tls.normalise_fingerprint(endpoint.pinned_sha256)
        if tls.fingerprint(der) != pinned:
            raise CertificatePinMismatch(
                pinned=pinned,
                certificate=tls.describe_certificate(der, endpoint.host),
                host=endpoint.host,
                port=endpoint.port,
            )
