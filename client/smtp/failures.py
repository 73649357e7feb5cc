"""aiosmtplib and socket failures -> the error taxonomy of client/net/errors.py."""

from __future__ import annotations

import asyncio
import ssl

import aiosmtplib

from kittiwake.client.net import connect as net_connect
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    KittiwakeError,
    NetworkError,
    OperationTimeout,
    ProtocolError,
)


def root_cause(error: BaseException) -> BaseException:
    """aiosmtplib wraps OS and TLS errors (SMTPConnectError from OSError): find the real one."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, aiosmtplib.SMTPException) and error.__cause__ is not None:
            error = error.__cause__
            continue
        break
    return error


def certificate_failure(error: BaseException) -> ssl.SSLCertVerificationError | None:
    cause = root_cause(error)
    return cause if isinstance(cause, ssl.SSLCertVerificationError) else None


def translate(error: BaseException, endpoint: Endpoint, doing: str) -> KittiwakeError:
    """One failure while `doing` something (a phrase: "reading the greeting")."""
    where = endpoint.label
    host, port = endpoint.host, endpoint.port
    if isinstance(error, KittiwakeError):
        return error
    if isinstance(error, aiosmtplib.SMTPConnectResponseError):
        return NetworkError(
            f"{where} refused the session: {error.code} {error.message}",
            "The server is not accepting mail submissions now; try again later.",
            host=host,
            port=port,
            server_text=error.message,
        )
    if isinstance(error, aiosmtplib.SMTPConnectTimeoutError) and doing == "reading the greeting":
        hint = None
        if endpoint.security is Security.STARTTLS:
            hint = (
                "The server sent no greeting. This port may expect implicit TLS: "
                "try the TLS setting (port 465)."
            )
        return OperationTimeout(f"{where} sent no greeting in time.", hint, host=host, port=port)
    if isinstance(error, aiosmtplib.SMTPTimeoutError):
        return OperationTimeout(
            f"{where} did not answer in time while {doing}.", host=host, port=port
        )
    if isinstance(error, aiosmtplib.SMTPResponseException) and error.code < 0:
        # aiosmtplib's own verdicts on a reply: too long (the endless line) or malformed.
        return ProtocolError(
            f"{where} sent an invalid reply while {doing}: {error.message[:200]}",
            host=host,
            port=port,
            server_text=error.message[:2000],
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return ProtocolError(
            f"{where} answered {error.code} while {doing}: {error.message}",
            host=host,
            port=port,
            server_text=error.message,
        )
    cause = root_cause(error)
    if isinstance(cause, aiosmtplib.SMTPServerDisconnected):
        return NetworkError(
            f"{where} closed the connection while {doing}.",
            "Check the port and the security mode (TLS on 465, STARTTLS on 587).",
            host=host,
            port=port,
        )
    if isinstance(cause, aiosmtplib.SMTPException):
        return ProtocolError(f"{where} failed while {doing}: {cause}", host=host, port=port)
    if isinstance(cause, asyncio.CancelledError):
        raise cause
    return net_connect.translate(cause, endpoint, doing)
