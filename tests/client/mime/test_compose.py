"""compose.py: what we build parses back (stdlib, policy.default) to what the draft said."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.addresses import Address, parse_address_list
from kittiwake.client.mime.compose import (
    Attachment,
    Draft,
    build_email,
    build_message,
    detect_type,
    envelope_recipients,
    html_to_text,
    needs_smtputf8,
    new_draft,
    safe_filename,
    with_signature,
)
from kittiwake.client.net.errors import HeaderInjection, InvalidAddress

ME = Identity("Ännchen Müller", "anna@example.org", "Anna\nexample.org")
WHEN = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def raw_header_value(raw: bytes, name: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
    line = next(x for x in head.split(b"\r\n") if x.lower().startswith(name.lower() + b":"))
    return line.split(b":", 1)[1].decode()


def plain_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # a 7bit/8bit body keeps the wire's CRLF


def test_minimal_message_headers() -> None:
    draft = Draft(
        identity=ME,
        to=(Address("bob@example.com", "Bob"),),
        subject="Hello",
        text="Hi Bob\n",
        flowed=False,
    )
    raw = build_message(draft, now=WHEN)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = parse(raw)
    assert msg["To"] == "Bob <bob@example.com>"
    assert msg["From"].addresses[0].display_name == "Ännchen Müller"
    assert msg["Date"].datetime == WHEN
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", msg["Message-ID"])
    assert msg["MIME-Version"] == "1.0"
    assert plain_text(msg) == "Hi Bob\n"
    assert b"Bcc" not in raw


def test_message_id_is_on_the_sender_domain_and_unique() -> None:
    draft = Draft(identity=Identity("X", "x@bücher.de"), to=(Address("a@b.example"),))
    ids = {parse(build_message(draft))["Message-ID"] for _ in range(20)}
    assert len(ids) == 20
    assert all(i.endswith("@xn--bcher-kva.de>") for i in ids)


def test_given_message_id_and_threading_headers_are_kept() -> None:
    draft = Draft(
        identity=ME,
        to=(Address("a@b.example"),),
        message_id="<fixed@example.org>",
        in_reply_to="parent@x.example",
        references=("<root@x.example>", "parent@x.example"),
    )
    msg = parse(build_message(draft))
    assert msg["Message-ID"] == "<fixed@example.org>"
    assert msg["In-Reply-To"] == "<parent@x.example>"
    assert msg["References"] == "<root@x.example> <parent@x.example>"


def test_bcc_only_in_envelope_unless_saving_a_draft() -> None:
    draft = Draft(
        identity=ME,
        to=(Address("a@b.example"),),
        cc=(Address("A@B.example"), Address("c@bücher.de")),
        bcc=(Address("secret@hidden.example"),),
    )
    assert b"secret@" not in build_message(draft)
    assert parse(build_message(draft, include_bcc=True))["Bcc"] == "secret@hidden.example"
    assert envelope_recipients(draft) == [
        "a@b.example",
        "c@xn--bcher-kva.de",
        "secret@hidden.example",
    ]


@pytest.mark.parametrize(
    "field",
    [
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"subject": "Hi\nX-Evil: 1"},
        {"subject": "nul\0byte"},
        {"subject": "unicode line\u2028separator"},
        {"subject": "next line\x85here"},
        {"extra_headers": (("X-Mailer", "a\r\nBcc: v@example.com"),)},
        {"extra_headers": (("Bcc", "v@example.com"),)},
        {"extra_headers": (("X-Bad: y\r\nZ", "v"),)},
        {"in_reply_to": "<a@b>\r\nBcc: v@example.com"},
        {"references": ("<a@b> <c@d>",)},
    ],
)
def test_header_injection_is_rejected(field: dict[str, object]) -> None:
    draft = Draft(identity=ME, to=(Address("a@b.example"),), **field)  # type: ignore[arg-type]
    with pytest.raises(HeaderInjection):
        build_message(draft)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Address("a@b.example\r\nBcc: v@example.com"),
        lambda: Address("a@b.example", "Name\r\nBcc: v@example.com"),
        lambda: Address("a@b.example", "Name\0"),
    ],
)
def test_addresses_with_line_breaks_cannot_exist(make: object) -> None:
    with pytest.raises(HeaderInjection):
        make()  # type: ignore[operator]


def test_header_injection_error_is_a_value_error_with_a_hint() -> None:
    with pytest.raises(ValueError) as info:
        build_message(Draft(identity=ME, subject="a\nb"))
    assert isinstance(info.value, HeaderInjection)
    assert "line break" in str(info.value) and info.value.hint


def test_invalid_recipient_is_refused() -> None:
    with pytest.raises(InvalidAddress):
        build_message(Draft(identity=ME, to=(Address("not an address@"),)))


def test_non_ascii_local_part_needs_smtputf8() -> None:
    draft = Draft(identity=ME, to=(Address("jürgen@bücher.de", "Jürgen"),), subject="Grüße")
    with pytest.raises(InvalidAddress):
        build_message(draft)
    raw = build_message(draft, smtputf8=True)
    assert "To: Jürgen <jürgen@bücher.de>".encode() in raw
    assert "Subject: Grüße".encode() in raw  # raw UTF-8, no encoded words
    assert envelope_recipients(draft, smtputf8=True) == ["jürgen@bücher.de"]
    assert needs_smtputf8(draft)
    assert not needs_smtputf8(Draft(identity=ME, to=(Address("j@bücher.de", "Jürgen"),)))


def test_non_ascii_is_encoded_without_smtputf8() -> None:
    draft = Draft(
        identity=ME,
        to=(Address("j@bücher.de", "Jürgen, der Große"),),
        subject="Grüße aus Köln",
        text="Schöne Grüße\n",
        attachments=(Attachment("Übersicht März.pdf", b"%PDF-1.7\n"),),
    )
    raw = build_message(draft)
    assert raw.isascii()
    assert b"=?utf-8?" in raw and b"filename*=utf-8''" in raw and b"xn--bcher-kva.de" in raw
    msg = parse(raw)
    assert str(msg["Subject"]) == "Grüße aus Köln"
    to = msg["To"].addresses[0]
    assert (to.display_name, to.domain) == ("Jürgen, der Große", "xn--bcher-kva.de")
    (att,) = msg.iter_attachments()
    assert att.get_filename() == "Übersicht März.pdf"
    assert att.get_content_type() == "application/pdf"


def test_html_with_plain_alternative() -> None:
    draft = Draft(identity=ME, to=(Address("a@b.example"),), html="<p>Hello <b>world</b></p>")
    msg = parse(build_message(draft))
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert plain_text(msg).strip() == "Hello world"
    html = msg.get_body(preferencelist=("html",))
    assert html is not None and "<b>world</b>" in html.get_content()


def test_html_with_attachment_is_mixed_around_alternative() -> None:
    draft = Draft(
        identity=ME,
        to=(Address("a@b.example"),),
        text="plain",
        html="<p>rich</p>",
        attachments=(Attachment("a.bin", b"\x00\x01"),),
    )
    msg = parse(build_message(draft))
    assert msg.get_content_type() == "multipart/mixed"
    first = next(msg.iter_parts())
    assert first.get_content_type() == "multipart/alternative"
    (att,) = msg.iter_attachments()
    assert att.get_content() == b"\x00\x01"
    assert att.get_content_type() == "application/octet-stream"


def test_plain_text_is_format_flowed_with_stuffing() -> None:
    text = "From the start\n>not a quote\n" + "word " * 30 + "\n-- \nsig"
    msg = parse(build_message(Draft(identity=ME, to=(Address("a@b.example"),), text=text)))
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    assert part.get_param("format") == "flowed" and part.get_param("delsp") == "no"
    body = part.get_content().replace("\r\n", "\n")
    assert body.startswith(" From the start\n> not a quote\n")  # quoted: depth 1
    assert all(len(line) <= 78 for line in body.splitlines())
    assert "\n-- \nsig" in body


def test_signature_per_identity() -> None:
    assert with_signature("Hi", ME) == "Hi\n\n-- \nAnna\nexample.org\n"
    typed_own_separator = Identity("A", "a@b.example", "--\nA")
    assert with_signature("Hi\n", typed_own_separator) == "Hi\n\n-- \nA\n"
    assert with_signature("Hi", Identity("A", "a@b.example")) == "Hi"
    assert new_draft(ME).text.endswith("-- \nAnna\nexample.org\n")


def test_attachment_from_path(tmp_path: Path) -> None:
    path = tmp_path / "photo"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    draft = Draft(
        identity=ME, to=(Address("a@b.example"),), attachments=(Attachment.from_path(str(path)),)
    )
    (att,) = parse(build_message(draft)).iter_attachments()
    assert att.get_content_type() == "image/png"
    assert att.get_filename() == "photo"
    assert att.get_content() == path.read_bytes()


def test_forwarded_message_part_is_byte_exact_and_not_base64() -> None:
    inner = (
        b"From: a@b.example\nSubject: =?utf-8?q?x?=\nX-Long: " + b"y" * 200 + b"\n\nbody \xc3\xa4\n"
    )
    draft = Draft(
        identity=ME,
        to=(Address("a@b.example"),),
        attachments=(Attachment("fwd.eml", inner, content_type="message/rfc822"),),
    )
    raw = build_message(draft)
    assert inner.replace(b"\n", b"\r\n") in raw
    (att,) = parse(raw).iter_attachments()
    assert att.get_content_type() == "message/rfc822"
    assert att["Content-Transfer-Encoding"] == "8bit"
    assert att.get_content()["X-Long"] == "y" * 200


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("x.pdf", b"%PDF-1.4", "application/pdf"),
        ("renamed.txt", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("img", b"\xff\xd8\xff\xe0", "image/jpeg"),
        ("a.gif", b"GIF89a", "image/gif"),
        (
            "report.docx",
            b"PK\x03\x04....",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("archive", b"PK\x03\x04", "application/zip"),
        ("notes", "plain text äö".encode(), "text/plain"),
        ("data", b"\x00\x01\x02\xff", "application/octet-stream"),
        ("page.html", b"<html></html>", "text/html"),
        ("x.gz", b"\x1f\x8b\x08", "application/gzip"),
    ],
)
def test_detect_type(name: str, data: bytes, expected: str) -> None:
    assert detect_type(name, data) == expected


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.exe", "evil.exe"),
        ("a\r\nContent-Type: text-html.txt", "a__Content-Type: text-html.txt"),
        ("", "attachment"),
        ("..", "attachment"),
        ("ok name.pdf", "ok name.pdf"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_html_to_text_drops_scripts_and_keeps_blocks() -> None:
    text = html_to_text(
        "<style>p{}</style><p>One &amp; two</p><script>x()</script><ul><li>a<li>b</ul>"
    )
    assert text == "One & two\n\n* a\n* b\n"


# --- property: what we compose parses back to the same fields ------------------------------

# Hostile but legal one-line text: quotes, backslashes, commas, encoded-word look-alikes, tabs,
# non-ASCII of every plane. Line-breaking characters are the injection tests' business.
_LINE_BREAKERS = "\r\n\0\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
one_line = st.lists(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=_LINE_BREAKERS)
    | st.sampled_from(['"', "\\", ",", ";", "<", ">", "=?utf-8?q?x?=", "(", ")", "@", ":", "\t"]),
    max_size=40,
).map("".join)
local_part = st.from_regex(r"[a-z0-9](?:[a-z0-9._+-]{0,15}[a-z0-9])?", fullmatch=True).filter(
    lambda s: ".." not in s
)
domain = st.sampled_from(["example.com", "bücher.de", "mail.example.org", "xn--bcher-kva.ch"])
address = st.builds(lambda n, lp, d: Address(f"{lp}@{d}", n), one_line, local_part, domain)
body = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\0"), max_size=300
)
filename = st.lists(
    st.characters(blacklist_categories=("Cs",))
    | st.sampled_from(['"', "\\", ";", "/", " ", "=?", "=?utf-8?b?QQ==?="]),
    min_size=1,
    max_size=30,
).map("".join)


def _norm_ws(s: str) -> str:
    # The stdlib leaves raw UTF-8 (SMTPUTF8) in address fields as surrogate escapes.
    s = s.encode("utf-8", "surrogateescape").decode("utf-8")
    # Folding may turn a tab into a space or collapse a run of white space inside a header.
    return re.sub(r"[ \t]+", " ", s).strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=one_line,
    to=st.lists(address, min_size=1, max_size=3),
    subject=one_line,
    text=body,
    attachment_names=st.lists(filename, max_size=2),
    smtputf8=st.booleans(),
)
def test_composed_message_parses_back(
    name: str,
    to: list[Address],
    subject: str,
    text: str,
    attachment_names: list[str],
    smtputf8: bool,
) -> None:
    identity = Identity(name, "sender@example.com")
    attachments = tuple(
        Attachment(n, n.encode("utf-8", "surrogatepass") + b"\x00") for n in attachment_names
    )
    draft = Draft(
        identity=identity,
        to=tuple(to),
        subject=subject,
        text=text,
        attachments=attachments,
        flowed=False,
    )
    raw = build_message(draft, smtputf8=smtputf8)
    if not smtputf8:
        assert raw.isascii()
    msg = parse(raw)
    assert not msg.defects
    assert _norm_ws(str(msg["Subject"] or "")) == _norm_ws(subject)
    sender = msg["From"].addresses[0]
    assert _norm_ws(sender.display_name) == _norm_ws(name)
    assert sender.addr_spec == "sender@example.com"
    got = [(_norm_ws(a.display_name), a.username, _norm_ws(a.domain)) for a in msg["To"].addresses]
    want = [(_norm_ws(a.name), a.local, a.domain if smtputf8 else a.ascii_domain()) for a in to]
    assert got == want
    assert plain_text(msg) == (text.replace("\n", "\n") if text.endswith("\n") else text + "\n")
    parsed_atts = list(msg.iter_attachments())
    assert [a.get_filename() for a in parsed_atts] == [safe_filename(n) for n in attachment_names]
    assert [a.get_content() for a in parsed_atts] == [a.data for a in attachments]


def test_build_email_gives_the_message_object_for_the_outbox() -> None:
    draft = Draft(identity=ME, to=(Address("a@b.example"),), subject="x", text="y")
    msg = build_email(draft, now=WHEN)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == "x" and msg.get_content_type() == "text/plain"


def test_very_long_fields_stay_under_the_line_limit_and_read_back() -> None:
    name = "Ünïcödé " * 120 + "x" * 300
    subject = "s" * 1500 + " Grüße " * 100
    filename = "ü" * 300 + ".pdf"
    draft = Draft(
        identity=Identity(name, "a@b.example"),
        to=(Address("c@d.example", "y" * 500),),
        subject=subject,
        attachments=(Attachment(filename, b"%PDF-"),),
    )
    raw = build_message(draft)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = parse(raw)
    assert str(msg["Subject"]) == subject
    # Past 600 bytes a name is split into several encoded words, as RFC 2047 wants; Python's
    # parser then puts a space between them (an RFC-conforming decoder does not: ours).
    assert msg["From"].addresses[0].display_name.replace(" ", "") == name.replace(" ", "")
    assert parse_address_list(raw_header_value(raw, b"From"))[0].name == name
    assert msg["To"].addresses[0].display_name == "y" * 500
    (att,) = msg.iter_attachments()
    assert att.get_filename() == safe_filename(filename) == "ü" * 196 + ".pdf"  # capped at 200


def test_identity_with_a_line_break_is_refused() -> None:
    with pytest.raises(HeaderInjection):
        build_message(Draft(identity=Identity("Me\r\nBcc: x@y.example", "me@x.example")))
