from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kittiwake.client.imap import utf7


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("INBOX", b"INBOX"),
        ("Tom & Jerry", b"Tom &- Jerry"),
        ("Entwürfe", b"Entw&APw-rfe"),
        ("~peter/mail/日本語/台北", b"~peter/mail/&ZeVnLIqe-/&U,BTFw-"),  # RFC 3501 example
        ("Gelöschte Elemente", b"Gel&APY-schte Elemente"),
        ("📬", b"&2D3c7A-"),  # outside the BMP: a UTF-16 surrogate pair
    ],
)
def test_encode_and_decode_known_names(text: str, wire: bytes) -> None:
    assert utf7.encode(text) == wire
    assert utf7.decode(wire) == text


@given(st.text())
def test_round_trip(text: str) -> None:
    assert utf7.decode(utf7.encode(text)) == text


@pytest.mark.parametrize(
    "bad",
    [b"&AGE-", b"&Jjo", b"caf\xc3\xa9", b"&!!-", b"a\x01b"],
)
def test_decode_rejects_what_no_server_may_send(bad: bytes) -> None:
    with pytest.raises(utf7.Utf7Error):
        utf7.decode(bad)


def test_lenient_decoding_falls_back_to_utf8() -> None:
    assert utf7.decode_lenient("café".encode()) == "café"
