"""Page 2: the servers found (or typed), editable, with where they came from and their check.

The page only shows and collects; the wizard runs discovery, verification and saving and tells
the page what happened. Finish is enabled once the settings as shown have passed verification;
any edit takes that back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from kittiwake.client.autoconfig.candidates import DiscoveredConfig, Protocol, Source
from kittiwake.client.autoconfig.verify import AccountCheck, ServerCheck
from kittiwake.client.net.endpoint import Security
from kittiwake.ui.labels import plain_label
from kittiwake.ui.windows.wizard.check_views import CertificatePanel, StepLogView
from kittiwake.ui.windows.wizard.server_fields import ServerFields, default_port


class ServersPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Server settings"))
        self.setAccessibleName(self.tr("Server settings"))
        self.verified = False
        self.busy = False
        layout = QVBoxLayout(self)

        self.origin = plain_label(name=self.tr("Where the settings came from"))
        layout.addWidget(self.origin)

        servers = QHBoxLayout()
        self.incoming = ServerFields(self.tr("Incoming mail"), incoming=True)
        self.outgoing = ServerFields(self.tr("Outgoing mail (SMTP)"), incoming=False)
        servers.addWidget(self.incoming, 1, Qt.AlignmentFlag.AlignTop)
        servers.addWidget(self.outgoing, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(servers)

        buttons = QHBoxLayout()
        self.check_button = QPushButton(self.tr("&Check settings"))
        self.check_button.setAccessibleName(self.tr("Check settings"))
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.summary = plain_label(name=self.tr("Verification result"))
        layout.addWidget(self.summary)
        self.log_view = StepLogView()
        layout.addWidget(self.log_view, 1)

        self.certificate = CertificatePanel()
        self.certificate.hide()
        layout.addWidget(self.certificate)

        self.save_error = plain_label(name=self.tr("Why the account could not be saved"))
        self.save_error.hide()
        layout.addWidget(self.save_error)
        self.ask_every_session = QCheckBox(
            self.tr("Do not save the password; ask for it once every session")
        )
        self.ask_every_session.setAccessibleName(self.tr("Ask for the password every session"))
        self.ask_every_session.hide()
        layout.addWidget(self.ask_every_session)

        self.incoming.sig_changed.connect(self._edited)
        self.outgoing.sig_changed.connect(self._edited)

    # --- filling in ------------------------------------------------------------------------

    def source_text(self, source: Source) -> str:
        return {
            Source.PROVIDER_AUTOCONFIG: self.tr("your provider's own configuration"),
            Source.ISPDB: self.tr("the Thunderbird ISP database"),
            Source.SRV: self.tr("DNS service records"),
            Source.MX_ISPDB: self.tr("the ISP database entry of your mail exchanger"),
            Source.GUESS: self.tr("probing common server names"),
            Source.MANUAL: self.tr("entered by hand"),
        }[source]

    def show_looking_up(self, address: str) -> None:
        self.origin.setText(self.tr("Looking up the settings for %1\u2026").replace("%1", address))
        self.log_view.show_running("")
        self.set_busy(True)

    def show_found(self, config: DiscoveredConfig, log: list[str]) -> None:
        incoming = config.best_incoming()
        outgoing = config.best_outgoing()
        if incoming is not None:
            self.incoming.set_candidate(incoming)
        if outgoing is not None:
            self.outgoing.set_candidate(outgoing)
        where = self.source_text(config.source)
        if config.origin:
            # The query only repeats the user's own address.
            where += f" ({config.origin.partition('?')[0]})"
        text = self.tr("Found in %1. Check them, change anything, then press Check settings.")
        self.origin.setText(text.replace("%1", where))
        self._show_discovery_log(log)
        self.set_busy(False)

    def show_manual(self, address: str, log: list[str] | None = None) -> None:
        domain = address.rpartition("@")[2]
        self.incoming.set_values(
            Protocol.IMAP, f"imap.{domain}", default_port(Protocol.IMAP, Security.TLS), address
        )
        self.outgoing.set_values(
            Protocol.SMTP, f"smtp.{domain}", default_port(Protocol.SMTP, Security.TLS), address
        )
        if log is None:
            self.origin.setText(self.tr("Enter your provider's server settings."))
            self.log_view.show_running("")
        else:
            self.origin.setText(
                self.tr("No settings were found for %1; enter your provider's settings.").replace(
                    "%1", domain
                )
            )
            self._show_discovery_log(log)
        self.set_busy(False)

    def _show_discovery_log(self, log: list[str]) -> None:
        self.log_view.show_running(
            "\n".join([self.tr("How the settings were looked up:"), *log]) if log else ""
        )

    # --- verification ----------------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_check_button()
        self.completeChanged.emit()

    def _update_check_button(self) -> None:
        self.check_button.setEnabled(
            not self.busy and self.incoming.filled() and self.outgoing.filled()
        )

    def show_checking(self) -> None:
        self.certificate.hide()
        self.summary.setText(self.tr("Checking the servers\u2026"))
        self.log_view.show_running("")
        self.set_busy(True)

    def show_check(self, check: AccountCheck) -> None:
        incoming_title = self.tr("Incoming server")
        outgoing_title = self.tr("Outgoing server")
        self.log_view.show_checks(
            [(incoming_title, check.incoming), (outgoing_title, check.outgoing)]
        )
        self.verified = check.ok
        if check.ok:
            self.summary.setText(self.tr("Both servers work. Press Finish to save the account."))
        else:
            title, failed = (
                (incoming_title, check.incoming)
                if not check.incoming.ok
                else (outgoing_title, check.outgoing)
            )
            if failed.certificate_refused and failed.certificate is not None:
                # The panel below explains; the summary only says where it stopped.
                self.summary.setText(self._failure_text(title, failed, with_hint=False))
                why = failed.error.hint if failed.error is not None else ""
                role = "incoming" if failed is check.incoming else "outgoing"
                self.certificate.show_certificate(role, why, failed.certificate)
            else:
                self.summary.setText(self._failure_text(title, failed))
        self.set_busy(False)

    def _failure_text(self, title: str, check: ServerCheck, *, with_hint: bool = True) -> str:
        error = check.error
        step = check.failed_step
        step_name = self.log_view.step_name(step) if step is not None else "?"
        text = (
            self.tr("%1: the step \u201c%2\u201d failed. %3")
            .replace("%1", title)
            .replace("%2", step_name)
            .replace("%3", error.message if error is not None else "")
        )
        if with_hint and error is not None and error.hint:
            text += "\n" + self.tr("What to check: ") + error.hint
        return text

    def fields_for(self, role: str) -> ServerFields:
        return self.incoming if role == "incoming" else self.outgoing

    def _edited(self) -> None:
        self._update_check_button()
        if self.verified:
            self.verified = False
            self.summary.setText(self.tr("The settings changed: check them again."))
        self.completeChanged.emit()

    # --- saving ----------------------------------------------------------------------------

    def show_save_failed(self, text: str, *, offer_ask: bool) -> None:
        self.save_error.setText(text)
        self.save_error.show()
        if offer_ask:
            self.ask_every_session.show()

    def isComplete(self) -> bool:
        return self.verified and not self.busy and self.incoming.filled() and self.outgoing.filled()
