"""The header area: plain text only, the address always shown, warnings and the badge."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kittiwake.client.mime.authresults import AuthResults
from kittiwake.client.mime.parse import parse_message
from kittiwake.ui.windows.reader.header import HeaderArea, auth_verdict
from tests.ui.windows.reader.messages import plain_message


def make_header(qtbot: QtBot, raw: bytes, authserv_id: str | None = None) -> HeaderArea:
    area = HeaderArea()
    qtbot.addWidget(area)
    area.show_message(parse_message(raw, authserv_id=authserv_id))
    return area


def test_every_label_is_plain_text_and_markup_shows_literally(qtbot: QtBot) -> None:
    raw = plain_message(
        subject="<b>bold</b> & <img src=x>", sender='"<i>Eve</i>" <eve@example.org>'
    )
    area = make_header(qtbot, raw)
    for label in area.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.accessibleName()
    assert area.subject.text() == "<b>bold</b> & <img src=x>"
    assert area.from_.text() == "<i>Eve</i> <eve@example.org>"


def test_sender_shows_name_and_address_with_to_cc_and_date(qtbot: QtBot) -> None:
    area = make_header(qtbot, plain_message())
    assert area.from_.text() == "Alice Example <alice@example.org>"
    assert area.to.text() == "Bob <bob@example.net>"
    assert area.cc.text() == "carol@example.net"
    assert area.date.text() == "Sat, 28 Nov 2026 10:00:00 +0000"
    assert area.spoofing.isHidden()


def test_spoofing_warning_for_an_address_in_the_display_name(qtbot: QtBot) -> None:
    raw = plain_message(sender='"support@bank.example" <mallory@evil.example>')
    area = make_header(qtbot, raw)
    assert not area.spoofing.isHidden()
    assert "support@bank.example" in area.spoofing.text()
    assert "mallory@evil.example" in area.spoofing.text()
    assert "mallory@evil.example" in area.from_.text()


def test_authentication_badge_trusts_only_our_server(qtbot: QtBot) -> None:
    results = (
        "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.org;"
        " dkim=fail header.d=example.org; dmarc=fail header.from=example.org\r\n"
    )
    raw = results.encode() + plain_message()
    assert make_header(qtbot, raw).auth_badge.text() == "Not checked by your server"
    area = make_header(qtbot, raw, authserv_id="mx.example.net")
    assert area.auth_badge.text() == "SPF pass · DKIM fail · DMARC fail"
    assert "#8a1c17" in area.auth_badge.styleSheet()  # the failure colour


def test_auth_verdict_passes_on_dmarc() -> None:
    passed = AuthResults(spf="none", dkim="pass", dmarc="pass", trusted_headers=1)
    assert auth_verdict(passed)[1] == "pass"
    assert auth_verdict(AuthResults(trusted_headers=1))[1] == "none"


def test_calendar_invitation_is_summarised(qtbot: QtBot) -> None:
    raw = (
        b"From: Org <org@example.org>\r\nTo: bob@example.net\r\nSubject: Meeting\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n"
        b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:1@example.org\r\n"
        b"SUMMARY:<b>Planning</b>\r\nDTSTART:20261201T090000Z\r\nLOCATION:Room 4\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    area = make_header(qtbot, raw)
    assert not area.summary.isHidden()
    assert "Invitation: <b>Planning</b>" in area.summary.text()
    assert "Room 4" in area.summary.text()
