"""The account setup wizard: discovery, editable servers, verification, saving.

All network work runs as tasks on the qasync loop (ui/bridge.py); slots only start them and
return, so the window keeps painting and answering while a server takes its time. Each task
reports back through a signal the tests (and later the main window) can wait for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.model import IncomingProtocol, ServerConfig
from kittiwake.client.accounts.secrets import KeyringStore, SessionSecrets
from kittiwake.client.autoconfig.candidates import Protocol
from kittiwake.client.autoconfig.discover import Discovery, DiscoveryResult
from kittiwake.client.autoconfig.guess import Guesser
from kittiwake.client.autoconfig.probe import NetworkProber
from kittiwake.client.autoconfig.verify import AccountCheck, verify_account
from kittiwake.client.logs import register_secret
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.errors import KittiwakeError, SecretStoreUnavailable
from kittiwake.ui import bridge
from kittiwake.ui.windows.wizard.account_page import AccountPage
from kittiwake.ui.windows.wizard.saving import AccountDraft, SecretStore, save_account
from kittiwake.ui.windows.wizard.server_fields import ServerFields
from kittiwake.ui.windows.wizard.servers_page import ServersPage


def default_discovery() -> Discovery:
    return Discovery(guesser=Guesser(NetworkProber()))


@dataclass
class WizardServices:
    accounts: AccountsFile
    keyring: SecretStore = field(default_factory=KeyringStore)
    session: SessionSecrets = field(default_factory=SessionSecrets)
    discovery: Discovery = field(default_factory=default_discovery)
    # An extra CA trusted for the new account's servers (a self-hosted server; the tests).
    ca_file: str | None = None
    connect_timeout: float = 15.0


class AccountWizard(QWizard):
    sig_account_created = Signal(str)  # the new account's id
    sig_discovery_finished = Signal()
    sig_verification_finished = Signal(bool)
    sig_save_failed = Signal(str)

    def __init__(self, services: WizardServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(self.tr("Add a mail account"))
        self.setAccessibleName(self.tr("Account setup wizard"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.account_page = AccountPage()
        self.servers_page = ServersPage()
        self.addPage(self.account_page)
        self.addPage(self.servers_page)
        for which, name in (
            (QWizard.WizardButton.NextButton, self.tr("Next")),
            (QWizard.WizardButton.BackButton, self.tr("Back")),
            (QWizard.WizardButton.FinishButton, self.tr("Finish")),
            (QWizard.WizardButton.CancelButton, self.tr("Cancel")),
            (QWizard.WizardButton.CommitButton, self.tr("Commit")),
            (QWizard.WizardButton.HelpButton, self.tr("Help")),
        ):
            self.button(which).setAccessibleName(name)
        self.resize(860, 780)

        self.discovered: DiscoveryResult | None = None
        self.last_check: AccountCheck | None = None
        self.created_id: str | None = None
        self._discovery: asyncio.Task[None] | None = None
        self._discovery_address = ""
        self._verification: asyncio.Task[None] | None = None
        self._saving: asyncio.Task[None] | None = None

        self.account_page.sig_address_ready.connect(self.start_discovery)
        self.currentIdChanged.connect(self._page_shown)
        self.servers_page.check_button.clicked.connect(self.start_verification)
        self.servers_page.certificate.sig_accepted.connect(self._accept_certificate)
        self.rejected.connect(self._cancel_tasks)

    # --- discovery -------------------------------------------------------------------------

    def start_discovery(self, address: str) -> None:
        if address == self._discovery_address and self._discovery is not None:
            return  # already running or done for this address
        self._cancel(self._discovery)
        self._discovery_address = address
        self.discovered = None
        self._discovery = bridge.start(self._discover(address), name="wizard discovery")

    async def _discover(self, address: str) -> None:
        result = await self.services.discovery.discover(address)
        if address != self._discovery_address:
            return
        self.discovered = result
        if self.currentPage() is self.servers_page:
            self._fill_servers_page()
        self.sig_discovery_finished.emit()

    def _page_shown(self, page_id: int) -> None:
        if self.page(page_id) is self.servers_page:
            self._fill_servers_page()

    def _fill_servers_page(self) -> None:
        page = self.servers_page
        address = self.account_page.address.text().strip()
        page.verified = False
        page.summary.setText("")
        page.certificate.hide()
        if self.account_page.manual.isChecked():
            page.show_manual(address)
        elif self.discovered is None:
            page.show_looking_up(address)
        elif self.discovered.best is None:
            page.show_manual(address, self.discovered.log)
        else:
            page.show_found(self.discovered.best, self.discovered.log)

    # --- verification ----------------------------------------------------------------------

    def _server_config(self, fields: ServerFields) -> ServerConfig:
        return ServerConfig(
            host=fields.host.text().strip(),
            port=fields.port.value(),
            security=fields.chosen_security,
            username=fields.username.text().strip(),
            ca_file=self.services.ca_file,
            pinned_sha256=fields.pinned_sha256,
        )

    def start_verification(self) -> None:
        if self._verification is not None and not self._verification.done():
            return
        self.servers_page.show_checking()
        self._verification = bridge.start(self._verify(), name="wizard verification")

    async def _verify(self) -> None:
        page = self.servers_page
        password = self.account_page.password.text()
        timeout = self.services.connect_timeout
        try:
            incoming = self._server_config(page.incoming)
            outgoing = self._server_config(page.outgoing)
            # From here on no log line may show it, whatever a transcript would contain.
            for server in (incoming, outgoing):
                register_secret(password, username=server.username)
            check = await verify_account(
                page.incoming.chosen_protocol,
                incoming.endpoint(connect_timeout=timeout),
                Credentials(incoming.username, password),
                outgoing.endpoint(connect_timeout=timeout),
                Credentials(outgoing.username, password),
            )
        except KittiwakeError as error:  # e.g. a port or mode refused before connecting
            page.summary.setText(error.for_person())
            page.verified = False
            page.set_busy(False)
            self.sig_verification_finished.emit(False)
            return
        except BaseException:
            page.set_busy(False)
            raise
        self.last_check = check
        page.show_check(check)
        self.sig_verification_finished.emit(check.ok)

    def _accept_certificate(self) -> None:
        page = self.servers_page
        panel = page.certificate
        accepted = panel.certificate
        if accepted is None:
            return
        page.fields_for(panel.role).pinned_sha256 = accepted.sha256
        # One server often answers both roles with the same certificate: one decision covers
        # both, but only for that exact certificate.
        if self.last_check is not None:
            for role, check in (
                ("incoming", self.last_check.incoming),
                ("outgoing", self.last_check.outgoing),
            ):
                refused = check.certificate if check.certificate_refused else None
                if refused is not None and refused.sha256 == accepted.sha256:
                    page.fields_for(role).pinned_sha256 = accepted.sha256
        panel.hide()
        self.start_verification()

    # --- saving ----------------------------------------------------------------------------

    def validateCurrentPage(self) -> bool:
        if self.currentPage() is not self.servers_page:
            return super().validateCurrentPage()
        if self.created_id is not None:
            return True
        if self._saving is None or self._saving.done():
            self._saving = bridge.start(self._save(), name="wizard save")
        return False  # Finish again once saved (see _save)

    def _draft(self) -> AccountDraft:
        page = self.servers_page
        protocol = page.incoming.chosen_protocol
        return AccountDraft(
            name=self.account_page.name.text().strip(),
            address=self.account_page.address.text().strip(),
            password=self.account_page.password.text(),
            incoming_protocol=IncomingProtocol(protocol.value),
            incoming=self._server_config(page.incoming),
            outgoing=self._server_config(page.outgoing),
        )

    async def _save(self) -> None:
        page = self.servers_page
        page.set_busy(True)
        try:
            account = await save_account(
                self._draft(),
                self.services.accounts,
                self.services.keyring,
                self.services.session,
                ask_every_session=page.ask_every_session.isChecked(),
            )
        except SecretStoreUnavailable as error:
            page.set_busy(False)
            page.show_save_failed(
                error.message
                + "\n"
                + self.tr(
                    "Kittiwake never stores passwords in plain text. You can choose to be asked "
                    "for the password once every session instead, then press Finish again."
                ),
                offer_ask=True,
            )
            self.sig_save_failed.emit(error.message)
            return
        except KittiwakeError as error:
            page.set_busy(False)
            page.show_save_failed(error.for_person(), offer_ask=False)
            self.sig_save_failed.emit(error.message)
            return
        page.set_busy(False)
        self.created_id = account.id
        self.sig_account_created.emit(account.id)
        self.button(QWizard.WizardButton.FinishButton).click()

    # --- leaving ---------------------------------------------------------------------------

    @staticmethod
    def _cancel(task: asyncio.Task[None] | None) -> None:
        if task is not None and not task.done():
            task.cancel()

    def _cancel_tasks(self) -> None:
        for task in (self._discovery, self._verification):
            self._cancel(task)

    def incoming_protocol(self) -> Protocol:
        return self.servers_page.incoming.chosen_protocol
