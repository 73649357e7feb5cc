"""What the message view asks of the desktop: open a URL, confirm a link, pick a path.

Injectable so tests answer instead of a person (and never launch a browser); the defaults are
QDesktopServices, QMessageBox and QFileDialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("MessageView", text)


def ask_open_link(parent: QWidget, text: str, target: str) -> bool:
    """The visible text of a link names another place than where it leads: ask first."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setTextFormat(Qt.TextFormat.PlainText)  # both strings come from the message
    box.setWindowTitle(_tr("Open this link?"))
    box.setText(
        _tr("The link shows one address but leads to another.\n\nShown: {0}\nLeads to: {1}")
        .replace("{0}", text[:300])
        .replace("{1}", target[:300])
    )
    box.setInformativeText(_tr("Open it only if you trust where it really leads."))
    box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Open


def ask_save_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, _tr("Save attachment"), suggested)
    return path or None


def ask_directory(parent: QWidget) -> str | None:
    path = QFileDialog.getExistingDirectory(parent, _tr("Save all attachments to"))
    return path or None


def ask_pdf_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(
        parent, _tr("Save as PDF"), suggested, _tr("PDF files (*.pdf)")
    )
    return path or None


@dataclass
class ReaderHooks:
    open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
    confirm_link: Callable[[QWidget, str, str], bool] = ask_open_link
    save_path: Callable[[QWidget, str], str | None] = ask_save_path
    save_directory: Callable[[QWidget], str | None] = ask_directory
    pdf_path: Callable[[QWidget, str], str | None] = ask_pdf_path
