"""New-mail notifications follow the `notifications` preference, as saved at that moment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.ui.windows.main.tray import NewMailNotifier


@pytest.fixture
def file(tmp_path: Path) -> SettingsFile:
    return SettingsFile(tmp_path / "settings.toml")


def notifications(notifier: NewMailNotifier) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    notifier.sig_notified.connect(lambda title, text: shown.append((title, text)))
    return shown


def test_setting_off_means_no_notification(qapp: object, file: SettingsFile) -> None:
    file.save(Settings(notifications=False))
    notifier = NewMailNotifier(QIcon(), settings_file=file)
    shown = notifications(notifier)
    notifier.new_mail("work", 3)
    assert shown == [] and not notifier.enabled


def test_setting_on_notifies_and_a_later_change_counts_at_once(
    qapp: object, file: SettingsFile
) -> None:
    notifier = NewMailNotifier(QIcon(), settings_file=file)  # no file yet: the default, on
    shown = notifications(notifier)
    notifier.new_mail("work", 2)
    assert len(shown) == 1 and "work" in shown[0][1]
    file.save(Settings(notifications=False))  # the Settings dialog, while the app runs
    notifier.new_mail("work", 1)
    assert len(shown) == 1
    notifier.close()


def test_the_view_toggle_writes_the_preference(qapp: object, file: SettingsFile) -> None:
    file.save(Settings(undo_send_seconds=9))
    notifier = NewMailNotifier(QIcon(), settings_file=file)
    notifier.set_enabled(False)
    assert file.load() == Settings(undo_send_seconds=9, notifications=False)
    shown = notifications(notifier)
    notifier.new_mail("work", 1)
    assert shown == []
    notifier.set_enabled(True)
    notifier.new_mail("work", 1)
    assert len(shown) == 1


def test_an_unreadable_file_is_kept_and_the_toggle_still_works(
    qapp: object, file: SettingsFile
) -> None:
    file.path.write_text("not = [ toml")
    notifier = NewMailNotifier(QIcon(), settings_file=file)
    shown = notifications(notifier)
    notifier.set_enabled(False)
    notifier.new_mail("work", 1)
    assert shown == [] and file.path.read_text() == "not = [ toml"


class EngineWindow(QWidget):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine.open(tmp_path / "home")
    yield engine
    engine.close()


def test_inside_a_window_it_follows_that_engines_preferences(qtbot: QtBot, engine: Engine) -> None:
    window = EngineWindow(engine)
    qtbot.addWidget(window)
    notifier = NewMailNotifier(QIcon(), window)  # as the main window makes it
    assert notifier.settings_file is not None
    assert notifier.settings_file.path == SettingsFile.beside(engine.paths).path
    SettingsFile.beside(engine.paths).save(Settings(notifications=False))
    shown = notifications(notifier)
    notifier.new_mail("work", 4)
    assert shown == []
