"""mailto.py: RFC 6068 links, with only an allow-list of fields honoured."""

from __future__ import annotations

import pytest

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.compose import build_message
from kittiwake.client.mime.mailto import draft_from_mailto, parse_mailto

ME = Identity("Me", "me@home.example", "Me")


def specs(addresses: tuple[object, ...]) -> list[str]:
    return [a.addr_spec for a in addresses]  # type: ignore[attr-defined]


def test_rfc6068_examples() -> None:
    f = parse_mailto("mailto:chris@example.com")
    assert specs(f.to) == ["chris@example.com"]
    f = parse_mailto("mailto:infobot@example.com?subject=current-issue")
    assert f.subject == "current-issue"
    f = parse_mailto("mailto:infobot@example.com?body=send%20current-issue%0D%0Asend%20index")
    assert f.body == "send current-issue\nsend index"
    f = parse_mailto("mailto:?to=joe@example.com&cc=bob@example.com&body=hello")
    assert specs(f.to) == ["joe@example.com"] and specs(f.cc) == ["bob@example.com"]
    f = parse_mailto("mailto:gorby%25kremvax@example.com")
    assert specs(f.to) == ["gorby%kremvax@example.com"]
    f = parse_mailto("mailto:user@example.org?subject=caf%C3%A9")
    assert f.subject == "café"


def test_multiple_to_and_case_insensitive_names() -> None:
    f = parse_mailto("MAILTO:a@x.example,b@x.example?TO=c@x.example&to=a@x.example&Cc=d@x.example")
    assert specs(f.to) == ["a@x.example", "b@x.example", "c@x.example"]
    assert specs(f.cc) == ["d@x.example"]


def test_fragment_is_dropped() -> None:
    assert specs(parse_mailto("mailto:a@x.example#top").to) == ["a@x.example"]
    assert parse_mailto("mailto:a@x.example?subject=hi#top").subject == "hi"


def test_plus_is_literal() -> None:
    f = parse_mailto("mailto:a+tag@x.example?subject=1+1")
    assert specs(f.to) == ["a+tag@x.example"] and f.subject == "1+1"


@pytest.mark.parametrize(
    "param",
    [
        "attach=/etc/passwd",
        "attachment=~/.ssh/id_rsa",
        "file=C:%5Csecret",
        "Attach=x",
        "X-Evil=1",
        "from=ceo@x.example",
        "reply-to=evil@x.example",
        "references=%3Cx@y%3E",
    ],
)
def test_unknown_and_attach_parameters_are_ignored(param: str) -> None:
    draft = draft_from_mailto(f"mailto:a@x.example?{param}&subject=ok", ME)
    assert draft.attachments == () and draft.extra_headers == ()
    assert draft.subject == "ok" and draft.reply_to == ()
    assert b"secret" not in build_message(draft) and b"passwd" not in build_message(draft)


def test_bcc_and_in_reply_to() -> None:
    draft = draft_from_mailto(
        "mailto:a@x.example?bcc=b@x.example&in-reply-to=%3C3469A91.D10AF4C@example.com%3E", ME
    )
    assert specs(draft.bcc) == ["b@x.example"]
    assert draft.in_reply_to == "<3469A91.D10AF4C@example.com>"
    assert draft.references == ("<3469A91.D10AF4C@example.com>",)


def test_header_injection_through_a_link_is_folded() -> None:
    draft = draft_from_mailto(
        "mailto:a@x.example?subject=hi%0D%0ABcc:%20victim@y.example&cc=b@x.example%0D%0ABcc:v@y.example",
        ME,
    )
    assert draft.subject == "hi Bcc: victim@y.example"
    out = build_message(draft)
    assert b"\r\nBcc:" not in out and b"\r\nbcc:" not in out.lower()


def test_body_gets_signature_and_not_a_mailto_is_refused() -> None:
    draft = draft_from_mailto("mailto:a@x.example?body=Hi", ME)
    assert draft.text == "Hi\n\n-- \nMe\n"
    with pytest.raises(ValueError):
        parse_mailto("https://example.com/")
