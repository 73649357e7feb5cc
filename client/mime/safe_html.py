"""HTML bodies made safe to show: nh3 (ammonia) first, then our own strict re-serialisation.

Pass 1, nh3: parses like a browser (html5ever), so malformed input (the EFAIL-style
unterminated `<img src="http://x/?`) ends up exactly as a browser would see it, then keeps
only allow-listed tags/attributes. Our attribute filter decides every URL: remote content
(http, https, protocol-relative) in a loading position is dropped and listed, unless
allow_remote; cid: stays (the model maps Content-ID -> part); data: only as a raster image.
nh3 alone keeps `<img src="http://...">` tracking pixels, hence the filter.

Pass 2, html.parser over nh3's well-formed output: re-emits it with every attribute escaped,
re-checks each URL-bearing attribute (defence in depth), drops <style> blocks that can load
or run anything, and compares each link's visible host with its real target (phishing hint).
The test suite parses the final output with html.parser too, so both see the same document.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

from kittiwake.client.mime.bounds import MAX_HTML_FINDINGS

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


class _Reserialiser(HTMLParser):
    """Pass 2: rebuild the document from nh3's output, checking again as it goes."""

    def __init__(self, policy: _Policy) -> None:
        super().__init__(convert_charrefs=True)
        self.policy = policy
        self.out: list[str] = []
        self.style: list[str] | None = None
        self.link: tuple[str, list[str]] | None = None
        self.suspicious: list[SuspiciousLink] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            return
        if tag == "style":
            self.style = []
            return
        parts = [tag]
        href = ""
        for name, value in attrs:
            allowed = _ATTRS.get(tag, set()) | _GENERIC_ATTRS | {"rel"}
            if name not in allowed:
                continue
            kept = self.policy.attribute(tag, name, value or "")
            if kept is None:
                continue
            if name == "href":
                href = kept
            parts.append(f'{name}="{htmllib.escape(kept, quote=True)}"')
        self.out.append("<" + " ".join(parts) + ">")
        if tag == "a" and self.link is None:
            self.link = (href, [])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _TAGS:
            return
        if tag == "style":
            css = "".join(self.style or [])
            self.style = None
            if "<" not in css and self.policy.css_ok(css, "style"):
                self.out.append(f"<style>{css}</style>")
            return
        self.out.append(f"</{tag}>")
        if tag == "a" and self.link is not None:
            self._check_link(self.link[0], "".join(self.link[1]))
            self.link = None

    def handle_data(self, data: str) -> None:
        if self.style is not None:
            self.style.append(data)
            return
        if self.link is not None:
            self.link[1].append(data)
        self.out.append(htmllib.escape(data, quote=False))

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


class _LinkScanner(HTMLParser):
    """Lists remote fetches in elements we never keep (<link>, <meta refresh>), for the model."""

    def __init__(self, policy: _Policy) -> None:
        super().__init__(convert_charrefs=True)
        self.policy = policy

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "link" and values.get("href"):
            if _scheme(values["href"]) in ("http", "https", "//"):
                self.policy.note_remote(values["href"].strip(), tag, "href")
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            url = values.get("content", "").partition("=")[2].strip().strip("'\"")
            if _scheme(url) in ("http", "https", "//"):
                self.policy.note_remote(url, tag, "content")


def sanitise(html: str, *, allow_remote: bool = False) -> SafeHtml:
    """Safe HTML for the message view, with what was blocked and what looks like phishing."""
    policy = _Policy(allow_remote)
    try:
        scanner = _LinkScanner(policy)
        scanner.feed(html)
        scanner.close()
    except Exception:  # listing is best effort; sanitising below is what matters
        pass
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
    serialiser.close()
    return SafeHtml(
        html="".join(serialiser.out),
        remote=tuple(policy.remote.values()),
        suspicious_links=tuple(serialiser.suspicious),
        cid_refs=tuple(policy.cids),
    )


_TEXT_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "pre",
        "hr",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
    ]
)
_TEXT_SKIP = frozenset(("script", "style", "head", "title", "template"))


class _TextExtractor(HTMLParser):
    _BLOCK = _TEXT_BLOCKS
    _SKIP = _TEXT_SKIP

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skip:
            self.skip -= 1
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(" ".join(data.split(" ")))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (for previews and the plain-text view)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(extractor.out)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
