"""The step log: order kept, the first failure named."""

from __future__ import annotations

from kittiwake.client.net.errors import HostNotFound
from kittiwake.client.smtp.steps import Step, StepLog


def test_step_log_records_order_and_first_failure() -> None:
    log = StepLog()
    log.begin(Step.RESOLVE)
    log.ok(Step.RESOLVE, "127.0.0.1")
    log.begin(Step.CONNECT)
    assert log.current is Step.CONNECT and log.failed_step is None
    error = HostNotFound("no such host")
    log.failed(Step.CONNECT, error)
    assert [(r.step, r.ok) for r in log.results] == [(Step.RESOLVE, True), (Step.CONNECT, False)]
    assert log.failed_step is Step.CONNECT
    assert log.results[-1].error is error and log.results[-1].detail == "no such host"
