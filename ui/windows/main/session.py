"""What happens when the window first shows: the account wizard on a first run, else a sync
behind the cached mail that is already on screen."""

from __future__ import annotations

import logging

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.engine import Engine
from kittiwake.client.net.errors import KittiwakeError
from kittiwake.ui.windows.main_window import MainWindow

log = logging.getLogger(__name__)


def open_engine() -> Engine | None:
    """The engine on the platform's (or KITTIWAKE_HOME's) directories; None when the cache
    cannot be opened (the window then says so instead of crashing)."""
    try:
        return Engine.open()
    except (KittiwakeError, OSError) as error:
        log.error("the mail cache could not be opened: %s", type(error).__name__)
        return None


def start_session(window: MainWindow, engine: Engine) -> None:
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
