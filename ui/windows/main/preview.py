"""The message pane. The reader engineer's MessageView (QtWebEngine) when it is there;
otherwise this plain-text preview: headers and the text body, never interpreted as HTML."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from kittiwake.client.engine import Engine
from kittiwake.client.store.model import Role

if TYPE_CHECKING:
    from kittiwake.ui.windows.reader import MessageView


class PlainPreview(QTextBrowser):
    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setAccessibleName(self.tr("Message preview"))
        self.setOpenLinks(False)
        self.message_id: int | None = None
        self.show_message(None)

    def show_message(self, message_id: int | None) -> None:
        self.message_id = message_id
        summary = None if message_id is None else self.engine.message(message_id)
        if summary is None:
            self.setPlainText(self.tr("No message selected."))
            return
        lines = [
            self.tr("From: %1").replace("%1", str(summary.sender)),
            self.tr("To: %1").replace("%1", summary.to),
            self.tr("Date: %1").replace(
                "%1", time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.date))
            ),
            self.tr("Subject: %1").replace("%1", summary.subject),
            "",
        ]
        parsed = self.engine.parsed_message(summary.id)
        if parsed is None:
            lines.append(summary.preview or self.tr("(The body is not downloaded yet.)"))
        else:
            lines.append(parsed.text)
        self.setPlainText("\n".join(lines))

    def displayed_text(self) -> str:
        return self.toPlainText()


class ReaderPane(QWidget):
    """The reader's MessageView, fed from the cache: raw bytes in, Junk means no remote
    content ever."""

    def __init__(self, engine: Engine, view: MessageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.view = view
        self.message_id: int | None = None
        self.setAccessibleName(self.tr("Message"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)

    def show_message(self, message_id: int | None) -> None:
        self.message_id = message_id
        summary = None if message_id is None else self.engine.message(message_id)
        if summary is None:
            self.view.clear()
            return
        raw = self.engine.raw_message(summary.id)
        if raw is None:
            self.view.clear()
            self.view.text_view.setPlainText(
                summary.preview or self.tr("The body is not downloaded yet.")
            )
            return
        folder = self.engine.folder_by_id(summary.folder_id)
        in_junk = folder is not None and folder.role is Role.JUNK
        self.view.set_message(raw, in_junk=in_junk)

    def displayed_text(self) -> str:
        return self.view.text_view.toPlainText()


def make_message_pane(engine: Engine, parent: QWidget | None = None) -> QWidget:
    """The reader's MessageView when it can be imported, else the plain preview."""
    try:
        from kittiwake.ui.windows.reader import MessageView
    except ImportError:
        return PlainPreview(engine, parent)
    return ReaderPane(engine, MessageView(), parent)
