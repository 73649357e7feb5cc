"""The message pane. The reader engineer's MessageView (QtWebEngine) when it is there;
otherwise this plain-text preview: headers and the text body, never interpreted as HTML."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QTextBrowser, QWidget

from kittiwake.client.engine import Engine


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


def make_message_pane(engine: Engine, parent: QWidget | None = None) -> QWidget:
    """The reader's view if it offers `show_message(id)`, else the plain preview."""
    try:
        from kittiwake.ui.windows.reader import MessageView  # type: ignore[attr-defined]
    except ImportError:
        return PlainPreview(engine, parent)
    try:
        view: QWidget = MessageView(engine, parent)
    except TypeError:
        return PlainPreview(engine, parent)
    return view if hasattr(view, "show_message") else PlainPreview(engine, parent)
