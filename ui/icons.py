"""Icons for the folder pane: the desktop's icon theme when it has the icon, else Kittiwake's own.

The previous fallback was a QStyle standard pixmap, which without an icon theme (a bare X
session, Windows, a Flatpak without the host theme) drew the Sent folder as a black arrow
and the Inbox as a network drive. The shipped SVGs (resources/icons/folders/) are drawn for 16
pixels and scale with the screen, so the pane looks the same everywhere a theme is missing.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon

from kittiwake.resources import folder_icon_file


def themed_icon(theme_name: str, shipped: str) -> QIcon:
    """The theme's `theme_name` (freedesktop naming) if the current theme has it, else the
    shipped icon `shipped` (one of kittiwake.resources.FOLDER_ICONS)."""
    if theme_name and QIcon.hasThemeIcon(theme_name):
        return QIcon.fromTheme(theme_name)
    # Not cached in a module global: a QIcon outliving the application would be destroyed
    # after the SVG icon-engine plugin is unloaded. QIcon reads the file lazily anyway.
    return QIcon(str(folder_icon_file(shipped)))
