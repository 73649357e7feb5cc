"""One message through every protocol client, against the real Dovecot.

Composed by client/mime, submitted by client/smtp (STARTTLS), then fetched by client/imap
(implicit TLS) and by client/pop3 (STLS): both fetches must be the same bytes, and equal to what
was submitted once the delivery headers the server prepends are set aside.
"""

from __future__ import annotations

import asyncio

from kittiwake.client.accounts.model import Identity
from kittiwake.client.imap.client import ImapClient
from kittiwake.client.mime.addresses import Address
from kittiwake.client.mime.compose import Attachment, new_draft
from kittiwake.client.mime.compose import build_message as compose
from kittiwake.client.pop3.session import open_session
from kittiwake.client.smtp.session import SubmissionSession
from tests.servers.fixtures import MailServer


def without_delivery_headers(delivered: bytes, first_header: bytes) -> bytes:
    """LMTP delivery prepends Return-Path, Delivered-To and Received; drop exactly those."""
    start = delivered.index(first_header)
    assert all(
        line.split(b":")[0] in {b"Return-Path", b"Delivered-To", b"Received"}
        or line.startswith((b" ", b"\t"))
        for line in delivered[:start].split(b"\r\n")
        if line
    )
    return delivered[start:]


async def test_submitted_message_is_fetched_byte_for_byte_over_imap_and_pop3(
    mail_server: MailServer,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    draft = new_draft(
        Identity("Alice Ångström", alice.address),
        to=(Address(bob.address, "Bob"),),
        subject="Grüße, with an attachment",
        text="Hello Bob,\n\n.a line that starts with a dot\nÜmlauts and a long line " + "x" * 300,
        attachments=(Attachment("résumé.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40),),
    )
    raw = compose(draft)

    async with SubmissionSession(mail_server.endpoint("submission"), alice.credentials()) as smtp:
        await smtp.send(raw)
    await asyncio.to_thread(mail_server.wait_for_messages, bob, 1)

    imap = await ImapClient.connect(mail_server.endpoint("imaps"), bob.credentials())
    try:
        await imap.select("INBOX")
        (item,) = (await imap.uid_fetch("1:*", ["UID", "BODY.PEEK[]"])).messages
        over_imap = item.section()
    finally:
        await imap.logout()

    async with await open_session(mail_server.endpoint("pop3"), bob.credentials()) as pop3:
        (entry,) = await pop3.uidl()
        over_pop3 = await pop3.retr(entry.number)

    assert over_imap == over_pop3
    first_header = raw.split(b"\r\n", 1)[0] + b"\r\n"
    assert without_delivery_headers(over_imap, first_header) == raw
