"""What the command line (or a later launch, through SingleInstance) asks the running app to
open: a mailto: link opens the composer filled in, a message file opens a reader window.
Anything else is ignored with a log line (the CLI already took everything it understands).

The opened windows have no parent (they are top-level, like Thunderbird's), so this object
keeps them referenced until they are destroyed; else Python would collect them at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from kittiwake.client.engine import Engine
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.ui.windows.main_window import MainWindow

log = logging.getLogger(__name__)

STATUS_MS = 10000
Kind = Literal["mailto", "file"]


def classify(arg: str) -> tuple[Kind, str] | None:
    """("mailto", url), ("file", absolute path) or None — pure but for the file check."""
    if arg[:7].lower() == "mailto:":
        return ("mailto", arg)
    try:
        path = Path(arg)
        if path.is_file():
            return ("file", str(path.absolute()))
    except (OSError, ValueError):
        pass
    return None


class ArgumentOpener(QObject):
    """Opens arguments and the window's compose requests (New, Reply, Forward) on `engine`."""

    def __init__(self, window: MainWindow, engine: Engine | None) -> None:
        super().__init__(window)
        self.window = window
        self.engine = engine
        self.windows: list[QWidget] = []
        window.sig_compose_requested.connect(self.compose)

    def open_arguments(self, args: Sequence[str]) -> None:
        for arg in args:
            kind = classify(arg)
            if kind is None:
                # The argument itself may be private (a path); its length says enough.
                log.info("ignoring a command-line argument (%d characters)", len(arg))
            elif kind[0] == "mailto":
                self.open_mailto(kind[1])
            else:
                self.open_file(Path(kind[1]))

    def open_mailto(self, url: str) -> QWidget | None:
        from kittiwake.ui.windows.composer import open_mailto

        if self.engine is None:
            self._say(self.tr("The mail cache could not be opened; cannot write a message."))
            return None
        try:
            composer = open_mailto(self.engine, url)
        except KittiwakeError as error:  # no account yet: the wizard is on screen
            self._say(error.message)
            return None
        return self._keep(composer)

    def compose(self, kind: str, message_id: int) -> QWidget | None:
        """The main window's sig_compose_requested(kind, message_id)."""
        from kittiwake.ui.windows.composer import open_composer

        if self.engine is None:
            return None
        try:
            composer = open_composer(self.engine, kind, message_id)
        except KittiwakeError as error:
            self._say(error.message)
            return None
        return self._keep(composer)

    def open_file(self, path: Path) -> QWidget:
        from kittiwake.ui.windows.reader.window import ReaderWindow

        return self._keep(ReaderWindow(path))

    def _keep(self, widget: QWidget) -> QWidget:
        self.windows.append(widget)
        widget.destroyed.connect(lambda _obj=None, w=widget: self._forget(w))
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget

    def _forget(self, widget: QWidget) -> None:
        if widget in self.windows:
            self.windows.remove(widget)

    def _say(self, message: str) -> None:
        self.window.statusBar().showMessage(message, STATUS_MS)
