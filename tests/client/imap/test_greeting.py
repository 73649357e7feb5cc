from __future__ import annotations

import pytest

from kittiwake.client.imap.greeting import parse_greeting
from kittiwake.client.net.errors import NetworkError, ProtocolError


def test_ok_greeting_with_capabilities() -> None:
    greeting = parse_greeting(
        b"* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot ready.\r\n", preauth_allowed=False
    )
    assert not greeting.preauth and greeting.text == "Dovecot ready."
    assert greeting.capabilities is not None and greeting.capabilities.starttls


def test_preauth_accepted_on_implicit_tls_only() -> None:
    assert parse_greeting(b"* PREAUTH welcome\r\n", preauth_allowed=True).preauth
    with pytest.raises(ProtocolError, match="PREAUTH"):
        parse_greeting(b"* PREAUTH welcome\r\n", preauth_allowed=False)


def test_preauth_in_the_text_is_not_preauth() -> None:
    # aioimaplib matched the substring and believed it was logged in.
    greeting = parse_greeting(b"* OK PREAUTH is not offered here\r\n", preauth_allowed=True)
    assert not greeting.preauth


@pytest.mark.parametrize(
    "line",
    [
        b"+OK POP3 ready\r\n",
        b"220 smtp.example.com ESMTP\r\n",
        b"* NO go away\r\n",
        b"A1 OK\r\n",
        b"",
    ],
)
def test_other_greetings_are_refused(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_greeting(line, preauth_allowed=True)


def test_bye_greeting_carries_the_server_text() -> None:
    with pytest.raises(NetworkError) as caught:
        parse_greeting(b"* BYE Too many connections\r\n", preauth_allowed=True)
    assert caught.value.server_text == "Too many connections"


def test_alert_in_greeting_is_kept() -> None:
    greeting = parse_greeting(b"* OK [ALERT] Maintenance tonight\r\n", preauth_allowed=True)
    assert greeting.alert == "Maintenance tonight"
