"""The status bar: sync progress per account, online/offline, the last error with details.

Progress is shown at most every PROGRESS_MS: a sync sends a SyncProgress per batch, and while
its worker thread computes, each Qt call made here waits for the GIL (up to the switch
interval, 5 ms) on the way back into Python; a py-spy trace of a 10,000-message sync caught one
progress update taking 76 ms of the GUI thread. So an event only records the numbers; a timer
applies the latest, and only the widget properties that changed are set.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QPushButton, QStatusBar, QWidget

from kittiwake.client.events import (
    OnlineStateChanged,
    Phase,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)

PROGRESS_MS = 250


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)  # account and folder names come from servers
    return label


class MainStatusBar(QStatusBar):
    sig_details_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Status bar"))
        self._progress: dict[str, str] = {}  # account -> "what it is doing"
        self._bar_range = (0, 1)  # of the latest progress event (applied by the timer)
        self._bar_value = 0
        # What the widgets show: (activity text, bar range, bar value, bar visible).
        self._shown: tuple[str, tuple[int, int], int, bool] = ("", (0, 100), -1, False)
        self._show_soon = QTimer(self)
        self._show_soon.setSingleShot(True)
        self._show_soon.setInterval(PROGRESS_MS)
        self._show_soon.timeout.connect(self._show_activity)
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
        self._bar_range = (0, max(event.total, 1))
        self._bar_value = min(event.done, max(event.total, 1))
        if not self._show_soon.isActive():
            self._show_soon.start()

    def _show_activity(self) -> None:
        """Now (a sync ended or failed), or from the timer: only what changed is set,
        compared with what was shown last (kept here: asking the widgets is Qt calls too)."""
        self._show_soon.stop()
        shown = (
            " · ".join(self._progress.values()),
            self._bar_range if self._progress else self._shown[1],
            self._bar_value if self._progress else self._shown[2],
            bool(self._progress),
        )
        text, bar_range, value, visible = shown
        if text != self._shown[0]:
            self.activity.setText(text)
        if bar_range != self._shown[1]:
            self.bar.setRange(*bar_range)
        if value != self._shown[2]:
            self.bar.setValue(value)
        if visible != self._shown[3]:
            self.bar.setVisible(visible)
        self._shown = shown

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
