"""The message view follows the remote-content preferences: the policy, and "always allowed
senders" for that sender only; never in Junk. Text mode (the decision, the bar, the parse);
test_view_web.py checks the same against a loopback HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.settings import RemoteContent, Settings, SettingsFile
from kittiwake.ui.windows.reader import MessageView
from tests.ui.windows.reader.messages import html_message

REMOTE = '<p>News</p><img src="http://127.0.0.1:9/pixel.png">'


@pytest.fixture(autouse=True)
def text_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")


@pytest.fixture
def file(tmp_path: Path) -> SettingsFile:
    return SettingsFile(tmp_path / "settings.toml")


def from_mallory(raw: bytes) -> bytes:
    return raw.replace(b"Alice Example <alice@example.org>", b"Mallory <mallory@example.net>")


def make_view(qtbot: QtBot, file: SettingsFile | None) -> MessageView:
    view = MessageView(settings_file=file)
    qtbot.addWidget(view)
    view.show()
    return view


def test_an_allowed_sender_loads_without_asking_and_only_that_sender(
    qtbot: QtBot, file: SettingsFile
) -> None:
    file.save(Settings().with_allowed_sender("Alice@Example.org"))
    view = make_view(qtbot, file)
    view.set_message(html_message(REMOTE))
    assert view.remote_allowed and not view.remote_bar.isVisible()
    assert view.message is not None and view.message.remote_allowed
    view.set_message(from_mallory(html_message(REMOTE)))
    assert not view.remote_allowed and view.remote_bar.isVisible()
    assert view.message is not None and view.message.remote_content  # listed, not loaded
    view.set_message(html_message(REMOTE), in_junk=True)  # never in Junk
    assert not view.remote_allowed


def test_the_allow_policy_loads_for_everyone_but_junk(qtbot: QtBot, file: SettingsFile) -> None:
    file.save(Settings(remote_content=RemoteContent.ALLOW))
    view = make_view(qtbot, file)
    view.set_message(from_mallory(html_message(REMOTE)))
    assert view.remote_allowed
    view.set_message(from_mallory(html_message(REMOTE)), in_junk=True)
    assert not view.remote_allowed and view.remote_bar.isVisible()


def test_always_for_this_sender_is_saved_and_counts_from_the_next_message(
    qtbot: QtBot, file: SettingsFile
) -> None:
    view = make_view(qtbot, file)
    view.set_message(html_message(REMOTE))
    assert not view.remote_allowed and view.remote_bar.isVisible()
    view.remote_bar.always_button.click()
    assert view.remote_allowed
    assert file.load().allowed_senders == ("alice@example.org",)
    view.set_message(from_mallory(html_message(REMOTE)))
    assert not view.remote_allowed
    view.set_message(html_message(REMOTE))
    assert view.remote_allowed  # asked no more
    view.remote_bar.load_button.click()  # (hidden now; "this message" saves nothing)
    assert file.load().allowed_senders == ("alice@example.org",)


def test_a_change_in_the_settings_dialog_counts_at_the_next_message(
    qtbot: QtBot, file: SettingsFile
) -> None:
    view = make_view(qtbot, file)
    view.set_message(html_message(REMOTE))
    assert not view.remote_allowed
    file.save(Settings(allowed_senders=("alice@example.org",)))
    view.set_message(html_message(REMOTE))
    assert view.remote_allowed
    file.save(Settings())  # removed again
    view.set_message(html_message(REMOTE))
    assert not view.remote_allowed


def test_without_preferences_everything_stays_blocked(qtbot: QtBot) -> None:
    view = make_view(qtbot, None)
    view.set_message(html_message(REMOTE))
    assert not view.remote_allowed and view.remote_bar.isVisible()
    view.remote_bar.always_button.click()  # loads this one; nowhere to remember it
    assert view.remote_allowed


class Pane(QWidget):
    """Like the main window's reader pane: it holds the engine, the view sits inside."""

    def __init__(self, engine: Engine, view: MessageView) -> None:
        super().__init__()
        self.engine = engine
        QVBoxLayout(self).addWidget(view)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine.open(tmp_path / "home")
    yield engine
    engine.close()


def test_inside_the_main_window_it_follows_that_engines_preferences(
    qtbot: QtBot, engine: Engine
) -> None:
    SettingsFile.beside(engine.paths).save(Settings(allowed_senders=("alice@example.org",)))
    view = MessageView()
    pane = Pane(engine, view)
    qtbot.addWidget(pane)
    view.set_message(html_message(REMOTE))
    assert view.remote_allowed
    view.set_message(from_mallory(html_message(REMOTE)))
    view.remote_bar.always_button.click()
    saved = SettingsFile.beside(engine.paths).load().allowed_senders
    assert saved == ("alice@example.org", "mallory@example.net")
