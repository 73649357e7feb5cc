"""Settings: accounts (servers, identities, removal) and the user's preferences."""

from kittiwake.ui.windows.settings.dialog import SettingsDialog

__all__ = ["SettingsDialog"]
