"""How a verification shows: the step log, and the certificate the user may accept.

Everything the server or the network said is shown as plain text (QPlainTextEdit, labels with
Qt.TextFormat.PlainText): server text is never interpreted as rich text or HTML.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kittiwake.client.autoconfig.verify import ServerCheck
from kittiwake.client.net.errors import CertificateInfo
from kittiwake.client.smtp.steps import Step
from kittiwake.ui.labels import plain_label

# A SHA-256 fingerprint as CertificateInfo spells it: 32 colon-separated hex pairs.
FINGERPRINT = re.compile(r"\b(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}\b")
PAIRS_PER_LINE = 8  # 23 characters a line: never wraps in the wizard, easy to compare by eye
DETAIL_INDENT = " " * 6
FINGERPRINT_INDENT = " " * 8


def fingerprint_rows(fingerprint: str) -> list[str]:
    """The fingerprint in rows of PAIRS_PER_LINE pairs, each cut at a pair boundary."""
    pairs = fingerprint.split(":")
    return [":".join(pairs[i : i + PAIRS_PER_LINE]) for i in range(0, len(pairs), PAIRS_PER_LINE)]


def set_fingerprints_apart(line: str, label: str = "SHA-256") -> list[str]:
    """A log line with the fingerprints in it moved to indented rows of their own.

    QPlainTextEdit ignores block margins, so a fingerprint wrapped by the view continued at
    column 0, in the middle of a pair. Rows cut here at pair boundaries stay whole and indented
    at any sensible width. The text between fingerprints ("you accepted …, the server now
    shows …") is kept, each piece introducing the rows that follow it."""
    found = FINGERPRINT.findall(line)
    if not found:
        return [line]
    texts = FINGERPRINT.split(line)
    out: list[str] = []
    for number, fingerprint in enumerate(found):
        text = texts[number].rstrip(" :") if number == 0 else texts[number].strip(" ,;:")
        head = text if number == 0 else DETAIL_INDENT + text
        out.append(f"{head} ({label}):" if text.strip() else f"{DETAIL_INDENT}{label}:")
        out.extend(FINGERPRINT_INDENT + row for row in fingerprint_rows(fingerprint))
    tail = texts[-1].strip(" ,;:.")
    if tail:
        out.append(DETAIL_INDENT + tail)
    return out


class StepLogView(QPlainTextEdit):
    """The verification, step by step, for both servers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAccessibleName(self.tr("Verification log"))
        self.setMinimumHeight(100)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

    def step_name(self, step: Step) -> str:
        return {
            Step.RESOLVE: self.tr("Look up the server name"),
            Step.CONNECT: self.tr("Connect"),
            Step.TLS: self.tr("Encrypt the connection (TLS)"),
            Step.CERTIFICATE: self.tr("Check the certificate"),
            Step.LOGIN: self.tr("Log in"),
        }[step]

    def show_running(self, text: str) -> None:
        self.setPlainText(text)

    def show_checks(self, checks: list[tuple[str, ServerCheck]]) -> None:
        lines: list[str] = []
        for title, check in checks:
            lines.append(f"{title} ({check.protocol.value.upper()}, {check.server})")
            for result in check.steps:
                name = self.step_name(result.step)
                detail = f": {result.detail}" if result.detail else ""
                if result.ok:
                    lines.append(f"  \u2713 {name}{detail}")
                else:
                    lines.append(f"  \u2717 {name} \u2014 {self.tr('FAILED')}{detail}")
                if not result.ok and result.error is not None:
                    if result.error.hint:
                        lines.append(DETAIL_INDENT + self.tr("What to check: ") + result.error.hint)
                    if result.error.server_text:
                        lines.append(
                            DETAIL_INDENT + self.tr("The server said: ") + result.error.server_text
                        )
            lines.append("")
        label = self.tr("SHA-256")
        rows = [row for line in lines for row in set_fingerprints_apart(line, label)]
        self.setPlainText("\n".join(rows).rstrip())


class CertificatePanel(QGroupBox):
    """A refused certificate: what it is, and a button to trust it for this account only."""

    sig_accepted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Untrusted certificate"), parent)
        self.setAccessibleName(self.tr("Untrusted certificate"))
        layout = QVBoxLayout(self)
        self.explanation = plain_label(name=self.tr("Why the certificate was refused"))
        layout.addWidget(self.explanation)
        form = QFormLayout()
        self.subject = plain_label(name=self.tr("Certificate subject"))
        self.issuer = plain_label(name=self.tr("Certificate issuer"))
        self.validity = plain_label(name=self.tr("Certificate validity"))
        self.fingerprint = plain_label(name=self.tr("Certificate SHA-256 fingerprint"))
        form.addRow(self.tr("Subject:"), self.subject)
        form.addRow(self.tr("Issuer:"), self.issuer)
        form.addRow(self.tr("Valid:"), self.validity)
        form.addRow(self.tr("SHA-256:"), self.fingerprint)
        layout.addLayout(form)
        self.accept_button = QPushButton(self.tr("&Accept this certificate for this account"))
        self.accept_button.setAccessibleName(self.tr("Accept this certificate for this account"))
        self.accept_button.clicked.connect(self.sig_accepted)
        layout.addWidget(self.accept_button)
        # Never squeezed below what it needs to show: the fingerprint must stay readable.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.certificate: CertificateInfo | None = None
        self.role = ""

    def show_certificate(self, role: str, why: str, certificate: CertificateInfo) -> None:
        self.role = role
        self.certificate = certificate
        self.explanation.setText(why)
        self.subject.setText(certificate.subject or self.tr("(none)"))
        self.issuer.setText(certificate.issuer or self.tr("(none)"))
        self.validity.setText(
            self.tr("from %1 to %2")
            .replace("%1", certificate.not_before)
            .replace("%2", certificate.not_after)
        )
        self.fingerprint.setText(certificate.sha256)
        self.show()
