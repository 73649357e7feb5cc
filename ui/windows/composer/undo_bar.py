"""The bar shown after Send: "Sending in N s — Undo". The message goes to the outbox only
when the delay has passed; Undo brings the draft back for editing."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class UndoSendBar(QFrame):
    sig_elapsed = Signal()
    sig_undone = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoSendBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.undo_button = QPushButton(self.tr("Undo"), self)
        self.undo_button.setAccessibleName(self.tr("Undo send"))
        self.undo_button.clicked.connect(self.undo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        self._fire = QTimer(self)
        self._fire.setSingleShot(True)
        self._fire.setTimerType(Qt.TimerType.PreciseTimer)  # the countdown shows whole seconds
        self._fire.timeout.connect(self._elapsed)
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._show_remaining)
        self.hide()

    @property
    def pending(self) -> bool:
        return self._fire.isActive()

    def start(self, seconds: float) -> None:
        self._fire.start(max(0, int(seconds * 1000)))
        self._tick.start()
        self._show_remaining()
        self.show()

    def undo(self) -> None:
        if not self.pending:
            return
        self._stop()
        self.sig_undone.emit()

    def fire_now(self) -> None:
        """Send without waiting (the window is closing)."""
        if self.pending:
            self._elapsed()

    def _elapsed(self) -> None:
        self._stop()
        self.sig_elapsed.emit()

    def _stop(self) -> None:
        self._fire.stop()
        self._tick.stop()
        self.hide()

    def _show_remaining(self) -> None:
        left = math.ceil(max(0, self._fire.remainingTime()) / 1000)
        self.label.setText(self.tr("Sending in %n s", "", left))
