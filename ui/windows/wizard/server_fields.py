"""One server's editable settings: protocol (incoming only), host, port, security, user name."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from kittiwake.client.autoconfig.candidates import Protocol, ServerCandidate
from kittiwake.client.autoconfig.guess import DEFAULT_PORTS
from kittiwake.client.net.endpoint import Security


def default_port(protocol: Protocol, security: Security) -> int:
    return next(port for port, mode in DEFAULT_PORTS[protocol] if mode is security)


class ServerFields(QGroupBox):
    sig_changed = Signal()

    def __init__(self, title: str, *, incoming: bool, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.incoming = incoming
        # A certificate the user accepted for this server (SHA-256); cleared when the server
        # changes, since it vouches for that one server only.
        self.pinned_sha256: str | None = None
        self._protocol = Protocol.IMAP if incoming else Protocol.SMTP
        self._security = Security.TLS
        # Whole sentences per role, so a translation can inflect them.
        if incoming:
            names = (
                self.tr("Incoming server name"),
                self.tr("Incoming server port"),
                self.tr("Incoming server connection security"),
                self.tr("Incoming server user name"),
            )
        else:
            names = (
                self.tr("Outgoing server name"),
                self.tr("Outgoing server port"),
                self.tr("Outgoing server connection security"),
                self.tr("Outgoing server user name"),
            )
        self.setAccessibleName(title)
        layout = QFormLayout(self)

        self.protocol = QComboBox()
        self.protocol.addItem(self.tr("IMAP (mail stays on the server)"), Protocol.IMAP)
        self.protocol.addItem(self.tr("POP3 (mail is downloaded)"), Protocol.POP3)
        self.protocol.setAccessibleName(self.tr("Incoming protocol"))
        if incoming:
            layout.addRow(self.tr("&Protocol:"), self.protocol)
        else:
            self.protocol.hide()

        self.host = QLineEdit()
        self.host.setAccessibleName(names[0])
        self.host.setPlaceholderText(self.tr("mail.example.org"))
        layout.addRow(self.tr("&Server:"), self.host)

        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setAccessibleName(names[1])
        self.port.lineEdit().setAccessibleName(names[1])
        layout.addRow(self.tr("P&ort:"), self.port)

        self.security = QComboBox()
        self.security.addItem(self.tr("TLS"), Security.TLS)
        self.security.addItem(self.tr("STARTTLS"), Security.STARTTLS)
        self.security.setAccessibleName(names[2])
        layout.addRow(self.tr("Se&curity:"), self.security)

        self.username = QLineEdit()
        self.username.setAccessibleName(names[3])
        layout.addRow(self.tr("&User name:"), self.username)

        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_values(self._protocol, "", default_port(self._protocol, Security.TLS), "")
        self.protocol.currentIndexChanged.connect(self._protocol_changed)
        self.security.currentIndexChanged.connect(self._security_changed)
        self.host.textEdited.connect(self._server_changed)
        self.port.valueChanged.connect(self._server_changed)
        self.username.textEdited.connect(self.sig_changed)

    # --- values ----------------------------------------------------------------------------

    def set_candidate(self, candidate: ServerCandidate) -> None:
        self.set_values(
            candidate.protocol,
            candidate.host,
            candidate.port,
            candidate.username,
            candidate.security,
        )

    def set_values(
        self,
        protocol: Protocol,
        host: str,
        port: int,
        username: str,
        security: Security = Security.TLS,
    ) -> None:
        widgets = (self.protocol, self.host, self.port, self.security, self.username)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self._protocol = protocol
            self._security = security
            self.protocol.setCurrentIndex(max(0, self.protocol.findData(protocol)))
            self.host.setText(host)
            self.port.setValue(port)
            self.security.setCurrentIndex(max(0, self.security.findData(security)))
            self.username.setText(username)
            self.pinned_sha256 = None
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self.sig_changed.emit()

    @property
    def chosen_protocol(self) -> Protocol:
        return self._protocol

    @property
    def chosen_security(self) -> Security:
        return self._security

    def filled(self) -> bool:
        return bool(self.host.text().strip() and self.username.text().strip())

    # --- keeping port and security consistent ----------------------------------------------

    def _protocol_changed(self) -> None:
        new = Protocol(self.protocol.currentData())
        if self.port.value() == default_port(self._protocol, self._security):
            self.port.blockSignals(True)
            self.port.setValue(default_port(new, self._security))
            self.port.blockSignals(False)
        self._protocol = new
        self._server_changed()

    def _security_changed(self) -> None:
        new = Security(self.security.currentData())
        # 993 <-> 143, 995 <-> 110, 465 <-> 587: only when the port was the usual one.
        if self.port.value() == default_port(self._protocol, self._security):
            self.port.blockSignals(True)
            self.port.setValue(default_port(self._protocol, new))
            self.port.blockSignals(False)
        self._security = new
        self._server_changed()

    def _server_changed(self) -> None:
        self.pinned_sha256 = None
        self.sig_changed.emit()
