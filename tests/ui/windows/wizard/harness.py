"""Driving the wizard under pytest-qt on a qasync loop, against the local ISPDB and Dovecot.

A test is a coroutine run by `WizardHarness.run`: it types into the widgets, clicks, and awaits
the wizard's signals (never a sleep). The wizard's tasks run on the same qasync loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWizard

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.secrets import KeyringStore, SessionSecrets
from kittiwake.client.autoconfig.discover import Discovery
from kittiwake.client.autoconfig.fetch import HttpFetcher
from kittiwake.ui.windows.wizard import AccountWizard, WizardServices
from tests.client.autoconfig.test_discover import FakeResolver
from tests.servers.fixtures import MailServer
from tests.servers.ispdb import IspdbServer
from tests.ui.signals import next_emission

T = TypeVar("T")
WAIT = 60.0  # generous upper bound; every wait ends on a signal long before


def provider_document(server: MailServer, username: str, *, pop3: bool = False) -> bytes:
    """A provider's own autoconfig file naming the local Dovecot (the ISPDB cannot)."""
    p = server.ports
    incoming = (
        f"<incomingServer type='pop3'><hostname>127.0.0.1</hostname><port>{p['pop3s']}</port>"
        if pop3
        else f"<incomingServer type='imap'><hostname>127.0.0.1</hostname><port>{p['imaps']}</port>"
    )
    return (
        "<?xml version='1.0'?><clientConfig version='1.1'><emailProvider id='example.test'>"
        "<domain>example.test</domain><displayName>Example Test Mail</displayName>"
        f"{incoming}<socketType>SSL</socketType><username>{username}</username>"
        "<authentication>password-cleartext</authentication></incomingServer>"
        "<outgoingServer type='smtp'><hostname>127.0.0.1</hostname>"
        f"<port>{p['submission']}</port><socketType>STARTTLS</socketType>"
        f"<username>{username}</username>"
        "<authentication>password-cleartext</authentication></outgoingServer>"
        "</emailProvider></clientConfig>"
    ).encode()


def services_for(
    tmp_path: Path,
    ispdb: IspdbServer,
    *,
    ca_file: str | None,
    keyring: Any = None,
    discovery: Discovery | None = None,
) -> WizardServices:
    return WizardServices(
        accounts=AccountsFile(tmp_path / "config" / "accounts.toml"),
        keyring=keyring or KeyringStore(),
        session=SessionSecrets(),
        discovery=discovery
        or Discovery(
            fetcher=HttpFetcher(rewrite=ispdb.local_url, timeout=5),
            resolver=FakeResolver(),
            ispdb_url=ispdb.base_url,
            timeout=20,
        ),
        ca_file=ca_file,
        connect_timeout=5,
    )


class WizardHarness:
    def __init__(self, loop: asyncio.AbstractEventLoop, wizard: AccountWizard) -> None:
        self.loop = loop
        self.wizard = wizard

    def run(self, scenario: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(scenario, WAIT * 2))

    def expect(self, signal: SignalInstance) -> asyncio.Future[tuple[Any, ...]]:
        """Connect now (before acting), await later: the signal's arguments."""
        return next_emission(signal, self.loop)

    async def wait(self, future: asyncio.Future[T]) -> T:
        return await asyncio.wait_for(future, WAIT)

    # --- common moves ----------------------------------------------------------------------

    def fill_page_one(self, name: str, address: str, password: str) -> None:
        page = self.wizard.account_page
        page.name.setText(name)
        page.address.setText(address)
        page.password.setText(password)

    async def to_servers_page(self) -> None:
        """Next, and wait until discovery (if any) filled the page."""
        wizard = self.wizard
        finished = self.expect(wizard.sig_discovery_finished)
        wizard.next()
        assert wizard.currentPage() is wizard.servers_page
        if not wizard.account_page.manual.isChecked() and wizard.discovered is None:
            await self.wait(finished)
        else:
            finished.cancel()

    async def verify(self) -> bool:
        done = self.expect(self.wizard.sig_verification_finished)
        self.wizard.servers_page.check_button.click()
        (ok,) = await self.wait(done)
        return bool(ok)

    async def finish(self) -> str:
        created = self.expect(self.wizard.sig_account_created)
        self.finish_button().click()
        (account_id,) = await self.wait(created)
        return str(account_id)

    def finish_button(self) -> Any:
        return self.wizard.button(QWizard.WizardButton.FinishButton)
