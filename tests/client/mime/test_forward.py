"""forward.py: inline (with the original's attachments) and as message/rfc822."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import Address
from kittiwake.client.mime.compose import Attachment, Draft, build_message
from kittiwake.client.mime.forward import FORWARD_MARKER, ForwardMode, forward

ME = Identity("Me", "me@home.example", "Me")
ALICE = Identity("Alice", "alice@a.example")


def original() -> bytes:
    return build_message(
        Draft(
            identity=ALICE,
            to=(Address("me@home.example"),),
            subject="Grüße: Q3 report",
            text="Numbers attached.\n",
            attachments=(Attachment("Q3 März.pdf", b"%PDF-1.4 q3"),),
            message_id="<orig@a.example>",
        )
    )


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_forward_inline_quotes_headers_and_body_and_keeps_attachments() -> None:
    draft = forward(original(), [ME], ForwardMode.INLINE)
    assert draft.subject == "Fwd: Grüße: Q3 report"
    assert draft.to == () and draft.in_reply_to is None
    assert FORWARD_MARKER in draft.text
    assert "From: Alice <alice@a.example>" in draft.text
    assert "Subject: Grüße: Q3 report" in draft.text
    assert "Numbers attached." in draft.text
    assert draft.text.endswith("-- \nMe\n")  # signature last: it hides nothing
    (att,) = draft.attachments
    assert (att.name, att.data, att.content_type) == (
        "Q3 März.pdf",
        b"%PDF-1.4 q3",
        "application/pdf",
    )


def test_forward_as_attachment_keeps_the_original_bytes() -> None:
    raw = original()
    draft = forward(raw, [ME], ForwardMode.ATTACHMENT)
    assert draft.subject == "Fwd: Grüße: Q3 report"
    (att,) = draft.attachments
    assert att.content_type == "message/rfc822" and att.name == "Grüße: Q3 report.eml"
    draft = Draft(**{**draft.__dict__, "to": (Address("bob@b.example"),)})
    out = build_message(draft)
    assert raw in out  # byte for byte, not re-encoded
    (part,) = parse(out).iter_attachments()
    assert part.get_content_type() == "message/rfc822"
    inner = part.get_content()
    assert inner["Message-ID"] == "<orig@a.example>"


def test_forward_hostile_subject_is_folded() -> None:
    raw = b"From: a@a.example\nSubject: =?utf-8?q?x=0D=0ABcc=3A_v=40x=2Eexample?=\n\nbody\n"
    draft = forward(raw, [ME])
    assert draft.subject == "Fwd: x Bcc: v@x.example"
    build_message(Draft(**{**draft.__dict__, "to": (Address("b@b.example"),)}))


def test_forward_of_broken_multipart_does_not_crash() -> None:
    raw = b"From: a@a.example\nContent-Type: multipart/mixed\n\nno boundary at all\n"
    for mode in ForwardMode:
        build_message(forward(raw, [ME], mode))
