from __future__ import annotations

from kittiwake.client.mime.calendar import summarise

INVITE = (
    "BEGIN:VCALENDAR\r\n"
    "METHOD:REQUEST\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Tallinn\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "DTSTART;TZID=Europe/Tallinn:20240411T110000\r\n"
    "DTEND;TZID=Europe/Tallinn:20240411T120000\r\n"
    'ORGANIZER;CN="Reinman: Andris":mailto:andris@example.com\r\n'
    "ATTENDEE;CN=a@example.com:mailto:a@example.com\r\n"
    "ATTENDEE;CN=b@example.com:mailto:b@example.com\r\n"
    "SUMMARY:Plan\\, review\\; and \r\n ship\\nsoon\r\n"
    "LOCATION:Room\\, 2\r\n"
    "STATUS:CONFIRMED\r\n"
    "UID:abc@example.com\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:second event ignored\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_invitation_summary() -> None:
    event = summarise(INVITE)
    assert event is not None
    assert event.method == "REQUEST"
    assert event.summary == "Plan, review; and ship soon"
    assert event.start == "2024-04-11 11:00 (Europe/Tallinn)"
    assert event.end == "2024-04-11 12:00 (Europe/Tallinn)"
    assert event.location == "Room, 2"
    assert event.organizer == "Reinman: Andris <andris@example.com>"
    assert event.attendees == 2
    assert (event.status, event.uid) == ("CONFIRMED", "abc@example.com")


def test_all_day_and_utc_dates() -> None:
    event = summarise("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20240101\nDTEND:20240102T000000Z\n"
                      "END:VEVENT\n")  # fmt: skip
    assert event is not None
    assert (event.start, event.end) == ("2024-01-01", "2024-01-02 00:00 UTC")


def test_no_event_and_garbage() -> None:
    assert summarise("BEGIN:VCALENDAR\nEND:VCALENDAR\n") is None
    assert summarise("\x00garbage:::;;;\n" * 100) is None
