from __future__ import annotations

from kittiwake.client.mime.sender import sender_info


def test_plain_sender_has_no_warnings_and_shows_address() -> None:
    info = sender_info(['"Alice Example" <alice@example.com>'])
    assert info.display == "Alice Example <alice@example.com>"
    assert info.warnings == ()


def test_display_name_with_a_different_address_is_flagged() -> None:
    info = sender_info(['"support@paypal.com" <crook@evil.example>'])
    assert info.address == "crook@evil.example"
    assert "crook@evil.example" in info.display
    assert any("support@paypal.com" in w for w in info.warnings)
    encoded = sender_info(["=?utf-8?Q?PayPal_=3Cservice=40paypal=2Ecom=3E?= <x@evil.example>"])
    assert encoded.warnings and "x@evil.example" in encoded.display


def test_display_name_with_the_same_address_is_fine() -> None:
    info = sender_info(['"Alice@Example.com" <alice@example.com>'])
    assert info.warnings == ()
    assert info.display == "alice@example.com"


def test_control_and_bidi_characters_are_stripped_from_names() -> None:
    info = sender_info(["=?utf-8?Q?Bank=0D=0ATo:_victim=00_=E2=80=AEmoc.knab?= <x@evil.example>"])
    assert not any(ch in info.name for ch in "\r\n\x00\u202e")
    assert info.display.endswith("<x@evil.example>")


def test_several_from_headers_and_mailboxes_are_flagged() -> None:
    info = sender_info(["a@example.com", "b@example.com"])
    assert info.address == "a@example.com"
    assert any("2 From headers" in w for w in info.warnings)
    info = sender_info(["a@example.com, b@example.com"])
    assert any("2 senders" in w for w in info.warnings)


def test_no_sender_and_sender_header() -> None:
    assert sender_info([]).warnings == ("the message has no sender address",)
    info = sender_info(["boss@example.com"], ["assistant@example.com"])
    assert any("on behalf of" in w for w in info.warnings)
