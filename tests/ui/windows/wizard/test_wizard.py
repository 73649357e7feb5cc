"""The account wizard end to end: local ISPDB / provider autoconfig, the real Dovecot, an
in-memory keyring."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import keyring.errors
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.model import IncomingProtocol, PasswordStorage
from kittiwake.client.accounts.secrets import ServerRole
from kittiwake.client.autoconfig.candidates import Protocol
from kittiwake.client.autoconfig.discover import DiscoveryResult
from kittiwake.client.net.endpoint import Security
from kittiwake.ui.windows.wizard import AccountWizard, WizardServices
from tests.client.accounts.fakes import BrokenKeyring, MemoryKeyring, keyring_backend
from tests.client.test_no_secrets_on_disk import assert_no_secret_leaked
from tests.servers.fixtures import MailServer
from tests.servers.ispdb import IspdbServer
from tests.ui.windows.wizard.harness import WizardHarness, provider_document, services_for

qasync = pytest.importorskip("qasync")


@pytest.fixture
def ispdb() -> Iterator[IspdbServer]:
    with IspdbServer() as server:
        yield server


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def loop(qasync_loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
    return qasync_loop


def make(qtbot: QtBot, loop: asyncio.AbstractEventLoop, services: WizardServices) -> WizardHarness:
    wizard = AccountWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    return WizardHarness(loop, wizard)


def test_happy_path_discovers_verifies_and_saves(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    ispdb: IspdbServer,
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    alice = mail_server.alice
    ispdb.extra["/autoconfig.example.test/mail/config-v1.1.xml"] = provider_document(
        mail_server, alice.name
    )
    services = services_for(tmp_path, ispdb, ca_file=mail_server.ca_file)
    h = make(qtbot, loop, services)
    wizard = h.wizard

    async def scenario() -> str:
        page1 = wizard.account_page
        page1.name.setText("Alice Liddell")
        page1.address.setText(alice.address)
        # Discovery starts when the address is complete, while the password is still empty.
        discovered = h.expect(wizard.sig_discovery_finished)
        page1.address.editingFinished.emit()
        await h.wait(discovered)
        assert not page1.isComplete()
        page1.password.setText(alice.password)
        await h.to_servers_page()

        page = wizard.servers_page
        assert "your provider's own configuration" in page.origin.text()
        assert "autoconfig.example.test" in page.origin.text()
        assert page.incoming.chosen_protocol is Protocol.IMAP
        assert page.incoming.port.value() == mail_server.ports["imaps"]
        assert page.outgoing.chosen_security is Security.STARTTLS
        assert page.incoming.username.text() == alice.name
        assert not h.finish_button().isEnabled()

        assert await h.verify()
        assert h.finish_button().isEnabled()
        log = page.log_view.toPlainText()
        assert log.count("\u2713 Log in") == 2 and "\u2717" not in log
        return await h.finish()

    account_id = h.run(scenario())
    account = AccountsFile(services.accounts.path).get(account_id)
    assert account is not None
    assert account.address == alice.address and account.identities[0].name == "Alice Liddell"
    assert account.display_name == "Alice Liddell"  # page 1's name, not the address again
    assert account.incoming_protocol is IncomingProtocol.IMAP
    assert account.incoming.port == mail_server.ports["imaps"]
    assert account.password_source.storage is PasswordStorage.KEYRING
    key = ("kittiwake", f"{account_id}/{ServerRole.INCOMING.value}")
    assert memory_keyring.entries[key] == alice.password
    assert wizard.result() == AccountWizard.DialogCode.Accepted
    # Not in the accounts file, nor anywhere under the home, nor in any log record.
    assert_no_secret_leaked(tmp_path, alice.name, alice.password, caplog.records)


def test_an_ispdb_answer_fills_the_servers_page_with_its_source(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path, ispdb: IspdbServer
) -> None:
    h = make(qtbot, loop, services_for(tmp_path, ispdb, ca_file=None))
    page = h.wizard.servers_page

    async def scenario() -> None:
        h.fill_page_one("Jane", "jane.doe@web.de", "pw")
        await h.to_servers_page()

    h.run(scenario())
    assert "the Thunderbird ISP database" in page.origin.text()
    assert "/v1.1/web.de" in page.origin.text()
    assert (page.incoming.host.text(), page.incoming.port.value()) == ("imap.web.de", 993)
    assert page.incoming.username.text() == "jane.doe"  # %EMAILLOCALPART% filled in
    assert page.outgoing.host.text() == "smtp.web.de"
    assert "How the settings were looked up:" in page.log_view.toPlainText()
    assert page.check_button.isEnabled() and not page.isComplete()  # not verified yet


def test_wrong_password_names_the_login_step(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    ispdb: IspdbServer,
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
) -> None:
    alice = mail_server.alice
    ispdb.extra["/autoconfig.example.test/mail/config-v1.1.xml"] = provider_document(
        mail_server, alice.name
    )
    h = make(qtbot, loop, services_for(tmp_path, ispdb, ca_file=mail_server.ca_file))

    async def scenario() -> None:
        h.fill_page_one("Alice", alice.address, "certainly-wrong")
        await h.to_servers_page()
        assert not await h.verify()

    h.run(scenario())
    page = h.wizard.servers_page
    summary = page.summary.text()
    assert "Incoming server" in summary and "\u201cLog in\u201d failed" in summary
    assert "password" in summary
    assert "\u2717 Log in" in page.log_view.toPlainText()
    assert "certainly-wrong" not in page.log_view.toPlainText()
    assert page.summary.textFormat() is Qt.TextFormat.PlainText
    assert not h.finish_button().isEnabled()
    assert page.certificate.isHidden()


def test_untrusted_certificate_accepted_is_pinned_and_verified(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    ispdb: IspdbServer,
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
) -> None:
    alice = mail_server.alice
    ispdb.extra["/autoconfig.example.test/mail/config-v1.1.xml"] = provider_document(
        mail_server, alice.name
    )
    # No extra CA: the test CA's certificates are untrusted, as a self-signed server's would be.
    services = services_for(tmp_path, ispdb, ca_file=None)
    h = make(qtbot, loop, services)
    page = h.wizard.servers_page

    async def scenario() -> str:
        h.fill_page_one("Alice", alice.address, alice.password)
        await h.to_servers_page()
        assert not await h.verify()
        assert page.certificate.isVisible()
        assert "\u201cCheck the certificate\u201d failed" in page.summary.text()
        panel = page.certificate
        assert panel.certificate is not None
        assert panel.fingerprint.text() == panel.certificate.sha256
        assert panel.subject.text() and panel.issuer.text()
        assert panel.certificate.not_after in panel.validity.text()
        sha = panel.certificate.sha256

        done = h.expect(h.wizard.sig_verification_finished)
        panel.accept_button.click()
        (ok,) = await h.wait(done)
        assert ok, page.log_view.toPlainText()
        # Dovecot shows the same certificate for IMAP and submission: one decision, both pinned.
        assert page.incoming.pinned_sha256 == sha and page.outgoing.pinned_sha256 == sha
        # The fingerprint on indented rows of its own, cut between pairs (never wrapped mid-pair
        # back to column 0): both servers show it after "accepted by you".
        log = page.log_view.toPlainText().splitlines()
        heads = [n for n, line in enumerate(log) if line.endswith("accepted by you (SHA-256):")]
        assert len(heads) == 2, log
        for head in heads:
            rows = log[head + 1 : head + 5]
            assert all(row.startswith(" " * 8) and len(row.strip()) == 23 for row in rows), rows
            assert ":".join(row.strip() for row in rows) == sha
        assert sha not in page.log_view.toPlainText()
        return await h.finish()

    account_id = h.run(scenario())
    account = services.accounts.get(account_id)
    assert account is not None and account.incoming.pinned_sha256
    assert account.incoming.pinned_sha256 == account.outgoing.pinned_sha256


def test_manual_path_skips_discovery_and_saves_pop3(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    ispdb: IspdbServer,
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
) -> None:
    alice = mail_server.alice
    services = services_for(tmp_path, ispdb, ca_file=mail_server.ca_file)
    h = make(qtbot, loop, services)
    page = h.wizard.servers_page

    async def scenario() -> str:
        h.fill_page_one("Alice", alice.address, alice.password)
        h.wizard.account_page.manual.setChecked(True)
        h.wizard.account_page.address.editingFinished.emit()
        await h.to_servers_page()
        assert "Enter your provider's server settings" in page.origin.text()
        assert page.incoming.host.text() == "imap.example.test"  # a starting point
        page.incoming.protocol.setCurrentIndex(page.incoming.protocol.findData(Protocol.POP3))
        assert page.incoming.port.value() == 995  # followed the protocol
        page.incoming.security.setCurrentIndex(page.incoming.security.findData(Security.STARTTLS))
        assert page.incoming.port.value() == 110  # followed the security mode
        page.incoming.host.setText("127.0.0.1")
        page.incoming.port.setValue(mail_server.ports["pop3"])
        page.incoming.username.setText(alice.name)
        page.outgoing.host.setText("127.0.0.1")
        page.outgoing.port.setValue(mail_server.ports["submissions"])
        page.outgoing.username.setText(alice.name)
        assert await h.verify(), page.log_view.toPlainText()
        # An edit after the check takes "verified" back.
        page.outgoing.port.setValue(mail_server.ports["submission"])
        assert not h.finish_button().isEnabled()
        page.outgoing.port.setValue(mail_server.ports["submissions"])
        assert await h.verify()
        return await h.finish()

    account_id = h.run(scenario())
    assert ispdb.requests == []  # the manual path asked nobody
    account = services.accounts.get(account_id)
    assert account is not None
    assert account.incoming_protocol is IncomingProtocol.POP3
    assert account.incoming.security is Security.STARTTLS
    assert account.outgoing.port == mail_server.ports["submissions"]


def test_no_keyring_offers_ask_every_session(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    ispdb: IspdbServer,
    mail_server: MailServer,
) -> None:
    alice = mail_server.alice
    ispdb.extra["/autoconfig.example.test/mail/config-v1.1.xml"] = provider_document(
        mail_server, alice.name
    )
    services = services_for(tmp_path, ispdb, ca_file=mail_server.ca_file)
    broken = BrokenKeyring(keyring.errors.KeyringLocked("secret-ish backend text"))
    h = make(qtbot, loop, services)
    page = h.wizard.servers_page

    async def scenario() -> str:
        h.fill_page_one("Alice", alice.address, alice.password)
        await h.to_servers_page()
        assert await h.verify()
        failed = h.expect(h.wizard.sig_save_failed)
        h.finish_button().click()
        await h.wait(failed)
        assert page.ask_every_session.isVisible()
        assert "plain text" in page.save_error.text()
        assert services.accounts.load() == []  # nothing half-saved
        page.ask_every_session.setChecked(True)
        return await h.finish()

    with keyring_backend(broken):
        account_id = h.run(scenario())
    account = services.accounts.get(account_id)
    assert account is not None
    assert account.password_source.storage is PasswordStorage.ASK
    assert services.session.get(account_id, ServerRole.INCOMING) == alice.password


class GatedDiscovery:
    """Discovery that answers only when the test says so."""

    def __init__(self, result: DiscoveryResult) -> None:
        self.result = result
        self.gate = asyncio.Event()
        self.started = asyncio.Event()
        self.asked: list[str] = []

    async def discover(self, address: str) -> DiscoveryResult:
        self.asked.append(address)
        self.started.set()
        await self.gate.wait()
        return self.result


def test_the_window_stays_usable_while_discovery_runs(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path, ispdb: IspdbServer
) -> None:
    gated = GatedDiscovery(DiscoveryResult(None, log=["DNS: no MX record for slow.test."]))
    services = services_for(tmp_path, ispdb, ca_file=None)
    services.discovery = gated  # type: ignore[assignment]
    h = make(qtbot, loop, services)
    page = h.wizard.servers_page

    async def scenario() -> None:
        h.fill_page_one("Bob", "bob@slow.test", "pw")
        finished = h.expect(h.wizard.sig_discovery_finished)
        h.wizard.next()
        await asyncio.wait_for(gated.started.wait(), 10)
        assert gated.asked == ["bob@slow.test"]
        # Still looking: the page says so, the user cannot check yet, and the GUI answers.
        assert "Looking up the settings for bob@slow.test" in page.origin.text()
        assert not page.check_button.isEnabled()
        page.incoming.host.setText("typed-while-waiting")
        assert page.incoming.host.text() == "typed-while-waiting"
        gated.gate.set()
        await h.wait(finished)

    h.run(scenario())
    assert "No settings were found for slow.test" in page.origin.text()
    assert "no MX record" in page.log_view.toPlainText()
    assert page.check_button.isEnabled()


def test_every_widget_has_an_accessible_name(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path, ispdb: IspdbServer
) -> None:
    h = make(qtbot, loop, services_for(tmp_path, ispdb, ca_file=None))
    unnamed = [
        f"{type(w).__name__} {w.objectName()}"
        for w in h.wizard.findChildren(QWidget)
        if w.isWidgetType()
        and type(w).__module__.startswith("PySide6")
        and type(w).__name__ in INTERACTIVE
        and not w.accessibleName()
    ]
    assert unnamed == []
    # Everything that can carry a server's or the network's words is plain text.
    page = h.wizard.servers_page
    panel = page.certificate
    dynamic: list[QLabel] = [
        page.origin,
        page.summary,
        page.save_error,
        panel.explanation,
        panel.subject,
        panel.issuer,
        panel.validity,
        panel.fingerprint,
    ]
    assert all(label.textFormat() is PLAIN for label in dynamic)
    assert all(label.accessibleName() for label in dynamic)


INTERACTIVE = {"QLineEdit", "QComboBox", "QSpinBox", "QCheckBox", "QPushButton", "QPlainTextEdit"}
PLAIN = Qt.TextFormat.PlainText


@pytest.mark.parametrize(
    ("case", "step", "advice"),
    [
        ("unknown host", "Look up the server name", "server name for typing mistakes"),
        ("nothing on the port", "Connect", "Check the port number"),
        ("TLS on a STARTTLS port", "Encrypt the connection (TLS)", "expect STARTTLS"),
    ],
)
def test_each_failure_is_named_with_what_to_check(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    ispdb: IspdbServer,
    mail_server: MailServer,
    memory_keyring: MemoryKeyring,
    case: str,
    step: str,
    advice: str,
) -> None:
    alice = mail_server.alice
    h = make(qtbot, loop, services_for(tmp_path, ispdb, ca_file=mail_server.ca_file))
    page = h.wizard.servers_page
    host, port, security = {
        "unknown host": ("no-such-host.invalid", 993, Security.TLS),
        "nothing on the port": ("127.0.0.1", free_port(), Security.TLS),
        "TLS on a STARTTLS port": ("127.0.0.1", mail_server.ports["imap"], Security.TLS),
    }[case]

    async def scenario() -> bool:
        h.fill_page_one("Alice", alice.address, alice.password)
        h.wizard.account_page.manual.setChecked(True)
        await h.to_servers_page()
        page.incoming.set_values(Protocol.IMAP, host, port, alice.name, security)
        page.outgoing.set_values(
            Protocol.SMTP, "127.0.0.1", mail_server.ports["submissions"], alice.name
        )
        return await h.verify()

    assert not h.run(scenario())
    summary = page.summary.text()
    assert summary.startswith("Incoming server: the step")
    assert f"\u201c{step}\u201d failed" in summary
    assert advice in summary
    assert "\u2713 Log in: " + alice.name in page.log_view.toPlainText()  # outgoing was fine


def test_check_needs_a_server_name(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path, ispdb: IspdbServer
) -> None:
    h = make(qtbot, loop, services_for(tmp_path, ispdb, ca_file=None))
    page = h.wizard.servers_page

    async def scenario() -> None:
        h.fill_page_one("Bob", "bob@example.test", "pw")
        h.wizard.account_page.manual.setChecked(True)
        await h.to_servers_page()

    h.run(scenario())
    assert page.check_button.isEnabled()
    page.incoming.host.clear()
    page.incoming.host.textEdited.emit("")
    assert not page.check_button.isEnabled()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
