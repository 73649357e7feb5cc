"""The desktop app's real flows, driven through the GUI only, against the real Dovecot.

Each test builds the window as `kittiwake` does (ui/app.py: Engine on KITTIWAKE_HOME, MainWindow,
ArgumentOpener for the composer, start_session) and then only types, clicks and presses keys.
Every wait is on a signal, an engine event or the server's delivery, with generous bounds for a
loaded two-core machine; nothing sleeps.

Search from the search box and moving a message by drag and drop are covered in
tests/ui/windows/test_main_window.py (test_search_box_lists_the_results,
test_move_by_drop_on_a_folder); they are not repeated here.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QModelIndex, Qt, SignalInstance
from PySide6.QtWidgets import QApplication, QToolBar, QWidget, QWizard
from pytestqt.qtbot import QtBot

from kittiwake.client.engine import Engine
from kittiwake.client.paths import HOME_ENV, Paths
from kittiwake.client.settings import Settings, SettingsFile
from kittiwake.ui.models.folder_tree import KIND_ROLE, Kind
from kittiwake.ui.models.message_list import Column
from kittiwake.ui.windows.composer import ComposerWindow
from kittiwake.ui.windows.main.open_arguments import ArgumentOpener
from kittiwake.ui.windows.main.session import open_engine, start_session
from kittiwake.ui.windows.main_window import MainWindow
from kittiwake.ui.windows.wizard import AccountWizard
from tests.client.accounts.fakes import MemoryKeyring, keyring_backend, logging_sandbox
from tests.client.sync.cli_helpers import add_account
from tests.servers.fixtures import MailServer, MailUser
from tests.ui.signals import next_emission

T = TypeVar("T")
WAIT = 90.0  # seconds; every wait ends on its condition long before on an idle machine


# --- waiting on conditions -------------------------------------------------------------------


class Waiter:
    """Awaits a condition that is re-checked whenever something could have changed it: the
    window's models, the engine's events, the application's focus. No polling, no sleeps.

    A check runs on the loop's next turn after such a signal, never inside it: a model emits
    rowsRemoved in the middle of a rebuild, when the tree is briefly empty."""

    def __init__(self, qapp: QApplication) -> None:
        self.qapp = qapp
        self._checks: list[Callable[[], None]] = []
        self._scheduled = False
        self._unlisten: Callable[[], None] | None = None

    def attach(self, window: MainWindow, engine: Engine) -> None:
        self._unlisten = engine.add_listener(lambda _event: self.poke())
        for model in (window.messages, window.folders):
            for signal in (
                model.modelReset,
                model.rowsInserted,
                model.rowsRemoved,
                model.dataChanged,
                model.layoutChanged,
            ):
                signal.connect(self.poke)
        window.sig_sync_finished.connect(self.poke)
        self.qapp.focusChanged.connect(self.poke)

    def detach(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None

    def poke(self, *_args: object) -> None:
        if self._checks and not self._scheduled:
            self._scheduled = True
            asyncio.get_event_loop().call_soon(self._run_checks)

    def _run_checks(self) -> None:
        self._scheduled = False
        for check in list(self._checks):
            check()

    async def until(self, condition: Callable[[], bool], what: str, limit: float = WAIT) -> None:
        if condition():
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def check() -> None:
            if not done.done() and condition():
                done.set_result(None)

        self._checks.append(check)
        try:
            await asyncio.wait_for(done, limit)
        except TimeoutError:
            raise AssertionError(f"not within {limit:.0f} s: {what}") from None
        finally:
            self._checks.remove(check)


def expect(signal: SignalInstance) -> asyncio.Future[tuple[Any, ...]]:
    """Connect now (before acting), await later: the signal's arguments."""
    return next_emission(signal)


async def within(awaitable: Any, what: str, limit: float = WAIT) -> Any:
    try:
        return await asyncio.wait_for(awaitable, limit)
    except TimeoutError:
        raise AssertionError(f"not within {limit:.0f} s: {what}") from None


def run(loop: asyncio.AbstractEventLoop, scenario: Coroutine[Any, Any, T]) -> T:
    return loop.run_until_complete(asyncio.wait_for(scenario, WAIT * 5))


