"""The About dialog shows versions and paths and copies the same redacted report."""

from __future__ import annotations

from pathlib import Path

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from kittiwake.client.paths import Paths
from kittiwake.resources import icon_file
from kittiwake.ui.windows.about import AboutDialog, app_icon


def make(qtbot: QtBot, home: Path) -> AboutDialog:
    dialog = AboutDialog(Paths.under_home(home))
    qtbot.addWidget(dialog)
    return dialog


def test_the_report_names_qt_python_openssl_and_the_paths(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = make(qtbot, tmp_path)
    shown = dialog.report_view.toPlainText()
    assert shown == dialog.report
    for word in ("Kittiwake", "Python", "OpenSSL", "SQLite", "Qt", "PySide6"):
        assert f"  {word} " in shown
    assert qVersion() in shown and PySide6.__version__ in shown
    assert str(tmp_path / "config") in shown
    assert "kittiwake.log" in shown


def test_copy_puts_the_redacted_report_on_the_clipboard(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = make(qtbot, Path.home() / ".kittiwake-test-profile")
    QGuiApplication.clipboard().setText("something else")
    with qtbot.waitSignal(dialog.sig_report_copied, timeout=2000):
        dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.report
    assert "~/.kittiwake-test-profile/config" in copied
    assert str(Path.home()) + "/" not in copied
    assert dialog.status.text() != ""


def test_the_icon_set_is_installed_with_the_package(qtbot: QtBot) -> None:
    assert icon_file().is_file()
    assert icon_file(48).is_file()
    assert not app_icon().isNull()
