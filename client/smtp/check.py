"""The account wizard's login check: EHLO, TLS, AUTH, QUIT. It never sends a message.

It returns (rather than raises) a step log, so the wizard can show each step as done or failed
and put the failed step's message and hint, plus a refused certificate, in front of the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.net.errors import CertificateError, CertificateInfo, KittiwakeError
from kittiwake.client.smtp.capabilities import Capabilities
from kittiwake.client.smtp.session import SubmissionSession
from kittiwake.client.smtp.steps import Step, StepLog, StepResult


@dataclass(frozen=True)
class LoginCheck:
    steps: tuple[StepResult, ...]
    error: KittiwakeError | None
    capabilities: Capabilities
    # The server's certificate: the accepted one, or the refused one (to offer pinning).
    certificate: CertificateInfo | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def failed_step(self) -> Step | None:
        return next((result.step for result in self.steps if not result.ok), None)


async def check_login(endpoint: Endpoint, credentials: Credentials | None) -> LoginCheck:
    steps = StepLog()
    session = SubmissionSession(endpoint, credentials, steps=steps)
    error: KittiwakeError | None = None
    try:
        await session.open()
    except KittiwakeError as failure:
        error = failure
    else:
        await session.close()
    certificate = session.certificate
    if isinstance(error, CertificateError) and error.certificate is not None:
        certificate = error.certificate
    return LoginCheck(steps.results, error, session.capabilities, certificate)
