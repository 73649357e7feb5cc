"""The served document: cid: rewriting and the Content-Security-Policy (pure, no Qt)."""

from __future__ import annotations

from kittiwake.ui.windows.reader.document import (
    build_document,
    content_security_policy,
    rewrite_cids,
)


def test_cid_urls_in_attributes_and_css_point_at_our_scheme() -> None:
    html = (
        '<img src="cid:logo@example.org"><td background="cid:bg%40x">'
        "<div style=\"background:url('cid:tile@x')\">see cid:text stays</div>"
    )
    out = rewrite_cids(html, "tok")
    assert 'src="kittiwake-message:tok/cid/logo%40example.org"' in out
    assert 'background="kittiwake-message:tok/cid/bg%2540x"' in out
    assert "url('kittiwake-message:tok/cid/tile%40x')" in out
    assert "see cid:text stays" in out  # text is not a URL


def test_policy_forbids_scripts_and_remote_loads_unless_allowed() -> None:
    closed = content_security_policy(allow_remote=False)
    assert "script-src 'none'" in closed and "default-src 'none'" in closed
    assert "http:" not in closed
    opened = content_security_policy(allow_remote=True)
    assert "img-src kittiwake-message: data: http: https:" in opened
    assert "script-src 'none'" in opened


def test_document_is_utf8_with_policy() -> None:
    document = build_document("<p>Grüße</p>", "t", allow_remote=False)
    assert document.startswith(b"<!DOCTYPE html>")
    assert "Grüße".encode() in document
    assert b"Content-Security-Policy" in document
    assert b"Content-Security-Policy" not in build_document("x", "t", allow_remote=False, csp=False)
