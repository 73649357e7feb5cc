"""The reader's own URL scheme: the message document and its cid: images come from here.

QtWebEngine only accepts a custom scheme that was registered before its first web class is
made, and PySide6 wants QtWebEngineWidgets imported before the QApplication exists. So the
application's main() and the tests' conftest call register_schemes() first thing; calling it
again is harmless, and a late call (after a web view exists) is ignored by Qt, which is why
MessageView only calls it as a safety net.

URLs: `kittiwake-message:<token>/body` is the sanitised document, `kittiwake-message:<token>/
cid/<Content-ID>` an inline image. The token changes with every shown message, so a late
request from a previous message is never answered with another message's bytes.
"""

from __future__ import annotations

SCHEME = "kittiwake-message"
SCHEME_BYTES = SCHEME.encode("ascii")

_registered = False


def register_schemes() -> None:
    """Register our scheme with QtWebEngine. Call before QApplication (idempotent)."""
    global _registered
    if _registered:
        return
    # Imported here so that importing the reader package never pulls in QtWebEngine early.
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)
        from PySide6.QtWebEngineCore import QWebEngineUrlScheme
    except ImportError:
        return  # no QtWebEngine: the reader shows every message as text

    scheme = QWebEngineUrlScheme(SCHEME_BYTES)
    # Path syntax: no host, an opaque origin per document. Deliberately neither LocalScheme
    # (remote content, once allowed, must be able to load) nor SecureScheme (Chromium would
    # upgrade http images to https as mixed content).
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)
    QWebEngineUrlScheme.registerScheme(scheme)
    _registered = True


def schemes_registered() -> bool:
    return _registered
