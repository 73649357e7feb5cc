"""One authenticated submission connection (RFC 6409): open it, send messages, close it.

    async with SubmissionSession(endpoint, credentials) as session:
        result = await session.send(raw_message_bytes)

Security rules enforced here, not left to aiosmtplib's defaults:
- TLS is mandatory: implicit TLS (465) or STARTTLS (587) that must be offered and must succeed.
  aiosmtplib's `start_tls=None` would silently go on in clear text (DESIGN.md), so we never
  let it decide: STARTTLS is an explicit step of ours that fails when not offered.
- AUTH is sent only once TLS is up (or on a loopback plain connection the user chose), and
  after a pinned certificate's fingerprint has been compared.
- A message is checked against SIZE, 8BITMIME and SMTPUTF8 before MAIL FROM, so a refusal
  sends nothing; after DATA's payload went out, a lost connection is "outcome unknown".
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from types import TracebackType

import aiosmtplib

from kittiwake.client.net import tls
from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    CertificateError,
    CertificateInfo,
    CertificatePinMismatch,
    ConnectionLost,
    InsecureConfiguration,
    KittiwakeError,
    LoginDisabled,
    StartTlsNotOffered,
    StartTlsRefused,
    SubmissionOutcomeUnknown,
)
from kittiwake.client.smtp import failures, wire
from kittiwake.client.smtp.capabilities import Capabilities, mail_options
from kittiwake.client.smtp.envelope import Envelope, envelope_from_message, strip_bcc
from kittiwake.client.smtp.payload import analyse, dot_stuffed
from kittiwake.client.smtp.replies import refusal
from kittiwake.client.smtp.steps import Step, StepLog

FINAL_REPLY_TIMEOUT = 600.0


@dataclass(frozen=True)
class SendResult:
    envelope: Envelope
    size: int  # bytes transmitted (CRLF-normalised, before dot-stuffing)
    server_reply: str  # the text of the final 250 (often carries the queue id)


class SubmissionSession:
    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials | None,
        *,
        steps: StepLog | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._credentials = credentials
        self.steps = steps or StepLog()
        self.capabilities = Capabilities()
        # The certificate the server showed (after it was accepted), for display and pinning.
        self.certificate: CertificateInfo | None = None
        self._client: wire.SmtpClient | None = None
        self._lock = asyncio.Lock()

    # --- opening -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Resolve, connect, TLS, certificate, EHLO, AUTH. On failure nothing stays open."""
        step = self.steps
        try:
            client = await self._open_tls(self._context())
            self._client = client
            step.begin(Step.LOGIN)
            await self._ehlo(client, "saying EHLO over TLS")
            if self._credentials is not None:
                mechanism = await self._authenticate(client, self._credentials)
                step.ok(Step.LOGIN, f"{self._credentials.username} ({mechanism})")
            else:
                step.ok(Step.LOGIN, "no login configured")
        except BaseException as error:
            self._abort()
            if isinstance(error, KittiwakeError) and step.failed_step is None:
                step.failed(self._failed_step(error), error)
            raise

    def _context(self) -> ssl.SSLContext:
        if self.endpoint.pinned_sha256:
            return tls.pinning_context()
        return tls.verifying_context(self.endpoint.ca_file)

    def _failed_step(self, error: KittiwakeError) -> Step:
        # A refused certificate surfaces during the TLS handshake, but the wizard must say
        # "certificate", with TLS itself fine: record TLS as ok first.
        if isinstance(error, CertificateError):
            if self.steps.current is Step.TLS:
                self.steps.ok(Step.TLS, "handshake reached the certificate check")
            return Step.CERTIFICATE
        return self.steps.current

    async def _open_tls(
        self, context: ssl.SSLContext, *, fetching: bool = False
    ) -> wire.SmtpClient:
        """Connected, TLS up and the certificate accepted (or, when `fetching`, just read)."""
        endpoint, step = self.endpoint, self.steps
        timeout = endpoint.connect_timeout
        step.begin(Step.RESOLVE)
        try:
            infos = await wire.resolve(endpoint.host, endpoint.port, timeout)
        except Exception as error:
            raise failures.translate(error, endpoint, "looking up the server name") from error
        step.ok(Step.RESOLVE, ", ".join(sorted({str(info[4][0]) for info in infos})))

        step.begin(Step.CONNECT)
        try:
            sock = await wire.connect_socket(infos, timeout)
        except Exception as error:
            raise failures.translate(error, endpoint, "connecting") from error

        implicit = endpoint.security is Security.TLS
        client = wire.SmtpClient(
            hostname=endpoint.host,
            sock=sock,
            use_tls=implicit,
            # Never None (opportunistic). STARTTLS is our own explicit, mandatory step below.
            start_tls=False,
            tls_context=context,
            local_hostname=wire.local_name(sock),
            timeout=endpoint.command_timeout,
        )
        try:
            if implicit:
                step.ok(Step.CONNECT, f"{sock.getpeername()[0]} port {endpoint.port}")
                step.begin(Step.TLS)
                await self._connect(client, "starting TLS")
            else:
                await self._connect(client, "reading the greeting")
                step.ok(Step.CONNECT, f"{sock.getpeername()[0]} port {endpoint.port}")
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

    async def _connect(self, client: wire.SmtpClient, doing: str) -> None:
        try:
            await client.connect(timeout=self.endpoint.connect_timeout)
        except Exception as error:
            await self._raise_certificate_error(error)
            raise failures.translate(error, self.endpoint, doing) from error

    async def _starttls(self, client: wire.SmtpClient) -> None:
        endpoint = self.endpoint
        timeout = endpoint.connect_timeout
        await self._ehlo(client, "saying EHLO", seconds=timeout)
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
        """The refused certificate, read over a second connection that stops after TLS."""
        probe = SubmissionSession(self.endpoint, None)
        try:
            client = await probe._open_tls(tls.pinning_context(), fetching=True)
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

    async def _ehlo(
        self, client: wire.SmtpClient, doing: str, seconds: float | None = None
    ) -> None:
        try:
            await client.ehlo(timeout=seconds or self.endpoint.command_timeout)
        except Exception as error:
            raise failures.translate(error, self.endpoint, doing) from error
        self.capabilities = Capabilities.from_ehlo(
            client.esmtp_extensions, client.server_auth_methods
        )

    # --- login -------------------------------------------------------------------------------

    async def _authenticate(self, client: wire.SmtpClient, credentials: Credentials) -> str:
        endpoint = self.endpoint
        if client.tls_object() is None and endpoint.security is not Security.PLAIN_LOOPBACK_ONLY:
            # Unreachable by construction; kept so no future change can leak a password.
            raise InsecureConfiguration("Refusing to log in before TLS is up.")
        mechanism = self._mechanism(credentials)
        user, secret = credentials.username, credentials.secret
        client.in_auth = True
        try:
            if mechanism == "XOAUTH2":
                await client.auth_xoauth2(user, secret)
            elif mechanism == "PLAIN":
                await client.auth_plain(user, secret)
            else:
                await client.auth_login(user, secret)
        except aiosmtplib.SMTPAuthenticationError as error:
            temporary = 400 <= error.code < 500
            raise AuthenticationFailed(
                f"{endpoint.label} refused the login for {user}: {error.code} {error.message}",
                "The server reports a temporary problem; try again later." if temporary else None,
                host=endpoint.host,
                port=endpoint.port,
                server_text=error.message,
            ) from None
        except Exception as error:
            raise failures.translate(error, endpoint, "logging in") from None
        finally:
            client.in_auth = False
        return mechanism

    def _mechanism(self, credentials: Credentials) -> str:
        offered = self.capabilities.auth_methods
        label = self.endpoint.label
        if not offered:
            raise LoginDisabled(
                f"{label} offers no login (AUTH) on this connection.",
                host=self.endpoint.host,
                port=self.endpoint.port,
            )
        oauth = credentials.kind is SecretKind.OAUTH2_TOKEN
        wanted = ("XOAUTH2",) if oauth else ("PLAIN", "LOGIN")
        for mechanism in wanted:
            if mechanism in offered:
                return mechanism
        raise LoginDisabled(
            f"{label} offers login by {', '.join(sorted(offered))}, none of which Kittiwake "
            f"can use with this account (it needs {' or '.join(wanted)}).",
            host=self.endpoint.host,
            port=self.endpoint.port,
        )

    # --- sending -----------------------------------------------------------------------------

    async def send(
        self,
        raw: bytes,
        *,
        sender: str | None = None,
        recipients: tuple[str, ...] | list[str] | None = None,
    ) -> SendResult:
        """Submit one message; the envelope defaults to Sender/From and To/Cc/Bcc.

        Bcc lines are stripped from what is transmitted. Any refusal raises MessageRefused
        (MessageTooLarge for size) and leaves the session usable for the next message; a
        refused recipient aborts the whole message, so it is sent to all or to nobody.
        """
        async with self._lock:
            client = self._require_client()
            envelope = envelope_from_message(raw, sender, recipients)
            content = analyse(strip_bcc(raw))
            options = mail_options(content, envelope, self.capabilities, server=self.endpoint.label)
            encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
            try:
                await self._envelope(client, envelope, options, encoding)
                reply = await self._data(client, content.data)
            except KittiwakeError:
                raise  # a refusal (some are OSErrors too): the session stays usable
            except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
                self._abort()
                raise self._lost("before the message was sent") from None
            except (aiosmtplib.SMTPException, OSError) as error:
                # A malformed or endless reply: the session is out of step, so drop it.
                self._abort()
                raise failures.translate(error, self.endpoint, "sending a message") from None
            return SendResult(envelope, content.size, reply)

    async def _envelope(
        self, client: wire.SmtpClient, envelope: Envelope, options: list[str], encoding: str
    ) -> None:
        endpoint = self.endpoint
        try:
            await client.mail(envelope.sender, options=options, encoding=encoding)
        except aiosmtplib.SMTPSenderRefused as error:
            await self._reset(client)
            raise refusal(
                error.code,
                error.message,
                stage="MAIL FROM",
                subject=envelope.sender,
                host=endpoint.host,
                port=endpoint.port,
            ) from None
        for recipient in envelope.recipients:
            try:
                await client.rcpt(recipient, encoding=encoding)
            except aiosmtplib.SMTPRecipientRefused as error:
                await self._reset(client)
                raise refusal(
                    error.code,
                    error.message,
                    stage="RCPT TO",
                    subject=recipient,
                    host=endpoint.host,
                    port=endpoint.port,
                ) from None

    async def _data(self, client: wire.SmtpClient, data: bytes) -> str:
        endpoint = self.endpoint
        start = await client.execute_command(b"DATA")
        if start.code != 354:
            await self._reset(client)
            raise refusal(
                start.code, start.message, stage="DATA", host=endpoint.host, port=endpoint.port
            )
        protocol = client.protocol
        if protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        # From here the server may have the whole message: any failure is "outcome unknown".
        # write() then read_response() with no await between, so no reply can slip past.
        try:
            protocol.write(dot_stuffed(data))
            final = await protocol.read_response(timeout=self._final_reply_timeout())
        except BaseException as error:
            self._abort()
            if isinstance(error, asyncio.CancelledError):
                raise
            raise SubmissionOutcomeUnknown(
                f"The connection to {endpoint.label} broke after the message was sent and "
                "before the server confirmed it: it may or may not have been delivered.",
                host=endpoint.host,
                port=endpoint.port,
            ) from None
        if final.code != 250:
            raise refusal(
                final.code,
                final.message,
                stage="end of DATA",
                host=endpoint.host,
                port=endpoint.port,
            )
        return final.message

    def _final_reply_timeout(self) -> float:
        # RFC 5321 4.5.3.2.6: servers may scan the whole message before the final reply and
        # clients should wait 10 minutes; giving up early only turns a success into "unknown".
        return max(self.endpoint.command_timeout, FINAL_REPLY_TIMEOUT)

    async def _reset(self, client: wire.SmtpClient) -> None:
        # Clears the half-built envelope so the session can send the next message.
        with contextlib.suppress(Exception):
            await client.rset()

    def _lost(self, when: str) -> ConnectionLost:
        return ConnectionLost(
            f"The connection to {self.endpoint.label} was lost {when}: nothing was delivered.",
            host=self.endpoint.host,
            port=self.endpoint.port,
        )

    def _require_client(self) -> wire.SmtpClient:
        client = self._client
        if client is None or not client.is_connected:
            raise ConnectionLost(
                f"The connection to {self.endpoint.label} is closed.",
                host=self.endpoint.host,
                port=self.endpoint.port,
            )
        return client

    # --- closing -----------------------------------------------------------------------------

    async def close(self) -> None:
        """QUIT politely (briefly), then drop the connection whatever the server does."""
        client, self._client = self._client, None
        if client is None:
            return
        if client.is_connected:
            with contextlib.suppress(Exception):
                await client.quit(timeout=min(5.0, self.endpoint.command_timeout))
        wire.close_quietly(client)

    def _abort(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            wire.close_quietly(client)

    async def __aenter__(self) -> SubmissionSession:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
