"""The main window. Today a shell: the three panes arrive with the desktop-app issue."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    sig_closed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Kittiwake"))
        self.setAccessibleName(self.tr("Kittiwake main window"))
        placeholder = QLabel(self.tr("Kittiwake: no account set up yet."))
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.setCentralWidget(placeholder)
        self.resize(1000, 700)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sig_closed.emit()
        super().closeEvent(event)
