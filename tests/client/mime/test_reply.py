"""reply.py: recipients, subject, threading headers and quoting of a reply."""

from __future__ import annotations

import email
import email.policy

import pytest

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import Address
from kittiwake.client.mime.compose import build_message
from kittiwake.client.mime.reply import (
    MAX_REFERENCES,
    ReplyMode,
    body_text,
    parse_original,
    quote,
    reply,
)

HOME = Identity("Me", "me@home.example", "Me\nhome")
WORK = Identity("Me at work", "me@work.example")
IDS = [HOME, WORK]


def message(headers: str, body: str = "Hello there\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode()


BASE = """
From: Alice <alice@a.example>
To: Me <me@home.example>, Bob <bob@b.example>
Cc: ME@HOME.example, carol@c.example, Bob <BOB@b.example>, me@work.example
Subject: Plans
Date: Tue, 03 Feb 2026 10:00:00 +0100
Message-ID: <m3@a.example>
References: <m1@a.example> <m2@b.example>
"""


def keys(addresses: tuple[Address, ...]) -> list[str]:
    return [a.addr_spec.lower() for a in addresses]


def test_reply_to_sender() -> None:
    draft = reply(message(BASE), IDS, ReplyMode.SENDER)
    assert keys(draft.to) == ["alice@a.example"] and draft.cc == ()
    assert draft.identity == HOME
    assert draft.subject == "Re: Plans"
    assert draft.in_reply_to == "<m3@a.example>"
    assert draft.references == ("<m1@a.example>", "<m2@b.example>", "<m3@a.example>")


def test_reply_all_removes_own_addresses_and_duplicates() -> None:
    draft = reply(message(BASE), IDS, ReplyMode.ALL)
    assert keys(draft.to) == ["alice@a.example"]
    assert keys(draft.cc) == ["bob@b.example", "carol@c.example"]


def test_reply_to_header_is_honoured() -> None:
    raw = message(BASE + "Reply-To: Team <team@a.example>\n")
    assert keys(reply(raw, IDS, ReplyMode.SENDER).to) == ["team@a.example"]
    draft = reply(raw, IDS, ReplyMode.ALL)
    assert keys(draft.to) == ["team@a.example"]
    assert "alice@a.example" not in keys(draft.cc)


def test_mail_followup_to_is_honoured_by_reply_all() -> None:
    raw = message(BASE + "Mail-Followup-To: list@l.example, me@home.example\n")
    draft = reply(raw, IDS, ReplyMode.ALL)
    assert keys(draft.to) == ["list@l.example"] and draft.cc == ()
    assert keys(reply(raw, IDS, ReplyMode.SENDER).to) == ["alice@a.example"]


def test_reply_to_list_uses_list_post() -> None:
    raw = message(BASE + "List-Post: <mailto:dev@lists.example?subject=x>\n")
    draft = reply(raw, IDS, ReplyMode.LIST)
    assert keys(draft.to) == ["dev@lists.example"]
    without_list = reply(message(BASE), IDS, ReplyMode.LIST)
    assert keys(without_list.to) == ["alice@a.example"]  # falls back to reply-all


def test_reply_to_own_sent_message_goes_to_its_recipients() -> None:
    raw = message(
        "From: Me <me@work.example>\nTo: bob@b.example\nCc: carol@c.example\nSubject: x\n"
        "Message-ID: <s1@work.example>\n"
    )
    draft = reply(raw, IDS, ReplyMode.ALL)
    assert draft.identity == WORK
    assert keys(draft.to) == ["bob@b.example"] and keys(draft.cc) == ["carol@c.example"]


def test_note_to_self_still_has_a_recipient() -> None:
    raw = message("From: me@home.example\nTo: me@home.example\nSubject: note\n")
    assert keys(reply(raw, IDS, ReplyMode.ALL).to) == ["me@home.example"]


def test_identity_follows_the_address_the_message_was_sent_to() -> None:
    raw = message("From: a@a.example\nTo: me@work.example\nSubject: x\n")
    assert reply(raw, IDS).identity == WORK
    raw = message("From: a@a.example\nTo: other@x.example\nDelivered-To: me@work.example\n")
    assert reply(raw, IDS).identity == WORK
    raw = message("From: a@a.example\nTo: other@x.example\n")
    assert reply(raw, IDS).identity == HOME


def test_subject_prefixes_do_not_pile_up() -> None:
    raw = message("From: a@a.example\nSubject: [list] Re: AW: RE: Plans\n")
    assert reply(raw, IDS).subject == "[list] Re: Plans"


def test_references_trimmed_keeping_root_and_recent() -> None:
    refs = " ".join(f"<r{i}@x.example>" for i in range(40))
    raw = message(f"From: a@a.example\nMessage-ID: <me@x.example>\nReferences: {refs}\n")
    draft = reply(raw, IDS)
    assert len(draft.references) == MAX_REFERENCES
    assert draft.references[0] == "<r0@x.example>"
    assert draft.references[-1] == "<me@x.example>"
    assert draft.references[-2] == "<r39@x.example>"


def test_in_reply_to_used_when_no_references() -> None:
    raw = message("From: a@a.example\nMessage-ID: <c@x.example>\nIn-Reply-To: <p@x.example>\n")
    assert reply(raw, IDS).references == ("<p@x.example>", "<c@x.example>")


def test_no_message_id_means_no_in_reply_to() -> None:
    draft = reply(message("From: a@a.example\nSubject: x\n"), IDS)
    assert draft.in_reply_to is None and draft.references == ()
    build_message(draft)


def test_attribution_quote_and_signature() -> None:
    body = "Line one\n> earlier\n\n-- \nAlice's signature\n"
    draft = reply(message(BASE, body), IDS)
    assert draft.text.startswith("On 2026-02-03 10:00, Alice wrote:\n> Line one\n>> earlier\n>\n")
    assert "Alice's signature" not in draft.text
    assert draft.text.endswith("\n-- \nMe\nhome\n")


def test_quote_of_flowed_original_is_unflowed_first() -> None:
    raw = (
        b"From: a@a.example\nContent-Type: text/plain; charset=utf-8; format=flowed\n\n"
        b"A long paragraph \nthat was soft-broken.\n> quoted \n> too\n"
    )
    text = body_text(parse_original(raw))
    assert text.startswith("A long paragraph that was soft-broken.\n> quoted too")


def test_html_only_original_is_quoted_as_text() -> None:
    raw = b"From: a@a.example\nContent-Type: text/html\n\n<p>Hello <b>you</b></p><p>Bye</p>\n"
    assert quote(body_text(parse_original(raw))) == "> Hello you\n>\n> Bye"


def test_hostile_decoded_subject_and_name_neither_crash_nor_inject() -> None:
    raw = message(
        "From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40x=2Eexample?= <eve@e.example>\n"
        "To: unlisted-recipients:;\n"
        "Subject: =?utf-8?q?Hi=0D=0ABcc=3A_victim=40x=2Eexample?=\n"
        "Message-ID: <e1@e.example>\n"
    )
    draft = reply(raw, IDS, ReplyMode.ALL)
    assert draft.subject == "Re: Hi Bcc: victim@x.example"
    out = build_message(draft)
    msg = email.message_from_bytes(out, policy=email.policy.default)
    assert msg["Bcc"] is None
    assert [k for k in msg if k.lower() == "bcc"] == []
    assert str(msg["Subject"]) == "Re: Hi Bcc: victim@x.example"
    assert "\r\n" not in draft.text.split("\n", 1)[0]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage without headers",
        b"From: \nTo: \nSubject: \n\n",
        b"From: a@a.example\nContent-Type: multipart/mixed\n\nno boundary\n",
        b"From: a@a.example\nContent-Type: text/plain; charset=x-unknown\n\nbody\n",
        b"From: a@a.example\nDate: not a date\nSubject: \xff\xfe raw bytes\n\nbody\n",
        b"From: a@a.example\nContent-Transfer-Encoding: base64\n\n!!!not base64\n",
    ],
)
def test_broken_originals_do_not_crash(raw: bytes) -> None:
    draft = reply(raw, IDS, ReplyMode.ALL)
    build_message(draft)


def test_compat32_message_is_accepted() -> None:
    msg = email.message_from_bytes(message(BASE))  # compat32 Message
    assert reply(msg, IDS).subject == "Re: Plans"


def test_needs_an_identity() -> None:
    with pytest.raises(ValueError):
        reply(message(BASE), [])


def test_broken_recipients_are_dropped_not_answered() -> None:
    raw = message(
        "From: Alice <alice@a.example>\nTo: <Undisclosed-Recipient:@x.example;>, bob@b.example\n"
        "Cc: not-an-address, carol@@c.example\n"
    )
    draft = reply(raw, IDS, ReplyMode.ALL)
    assert keys(draft.to) == ["alice@a.example"] and keys(draft.cc) == ["bob@b.example"]
