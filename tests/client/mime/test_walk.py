from __future__ import annotations

from email.message import Message

from kittiwake.client.mime.display import DisplayMessage
from kittiwake.client.mime.tree import parse_tree
from kittiwake.client.mime.walk import Body, Walk, walk_part


def _walk(raw: bytes) -> tuple[Walk, Body]:
    root, opaque = parse_tree(raw)

    def no_quote(inner: Message, path: str, depth: int) -> DisplayMessage:
        raise AssertionError("no nested messages here")

    walk = Walk(opaque=opaque, quoted_depth=0, quote=no_quote)
    body = Body()
    walk_part(root, "", walk, body)
    return walk, body


def test_empty_later_alternative_does_not_hide_the_real_one() -> None:
    walk, body = _walk(
        b"Content-Type: multipart/alternative; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: text/plain\r\n\r\nreal text\r\n"
        b"--a\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
        b"--a\r\nContent-Type: text/plain\r\n\r\n\r\n--a--\r\n"
    )
    assert body.html is not None and "html" in body.html
    assert body.plain == ["real text"]
    assert walk.attachments == []


def test_inline_footer_after_html_is_kept_for_both_views() -> None:
    walk, body = _walk(
        b"Content-Type: multipart/mixed; boundary=m\r\n\r\n"
        b"--m\r\nContent-Type: text/html\r\n\r\n<p>main</p>\r\n"
        b"--m\r\nContent-Type: text/plain\r\n\r\nlist footer\r\n--m--\r\n"
    )
    assert body.html_extra == ["list footer"]
    # The HTML's own text is filled in by parse.py from the sanitised HTML.
    assert body.text_from_html == 0 and body.plain == ["", "list footer"]
    assert walk.attachments == []


def test_alternative_of_images_offers_the_last_as_a_file() -> None:
    walk, body = _walk(
        b"Content-Type: multipart/alternative; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: image/gif\r\n\r\nGIF\r\n"
        b"--a\r\nContent-Type: image/png\r\n\r\nPNG\r\n--a--\r\n"
    )
    assert not body.chosen
    assert [(a.part_path, a.content_type) for a in walk.attachments] == [("2", "image/png")]


def test_multipart_without_boundary_is_shown_as_text() -> None:
    walk, body = _walk(b"Content-Type: multipart/mixed\r\n\r\nhello\r\n")
    assert body.plain == ["hello\n"]
    assert any("missing boundary" in w for w in walk.warnings)


def test_stray_signature_and_key_parts_are_labelled() -> None:
    walk, _ = _walk(
        b"Content-Type: multipart/mixed; boundary=m\r\n\r\n"
        b"--m\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b"--m\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n\r\nMIIB\r\n"
        b"--m\r\nContent-Type: application/pgp-keys\r\n\r\n-----BEGIN PGP\r\n--m--\r\n"
    )
    assert [(s.kind, s.scheme, s.part_path) for s in walk.security] == [("signed", "S/MIME", "2")]
    assert [(a.part_path, a.label) for a in walk.attachments] == [
        ("2", "signature"),
        ("3", "key"),
    ]
