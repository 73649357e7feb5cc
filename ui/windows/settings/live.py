"""Finding the preferences file a widget should follow.

Widgets that obey a preference as it changes (new-mail notifications, remote content) read it
through `SettingsFile.current()` when they act, so a choice saved in the Settings dialog counts
from the next message on, with no signal wiring. They are best given the file; when they are
not, it is the one beside the engine that a parent widget works for (the main window and the
reader pane both hold `engine`).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from kittiwake.client.engine import Engine
from kittiwake.client.settings import SettingsFile


def settings_file_near(widget: QObject | None) -> SettingsFile | None:
    while widget is not None:
        engine = getattr(widget, "engine", None)
        if isinstance(engine, Engine):
            return SettingsFile.beside(engine.paths)
        widget = widget.parent()
    return None
