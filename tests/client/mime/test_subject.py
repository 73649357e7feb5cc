"""subject.py: reply and forward prefixes normalised, never piled up."""

from __future__ import annotations

import pytest

from kittiwake.client.mime.subject import (
    base_subject,
    forward_subject,
    is_reply_subject,
    reply_subject,
    split_subject,
)


@pytest.mark.parametrize(
    ("subject", "reply"),
    [
        ("Hello", "Re: Hello"),
        ("Re: Hello", "Re: Hello"),
        ("Re: Re: Re: Hello", "Re: Hello"),
        ("RE: Hello", "Re: Hello"),
        ("Aw: Hello", "Re: Hello"),
        ("AW: WG: Hello", "Re: Hello"),
        ("Fwd: Hello", "Re: Hello"),
        ("Re[3]: Hello", "Re: Hello"),
        ("Re^2: Hello", "Re: Hello"),
        ("Re (2): Hello", "Re: Hello"),
        ("Sv: Antw: Hello", "Re: Hello"),
        ("Réf. : Hello", "Re: Hello"),
        ("回复: Hello", "Re: Hello"),
        ("[list] Re: Hello", "[list] Re: Hello"),
        ("Re: [list] Re: [list] Hello", "[list] Re: Hello"),
        ("[list] Hello", "[list] Re: Hello"),
        ("", "Re:"),
        ("Re:", "Re:"),
        ("Regarding the plan", "Re: Regarding the plan"),
        ("Sverige: resa", "Re: Sverige: resa"),
        ("[123] numbered", "Re: [123] numbered"),
    ],
)
def test_reply_subject(subject: str, reply: str) -> None:
    assert reply_subject(subject) == reply


@pytest.mark.parametrize(
    ("subject", "forward"),
    [
        ("Hello", "Fwd: Hello"),
        ("Fwd: Fwd: Hello", "Fwd: Hello"),
        ("FW: Re: Hello", "Fwd: Hello"),
        ("[list] Re: Hello", "[list] Fwd: Hello"),
    ],
)
def test_forward_subject(subject: str, forward: str) -> None:
    assert forward_subject(subject) == forward


def test_split_and_base() -> None:
    assert split_subject("[dev] Re: AW: Build broken") == ("[dev]", "Build broken", True)
    assert base_subject("Re: Fwd: x") == "x"
    assert is_reply_subject("Aw: x") and not is_reply_subject("x")


def test_inherited_line_breaks_are_folded() -> None:
    assert reply_subject("Hi\r\nBcc: victim@example.com") == "Re: Hi Bcc: victim@example.com"
    assert "\n" not in forward_subject("a\nb")
