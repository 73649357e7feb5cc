"""The session start: after the first sync the engine stays online, unless working offline."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.events import Event, MessagesAdded, Phase, SyncFinished, SyncProgress
from kittiwake.ui.bridge import GuiThreadCollector
from kittiwake.ui.windows.main.session import open_engine as open_app_engine
from kittiwake.ui.windows.main.session import start_session, stay_online
from kittiwake.ui.windows.main_window import MainWindow
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox
from tests.client.sync.helpers import message
from tests.servers.fixtures import MailServer
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


def test_the_apps_engine_runs_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITTIWAKE_HOME", str(tmp_path))
    engine = open_app_engine()
    assert engine is not None
    try:
        assert engine.worker is not None and engine.worker.running
    finally:
        engine.close()
    assert not any(t.name == "kittiwake-sync" for t in threading.enumerate())


def test_a_background_sync_updates_the_window_from_the_gui_thread(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    mail_server: MailServer,
) -> None:
    user = mail_server.new_user()
    for i in range(60):
        mail_server.save(user, message(i))
    imap, sub = mail_server.endpoint("imaps"), mail_server.endpoint("submission")
    account = make_account(
        user.address,
        user.name,
        imap=(imap.host, imap.port, imap.ca_file),
        smtp=(sub.host, sub.port, sub.ca_file),
    )
    engine = open_engine(tmp_path / "home", account, user.password)
    engine.run_in_background()
    # The worker allocates a lot: the app collects garbage on the GUI thread only (ui/bridge.py).
    collector = GuiThreadCollector()
    collector.install()
    arrived: list[tuple[int, Event]] = []
    engine.add_listener(lambda event: arrived.append((threading.get_ident(), event)))
    window = MainWindow(engine, check_interval_ms=0)
    qtbot.addWidget(window)

    async def scenario() -> None:
        synced = asyncio.Event()
        window.sig_sync_finished.connect(synced.set)
        window.get_messages()
        await synced.wait()

    try:
        qasync_loop.run_until_complete(asyncio.wait_for(scenario(), WAIT_MS / 1000))
        window.open_first_inbox()
    finally:
        window.close()
        engine.close()
        collector.uninstall()
    assert not any(t.name == "kittiwake-sync" for t in threading.enumerate())
    assert {thread for thread, _ in arrived} == {threading.get_ident()}
    events = [event for _, event in arrived]
    assert isinstance(events[-1], SyncFinished)
    added = [uid for e in events if isinstance(e, MessagesAdded) for uid in e.uids]
    assert sorted(added) == list(range(1, 61))  # each message announced once
    headers = [e.done for e in events if isinstance(e, SyncProgress) and e.phase is Phase.HEADERS]
    assert headers == sorted(headers)  # progress in the order the worker made it
    assert window.messages.rowCount() == 60  # the window read what the worker wrote
