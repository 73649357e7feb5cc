"""The settings dialog: accounts, reading, offline and sync, general. OK writes the
preferences file (client/settings.py) and applies the theme; account changes are saved by the
accounts page's own buttons, at once."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.engine import Engine
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.ui.windows.settings.accounts_page import AccountsPage, Confirm
from kittiwake.ui.windows.settings.preferences import GeneralPage, OfflinePage, ReadingPage
from kittiwake.ui.windows.settings.theme import apply_theme


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    return QMessageBox.question(parent, title, text) == QMessageBox.StandardButton.Yes


class SettingsDialog(QDialog):
    sig_settings_saved = Signal(object)  # Settings

    def __init__(
        self,
        engine: Engine,
        *,
        settings_file: SettingsFile | None = None,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))
        self.file = settings_file or SettingsFile.beside(engine.paths)
        self.applied_scheme: Qt.ColorScheme | None = None  # what the last save asked Qt for
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c0392b;")
        try:
            self.settings = self.file.load()
        except KittiwakeError as error:  # shown, and the file is never overwritten
            self.settings = Settings()
            self.error.setText(error.message)
        self.accounts = AccountsPage(engine, confirm, self)
        self.reading = ReadingPage(self.settings, self)
        self.offline = OfflinePage(self.settings, self)
        self.general = GeneralPage(self.settings, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.accounts, self.tr("Accounts"))
        self.tabs.addTab(self.reading, self.tr("Reading"))
        self.tabs.addTab(self.offline, self.tr("Offline and sync"))
        self.tabs.addTab(self.general, self.tr("General"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(820, 560)

    def edited(self) -> Settings:
        # On top of the file as it is now, not as it was when the dialog opened: choices made
        # elsewhere meanwhile (the threaded view, the View menu's notifications) are kept.
        try:
            settings = self.file.load()
        except KittiwakeError:
            settings = self.settings
        for page in (self.reading, self.offline, self.general):
            settings = page.apply(settings)
        return settings

    def save(self) -> bool:
        settings = self.edited()
        try:
            self.file.save(settings)
        except (KittiwakeError, OSError) as error:
            self.error.setText(str(error))
            return False
        self.settings = settings
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            self.applied_scheme = apply_theme(app, settings.theme_follows_system)
        self.sig_settings_saved.emit(settings)
        return True

    def accept(self) -> None:
        if self.save():
            super().accept()
