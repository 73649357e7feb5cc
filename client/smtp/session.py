"""One authenticated submission connection (RFC 6409): open it, send messages, close it.

    async with SubmissionSession(endpoint, credentials) as session:
        result = await session.send(raw_message_bytes)

The pieces: connection.py (resolve, connect, mandatory TLS, certificate or pin), login.py
(AUTH, only after all that), transaction.py (one message). This class holds them together,
serialises sends on the one connection, and records which step failed for the wizard.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.net.errors import (
    CertificateError,
    CertificateInfo,
    ConnectionLost,
    KittiwakeError,
)
from kittiwake.client.smtp import wire
from kittiwake.client.smtp.capabilities import Capabilities
from kittiwake.client.smtp.connection import Connector, ehlo
from kittiwake.client.smtp.login import authenticate
from kittiwake.client.smtp.steps import Step, StepLog
from kittiwake.client.smtp.transaction import SendResult, submit

__all__ = ["SendResult", "SubmissionSession"]


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
        # What the server announced in its EHLO over TLS.
        self.capabilities = Capabilities()
        # The certificate the server showed (once accepted), for display and pinning.
        self.certificate: CertificateInfo | None = None
        self._client: wire.SmtpClient | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Resolve, connect, TLS, certificate, EHLO, AUTH. On failure nothing stays open."""
        steps = self.steps
        connector = Connector(self.endpoint, steps)
        try:
            self._client = client = await connector.open()
            self.certificate = connector.certificate
            steps.begin(Step.LOGIN)
            self.capabilities = await ehlo(client, self.endpoint, "saying EHLO over TLS")
            if self._credentials is None:
                steps.ok(Step.LOGIN, "no login configured")
                return
            mechanism = await authenticate(
                client, self.endpoint, self.capabilities.auth_methods, self._credentials
            )
            steps.ok(Step.LOGIN, f"{self._credentials.username} ({mechanism})")
        except BaseException as error:
            self._abort()
            if isinstance(error, KittiwakeError) and steps.failed_step is None:
                steps.failed(self._failed_step(error), error)
            raise

    def _failed_step(self, error: KittiwakeError) -> Step:
        # A refused certificate surfaces inside the TLS handshake, but the wizard must say
        # "certificate", with TLS itself fine: record TLS as done first.
        if isinstance(error, CertificateError):
            if self.steps.current is Step.TLS:
                self.steps.ok(Step.TLS, "handshake reached the certificate check")
            return Step.CERTIFICATE
        return self.steps.current

    async def send(
        self,
        raw: bytes,
        *,
        sender: str | None = None,
        recipients: tuple[str, ...] | list[str] | None = None,
    ) -> SendResult:
        """Submit one message; the envelope defaults to Sender/From and To/Cc/Bcc.

        Bcc lines are stripped from what is transmitted. A refusal raises MessageRefused
        (MessageTooLarge for size) and leaves the session usable for the next message.
        """
        async with self._lock:
            client = self._client
            if client is None or not client.is_connected:
                raise ConnectionLost(
                    f"The connection to {self.endpoint.label} is closed.",
                    host=self.endpoint.host,
                    port=self.endpoint.port,
                )
            return await submit(
                client,
                self.endpoint,
                self.capabilities,
                raw,
                sender=sender,
                recipients=recipients,
            )

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
