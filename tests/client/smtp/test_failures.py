"""aiosmtplib / socket failures -> the taxonomy, with the right hint."""

from __future__ import annotations

import socket
import ssl

import aiosmtplib

from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    ConnectionRefused,
    HostNotFound,
    NetworkError,
    OperationTimeout,
    ProtocolError,
    TlsHandshakeFailed,
)
from kittiwake.client.smtp.failures import certificate_failure, root_cause, translate

POINT = Endpoint("mx.test", 587, Security.STARTTLS)


def wrapped(cause: BaseException) -> aiosmtplib.SMTPConnectError:
    error = aiosmtplib.SMTPConnectError("Error connecting")
    error.__cause__ = cause
    return error


def test_root_cause_unwraps_aiosmtplib() -> None:
    refused = ConnectionRefusedError(111, "refused")
    assert root_cause(wrapped(refused)) is refused
    assert isinstance(translate(wrapped(refused), POINT, "connecting"), ConnectionRefused)
    gai = socket.gaierror(socket.EAI_NONAME, "no name")
    assert isinstance(translate(gai, POINT, "looking up"), HostNotFound)


def test_certificate_failure_is_found_under_the_wrapper() -> None:
    verification = ssl.SSLCertVerificationError("bad")
    assert certificate_failure(wrapped(verification)) is verification
    assert certificate_failure(wrapped(OSError("x"))) is None


def test_wrong_version_means_no_tls_on_this_port() -> None:
    error = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    error.reason = "WRONG_VERSION_NUMBER"
    mapped = translate(wrapped(error), POINT, "starting TLS")
    assert isinstance(mapped, TlsHandshakeFailed)
    assert "STARTTLS" in mapped.hint


def test_greeting_timeout_on_starttls_port_suggests_implicit_tls() -> None:
    mapped = translate(aiosmtplib.SMTPConnectTimeoutError("t"), POINT, "reading the greeting")
    assert isinstance(mapped, OperationTimeout)
    assert "465" in mapped.hint


def test_invalid_reply_is_a_protocol_error_with_bounded_text() -> None:
    mapped = translate(aiosmtplib.SMTPResponseException(-1, "x" * 10_000), POINT, "reading")
    assert isinstance(mapped, ProtocolError)
    assert len(mapped.message) < 400 and len(mapped.server_text) <= 2000


def test_refused_session_keeps_server_text() -> None:
    mapped = translate(
        aiosmtplib.SMTPConnectResponseError(554, "5.3.2 No service"), POINT, "greeting"
    )
    assert isinstance(mapped, NetworkError)
    assert mapped.server_text == "5.3.2 No service"


def test_disconnect() -> None:
    mapped = translate(aiosmtplib.SMTPServerDisconnected("gone"), POINT, "saying EHLO")
    assert isinstance(mapped, NetworkError)
    assert "closed the connection while saying EHLO" in mapped.message
