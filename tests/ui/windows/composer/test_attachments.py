"""Attachments load off the GUI thread: shown at once as "loading", read, typed and encoded in a
worker while the event loop keeps turning; failures and removals during the load."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.mime.compose import Attachment
from kittiwake.ui.windows.composer import ComposerWindow, loading
from kittiwake.ui.windows.composer.attachments import AttachmentList
from tests.ui.windows.composer.conftest import run

MB = 1024 * 1024
WAIT_MS = 60_000


class Heartbeat:
    """A 1 ms timer that counts its ticks while `busy()` holds: a stalled loop counts none."""

    def __init__(self, busy: object) -> None:
        self.busy = busy
        self.ticks = 0
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def _beat(self) -> None:
        if self.busy():  # type: ignore[operator]
            self.ticks += 1


def attachment_list(qtbot: QtBot) -> AttachmentList:
    view = AttachmentList()
    qtbot.addWidget(view)
    view.show()
    return view


def test_a_20_mb_file_loads_while_the_event_loop_keeps_turning(
    qtbot: QtBot, tmp_path: Path
) -> None:
    big = tmp_path / "video.mp4"
    big.write_bytes(b"\0\0\0\x18ftypmp42" + os.urandom(20 * MB))
    view = attachment_list(qtbot)
    heartbeat = Heartbeat(view.loading)
    assert view.add_files([str(big)]) == 1
    # Shown at once, before anything was read.
    assert view.loading() == 1 and view.count() == 1
    assert "loading" in view.item(0).text() and "video.mp4" in view.item(0).text()
    qtbot.waitUntil(lambda: view.loading() == 0, timeout=WAIT_MS)
    heartbeat.timer.stop()
    assert heartbeat.ticks > 0  # the loop turned while the worker read and encoded
    (attachment,) = view.attachments()
    ready = view.prepared[attachment]
    assert ready.size == 20 * MB + 12 and ready.content_type == "video/mp4"
    assert ready.body is not None and len(ready.body) > ready.size  # base64, CRLF lines
    assert view.item(0).text() == "video.mp4 (20.0 MB)"


def test_a_file_that_cannot_be_read_is_taken_off_with_a_message(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(_attachment: Attachment) -> loading.Prepared:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(loading, "prepare", unreadable)
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    view = attachment_list(qtbot)
    with qtbot.waitSignal(view.sig_failed, timeout=WAIT_MS) as failed:
        view.add_files([str(secret)])
    assert "secret.txt" in failed.args[0] and "Permission denied" in failed.args[0]
    assert view.count() == 0 and view.attachments() == () and view.loading() == 0


def test_removing_an_attachment_while_it_loads(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = loading.prepare

    def slow(attachment: Attachment) -> loading.Prepared:
        release.wait(30)
        return real(attachment)

    monkeypatch.setattr(loading, "prepare", slow)
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("a")
    second.write_text("b")
    view = attachment_list(qtbot)
    view.add_files([str(first), str(second)])
    view.item(0).setSelected(True)
    view.remove_selected()
    release.set()
    qtbot.waitUntil(lambda: not loading._alive, timeout=WAIT_MS)  # both results delivered
    assert [a.name for a in view.attachments()] == ["b.txt"]
    assert list(view.prepared) == list(view.attachments()) and view.loading() == 0


def test_the_composer_saves_a_20_mb_draft_while_the_loop_keeps_turning(
    qtbot: QtBot,
    offline_engine: Engine,
    tmp_path: Path,
    qasync_loop: asyncio.AbstractEventLoop,
) -> None:
    big = tmp_path / "big.bin"
    payload = os.urandom(20 * MB)
    big.write_bytes(payload)
    window = ComposerWindow(offline_engine, "work")
    qtbot.addWidget(window)
    window.attachments.add_files([str(big)])
    qtbot.waitUntil(lambda: window.attachments.loading() == 0, timeout=WAIT_MS)
    saving = [False]
    heartbeat = Heartbeat(lambda: saving[0])

    async def save() -> str | None:
        saving[0] = True
        try:
            return await window.save_draft_async()
        finally:
            saving[0] = False

    message_id = run(qasync_loop, save())
    heartbeat.timer.stop()
    assert message_id is not None and heartbeat.ticks > 0
    raw = offline_engine.draft_message("work", message_id)
    assert raw is not None and len(raw) > len(payload)
    window.close()
