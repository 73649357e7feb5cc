"""What happens when the window first shows: the account wizard on a first run, else a sync
behind the cached mail that is already on screen; after the first sync the engine stays online
(IDLE push, polling) unless the user chose "work offline"."""

from __future__ import annotations

import logging

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.engine import Engine
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.ui import bridge
from kittiwake.ui.windows.main_window import MainWindow

log = logging.getLogger(__name__)


def open_engine() -> Engine | None:
    """The engine on the platform's (or KITTIWAKE_HOME's) directories, in background mode (the
    sync, the online sessions, replay and the outbox on the engine's worker thread, so the GUI
    never waits on them); None when the cache cannot be opened (the window then says so
    instead of crashing)."""
    try:
        return Engine.open(background=True)
    except (KittiwakeError, OSError) as error:
        log.error("the mail cache could not be opened: %s", type(error).__name__)
        return None


def stay_online(window: MainWindow, engine: Engine) -> None:
    """Start the engine's online loop after the window's first sync (so the cached mail is
    current before IDLE begins), unless the user works offline; follow the user's switch."""
    started = False

    def after_sync() -> None:
        nonlocal started
        if started or window.commands.work_offline.isChecked():
            return
        try:
            if not engine.accounts():
                return
            started = True
            # One session per IMAP account, in the engine's worker; it polls at the user's
            # "check for new mail every" setting (Engine.check_interval).
            engine.start_online()
        except KittiwakeError as error:  # an unreadable accounts file: said, not raised
            window.status.set_error("", error.message, error.hint)

    def switched(offline: bool) -> None:
        if started:
            bridge.start(engine.work_offline(offline), name="work offline")

    window.sig_sync_finished.connect(after_sync)
    window.commands.work_offline.toggled.connect(switched)


def start_session(window: MainWindow, engine: Engine) -> None:
    stay_online(window, engine)
    try:
        has_accounts = bool(engine.accounts())
    except KittiwakeError as error:
        window.status.set_error("", error.message, error.hint)
        return
    if has_accounts:
        window.get_messages()
        return
    from kittiwake.ui.windows.wizard import AccountWizard, WizardServices

    wizard = AccountWizard(
        WizardServices(accounts=AccountsFile(engine.paths.accounts_file)), window
    )
    wizard.sig_account_created.connect(lambda _account: window.accounts_changed())
    window.wizard = wizard
    wizard.show()
