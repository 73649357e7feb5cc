"""HTML bodies made safe to show: nh3 (ammonia) first, then our own strict re-serialisation.

Pass 1, nh3: parses like a browser (html5ever), so malformed input (the EFAIL-style
unterminated `<img src="http://x/?`) ends up exactly as a browser would see it, then keeps
only allow-listed tags/attributes. Our attribute filter decides every URL: remote content
(http, https, protocol-relative) in a loading position is dropped and listed, unless
allow_remote; cid: stays (the model maps Content-ID -> part); data: only as a raster image.
nh3 alone keeps `<img src="http://...">` tracking pixels, hence the filter.

Pass 2, an exact tokenizer over nh3's normalised output (linear; html.parser was 1 s/MB):
re-emits it with every attribute escaped, re-checks each URL-bearing attribute (defence in
depth), drops <style> blocks that can load or run anything, and compares each link's visible
host with its real target (phishing hint). The tests audit the final output with html.parser,
an independent parser, checking every URL-bearing attribute.

Before pass 1, nesting deeper than MAX_HTML_DEPTH is flattened: html5ever's cost grows with
the square of the depth.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import nh3

from kittiwake.client.mime.bounds import (
    MAX_HTML_CHARS,
    MAX_HTML_DEPTH,
    MAX_HTML_FINDINGS,
    MAX_HTML_TAGS,
)

_TAGS = (set(nh3.ALLOWED_TAGS) - {"area", "map"}) | {
    "font",
    "style",
    "picture",
    "source",
    "video",
    "audio",
    "big",
    "tfoot",
}
_GENERIC_ATTRS = set(
    [
        "style",
        "class",
        "dir",
        "lang",
        "title",
        "align",
        "valign",
        "width",
        "height",
        "bgcolor",
        "color",
        "background",
        "border",
        "cellpadding",
        "cellspacing",
        "nowrap",
    ]
)
_ATTRS: dict[str, set[str]] = {
    "*": _GENERIC_ATTRS,
    "a": {"href", "name"},
    "img": {"src", "srcset", "alt", "border", "hspace", "vspace"},
    "source": {"src", "srcset", "type", "media"},
    "video": {"src", "poster", "controls"},
    "audio": {"src", "controls"},
    "font": {"face", "size"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "style": {"type", "media"},
}
# Removed together with their content: nothing inside them is meant to be read.
_CLEAN_CONTENT = set(
    [
        "script",
        "title",
        "head",
        "iframe",
        "object",
        "embed",
        "noembed",
        "noframes",
        "template",
        "textarea",
        "select",
        "svg",
        "math",
        "xmp",
        "applet",
    ]
)
# Attributes that make the renderer fetch something.
_LOADING = {"src", "srcset", "background", "poster", "lowsrc", "dynsrc", "data", "codebase"}
# Attributes that hold a URL without loading it (still checked for scheme).
_LINKING = {"href", "cite", "action", "formaction", "longdesc", "xlink:href", "usemap"}
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpe?g|webp|bmp);", re.IGNORECASE)
_LINK_SCHEMES = {"http", "https", "mailto", "tel", "cid"}

# CSS: after escapes and comments are undone, these can fetch or execute.
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.DOTALL)
_CSS_LOADERS = ("url(", "@import", "image-set(", "image(", "cross-fade(", "element(", "src(")
_CSS_DANGER = ("expression", "behavior", "-moz-binding", "javascript:", "vbscript:", "@namespace")
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]*)|@import\s*['"]([^'"]*)""", re.IGNORECASE)

