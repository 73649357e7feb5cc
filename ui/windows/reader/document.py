"""The HTML document the web view shows: pure string work, no Qt.

The sanitised HTML (client/mime/safe_html.py) already lost scripts, event handlers and, unless
allowed, every remote URL. Here it gets: cid: URLs pointing at our scheme, a Content-Security-
Policy that forbids scripts, frames, forms and (unless allowed) every remote load, a UTF-8
charset, and a small default style. The CSP and the request interceptor are two more fences
behind the sanitiser: each alone would stop a tracking pixel.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from kittiwake.ui.windows.reader.schemes import SCHEME

# cid: as the start of a URL-bearing attribute value or a CSS url(); nh3's output quotes every
# attribute with ", so text such as `see cid:x` in a paragraph is left alone.
_CID_ATTR = re.compile(r'(=")\s*cid:([^"]*)(")', re.IGNORECASE)
_CID_CSS = re.compile(r"(url\(\s*[\"']?)\s*cid:([^\"')\s]*)", re.IGNORECASE)

_STYLE = """
html { background: #ffffff; color: #1a1a1a; }
body { font-family: sans-serif; font-size: 14px; line-height: 1.4; margin: 12px;
       overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; }
blockquote { border-left: 3px solid #c8c8c8; margin-left: 0; padding-left: 10px; color: #444; }
"""


def cid_url(token: str, content_id: str) -> str:
    return f"{SCHEME}:{token}/cid/{quote(content_id, safe='')}"


def body_url(token: str) -> str:
    return f"{SCHEME}:{token}/body"


def rewrite_cids(html: str, token: str) -> str:
    """cid:X -> kittiwake-message:<token>/cid/X in attributes and CSS url()."""

    def attr(match: re.Match[str]) -> str:
        return f"{match.group(1)}{cid_url(token, _cid_key(match.group(2)))}{match.group(3)}"

    def css(match: re.Match[str]) -> str:
        return f"{match.group(1)}{cid_url(token, _cid_key(match.group(2)))}"

    return _CID_CSS.sub(css, _CID_ATTR.sub(attr, html))


def _cid_key(value: str) -> str:
    # The attribute text is HTML-escaped; a Content-ID with & in it is rare but legal.
    return value.strip().strip("<>").replace("&amp;", "&")


def content_security_policy(allow_remote: bool) -> str:
    remote = " http: https:" if allow_remote else ""
    return (
        "default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
        "form-action 'none'; base-uri 'none'; "
        f"img-src {SCHEME}: data:{remote}; "
        f"style-src 'unsafe-inline'{remote}; "
        f"font-src {SCHEME}:{remote}; media-src {SCHEME}:{remote}"
    )


def build_document(html: str, token: str, *, allow_remote: bool, csp: bool = True) -> bytes:
    """The full UTF-8 document served as `body_url(token)`."""
    rules = content_security_policy(allow_remote)
    policy = f'<meta http-equiv="Content-Security-Policy" content="{rules}">' if csp else ""
    head = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'{policy}<meta name="referrer" content="no-referrer">'
        f"<style>{_STYLE}</style></head><body>"
    )
    return (head + rewrite_cids(html, token) + "</body></html>").encode("utf-8", "replace")
