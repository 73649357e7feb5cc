"""Light or dark: follow the desktop's colour scheme (Qt 6.8's QStyleHints), or stay light."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication


def apply_theme(app: QGuiApplication, follows_system: bool) -> Qt.ColorScheme:
    """Apply the choice; returns the scheme now requested (Unknown: the system decides)."""
    hints = app.styleHints()
    if follows_system:
        hints.unsetColorScheme()  # the platform theme decides, and follows its changes
        return Qt.ColorScheme.Unknown
    hints.setColorScheme(Qt.ColorScheme.Light)
    return Qt.ColorScheme.Light