# --- the app, as ui/app.py puts it together ---------------------------------------------------


class App:
    """The objects `kittiwake` makes at start-up, on a test home."""

    def __init__(self, qtbot: QtBot, qapp: QApplication) -> None:
        engine = open_engine()  # KITTIWAKE_HOME, as the real start-up reads it
        assert engine is not None
        self.engine = engine
        self.window = MainWindow(engine)
        qtbot.addWidget(self.window)
        self.opener = ArgumentOpener(self.window, engine)
        self.waiter = Waiter(qapp)
        self.waiter.attach(self.window, engine)

    def start(self) -> None:
        self.window.show()
        start_session(self.window, self.engine)

    async def close(self) -> None:
        """What run_session does after the window closed: pending work, then offline."""
        for other in list(self.opener.windows):
            other.close()
        self.window.close()
        await self.window.finish_pending()
        await asyncio.wait_for(self.engine.stop_online(), 30)
        self.waiter.detach()

    # --- reading the screen --------------------------------------------------------------

    def subjects(self) -> list[str]:
        model = self.window.messages
        return [str(model.index(r, Column.SUBJECT).data()) for r in range(model.rowCount())]

    def shown_folder(self) -> str:
        index = self.window.folder_pane.currentIndex().siblingAtColumn(0)
        return str(index.data()) if index.isValid() else ""

    def folder_rows(self) -> list[QModelIndex]:
        model = self.window.folders
        found: list[QModelIndex] = []
        pending = [QModelIndex()]
        while pending:
            parent = pending.pop()
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                found.append(index)
                pending.append(index)
        return found

    def folder(self, name: str) -> QModelIndex:
        return next(i for i in self.folder_rows() if i.data() == name)

    def outbox_row(self) -> QModelIndex | None:
        return next((i for i in self.folder_rows() if i.data(KIND_ROLE) == Kind.OUTBOX), None)

    def composers(self) -> list[ComposerWindow]:
        return [w for w in self.opener.windows if isinstance(w, ComposerWindow)]


