"""The step log of opening a submission session, so the wizard can say which step failed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kittiwake.client.net.errors import KittiwakeError


class Step(enum.StrEnum):
    RESOLVE = "resolve"  # the server name to addresses
    CONNECT = "connect"  # TCP (with STARTTLS: also the plain-text greeting)
    TLS = "tls"  # the TLS handshake (with STARTTLS: EHLO + STARTTLS first)
    CERTIFICATE = "certificate"  # the chain and host name, or the pinned fingerprint
    LOGIN = "login"  # EHLO over TLS, then AUTH


@dataclass(frozen=True)
class StepResult:
    step: Step
    ok: bool
    detail: str = ""  # for a person: what was found ("127.0.0.1", "TLSv1.3", the error)
    error: KittiwakeError | None = None


class StepLog:
    """Steps in the order they ran. Only the running step can fail."""

    def __init__(self) -> None:
        self._results: list[StepResult] = []
        self.current: Step = Step.RESOLVE

    def begin(self, step: Step) -> None:
        self.current = step

    def ok(self, step: Step, detail: str = "") -> None:
        self._results.append(StepResult(step, True, detail))

    def failed(self, step: Step, error: KittiwakeError) -> None:
        self._results.append(StepResult(step, False, error.message, error))

    @property
    def results(self) -> tuple[StepResult, ...]:
        return tuple(self._results)

    @property
    def failed_step(self) -> Step | None:
        for result in self._results:
            if not result.ok:
                return result.step
        return None
