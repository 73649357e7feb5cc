"""The header area: who, to whom, when, what; the authentication badge; the warnings.

Every label is Qt.TextFormat.PlainText (DESIGN.md rule 6): a subject or a display name is the
sender's text and must never become markup. The sender is always shown with its address, so a
display name alone cannot impersonate anyone.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kittiwake.client.mime.addrlist import Mailbox
from kittiwake.client.mime.authresults import AuthResults
from kittiwake.client.mime.display import DisplayMessage
from kittiwake.ui.labels import plain_label

_BADGE_STYLE = {
    "pass": "background:#e3f4e1; color:#1d5e1a; border:1px solid #9fd19a;",
    "fail": "background:#fde2e1; color:#8a1c17; border:1px solid #f0a19c;",
    "none": "background:#eeeeee; color:#444444; border:1px solid #cccccc;",
}
_WARNING_STYLE = (
    "background:#fff4ce; color:#5c4400; border:1px solid #e8c95a; border-radius:3px; padding:4px;"
)
_DANGER_STYLE = (
    "background:#fde2e1; color:#8a1c17; border:1px solid #f0a19c; border-radius:3px; padding:4px;"
)


def mailbox_text(mailbox: Mailbox) -> str:
    if mailbox.name and mailbox.name.strip().lower() != mailbox.address.lower():
        return f"{mailbox.name} <{mailbox.address}>"
    return mailbox.address


def mailboxes_text(mailboxes: tuple[Mailbox, ...], limit: int = 50) -> str:
    shown = ", ".join(mailbox_text(m) for m in mailboxes[:limit])
    if len(mailboxes) > limit:
        shown += f", … (+{len(mailboxes) - limit})"
    return shown


def auth_verdict(auth: AuthResults) -> tuple[str, str]:
    """(text, overall) for the badge: overall is "pass", "fail" or "none"."""
    if not auth.trusted_headers:
        return "Not checked by your server", "none"
    text = f"SPF {auth.spf} · DKIM {auth.dkim} · DMARC {auth.dmarc}"
    verdicts = (auth.spf, auth.dkim, auth.dmarc)
    if "fail" in verdicts:
        return text, "fail"
    if auth.dmarc == "pass" or (auth.dkim == "pass" and auth.spf == "pass"):
        return text, "pass"
    return text, "none"


def summary_lines(message: DisplayMessage) -> list[str]:
    """One line per calendar event and per delivery/read/abuse report in the message."""
    lines: list[str] = []
    for event in message.calendar[:5]:
        what = {"REQUEST": "Invitation", "CANCEL": "Cancelled", "REPLY": "Reply"}.get(
            event.method, "Event"
        )
        where = f" at {event.location}" if event.location else ""
        lines.append(f"📅 {what}: {event.summary or '(no title)'}, {event.start}{where}")
    for report in message.reports[:5]:
        if report.kind == "delivery-status":
            for recipient in report.recipients[:10]:
                detail = recipient.diagnostic or recipient.status
                lines.append(f"✉ Delivery to {recipient.recipient}: {recipient.action} ({detail})")
        elif report.kind == "disposition-notification":
            lines.append(f"✉ Read receipt: {report.disposition}")
        else:
            lines.append(f"✉ Abuse report ({report.feedback_type or 'feedback'})")
    return lines


class HeaderArea(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Message headers"))
        self.subject = plain_label(name=self.tr("Subject"))
        font = QFont(self.subject.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.subject.setFont(font)
        self.from_ = plain_label(name=self.tr("From"))
        self.to = plain_label(name=self.tr("To"))
        self.cc = plain_label(name=self.tr("Cc"))
        self.date = plain_label(name=self.tr("Date"))
        self.auth_badge = plain_label(name=self.tr("Sender authentication"))
        self.auth_badge.setWordWrap(False)
        self.spoofing = plain_label(name=self.tr("Sender warnings"))
        self.spoofing.setStyleSheet(_DANGER_STYLE)
        self.notes = plain_label(name=self.tr("Message warnings"))
        self.notes.setStyleSheet(_WARNING_STYLE)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self._caption(self.tr("From:")), self.from_)
        form.addRow(self._caption(self.tr("To:")), self.to)
        form.addRow(self._caption(self.tr("Cc:")), self.cc)
        form.addRow(self._caption(self.tr("Date:")), self.date)
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.auth_badge)
        badge_row.addStretch(1)  # the badge is as wide as its text, not the window
        form.addRow(self._caption(self.tr("Authentication:")), badge_row)
        self._form = form

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        top = QHBoxLayout()
        top.addWidget(self.subject, 1)
        # The message's actions (plain text, source, print) sit at the right of the subject.
        self.action_row = QHBoxLayout()
        self.action_row.setSpacing(4)
        top.addLayout(self.action_row)
        layout.addLayout(top)
        layout.addLayout(form)
        self.summary = plain_label(name=self.tr("Message summary"))
        layout.addWidget(self.summary)
        layout.addWidget(self.spoofing)
        layout.addWidget(self.notes)

    @staticmethod
    def _caption(text: str) -> QLabel:
        caption = plain_label(text)
        caption.setWordWrap(False)
        caption.setStyleSheet("color: palette(placeholder-text);")
        return caption

    def show_message(self, message: DisplayMessage) -> None:
        headers = message.headers
        self.subject.setText(headers.subject or self.tr("(no subject)"))
        self.from_.setText(message.sender.display)
        self.to.setText(mailboxes_text(headers.to))
        self.cc.setText(mailboxes_text(headers.cc))
        self._form.setRowVisible(self.cc, bool(headers.cc))
        self.date.setText(headers.date)
        text, overall = auth_verdict(message.auth)
        self.auth_badge.setText(text)
        self.auth_badge.setStyleSheet(_BADGE_STYLE[overall] + "border-radius:3px; padding:2px 8px;")
        self.auth_badge.setToolTip(
            "\n".join(f"{k}: {v}" for k, v in message.auth.raw.items())
            or self.tr("No Authentication-Results from your own server")
        )
        summary = summary_lines(message)
        self.summary.setText("\n".join(summary))
        self.summary.setVisible(bool(summary))
        spoofing = list(message.sender.warnings)
        self.spoofing.setText("\n".join(f"⚠ {w}" for w in spoofing))
        self.spoofing.setVisible(bool(spoofing))
        others = [w for w in message.warnings if w not in spoofing]
        others += [
            f"{label.kind.capitalize()} ({label.scheme}): not verified by Kittiwake"
            for label in message.security
        ]
        self.notes.setText("\n".join(others[:20]))
        self.notes.setVisible(bool(others))

    def clear(self) -> None:
        for label in (self.subject, self.from_, self.to, self.cc, self.date, self.auth_badge):
            label.clear()
        self.spoofing.hide()
        self.notes.hide()
        self.summary.hide()
