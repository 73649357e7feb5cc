"""The message reader: MessageView (headers, remote-content and attachment bars, the body in a
locked-down QtWebEngine view or as plain text) and ReaderWindow (one .eml file).

Call register_schemes() before the QApplication is created (ui/app.py's main() and the tests'
conftest do): QtWebEngine ignores a custom scheme registered after its first web class exists.
Importing this package does not import QtWebEngine.
"""

from kittiwake.ui.windows.reader.hooks import ReaderHooks
from kittiwake.ui.windows.reader.schemes import SCHEME, register_schemes
from kittiwake.ui.windows.reader.view import MessageView, web_engine_available
from kittiwake.ui.windows.reader.window import ReaderWindow

__all__ = [
    "SCHEME",
    "MessageView",
    "ReaderHooks",
    "ReaderWindow",
    "register_schemes",
    "web_engine_available",
]
