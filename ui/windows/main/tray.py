"""New mail in an Inbox: a tray icon and a desktop notification (can be turned off).

Whether to notify is the `notifications` preference, read when mail arrives, so the Settings
dialog's choice counts at once; the View menu's toggle writes the same preference.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from kittiwake.client.net.errors import KittiwakeError
from kittiwake.client.settings import SettingsFile
from kittiwake.ui.windows.settings.live import settings_file_near

log = logging.getLogger(__name__)


class NewMailNotifier(QObject):
    sig_notified = Signal(str, str)  # title, text (what was shown; tests listen)
    sig_activated = Signal()

    def __init__(
        self,
        icon: QIcon,
        parent: QObject | None = None,
        *,
        settings_file: SettingsFile | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings_file = settings_file or settings_file_near(parent)
        self._enabled = True  # only when there is no preferences file (a bare notifier)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon if not icon.isNull() else QApplication.windowIcon())
            self.tray.setToolTip(self.tr("Kittiwake"))
            self.tray.activated.connect(lambda _reason: self.sig_activated.emit())
            self.tray.show()

    @property
    def enabled(self) -> bool:
        if self.settings_file is None:
            return self._enabled
        return self.settings_file.current().notifications

    def set_enabled(self, enabled: bool) -> None:
        """The View menu's toggle: remembered as the preference."""
        self._enabled = enabled
        file = self.settings_file
        if file is None or file.current().notifications == enabled:
            return
        try:
            file.update(lambda s: replace(s, notifications=enabled))
        except (KittiwakeError, OSError) as error:
            # An unreadable file is never replaced; this session still follows the toggle.
            log.warning("notification choice not saved: %s", error)
            self.settings_file = None

    def new_mail(self, account: str, count: int) -> None:
        if not self.enabled or count <= 0:
            return
        title = self.tr("New mail")
        text = self.tr("%n new message(s) in %1", "", count).replace("%1", account)
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 5000)
        self.sig_notified.emit(title, text)

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
