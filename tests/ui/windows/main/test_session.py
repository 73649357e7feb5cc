"""The session start: after the first sync the engine stays online, unless working offline."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.ui.windows.main.session import start_session, stay_online
from kittiwake.ui.windows.main_window import MainWindow
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox
from tests.ui.windows.composer.conftest import make_account, open_engine

WAIT_MS = 30000


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")
    with logging_sandbox(), keyring_backend(MemoryKeyring()):
        yield


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    # The servers are 127.0.0.1:9 (discard): a sync fails at once, and still ends.
    opened = open_engine(tmp_path / "home", make_account("alice@example.test", "alice"))
    yield opened
    opened.close()


def _record_online(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, switched: asyncio.Event | None = None
) -> list[object]:
    calls: list[object] = []
    monkeypatch.setattr(engine, "start_online", lambda *a, **k: calls.append("start"))

    async def work_offline(offline: bool = True) -> None:
        calls.append(("offline", offline))
        if switched is not None:
            switched.set()

    monkeypatch.setattr(engine, "work_offline", work_offline)
    return calls


def test_the_online_loop_starts_after_the_first_sync(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    switched = asyncio.Event()
    calls = _record_online(monkeypatch, engine, switched)
    window = MainWindow(engine, check_interval_ms=0)
    qtbot.addWidget(window)

    async def scenario() -> None:
        synced = asyncio.Event()
        window.sig_sync_finished.connect(synced.set)
        start_session(window, engine)  # accounts exist: a sync, then online
        assert calls == []  # not before the first sync ended
        await synced.wait()
        assert calls == ["start"]
        window.sig_sync_finished.emit()  # a later sync does not start it again
        assert calls == ["start"]
        window.commands.work_offline.setChecked(True)  # the user's switch reaches the engine
        await switched.wait()
        assert calls[-1] == ("offline", True)
        await asyncio.gather(*window.pending_tasks())

    qasync_loop.run_until_complete(asyncio.wait_for(scenario(), WAIT_MS / 1000))


def test_working_offline_keeps_the_engine_offline(
    qtbot: QtBot, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _record_online(monkeypatch, engine)
    window = MainWindow(engine, check_interval_ms=0)
    qtbot.addWidget(window)
    stay_online(window, engine)
    window.commands.work_offline.setChecked(True)
    window.sig_sync_finished.emit()
    assert calls == []
