from __future__ import annotations

from kittiwake.client.mime.reports import RecipientStatus, summarise


def test_dsn_with_several_recipients_and_no_blank_lines() -> None:
    text = (
        "Reporting-MTA: dns; mx.example.net\n"
        "Final-Recipient: rfc822; a@example.org\n"
        "Original-Recipient: rfc822;a@example.org\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\n"
        "  (continued)\n"
        "Final-Recipient: rfc822; <b@example.org>\n"
        "Action: delayed\n"
        "Status: 4.4.7\n"
        "Remote-MTA: dns; mx.example.org\n"
    )
    report = summarise("message/delivery-status", text)
    assert report is not None and report.reporting_mta == "mx.example.net"
    assert report.recipients == (
        RecipientStatus("a@example.org", "failed", "5.1.1", "550 5.1.1 no such user (continued)",
                        ""),
        RecipientStatus("b@example.org", "delayed", "4.4.7", "", "mx.example.org"),
    )  # fmt: skip


def test_mdn_summary() -> None:
    text = (
        "Reporting-UA: joes-pc.cs.example.com; Foomail 97.1\n"
        "Original-Recipient: rfc822;Joe_Recipient@example.com\n"
        "Final-Recipient: rfc822;Joe_Recipient@example.com\n"
        "Original-Message-ID: <199509192301.23456@example.org>\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n"
    )
    report = summarise("message/disposition-notification", text)
    assert report is not None
    assert report.disposition == "manual-action/MDN-sent-manually; displayed"
    assert report.original_message_id == "<199509192301.23456@example.org>"
    assert report.recipients[0].recipient == "Joe_Recipient@example.com"
    assert report.recipients[0].action == "displayed"


def test_arf_summary_and_other_types() -> None:
    report = summarise(
        "message/feedback-report", "Feedback-Type: abuse\nSource-IP: 192.0.2.1\nVersion: 1\n"
    )
    assert report is not None and (report.feedback_type, report.source_ip) == (
        "abuse", "192.0.2.1",
    )  # fmt: skip
    assert summarise("text/plain", "Action: failed") is None


def test_garbage_report_is_empty_not_an_error() -> None:
    report = summarise("message/delivery-status", "\x00\x01 no fields here\n:::\n")
    assert report is not None and report.recipients == ()