_HOST_IN_TEXT = re.compile(
    r"^\s*(?:[a-z][a-z0-9+.-]*://)?(?:[^@\s/]+@)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[:/?#\s]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RemoteResource:
    """Something the HTML would fetch from the network: where, and from which tag/attribute."""

    url: str
    tag: str
    attribute: str


@dataclass(frozen=True)
class SuspiciousLink:
    """A link whose visible text names one host while it really leads to another."""

    href: str
    text: str
    text_host: str
    href_host: str


@dataclass(frozen=True)
class SafeHtml:
    html: str
    remote: tuple[RemoteResource, ...]
    suspicious_links: tuple[SuspiciousLink, ...]
    cid_refs: tuple[str, ...]
    truncated: bool = False  # the input was longer than MAX_HTML_CHARS / MAX_HTML_TAGS


def _css_normal(css: str) -> str:
    def unescape(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ""
        return match.group(2) if match.group(2) not in "\r\n\f" else ""

    text = _CSS_COMMENT.sub(" ", css.replace("\x00", ""))
    return _CSS_ESCAPE.sub(unescape, text).lower()


def css_verdict(css: str) -> tuple[bool, bool, list[str]]:
    """(dangerous, loads_urls, urls found) for a style attribute or block."""
    text = _css_normal(css)
    compact = re.sub(r"\s+", "", text)
    dangerous = any(word in compact for word in _CSS_DANGER)
    loads = any(word in compact for word in _CSS_LOADERS)
    urls = [a or b for a, b in _CSS_URL.findall(text)]
    return dangerous, loads, urls


def _scheme(url: str) -> str:
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    cleaned = re.sub(r"[\x00-\x20]", "", url).lower()
    if cleaned.startswith("//"):
        return "//"
    match = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


def _srcset_urls(value: str) -> list[str]:
    return [c.split()[0] for c in value.split(",") if c.split()]


class _Policy:
    """URL decisions shared by both passes; collects what it blocked."""

    def __init__(self, allow_remote: bool) -> None:
        self.allow_remote = allow_remote
        self.remote: dict[str, RemoteResource] = {}
        self.cids: dict[str, None] = {}

    def note_remote(self, url: str, tag: str, attribute: str) -> None:
        if url not in self.remote and len(self.remote) < MAX_HTML_FINDINGS:
            self.remote[url] = RemoteResource(url=url, tag=tag, attribute=attribute)

    def loading_url_ok(self, tag: str, attribute: str, url: str) -> bool:
        scheme = _scheme(url)
        if scheme == "cid":
            if len(self.cids) < MAX_HTML_FINDINGS:
                self.cids[url.strip()[4:].strip("<>")] = None
            return True
        if scheme == "data":
            return tag in ("img", "source") and bool(_SAFE_DATA_IMAGE.match(url.strip()))
        if scheme in ("http", "https", "//"):
            self.note_remote(url.strip(), tag, attribute)
            return self.allow_remote
        return False  # relative, file:, javascript:, anything else

    def attribute(self, tag: str, attribute: str, value: str) -> str | None:
        attribute = attribute.lower()
        if attribute.startswith("on"):
            return None
        if attribute == "style":
            return value if self.css_ok(value, tag) else None
        if attribute == "srcset":
            urls = _srcset_urls(value)
            verdicts = [self.loading_url_ok(tag, attribute, url) for url in urls]
            return value if urls and all(verdicts) else None
        if attribute in _LOADING:
            return value if self.loading_url_ok(tag, attribute, value) else None
        if attribute in _LINKING:
            return value if _scheme(value) in _LINK_SCHEMES - {"cid"} else None
        return value

    def css_ok(self, css: str, tag: str) -> bool:
        dangerous, loads, urls = css_verdict(css)
        if dangerous:
            return False
        if not loads:
            return True
        verdicts = [self.loading_url_ok(tag, "style", url) for url in urls]
        return self.allow_remote and bool(urls) and all(verdicts)


# nh3 serialises like html5ever: every attribute double-quoted with &, <, >, " escaped, and
# text with < and > escaped; only <style> content is raw. So over its output this tokenizer is
# exact, and anything it does not recognise is escaped as text rather than passed through.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=/>\"'<]+(?:=\"[^\"]*\")?)*)\s*/?>")
_ATTR = re.compile(r"\s+([^\s=/>\"'<]+)(?:=\"([^\"]*)\")?")
_STYLE_END = re.compile(r"</style\s*>", re.IGNORECASE)


class _Reserialiser:
    """Pass 2: rebuild the document from nh3's output, checking again as it goes."""

    def __init__(self, policy: _Policy) -> None:
        self.policy = policy
        self.out: list[str] = []
        self.link: tuple[str, list[str]] | None = None
        self.suspicious: list[SuspiciousLink] = []

    def feed(self, html: str) -> None:
        pos = 0
        while True:
            lt = html.find("<", pos)
            if lt < 0:
                self._text(html[pos:])
                return
            self._text(html[pos:lt])
            match = _TAG.match(html, lt)
            if match is None:
                self._text("&lt;")
                pos = lt + 1
                continue
            closing, tag, attrs = match.group(1), match.group(2).lower(), match.group(3)
            pos = match.end()
            if tag == "style" and not closing:
                end = _STYLE_END.search(html, pos)
                css = html[pos : end.start() if end else len(html)]
                pos = end.end() if end else len(html)
                if "<" not in css and self.policy.css_ok(css, "style"):
                    self.out.append(f"<style>{css}</style>")
            elif closing:
                self._end(tag)
            else:
                self._start(tag, [(m.group(1).lower(), m.group(2)) for m in _ATTR.finditer(attrs)])

    def _text(self, text: str) -> None:
        if not text:
            return
        text = text.replace("<", "&lt;")  # cannot happen over nh3 output; cheap insurance
        if self.link is not None:
            self.link[1].append(text)
        self.out.append(text)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS or tag == "style":
            return
        allowed = _ATTRS.get(tag, set()) | _GENERIC_ATTRS | {"rel"}
        parts = [tag]
        href = ""
        for name, raw in attrs:
            if name not in allowed:
                continue
            kept = self.policy.attribute(tag, name, htmllib.unescape(raw or ""))
            if kept is None:
                continue
            if name == "href":
                href = kept
            parts.append(f'{name}="{htmllib.escape(kept, quote=True)}"')
        self.out.append("<" + " ".join(parts) + ">")
        if tag == "a" and self.link is None:
            self.link = (href, [])

    def _end(self, tag: str) -> None:
        if tag not in _TAGS or tag == "style":
            return
        self.out.append(f"</{tag}>")
        if tag == "a" and self.link is not None:
            self._check_link(self.link[0], htmllib.unescape("".join(self.link[1])))
            self.link = None

    def _check_link(self, href: str, text: str) -> None:
        match = _HOST_IN_TEXT.match(text)
        if not match or not href or len(self.suspicious) >= MAX_HTML_FINDINGS:
            return
        text_host = match.group(1).lower().rstrip(".")
        try:
            split = urlsplit(href.strip())
            href_host = (split.hostname or "").lower().rstrip(".")
            if split.scheme.lower() == "mailto":
                href_host = split.path.rpartition("@")[2].lower()
        except ValueError:
            href_host = ""
        same = href_host == text_host or href_host.endswith("." + text_host)
        if not same:
            self.suspicious.append(
                SuspiciousLink(
                    href=href,
                    text=" ".join(text.split())[:200],
                    text_host=text_host,
                    href_host=href_host,
                )
            )


# Lenient attribute syntax of raw (unsanitised) input, only used to list what is blocked.
_RAW_FETCHERS = re.compile(r"<(link|meta)\b([^>]*)>", re.IGNORECASE)
_RAW_ATTR = re.compile(r"""([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")


def _list_unkept_fetchers(html: str, policy: _Policy) -> None:
    """Remote fetches in elements we never keep (<link>, <meta refresh>), for the model."""
    for match in _RAW_FETCHERS.finditer(html):
        values = {
            k.lower(): htmllib.unescape(v.strip("\"'"))
            for k, v in _RAW_ATTR.findall(match.group(2))
        }
        tag = match.group(1).lower()
        if tag == "link" and _scheme(values.get("href", "")) in ("http", "https", "//"):
            policy.note_remote(values["href"].strip(), tag, "href")
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            url = values.get("content", "").partition("=")[2].strip().strip("'\"")
            if _scheme(url) in ("http", "https", "//"):
                policy.note_remote(url, tag, "content")


_ANY_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr", "param", "keygen", "frame", "image"}  # fmt: skip


def _limit_nesting(html: str, limit: int = MAX_HTML_DEPTH) -> str:
    """Drop tags nested deeper than `limit` (text stays). html5ever's scope checks walk the
    open-element stack, so 100,000 nested <div>s cost minutes inside nh3; real mail is far
    shallower. Only an approximation of the HTML tree, which is fine: nh3 runs afterwards, so
    this can change the layout of a pathological message but never its safety."""
    if html.count("<") < limit:
        return html
    out: list[str] = []
    depth = 0
    pos = 0
    for match in _ANY_TAG.finditer(html):
        name = match.group(2).lower()
        if name in _VOID:
            continue
        if match.group(1):
            drop = depth > limit
            depth = max(0, depth - 1)
        else:
            depth += 1
            drop = depth > limit
        if drop:
            out.append(html[pos : match.start()])
            pos = match.end()
    out.append(html[pos:])
    return "".join(out)


def bound_html(html: str) -> tuple[str, bool]:
    """The HTML cut to MAX_HTML_CHARS characters, flattened to MAX_HTML_DEPTH and cut to
    MAX_HTML_TAGS tags (in that order, so a deep pile of tags loses depth, not content);
    True if anything was cut off the end."""
    cut = len(html) > MAX_HTML_CHARS
    html = _limit_nesting(html[:MAX_HTML_CHARS])
    if html.count("<") > MAX_HTML_TAGS:
        pos = -1
        for _ in range(MAX_HTML_TAGS + 1):
            pos = html.find("<", pos + 1)
        html, cut = html[:pos], True
    return html, cut


def _rewrite_locations(html: str, locations: Mapping[str, str]) -> str:
    """src="image1" -> src="cid:image1" for resources the message carries by
    Content-Location (MHTML). Done on the raw HTML, before nh3, which still cleans it all."""
    names = sorted(locations, key=len, reverse=True)[:MAX_HTML_FINDINGS]
    if not names:
        return html
    pattern = re.compile(
        r"""(\s(?:src|background|poster)\s*=\s*)(["']?)("""
        + "|".join(re.escape(n) for n in names)
        + r""")\2(?=[\s/>])""",
        re.IGNORECASE,
    )
    return pattern.sub(lambda m: f'{m.group(1)}"cid:{quote(locations[m.group(3)])}"', html)


def sanitise(
    html: str, *, allow_remote: bool = False, locations: Mapping[str, str] | None = None
) -> SafeHtml:
    """Safe HTML for the message view, with what was blocked and what looks like phishing.

    locations: Content-Location -> cid key of resources in the message (MHTML)."""
    html, truncated = bound_html(html)
    if locations:
        html = _rewrite_locations(html, locations)
    policy = _Policy(allow_remote)
    _list_unkept_fetchers(html, policy)
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_CLEAN_CONTENT,
        attributes=_ATTRS,
        attribute_filter=policy.attribute,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        strip_comments=True,
        link_rel="noopener noreferrer",
        url_relative="deny",
    )
    serialiser = _Reserialiser(policy)
    serialiser.feed(cleaned)
    return SafeHtml(
        html="".join(serialiser.out),
        remote=tuple(policy.remote.values()),
        suspicious_links=tuple(serialiser.suspicious),
        cid_refs=tuple(policy.cids),
        truncated=truncated,
    )


_TEXT_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                "blockquote", "pre", "hr", "ul", "ol", "dl", "dt", "dd"}  # fmt: skip
_BLOCK_TAG = re.compile(r"</?(?:" + "|".join(sorted(_TEXT_BLOCKS)) + r")\b[^>]*>")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (for previews and the plain-text view).

    nh3 keeps only block tags (scripts, styles and heads go with their content); over its
    normalised output, block tags become line breaks and entities are decoded."""
    kept = nh3.clean(
        bound_html(html)[0],
        tags=_TEXT_BLOCKS,
        clean_content_tags={"script", "style", "head", "title", "template"},
        attributes={},
        strip_comments=True,
    )
    text = htmllib.unescape(_BLOCK_TAG.sub("\n", kept))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


_STYLE_BLOCK = re.compile(r"<style>.*?</style>", re.DOTALL)
_ANY_SAFE_TAG = re.compile(r"<[^>]*>")


def safe_text(safe_html: str) -> str:
    """Plain text of sanitise()'s output, without a second sanitiser pass: that output is
    well-formed (attributes quoted and escaped, only <style> raw), so regexes are exact."""
    text = _BLOCK_TAG.sub("\n", _STYLE_BLOCK.sub("", safe_html))
    text = htmllib.unescape(_ANY_SAFE_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
