"""Server refusals -> MessageRefused with code, enhanced status and text."""

from __future__ import annotations

from kittiwake.client.net.errors import MessageRefused, MessageTooLarge
from kittiwake.client.smtp.replies import enhanced_status, refusal, strip_enhanced


def test_enhanced_status_is_read_from_the_start_only() -> None:
    assert enhanced_status("5.7.1 Relaying denied") == "5.7.1"
    assert enhanced_status("4.2.2 Mailbox full\nmore") == "4.2.2"
    assert enhanced_status("Relaying denied 5.7.1") == ""
    assert enhanced_status("5.7.1000 too long a part") == ""
    assert enhanced_status("") == ""


def test_strip_enhanced_for_display() -> None:
    assert strip_enhanced("5.1.1 No such user\n5.1.1 really") == "No such user\nreally"


def test_permanent_refusal_keeps_code_status_and_text() -> None:
    error = refusal(550, "5.1.1 <x@y.org> User unknown", stage="RCPT TO", subject="x@y.org")
    assert type(error) is MessageRefused
    assert (error.code, error.enhanced_status) == (550, "5.1.1")
    assert error.server_text == "5.1.1 <x@y.org> User unknown"
    assert error.permanent
    assert "RCPT TO (x@y.org)" in error.message and "User unknown" in error.message


def test_temporary_refusal_is_not_permanent() -> None:
    error = refusal(451, "4.3.0 Try later", stage="DATA")
    assert not error.permanent
    assert "temporarily" in error.message
    assert "try again" in error.hint


def test_size_refusals_become_message_too_large() -> None:
    assert isinstance(refusal(552, "Too big", stage="DATA"), MessageTooLarge)
    assert isinstance(refusal(554, "5.3.4 Message too big", stage="DATA"), MessageTooLarge)
    assert not isinstance(refusal(554, "5.7.1 Spam", stage="DATA"), MessageTooLarge)