def click_row(qtbot: QtBot, window: MainWindow, row: int) -> None:
    table = window.list_pane.table
    rect = table.visualRect(window.messages.index(row, Column.SUBJECT))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_folder(qtbot: QtBot, window: MainWindow, index: QModelIndex) -> None:
    pane = window.folder_pane
    pane.scrollTo(index)
    rect = pane.visualRect(index)
    qtbot.mouseClick(pane.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_action(qtbot: QtBot, window: QWidget, action: Any) -> None:
    """Click the tool button that shows `action` on the window's toolbar."""
    for bar in window.findChildren(QToolBar):
        button = bar.widgetForAction(action)
        if button is not None:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            return
    raise AssertionError(f"no toolbar button for {action.text()!r}")


def original(sender: MailUser, to: MailUser, subject: str, message_id: str, text: str) -> bytes:
    return (
        f"From: Bob Builder <{sender.address}>\r\nTo: Alice Liddell <{to.address}>\r\n"
        f"Subject: {subject}\r\nMessage-ID: {message_id}\r\n"
        "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Paths]:
    """A fresh KITTIWAKE_HOME (first run), an in-memory keyring, the text message view."""
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    # The reader's text view: the same widgets and flow, without a Chromium per test.
    monkeypatch.setenv("KITTIWAKE_NO_WEBENGINE", "1")
    paths = Paths.resolve()
    paths.ensure()
    # The user's preference "send at once" (no undo delay), so a send is not a wait.
    SettingsFile.beside(paths).save(Settings(undo_send_seconds=0))
    with logging_sandbox(), keyring_backend(MemoryKeyring()):
        yield paths


# --- the flows -------------------------------------------------------------------------------


def test_first_run_wizard_sync_read_reply_and_the_reply_arrives(
    qtbot: QtBot,
    qapp: QApplication,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    home: Paths,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    original_id = f"<{secrets.token_hex(8)}@example.test>"
    mail_server.save(
        alice,
        original(bob, alice, "Dinner on Saturday", original_id, "Are you coming to dinner?"),
    )
    app = App(qtbot, qapp)
    window, waiter = app.window, app.waiter

    async def scenario() -> None:
        app.start()
        # First run: no account, so the wizard is on screen over the main window.
        wizard = window.wizard
        assert isinstance(wizard, AccountWizard) and wizard.isVisible()
        page1 = wizard.account_page
        qtbot.keyClicks(page1.name, "Alice Liddell")
        qtbot.keyClick(page1.manual, Qt.Key.Key_Space)  # the manual path
        assert page1.manual.isChecked()
        qtbot.keyClicks(page1.address, alice.address)
        qtbot.keyClicks(page1.password, alice.password)
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
        page = wizard.servers_page
        assert wizard.currentPage() is page

        # The servers, typed as a user copies them from the provider's help page.
        for fields, port in (
            (page.incoming, mail_server.ports["imaps"]),
            (page.outgoing, mail_server.ports["submissions"]),
        ):
            fields.host.selectAll()
            qtbot.keyClicks(fields.host, mail_server.host)
            fields.port.lineEdit().selectAll()
            qtbot.keyClicks(fields.port.lineEdit(), str(port))
            fields.username.selectAll()
            qtbot.keyClicks(fields.username, alice.name)
        assert page.incoming.port.value() == mail_server.ports["imaps"]

        # The test CA is not trusted here (as a self-signed server's would not be): the
        # certificate is shown, the user accepts it for this account, and the check passes.
        checked = expect(wizard.sig_verification_finished)
        qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
        (ok,) = await within(checked, "the first check")
        assert not ok and page.certificate.isVisible(), page.log_view.toPlainText()
        checked = expect(wizard.sig_verification_finished)
        qtbot.mouseClick(page.certificate.accept_button, Qt.MouseButton.LeftButton)
        (ok,) = await within(checked, "the check after accepting the certificate")
        assert ok, page.log_view.toPlainText()

        # Finish: saved, the first sync runs, the main window shows the Inbox with the mail.
        synced = expect(window.sig_sync_finished)
        created = expect(wizard.sig_account_created)
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        assert finish.isEnabled()
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
        await within(created, "the account saved")
        await waiter.until(lambda: not wizard.isVisible(), "the wizard closes")
        await within(synced, "the first sync")
        await waiter.until(
            lambda: "Dinner on Saturday" in app.subjects(),
            "the Inbox lists the message",
        )
        # The first sync brought the folder list, and the Inbox is the current row (All
        # Inboxes was, until it appeared): no click needed.
        assert app.shown_folder() == "Inbox"
        assert window.folder_pane.currentIndex().siblingAtColumn(0) == app.folder("Inbox")
        assert app.subjects() == ["Dinner on Saturday"]
        assert [a.address for a in app.engine.accounts()] == [alice.address]

        # Open it: the message view shows its text.
        window.activateWindow()
        await waiter.until(window.isActiveWindow, "the main window is active again")
        click_row(qtbot, window, app.subjects().index("Dinner on Saturday"))
        pane: Any = window.message_pane
        await waiter.until(
            lambda: "Are you coming to dinner?" in pane.displayed_text(),
            "the message view shows the message",
        )

        # Reply (Ctrl+R), type, Send.
        qtbot.keyClick(window.list_pane.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        await waiter.until(lambda: bool(app.composers()), "the composer opens")
        [composer] = app.composers()
        assert composer.to.text() == f"Bob Builder <{bob.address}>"
        assert composer.subject.text() == "Re: Dinner on Saturday"
        composer.body.setFocus()
        composer.body.moveCursor(composer.body.textCursor().MoveOperation.Start)
        qtbot.keyClicks(composer.body, "Yes, I will bring dessert.")
        qtbot.keyClick(composer.body, Qt.Key.Key_Return)
        queued = expect(composer.sig_queued)
        click_action(qtbot, composer, composer.send_action)
        await within(queued, "the reply reaches the outbox")
        assert composer.send_task is not None
        await within(asyncio.shield(composer.send_task), "the outbox sender")
        await mail_server.await_messages(bob, 1, timeout=WAIT)

    async def guarded() -> None:
        try:
            await scenario()
        finally:
            await app.close()

    try:
        run(qasync_loop, guarded())
    finally:
        app.engine.close()
    raw = mail_server.fetch_raw(bob, mail_server.mailbox_uids(bob)[0])
    assert f"In-Reply-To: {original_id}".encode() in raw
    assert b"Subject: Re: Dinner on Saturday" in raw
    assert b"Yes, I will bring dessert." in raw and b"> Are you coming to dinner?" in raw


def test_offline_read_cached_send_to_the_outbox_and_it_leaves_when_the_server_returns(
    qtbot: QtBot,
    qapp: QApplication,
    qasync_loop: asyncio.AbstractEventLoop,
    mail_server: MailServer,
    home: Paths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = mail_server.new_user("alice"), mail_server.new_user("bob")
    mail_server.save(
        alice,
        original(bob, alice, "Ferry times", f"<{secrets.token_hex(8)}@example.test>",
                 "The last ferry leaves at 22:40 from pier 3."),
    )  # fmt: skip
    add_account(Path(os.environ[HOME_ENV]), mail_server, alice, monkeypatch)
    app = App(qtbot, qapp)
    window, waiter = app.window, app.waiter
    subject = f"Offline note {secrets.token_hex(3)}"

    async def scenario() -> None:
        # A later run: the cached (empty) mailbox at once, the sync behind it, then online.
        synced = expect(window.sig_sync_finished)
        app.start()
        await within(synced, "the first sync")
        await waiter.until(lambda: "Ferry times" in app.subjects(), "the Inbox lists the mail")
        await waiter.until(
            lambda: window.status.state.text() == "Online", "online after the first sync"
        )

        mail_server.stop()  # restarted in the finally below: the server is shared
        await waiter.until(
            lambda: window.status.state.text() == "Offline", "the window says it is offline"
        )

        # Reading works from the cache.
        window.activateWindow()
        await waiter.until(window.isActiveWindow, "the main window is active")
        click_row(qtbot, window, app.subjects().index("Ferry times"))
        pane: Any = window.message_pane
        await waiter.until(
            lambda: "The last ferry leaves at 22:40" in pane.displayed_text(),
            "the cached message is shown",
        )

        # Writing works: Send puts the message in the Outbox, which the folder pane shows.
        qtbot.keyClick(window.list_pane.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        await waiter.until(lambda: bool(app.composers()), "the composer opens")
        [composer] = app.composers()
        qtbot.keyClicks(composer.to, bob.address)
        qtbot.keyClicks(composer.subject, subject)
        composer.body.setFocus()
        composer.body.moveCursor(composer.body.textCursor().MoveOperation.Start)
        qtbot.keyClicks(composer.body, "Written on the ferry, without a network.")
        queued = expect(composer.sig_queued)
        click_action(qtbot, composer, composer.send_action)
        await within(queued, "the message reaches the outbox")
        assert composer.send_task is not None
        await within(asyncio.shield(composer.send_task), "the send attempt")
        await waiter.until(
            lambda: (row := app.outbox_row()) is not None and row.siblingAtColumn(1).data() == "1",
            "the folder pane shows the Outbox with one message",
        )
        assert app.engine.outbox_count() == 1

        # The server returns: the message leaves by itself, and the Outbox goes away.
        mail_server.start()
        await waiter.until(lambda: window.status.state.text() == "Online", "online again")
        # At once, not after the failed attempt's retry delay (15-30 s) or the next poll: the
        # engine sends the Outbox on the first sync of every (re)connection.
        await waiter.until(lambda: app.outbox_row() is None, "the Outbox empties", limit=45)
        await mail_server.await_messages(bob, 1, timeout=WAIT)

    async def guarded() -> None:
        try:
            await scenario()
        finally:
            if not mail_server.running:
                mail_server.start()
            await app.close()

    try:
        run(qasync_loop, guarded())
    finally:
        if not mail_server.running:
            mail_server.start()
        app.engine.close()
    raw = mail_server.fetch_raw(bob, mail_server.mailbox_uids(bob)[0])
    assert f"Subject: {subject}".encode() in raw
    assert b"Written on the ferry, without a network." in raw
