"""One mail transaction (MAIL, RCPT..., DATA) on an open, authenticated connection.

Every message passes `capabilities.mail_options` first, so SIZE, 8BITMIME and SMTPUTF8
refusals send nothing. A refused recipient aborts the whole message (RSET): it goes to all
recipients or to none, which keeps the outbox's "sent or not" a yes/no question. We write the
DATA payload ourselves rather than through aiosmtplib's `data()` so that a lost connection can
be told apart: before the payload went out the message is known not sent; after, the outcome is
unknown and the outbox must check before sending again.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import aiosmtplib

from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.net.errors import ConnectionLost, KittiwakeError, SubmissionOutcomeUnknown
from kittiwake.client.smtp import failures, wire
from kittiwake.client.smtp.capabilities import Capabilities, mail_options
from kittiwake.client.smtp.envelope import Envelope, envelope_from_message, strip_bcc
from kittiwake.client.smtp.payload import analyse, dot_stuffed
from kittiwake.client.smtp.replies import refusal

# RFC 5321 4.5.3.2.6: a server may scan the whole message before its final reply, and clients
# should wait 10 minutes; giving up sooner only turns a delivered message into "unknown".
FINAL_REPLY_TIMEOUT = 600.0


@dataclass(frozen=True)
class SendResult:
    envelope: Envelope
    size: int  # bytes transmitted (CRLF-normalised, before dot-stuffing)
    server_reply: str  # the text of the final 250 (often carries the queue id)


async def submit(
    client: wire.SmtpClient,
    endpoint: Endpoint,
    capabilities: Capabilities,
    raw: bytes,
    *,
    sender: str | None = None,
    recipients: tuple[str, ...] | list[str] | None = None,
) -> SendResult:
    """Send one message. A refusal (MessageRefused) leaves the connection usable; a broken
    connection is closed and raised as ConnectionLost or SubmissionOutcomeUnknown."""
    envelope = envelope_from_message(raw, sender, recipients)
    content = analyse(strip_bcc(raw))
    options = mail_options(content, envelope, capabilities, server=endpoint.label)
    encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
    try:
        await _envelope(client, endpoint, envelope, options, encoding)
        reply = await _data(client, endpoint, content.data)
    except KittiwakeError:
        raise  # refusals (MessageRefused is an OSError too) and SubmissionOutcomeUnknown
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
        wire.close_quietly(client)
        raise ConnectionLost(
            f"The connection to {endpoint.label} was lost before the message was sent: "
            "nothing was delivered.",
            host=endpoint.host,
            port=endpoint.port,
        ) from None
    except (aiosmtplib.SMTPException, OSError) as error:
        # A malformed or endless reply: the conversation is out of step, so drop it.
        wire.close_quietly(client)
        raise failures.translate(error, endpoint, "sending a message") from None
    return SendResult(envelope, content.size, reply)


async def _envelope(
    client: wire.SmtpClient,
    endpoint: Endpoint,
    envelope: Envelope,
    options: list[str],
    encoding: str,
) -> None:
    try:
        await client.mail(envelope.sender, options=options, encoding=encoding)
    except aiosmtplib.SMTPSenderRefused as error:
        await _reset(client)
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
            await _reset(client)
            raise refusal(
                error.code,
                error.message,
                stage="RCPT TO",
                subject=recipient,
                host=endpoint.host,
                port=endpoint.port,
            ) from None


async def _data(client: wire.SmtpClient, endpoint: Endpoint, data: bytes) -> str:
    start = await client.execute_command(b"DATA")
    if start.code != 354:
        await _reset(client)
        raise refusal(
            start.code, start.message, stage="DATA", host=endpoint.host, port=endpoint.port
        )
    protocol = client.protocol
    if protocol is None:
        raise aiosmtplib.SMTPServerDisconnected("Connection lost")
    # write() raises before writing a byte if the connection is already gone: still "not sent".
    # read_response() follows with no await in between, so no reply can arrive unclaimed.
    protocol.write(dot_stuffed(data))
    try:
        final = await protocol.read_response(
            timeout=max(endpoint.command_timeout, FINAL_REPLY_TIMEOUT)
        )
    except BaseException as error:
        wire.close_quietly(client)
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
            final.code, final.message, stage="end of DATA", host=endpoint.host, port=endpoint.port
        )
    return final.message


async def _reset(client: wire.SmtpClient) -> None:
    # Clears the half-built envelope so the connection can carry the next message.
    with contextlib.suppress(Exception):
        await client.rset()
