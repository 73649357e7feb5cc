"""Command-line arguments (our own or a later launch's) open a composer or a reader window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.accounts.secrets import KeyringStore
from kittiwake.client.engine import Engine
from kittiwake.ui.app import _hand_over
from kittiwake.ui.windows.composer.window import ComposerWindow
from kittiwake.ui.windows.main.open_arguments import ArgumentOpener, classify
from kittiwake.ui.windows.main_window import MainWindow
from kittiwake.ui.windows.reader.window import ReaderWindow
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox
from tests.ui.windows.composer.conftest import make_account, open_engine

EML = (
    b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
    b"Subject: Saved on disk\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <disk@example.test>\r\n\r\nHello from a file.\r\n"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")
    with logging_sandbox(), keyring_backend(MemoryKeyring()):
        yield


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    opened = open_engine(tmp_path / "home", make_account("alice@example.test", "alice"))
    yield opened
    opened.close()


def _window(qtbot: QtBot, engine: Engine | None) -> MainWindow:
    window = MainWindow(engine, check_interval_ms=0)
    qtbot.addWidget(window)
    window.show()
    return window


def _close_all(opener: ArgumentOpener) -> None:
    for widget in list(opener.windows):
        widget.close()
        widget.deleteLater()


def test_classify_tells_links_files_and_the_rest_apart(tmp_path: Path) -> None:
    message = tmp_path / "saved.eml"
    message.write_bytes(EML)
    assert classify("MAILTO:bob@example.test") == ("mailto", "MAILTO:bob@example.test")
    assert classify(str(message)) == ("file", str(message))
    assert classify(str(tmp_path / "missing.eml")) is None
    assert classify(str(tmp_path)) is None  # a directory is not a message
    assert classify("https://example.test/") is None


def test_a_mailto_argument_opens_the_composer_filled_in(qtbot: QtBot, engine: Engine) -> None:
    window = _window(qtbot, engine)
    opener = ArgumentOpener(window, engine)
    opener.open_arguments(["mailto:bob@example.test?subject=Hi", "--not-ours"])
    assert len(opener.windows) == 1
    composer = opener.windows[0]
    assert isinstance(composer, ComposerWindow)
    qtbot.waitUntil(composer.isVisible)
    assert composer.to.text() == "bob@example.test"
    assert composer.subject.text() == "Hi"
    assert composer.current_draft(strict=False).identity.address == "alice@example.test"
    _close_all(opener)


def test_a_message_file_opens_a_reader_window(qtbot: QtBot, engine: Engine, tmp_path: Path) -> None:
    message = tmp_path / "saved.eml"
    message.write_bytes(EML)
    window = _window(qtbot, engine)
    opener = ArgumentOpener(window, engine)
    # As a later launch hands its arguments over (SingleInstance.sig_arguments_received).
    _hand_over(window, opener, [str(message)])
    assert len(opener.windows) == 1
    reader = opener.windows[0]
    assert isinstance(reader, ReaderWindow)
    qtbot.waitUntil(reader.isVisible)
    assert reader.path == message
    assert "Saved on disk" in reader.windowTitle()
    _close_all(opener)


def test_mailto_without_an_account_says_so_in_the_status_bar(qtbot: QtBot, tmp_path: Path) -> None:
    bare = Engine.open(tmp_path / "bare", secrets=KeyringStore())
    try:
        window = _window(qtbot, bare)
        opener = ArgumentOpener(window, bare)
        opener.open_arguments(["mailto:bob@example.test"])
        assert opener.windows == []
        assert "no account" in window.statusBar().currentMessage()
    finally:
        bare.close()


def test_compose_requests_open_the_composer(qtbot: QtBot, engine: Engine) -> None:
    window = _window(qtbot, engine)
    opener = ArgumentOpener(window, engine)
    window.commands.new_message.trigger()
    assert len(opener.windows) == 1
    assert isinstance(opener.windows[0], ComposerWindow)
    qtbot.waitUntil(opener.windows[0].isVisible)
    # A reply to a message whose text is not downloaded: said, no window.
    opener.compose("reply", 12345)
    assert len(opener.windows) == 1
    assert "not on this computer" in window.statusBar().currentMessage()
    _close_all(opener)
