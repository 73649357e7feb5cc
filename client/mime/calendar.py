"""A summary of an iMIP invitation (text/calendar, RFC 5545/6047): what, when, where, who.

Only what the reader shows on an invitation card; no recurrence expansion, no time zone maths
(times are shown as written, with their TZID). Bounded: at most MAX_LINES content lines read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kittiwake.client.mime.headers import strip_controls

MAX_LINES = 20_000
_UNESCAPE = re.compile(r"\\([\\;,nN])")
_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?$")


@dataclass(frozen=True)
class CalendarSummary:
    method: str  # REQUEST, CANCEL, REPLY, PUBLISH, ... ("" when absent)
    summary: str
    start: str
    end: str
    location: str
    organizer: str
    attendees: int
    status: str
    uid: str


def _unescape(value: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split_property(line: str) -> tuple[str, dict[str, str], str]:
    """NAME;PARAM=a;PARAM="b:c":value -> (NAME, params, value); colons in quotes are kept."""
    in_quote = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_quote = not in_quote
        elif ch == ":" and not in_quote:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        return line.upper(), {}, ""
    parts = head.split(";")
    params: dict[str, str] = {}
    for param in parts[1:]:
        key, _, val = param.partition("=")
        params[key.strip().upper()] = val.strip().strip('"')
    return parts[0].strip().upper(), params, value


def _when(value: str, params: dict[str, str]) -> str:
    match = _DATETIME.match(value.strip())
    if not match:
        return value.strip()
    y, mo, d, h, mi, _s, z = match.groups()
    text = f"{y}-{mo}-{d}"
    if h is not None:
        text += f" {h}:{mi}"
        if z:
            text += " UTC"
        elif params.get("TZID"):
            text += f" ({params['TZID']})"
    return text


def _organizer(value: str, params: dict[str, str]) -> str:
    address = value[7:] if value.lower().startswith("mailto:") else value
    name = params.get("CN", "")
    return f"{name} <{address}>" if name and address else name or address


def summarise(text: str) -> CalendarSummary | None:
    """Summary of the first VEVENT (or VTODO) of an iCalendar text; None if there is none."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    method = ""
    fields: dict[str, str] = {}
    attendees = 0
    in_event = False
    seen_event = False
    for count, line in enumerate(unfolded.splitlines()):
        if count >= MAX_LINES:
            break
        name, params, value = _split_property(line)
        if name == "BEGIN" and value.strip().upper() in ("VEVENT", "VTODO") and not seen_event:
            in_event = seen_event = True
        elif name == "END" and value.strip().upper() in ("VEVENT", "VTODO"):
            in_event = False
        elif name == "METHOD" and not in_event:
            method = value.strip().upper()
        elif in_event:
            if name == "ATTENDEE":
                attendees += 1
            elif name in ("DTSTART", "DTEND", "DUE"):
                fields.setdefault(name, _when(value, params))
            elif name == "ORGANIZER":
                fields.setdefault(name, _organizer(value, params))
            elif name in ("SUMMARY", "LOCATION", "STATUS", "UID"):
                fields.setdefault(name, _unescape(value))
    if not seen_event:
        return None

    def clean(key: str) -> str:
        return " ".join(strip_controls(fields.get(key, "")).split())

    return CalendarSummary(
        method=method,
        summary=clean("SUMMARY"),
        start=clean("DTSTART"),
        end=clean("DTEND") or clean("DUE"),
        location=clean("LOCATION"),
        organizer=clean("ORGANIZER"),
        attendees=attendees,
        status=clean("STATUS"),
        uid=clean("UID"),
    )
