from __future__ import annotations

import base64

import pytest

from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.errors import AuthenticationFailed
from kittiwake.client.pop3 import sasl


def test_plain() -> None:
    encoded = sasl.plain(Credentials("alice", "s3cret pw"))
    assert base64.b64decode(encoded) == b"\x00alice\x00s3cret pw"


def test_xoauth2() -> None:
    encoded = sasl.xoauth2(Credentials("a@example.org", "ya29.tok", SecretKind.OAUTH2_TOKEN))
    assert base64.b64decode(encoded) == b"user=a@example.org\x01auth=Bearer ya29.tok\x01\x01"


def test_control_characters_refused_without_echoing_the_secret() -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        sasl.plain(Credentials("alice", "pw\x00injected"))
    assert "injected" not in caught.value.for_person()
    with pytest.raises(AuthenticationFailed):
        sasl.xoauth2(Credentials("alice\x01", "tok", SecretKind.OAUTH2_TOKEN))


def test_long_initial_response_goes_on_its_own_line() -> None:
    assert sasl.command_line("PLAIN", b"AGEAYg==") == b"AUTH PLAIN AGEAYg==\r\n"
    assert sasl.command_line("XOAUTH2", b"x" * 300) is None
