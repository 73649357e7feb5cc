"""The web side of the message view: a private profile, the request interceptor, our scheme
handler and a page that never navigates by itself.

Every view gets its own off-the-record profile (no cookies, cache or storage on disk, and
settings no other view can loosen). JavaScript, plugins and local access are off. The
interceptor is the last word on the network: anything that is not our own scheme is blocked
unless remote content was allowed for the message now shown (never in Junk), and every block
is recorded so tests and the UI can see what was stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeDatabase, QObject, QUrl
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlSchemeHandler,
)

from kittiwake.ui.windows.reader.schemes import SCHEME, SCHEME_BYTES

_REMOTE_SCHEMES = frozenset({"http", "https"})
# Inline images are served only as raster images, sniffed from their bytes (the part's own
# Content-Type is the sender's claim).
_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/vnd.microsoft.icon"}
)


class RequestInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request but our scheme's, unless remote content is allowed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.allow_remote = False
        self.blocked: list[str] = []
        self.allowed: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        scheme = url.scheme().lower()
        if (
            scheme == SCHEME
            or scheme == "data"
            or (self.allow_remote and scheme in _REMOTE_SCHEMES)
        ):
            self.allowed.append(url.toString())
            return
        info.block(True)
        if len(self.blocked) < 1000:
            self.blocked.append(url.toString())


@dataclass
class ServedMessage:
    """What our scheme serves for the message now shown."""

    token: str = ""
    document: bytes = b""
    # Content-ID -> bytes or None (not an image / not in the message); filled on demand.
    image: Callable[[str], bytes | None] = lambda _cid: None
    served: list[str] = field(default_factory=list)  # paths answered, for tests


class MessageSchemeHandler(QWebEngineUrlSchemeHandler):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.current = ServedMessage()
        self._mime = QMimeDatabase()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        path = job.requestUrl().path(QUrl.ComponentFormattingOption.FullyEncoded)
        token, _, rest = path.partition("/")
        current = self.current
        if not current.token or token != current.token:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if rest == "body":
            self._reply(job, b"text/html;charset=utf-8", current.document)
        elif rest.startswith("cid/"):
            data = current.image(unquote(rest[4:]))
            kind = self._mime.mimeTypeForData(QByteArray(data)).name() if data else ""
            if data is None or kind not in _IMAGE_TYPES:
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
                return
            self._reply(job, kind.encode("ascii"), data)
        else:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        current.served.append(rest)

    @staticmethod
    def _reply(job: QWebEngineUrlRequestJob, content_type: bytes, data: bytes) -> None:
        buffer = QBuffer(job)  # lives as long as the job that reads it
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(QByteArray(content_type), buffer)


class MessagePage(QWebEnginePage):
    """A page that shows only our document: a clicked link goes to `on_link`, never here."""

    def __init__(
        self, profile: QWebEngineProfile, on_link: Callable[[QUrl], None], parent: QObject
    ) -> None:
        super().__init__(profile, parent)
        self._on_link = on_link

    def acceptNavigationRequest(
        self, url: QUrl | str, type: QWebEnginePage.NavigationType, isMainFrame: bool
    ) -> bool:
        url = QUrl(url)
        if type == QWebEnginePage.NavigationType.NavigationTypeLinkClicked:
            self._on_link(url)
            return False
        # Our own loads only (setUrl of the body); a meta refresh, a form or a redirect to
        # anywhere else is refused.
        return url.scheme().lower() == SCHEME and isMainFrame

    def createWindow(  # type: ignore[override]  # None refuses the new window
        self, type: QWebEnginePage.WebWindowType
    ) -> QWebEnginePage | None:
        return None  # target=_blank and friends: the click already went to on_link


_SETTINGS_OFF = (
    QWebEngineSettings.WebAttribute.JavascriptEnabled,
    QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows,
    QWebEngineSettings.WebAttribute.JavascriptCanAccessClipboard,
    QWebEngineSettings.WebAttribute.JavascriptCanPaste,
    QWebEngineSettings.WebAttribute.PluginsEnabled,
    QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls,
    QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls,
    QWebEngineSettings.WebAttribute.LocalStorageEnabled,
    QWebEngineSettings.WebAttribute.HyperlinkAuditingEnabled,
    QWebEngineSettings.WebAttribute.DnsPrefetchEnabled,
    QWebEngineSettings.WebAttribute.AutoLoadIconsForPage,
    QWebEngineSettings.WebAttribute.ErrorPageEnabled,
    QWebEngineSettings.WebAttribute.PdfViewerEnabled,
    QWebEngineSettings.WebAttribute.NavigateOnDropEnabled,
    QWebEngineSettings.WebAttribute.WebGLEnabled,
    QWebEngineSettings.WebAttribute.Accelerated2dCanvasEnabled,
    QWebEngineSettings.WebAttribute.ScreenCaptureEnabled,
    QWebEngineSettings.WebAttribute.FullScreenSupportEnabled,
)


Wired = tuple[QWebEngineProfile, RequestInterceptor, MessageSchemeHandler]


def make_profile(parent: QObject) -> Wired:
    """A private profile wired to a fresh interceptor and scheme handler."""
    profile = QWebEngineProfile(parent)  # no storage name: off the record
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(
        QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies
    )
    profile.setHttpUserAgent("Mozilla/5.0")  # a remote image should not learn the client
    settings = profile.settings()
    for attribute in _SETTINGS_OFF:
        settings.setAttribute(attribute, False)
    # Images load only when the interceptor lets them: ours always, remote ones when allowed.
    settings.setAttribute(QWebEngineSettings.WebAttribute.AutoLoadImages, True)
    settings.setAttribute(QWebEngineSettings.WebAttribute.WebRTCPublicInterfacesOnly, True)
    interceptor = RequestInterceptor(profile)
    profile.setUrlRequestInterceptor(interceptor)
    handler = MessageSchemeHandler(profile)
    profile.installUrlSchemeHandler(SCHEME_BYTES, handler)
    return profile, interceptor, handler
