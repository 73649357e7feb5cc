"""EHLO capabilities and the per-message gate (SIZE, 8BITMIME, SMTPUTF8)."""

from __future__ import annotations

import pytest

from kittiwake.client.net.errors import MessageRefused, MessageTooLarge
from kittiwake.client.smtp.capabilities import Capabilities, mail_options
from kittiwake.client.smtp.envelope import Envelope
from kittiwake.client.smtp.payload import analyse

ASCII = Envelope("a@example.org", ("b@example.org",))
FULL = Capabilities.from_ehlo(
    {"size": "1000", "8bitmime": "", "smtputf8": "", "pipelining": "", "auth": "PLAIN LOGIN"},
    ["plain", "login"],
)


def test_from_ehlo() -> None:
    assert FULL.size_limit == 1000 and FULL.size_announced
    assert FULL.auth_methods == {"PLAIN", "LOGIN"}
    assert FULL.eight_bit_mime and FULL.smtputf8 and FULL.pipelining
    unlimited = Capabilities.from_ehlo({"size": "0"}, [])
    assert unlimited.size_announced and unlimited.size_limit is None
    assert Capabilities.from_ehlo({"size": "junk"}, []).size_limit is None


def test_seven_bit_message_declares_size_only() -> None:
    content = analyse(b"Subject: x\r\n\r\nhello\r\n")
    assert mail_options(content, ASCII, FULL) == [f"SIZE={content.size}"]
    assert mail_options(content, ASCII, Capabilities()) == []


def test_too_large_is_refused_locally() -> None:
    content = analyse(b"Subject: x\r\n\r\n" + b"x" * 2000 + b"\r\n")
    with pytest.raises(MessageTooLarge) as caught:
        mail_options(content, ASCII, FULL)
    assert caught.value.permanent and caught.value.enhanced_status == "5.3.4"
    assert "Nothing was sent" in caught.value.message


def test_eight_bit_body_uses_8bitmime_or_is_refused() -> None:
    content = analyse("Subject: x\r\n\r\ncafé\r\n".encode())
    assert "BODY=8BITMIME" in mail_options(content, ASCII, FULL)
    with pytest.raises(MessageRefused, match="8BITMIME"):
        mail_options(content, ASCII, Capabilities(size_announced=True))


def test_utf8_address_uses_smtputf8_or_is_refused() -> None:
    content = analyse(b"Subject: x\r\n\r\nhi\r\n")
    utf8 = Envelope("a@example.org", ("josé@example.org",))
    assert mail_options(content, utf8, FULL)[-1] == "SMTPUTF8"
    without = Capabilities(eight_bit_mime=True)
    with pytest.raises(MessageRefused, match="SMTPUTF8") as caught:
        mail_options(content, utf8, without)
    assert caught.value.enhanced_status == "5.6.7"


def test_utf8_header_needs_smtputf8() -> None:
    content = analyse("Subject: café\r\n\r\nhi\r\n".encode())
    assert mail_options(content, ASCII, FULL)[1:] == ["BODY=8BITMIME", "SMTPUTF8"]
    with pytest.raises(MessageRefused, match="headers"):
        mail_options(content, ASCII, Capabilities(eight_bit_mime=True))


def test_line_longer_than_998_octets_is_refused_locally() -> None:
    fits = analyse(b"Subject: x\r\n\r\n" + b"y" * 998 + b"\r\n")
    assert fits.longest_line == 998
    unlimited = Capabilities(size_announced=True)
    assert mail_options(fits, ASCII, unlimited) == [f"SIZE={fits.size}"]
    too_long = analyse(b"Subject: x\r\n\r\n" + b"y" * 999 + b"\r\n")
    with pytest.raises(MessageRefused, match="999 characters") as caught:
        mail_options(too_long, ASCII, unlimited)
    assert caught.value.permanent and caught.value.enhanced_status == "5.6.0"
