"""New mail in an Inbox: a tray icon and a desktop notification (can be turned off)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon


class NewMailNotifier(QObject):
    sig_notified = Signal(str, str)  # title, text (what was shown; tests listen)
    sig_activated = Signal()

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = True
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon if not icon.isNull() else QApplication.windowIcon())
            self.tray.setToolTip(self.tr("Kittiwake"))
            self.tray.activated.connect(lambda _reason: self.sig_activated.emit())
            self.tray.show()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled

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
