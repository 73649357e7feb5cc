"""The status bar: sync progress per account, online/offline, the last error with details."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QPushButton, QStatusBar, QWidget

from kittiwake.client.events import (
    OnlineStateChanged,
    Phase,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)  # account and folder names come from servers
    return label


class MainStatusBar(QStatusBar):
    sig_details_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Status bar"))
        self._progress: dict[str, str] = {}  # account -> "what it is doing"
        self._online: dict[str, bool] = {}
        self.offline_by_choice = False
        self.last_error: tuple[str, str, str] | None = None  # account, message, hint

        self.activity = _plain(QLabel())
        self.activity.setAccessibleName(self.tr("Sync progress"))
        self.bar = QProgressBar()
        self.bar.setAccessibleName(self.tr("Sync progress bar"))
        self.bar.setMaximumWidth(140)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.error = _plain(QLabel())
        self.error.setAccessibleName(self.tr("Last error"))
        self.details = QPushButton(self.tr("Details…"))
        self.details.setAccessibleName(self.tr("Error details"))
        self.details.setFlat(True)
        self.details.hide()
        self.details.clicked.connect(self.show_details)
        self.state = _plain(QLabel())
        self.state.setAccessibleName(self.tr("Connection state"))
        self.addWidget(self.activity, 1)
        self.addWidget(self.bar)
        self.addPermanentWidget(self.error)
        self.addPermanentWidget(self.details)
        self.addPermanentWidget(self.state)
        self._show_state()

    # --- events ------------------------------------------------------------------------------

    def on_event(self, event: object) -> None:
        if isinstance(event, SyncProgress):
            self._on_progress(event)
        elif isinstance(event, SyncFinished):
            self._progress.pop(event.account, None)
            self._show_activity()
        elif isinstance(event, SyncFailed):
            self._progress.pop(event.account, None)
            self.set_error(event.account, event.message, event.hint)
            self._show_activity()
        elif isinstance(event, OnlineStateChanged):
            self._online[event.account] = event.online
            if event.online and self.last_error and self.last_error[0] == event.account:
                self.clear_error()
            self._show_state()

    def _on_progress(self, event: SyncProgress) -> None:
        words = {
            Phase.CONNECTING: self.tr("connecting"),
            Phase.FOLDERS: self.tr("listing folders"),
            Phase.CHANGES: self.tr("checking changes"),
            Phase.HEADERS: self.tr("new messages"),
            Phase.BODIES: self.tr("downloading"),
        }
        where = f"{event.account}/{event.folder}" if event.folder else event.account
        text = f"{where}: {words[event.phase]}"
        if event.total > 1:
            text += f" {event.done}/{event.total}"
        self._progress[event.account] = text
        self.bar.setRange(0, max(event.total, 1))
        self.bar.setValue(min(event.done, max(event.total, 1)))
        self._show_activity()

    def _show_activity(self) -> None:
        self.activity.setText(" · ".join(self._progress.values()))
        self.bar.setVisible(bool(self._progress))

    # --- state -------------------------------------------------------------------------------

    def set_offline_by_choice(self, offline: bool) -> None:
        self.offline_by_choice = offline
        self._show_state()

    def _show_state(self) -> None:
        if self.offline_by_choice:
            text = self.tr("Working offline")
        elif not self._online:
            text = ""
        elif all(self._online.values()):
            text = self.tr("Online")
        elif any(self._online.values()):
            text = self.tr("Some accounts offline")
        else:
            text = self.tr("Offline")
        self.state.setText(text)

    def set_error(self, account: str, message: str, hint: str) -> None:
        self.last_error = (account, message, hint)
        self.error.setText(f"{account}: {message}")
        self.details.show()

    def clear_error(self) -> None:
        self.last_error = None
        self.error.setText("")
        self.details.hide()

    def show_details(self) -> None:
        self.sig_details_requested.emit()
        if self.last_error is None:
            return
        account, message, hint = self.last_error
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Sync problem"), message, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(f"{account}\n{hint}")
        box.setAccessibleName(self.tr("Sync problem details"))
        box.open()
