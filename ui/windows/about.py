"""About / troubleshooting: versions and paths, and a button that copies a redacted report.

The report is client.diagnostics' text (the home directory as ~, no account details), shown
exactly as it will be copied, so the user sees what they are about to paste into a bug report.
"""

from __future__ import annotations

import PySide6
from PySide6.QtCore import Qt, QUrl, Signal, qVersion
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.diagnostics import Diagnostics, collect, report_text
from kittiwake.client.paths import Paths
from kittiwake.resources import icon_file


def gui_versions() -> dict[str, str]:
    return {"Qt": qVersion(), "PySide6": PySide6.__version__}


def app_icon() -> QIcon:
    """The theme's icon when the desktop has it installed, else ours from the package."""
    fallback = QIcon(str(icon_file()))
    for size in (16, 32, 48, 64, 128, 256):
        fallback.addFile(str(icon_file(size)))
    return QIcon.fromTheme("org.kittiwake.Kittiwake", fallback)


class AboutDialog(QDialog):
    """Emits sig_report_copied after the report went to the clipboard."""

    sig_report_copied = Signal()

    def __init__(self, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paths = paths
        self._diagnostics: Diagnostics = collect(paths, gui_versions())
        self._report = report_text(self._diagnostics)
        self.setWindowTitle(self.tr("About Kittiwake"))
        self.setAccessibleName(self.tr("About Kittiwake and troubleshooting"))

        logo = QLabel()
        logo.setPixmap(QPixmap(str(icon_file(64))))
        logo.setAccessibleName(self.tr("Kittiwake logo"))
        version = self._diagnostics.version_of("Kittiwake") or "?"
        title = QLabel(self.tr("Kittiwake {version}").format(version=version))
        title.setTextFormat(Qt.TextFormat.PlainText)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        summary = QLabel(self.tr("A desktop e-mail client. Licensed under the GPL 3 or later."))
        summary.setTextFormat(Qt.TextFormat.PlainText)
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(summary)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addLayout(heading, 1)

        explanation = QLabel(
            self.tr(
                "When reporting a problem, include this report. It names versions and folders"
                " only: no accounts, addresses or passwords."
            )
        )
        explanation.setWordWrap(True)
        explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.report_view = QPlainTextEdit(self._report)
        self.report_view.setReadOnly(True)
        self.report_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report_view.setAccessibleName(self.tr("Diagnostic report"))
        self.report_view.setMinimumSize(560, 380)

        self.copy_button = QPushButton(self.tr("&Copy diagnostic report"))
        self.copy_button.clicked.connect(self.copy_report)
        self.logs_button = QPushButton(self.tr("Open &log folder"))
        self.logs_button.clicked.connect(self.open_log_folder)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.logs_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(explanation)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    @property
    def report(self) -> str:
        return self._report

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self._report)
        self.status.setText(self.tr("The report is on the clipboard."))
        self.sig_report_copied.emit()

    def open_log_folder(self) -> None:
        self._paths.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._paths.log_dir)))
