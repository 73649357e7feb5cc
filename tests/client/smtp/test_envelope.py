"""Envelope from headers, Bcc stripping: byte-exact, robust to hostile headers."""

from __future__ import annotations

import pytest

from kittiwake.client.net.errors import MessageRefused
from kittiwake.client.smtp.envelope import envelope_from_message, split_message, strip_bcc

MESSAGE = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: Bob <bob@example.org>, carol@example.org\r\n"
    b'Cc: "Dave, D." <dave@example.org>\r\n'
    b"Bcc: eve@example.org,\r\n"
    b"\tfrank@example.org\r\n"
    b"Subject: Hi\r\n"
    b"\r\n"
    b"Bcc: this line is body text, not a header\r\n"
)


def test_envelope_from_headers_takes_to_cc_bcc_in_order() -> None:
    envelope = envelope_from_message(MESSAGE)
    assert envelope.sender == "alice@example.org"
    assert envelope.recipients == (
        "bob@example.org",
        "carol@example.org",
        "dave@example.org",
        "eve@example.org",
        "frank@example.org",
    )


def test_sender_header_wins_over_from() -> None:
    raw = b"From: a@example.org\r\nSender: sec@example.org\r\nTo: b@example.org\r\n\r\nx\r\n"
    assert envelope_from_message(raw).sender == "sec@example.org"


def test_given_envelope_overrides_headers() -> None:
    envelope = envelope_from_message(MESSAGE, "x@example.org", ["y@example.org"])
    assert envelope.sender == "x@example.org"
    assert envelope.recipients == ("y@example.org",)


def test_duplicate_recipients_are_sent_once() -> None:
    raw = b"From: a@example.org\r\nTo: b@example.org\r\nCc: B@Example.org\r\n\r\n"
    assert envelope_from_message(raw).recipients == ("b@example.org",)


def test_strip_bcc_removes_folded_field_and_keeps_every_other_byte() -> None:
    stripped = strip_bcc(MESSAGE)
    assert stripped == MESSAGE.replace(b"Bcc: eve@example.org,\r\n\tfrank@example.org\r\n", b"", 1)
    # The body line that merely looks like a header stays.
    assert stripped.endswith(b"\r\nBcc: this line is body text, not a header\r\n")


def test_strip_bcc_without_bcc_is_identity() -> None:
    raw = b"From: a@example.org\nTo: b@example.org\n\nbody\n"
    assert strip_bcc(raw) == raw


def test_strip_resent_bcc_and_case_insensitive() -> None:
    raw = b"From: a@x.org\r\nBCC: s@x.org\r\nResent-Bcc: t@x.org\r\nTo: b@x.org\r\n\r\n"
    assert strip_bcc(raw) == b"From: a@x.org\r\nTo: b@x.org\r\n\r\n"


def test_group_syntax_and_unlisted_recipients_do_not_crash() -> None:
    raw = (
        b"From: a@example.org\r\nTo: unlisted-recipients:;\r\n"
        b"Cc: friends: b@example.org, c@example.org;\r\n\r\n"
    )
    assert envelope_from_message(raw).recipients == ("b@example.org", "c@example.org")


def test_utf8_address_is_kept_and_flags_smtputf8() -> None:
    raw = "From: a@example.org\r\nTo: José <josé@exámple.org>\r\n\r\n".encode()
    envelope = envelope_from_message(raw)
    assert envelope.recipients == ("josé@exámple.org",)
    assert envelope.needs_smtputf8


def test_no_recipients_is_a_clear_permanent_refusal() -> None:
    with pytest.raises(MessageRefused) as caught:
        envelope_from_message(b"From: a@example.org\r\nSubject: x\r\n\r\n")
    assert caught.value.permanent
    assert "no recipients" in caught.value.message


def test_no_sender_is_refused() -> None:
    with pytest.raises(MessageRefused, match="no sender"):
        envelope_from_message(b"To: b@example.org\r\n\r\n")


@pytest.mark.parametrize("bad", ["bob", "a b@example.org", "x@y@z", "<x@y.org>"])
def test_malformed_addresses_are_refused_before_anything_is_sent(bad: str) -> None:
    with pytest.raises(MessageRefused) as caught:
        envelope_from_message(MESSAGE, recipients=[bad])
    assert caught.value.enhanced_status == "5.1.3"


def test_split_message_handles_bare_lf_and_no_body() -> None:
    assert split_message(b"A: 1\nB: 2\n\nbody") == (b"A: 1\nB: 2\n", b"\nbody")
    assert split_message(b"A: 1\r\n") == (b"A: 1\r\n", b"")
