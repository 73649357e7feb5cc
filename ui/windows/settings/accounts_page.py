"""The accounts page: pick an account, edit its servers and identities, or remove it.

Saving goes through `Engine.update_account` (the accounts file, atomically); removing through
`Engine.remove_account` (keyring entries first, then the config entry, then the cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.accounts.model import Account, Identity, ServerConfig
from kittiwake.client.engine import Engine
from kittiwake.client.mime.addresses import is_valid_address
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import KittiwakeError

Confirm = Callable[[QWidget, str, str], bool]


class ServerBox(QGroupBox):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.host = QLineEdit(self)
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.security = QComboBox(self)
        for label, value in (
            (self.tr("TLS"), Security.TLS),
            (self.tr("STARTTLS"), Security.STARTTLS),
            (self.tr("None (this computer only)"), Security.PLAIN_LOOPBACK_ONLY),
        ):
            self.security.addItem(label, value)
        self.username = QLineEdit(self)
        for widget, name in (
            (self.host, "host"),
            (self.port, "port"),
            (self.security, "security"),
            (self.username, "user name"),
        ):
            widget.setAccessibleName(f"{title} {name}")
        form = QFormLayout(self)
        form.addRow(self.tr("Host:"), self.host)
        form.addRow(self.tr("Port:"), self.port)
        form.addRow(self.tr("Security:"), self.security)
        form.addRow(self.tr("User name:"), self.username)

    def show_server(self, server: ServerConfig) -> None:
        self.host.setText(server.host)
        self.port.setValue(server.port)
        self.security.setCurrentIndex(self.security.findData(server.security))
        self.username.setText(server.username)

    def edited(self, server: ServerConfig) -> ServerConfig:
        host = self.host.text().strip()
        if not host or any(c.isspace() for c in host):
            raise ValueError(self.tr("A server host name is missing or has spaces."))
        edited = replace(
            server,
            host=host,
            port=self.port.value(),
            security=Security(self.security.currentData()),
            username=self.username.text().strip(),
        )
        if (edited.host.lower(), edited.port) != (server.host.lower(), server.port):
            # The accepted certificate belonged to the old server; the new one must be
            # verified (or accepted again in the wizard), never trusted through the old pin.
            edited = replace(edited, pinned_sha256=None)
        edited.endpoint()  # raises InsecureConfiguration: no clear text to a remote host
        return edited


class IdentitiesBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Identities"), parent)
        self.items: list[Identity] = []
        self.list = QListWidget(self)
        self.list.setAccessibleName(self.tr("Identities"))
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumWidth(180)
        self.list.currentRowChanged.connect(self._show)
        self.name, self.address = QLineEdit(self), QLineEdit(self)
        self.name.setAccessibleName(self.tr("Identity name"))
        self.address.setAccessibleName(self.tr("Identity address"))
        self.signature = QPlainTextEdit(self)
        self.signature.setAccessibleName(self.tr("Signature"))
        self.signature.setMaximumHeight(70)
        for edit in (self.name, self.address):
            edit.textEdited.connect(self._store)
        self.signature.textChanged.connect(self._store)
        add, remove = QPushButton(self.tr("Add"), self), QPushButton(self.tr("Remove"), self)
        add.clicked.connect(self.add)
        remove.clicked.connect(self.remove)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Address:"), self.address)
        form.addRow(self.tr("Signature:"), self.signature)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 2)
        layout.addLayout(buttons)
        layout.addLayout(form, 3)
        self._loading = False

    def show_identities(self, identities: tuple[Identity, ...]) -> None:
        self.items = list(identities)
        self.list.clear()
        for identity in self.items:
            self.list.addItem(QListWidgetItem(self._label(identity)))
        self.list.setCurrentRow(0 if self.items else -1)

    @staticmethod
    def _label(identity: Identity) -> str:
        return f"{identity.name} <{identity.address}>" if identity.name else identity.address

    def _show(self, row: int) -> None:
        self._loading = True
        identity = self.items[row] if 0 <= row < len(self.items) else Identity("", "")
        self.name.setText(identity.name)
        self.address.setText(identity.address)
        self.signature.setPlainText(identity.signature)
        self._loading = False

    def _store(self) -> None:
        row = self.list.currentRow()
        if self._loading or not 0 <= row < len(self.items):
            return
        self.items[row] = Identity(
            self.name.text().strip(), self.address.text().strip(), self.signature.toPlainText()
        )
        self.list.item(row).setText(self._label(self.items[row]))

    def add(self) -> None:
        self.items.append(Identity("", ""))
        self.list.addItem(QListWidgetItem(""))
        self.list.setCurrentRow(len(self.items) - 1)
        self.address.setFocus()

    def remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.items) and len(self.items) > 1:  # an account needs one
            del self.items[row]
            self.list.takeItem(row)

    def edited(self) -> tuple[Identity, ...]:
        for identity in self.items:
            if not is_valid_address(identity.address):
                raise ValueError(
                    self.tr("The identity address {0!r} is not an e-mail address.").format(
                        identity.address
                    )
                )
        return tuple(self.items)


class AccountsPage(QWidget):
    sig_accounts_changed = Signal()

    def __init__(self, engine: Engine, confirm: Confirm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.confirm = confirm
        self.accounts: list[Account] = []
        self.list = QListWidget(self)
        self.list.setAccessibleName(self.tr("Accounts"))
        self.list.setMaximumWidth(220)
        self.list.currentRowChanged.connect(self._show)
        self.display_name = QLineEdit(self)
        self.display_name.setAccessibleName(self.tr("Account name"))
        self.incoming = ServerBox(self.tr("Incoming"), self)
        self.outgoing = ServerBox(self.tr("Outgoing (SMTP)"), self)
        self.identities = IdentitiesBox(self)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save changes"), self)
        self.save_button.clicked.connect(self.save)
        self.remove_button = QPushButton(self.tr("Remove account…"), self)
        self.remove_button.clicked.connect(self.remove)

        editor = QVBoxLayout()
        name_row = QFormLayout()
        name_row.addRow(self.tr("Account name:"), self.display_name)
        editor.addLayout(name_row)
        servers = QHBoxLayout()
        servers.addWidget(self.incoming)
        servers.addWidget(self.outgoing)
        editor.addLayout(servers)
        editor.addWidget(self.identities)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)
        editor.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(editor, 1)
        self.reload()

    def reload(self) -> None:
        self.accounts = self.engine.accounts()
        self.list.clear()
        for account in self.accounts:
            self.list.addItem(QListWidgetItem(f"{account.display_name}\n{account.address}"))
        self.list.setCurrentRow(0 if self.accounts else -1)
        for widget in (self.save_button, self.remove_button, self.display_name):
            widget.setEnabled(bool(self.accounts))

    def current(self) -> Account | None:
        row = self.list.currentRow()
        return self.accounts[row] if 0 <= row < len(self.accounts) else None

    def _show(self, _row: int) -> None:
        account = self.current()
        if account is None:
            return
        self.display_name.setText(account.display_name)
        self.incoming.show_server(account.incoming)
        self.outgoing.show_server(account.outgoing)
        self.identities.show_identities(account.identities)
        self.message.clear()

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def save(self) -> bool:
        account = self.current()
        if account is None:
            return False
        try:
            edited = replace(
                account,
                display_name=self.display_name.text().strip() or account.display_name,
                incoming=self.incoming.edited(account.incoming),
                outgoing=self.outgoing.edited(account.outgoing),
                identities=self.identities.edited(),
            )
            self.engine.update_account(edited)
        except ValueError as error:  # our checks, and the endpoint's (plain to a remote host)
            self._say(str(error), error=True)
            return False
        except KittiwakeError as error:
            self._say(error.message, error=True)
            return False
        row = self.list.currentRow()
        self.reload()
        self.list.setCurrentRow(row)
        self._say(self.tr("Saved."))
        self.sig_accounts_changed.emit()
        return True

    def remove(self) -> bool:
        account = self.current()
        if account is None:
            return False
        question = self.tr(
            "Remove the account {0}? Its saved passwords and the mail cached on this computer "
            "are deleted; the mail on the server stays."
        ).format(account.display_name)
        if not self.confirm(self, self.tr("Remove account"), question):
            return False
        try:
            secrets_gone = self.engine.remove_account(account.id)
        except KittiwakeError as error:
            self._say(error.message, error=True)
            return False
        self.reload()
        if not secrets_gone:
            self._say(
                self.tr("Removed, but the keyring could not be reached to delete its password."),
                error=True,
            )
        else:
            self._say(self.tr("Account removed."))
        self.sig_accounts_changed.emit()
        return True
