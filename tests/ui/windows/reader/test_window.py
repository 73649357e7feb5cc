"""ReaderWindow: a .eml file in its own window, saved back byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.ui.windows.reader import ReaderHooks, ReaderWindow
from tests.ui.windows.reader.messages import plain_message


def test_open_and_save_as_eml(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")
    source = tmp_path / "in.eml"
    raw = plain_message(subject="<b>Quarterly</b> report")
    source.write_bytes(raw)
    target = tmp_path / "out.eml"
    window = ReaderWindow(source, hooks=ReaderHooks(save_path=lambda _p, _s: str(target)))
    qtbot.addWidget(window)
    assert window.windowTitle() == "<b>Quarterly</b> report"
    assert window.view.header.subject.text() == "<b>Quarterly</b> report"
    assert window.save_action.isEnabled()
    window.save_action.trigger()
    assert target.read_bytes() == raw
