"""Summaries of machine-written reports: delivery status (DSN, RFC 3464), read receipts
(MDN, RFC 8098) and abuse feedback (ARF, RFC 5965).

The report body is parsed as header-like fields by hand rather than trusting its blank lines:
real bounces omit or double them (mimekit's delivery-status-no-blank-line.txt). A new
recipient starts whenever a recipient field repeats.
"""

from __future__ import annotations

from dataclasses import dataclass

from kittiwake.client.mime.headers import header_text

MAX_RECIPIENTS = 200
MAX_REPORT_CHARS = 256 * 1024
_STATUS_FIELDS = {"action", "status", "remote-mta", "diagnostic-code"}


@dataclass(frozen=True)
class RecipientStatus:
    recipient: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    diagnostic: str
    remote_mta: str


@dataclass(frozen=True)
class ReportSummary:
    kind: str  # "delivery-status", "disposition-notification" or "feedback-report"
    reporting_mta: str = ""
    recipients: tuple[RecipientStatus, ...] = ()
    disposition: str = ""  # MDN: e.g. "manual-action/MDN-sent-manually; displayed"
    original_message_id: str = ""
    feedback_type: str = ""  # ARF: abuse, fraud, ...
    source_ip: str = ""


def _fields(text: str) -> list[tuple[str, str]]:
    """Header-style fields in order, continuation lines joined; blank lines ignored."""
    fields: list[tuple[str, str]] = []
    for line in text[:MAX_REPORT_CHARS].splitlines():
        if not line.strip():
            continue
        if line[0] in " \t" and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip() and " " not in name.strip():
            fields.append((name.strip().lower(), value.strip()))
    return fields


def _typed(value: str) -> str:
    """'rfc822; user@example.com' -> 'user@example.com' (the address-type prefix dropped)."""
    _, sep, rest = value.partition(";")
    text, _ = header_text(rest if sep else value)
    return text.strip("<>")


def _plain(value: str) -> str:
    return header_text(value)[0]


def delivery_status(text: str) -> ReportSummary:
    reporting = ""
    recipients: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for name, value in _fields(text):
        if name == "reporting-mta":
            reporting = _typed(value)
        elif name in ("original-recipient", "final-recipient"):
            # A repeated address field, or one after this recipient's status fields, starts
            # the next recipient (blank lines between recipients are not relied on).
            if current is None or name in current or len(current.keys() & _STATUS_FIELDS):
                if len(recipients) >= MAX_RECIPIENTS:
                    break
                current = {}
                recipients.append(current)
            current[name] = _typed(value)
        elif current is not None and name in ("action", "status", "remote-mta"):
            current.setdefault(name, _typed(value) if name == "remote-mta" else _plain(value))
        elif current is not None and name == "diagnostic-code":
            current.setdefault(name, _typed(value))
    return ReportSummary(
        kind="delivery-status",
        reporting_mta=reporting,
        recipients=tuple(
            RecipientStatus(
                recipient=r.get("final-recipient") or r.get("original-recipient", ""),
                action=r.get("action", "").lower(),
                status=r.get("status", ""),
                diagnostic=r.get("diagnostic-code", ""),
                remote_mta=r.get("remote-mta", ""),
            )
            for r in recipients
        ),
    )


def disposition_notification(text: str) -> ReportSummary:
    fields = dict(reversed(_fields(text)))  # first occurrence wins
    recipient = _typed(fields.get("final-recipient", fields.get("original-recipient", "")))
    disposition = _plain(fields.get("disposition", ""))
    return ReportSummary(
        kind="disposition-notification",
        reporting_mta=_typed(fields.get("reporting-ua", "")),
        recipients=(
            (RecipientStatus(recipient, disposition.rpartition(";")[2].strip(), "", "", ""),)
            if recipient
            else ()
        ),
        disposition=disposition,
        original_message_id=_plain(fields.get("original-message-id", "")),
    )


def feedback_report(text: str) -> ReportSummary:
    fields = dict(reversed(_fields(text)))
    return ReportSummary(
        kind="feedback-report",
        reporting_mta=_plain(fields.get("reporting-mta", fields.get("user-agent", ""))),
        feedback_type=_plain(fields.get("feedback-type", "")),
        source_ip=_plain(fields.get("source-ip", "")),
        original_message_id=_plain(fields.get("original-message-id", "")),
    )


def summarise(content_type: str, text: str) -> ReportSummary | None:
    """Summary for a report part's content type, or None if it is not a report type."""
    if content_type in ("message/delivery-status", "message/global-delivery-status"):
        return delivery_status(text)
    if content_type in (
        "message/disposition-notification",
        "message/global-disposition-notification",
    ):
        return disposition_notification(text)
    if content_type == "message/feedback-report":
        return feedback_report(text)
    return None
