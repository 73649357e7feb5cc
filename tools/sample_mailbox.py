"""A small, friendly, fixed mailbox for the screenshots (tools/screenshots.py).

People with names, two threads (In-Reply-To / References), an HTML newsletter with an inline
logo (cid:), a blocked tracking image and a PDF, and a few attachments; some messages read,
some starred. Fixed dates and Message-IDs, so every run draws the same pictures.

    for mail in sample_mail(owner="alice@example.test", friend="bob@example.test"):
        server.save(user, mail.raw)        # then mail.flags on it
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

OWNER_NAME = "Alice Liddell"
NEWSLETTER_SUBJECT = "Spring regatta: crews announced"
REPLY_SUBJECT = "Dinner on Saturday"  # the composer shot answers this one
PREVIEW_SUBJECT = "Re: Lunch on Friday?"  # selected in the main-window shot

LETTER = """\
<table width="100%" cellpadding="0" cellspacing="0" style="background:#f4f6f8">
<tr><td style="padding:16px">
<table width="560" align="center" cellpadding="0" cellspacing="0"
       style="background:#ffffff; border:1px solid #dde3ea">
<tr><td style="padding:18px 24px; background:#1f4e79; color:#ffffff">
  <img src="cid:logo@harbour.example" width="48" height="48" alt="logo"
       style="vertical-align:middle">
  <span style="font-size:22px; font-weight:bold; vertical-align:middle">
    Harbour Rowing Club</span></td></tr>
<tr><td style="padding:20px 24px; color:#222222">
  <h2 style="margin-top:0">Spring regatta: crews announced</h2>
  <p>Dear members,</p>
  <p>The crews for the spring regatta are now listed. Training starts on
  <b>Saturday at 07:30</b> at the boathouse; please bring your own water bottle.</p>
  <img src="https://tracker.example/open.gif?id=4711" width="1" height="1" alt="">
  <p>The full timetable is attached as a PDF. Questions go to the
  <a href="https://harbour.example/regatta">regatta page</a>.</p>
  <blockquote>Rowing is the only sport where you cross the finish line backwards.</blockquote>
  <p>See you on the water,<br>Marta, captain</p>
</td></tr></table></td></tr></table>
"""


@dataclass(frozen=True)
class SampleMail:
    subject: str
    raw: bytes
    seen: bool = False
    flagged: bool = False


@dataclass(frozen=True)
class _Plain:
    name: str
    address: str
    subject: str
    date: str  # RFC 5322, fixed
    text: str
    seen: bool = False
    flagged: bool = False
    attachment: tuple[str, str, bytes] | None = None  # (file name, MIME type, data)
    replies_to: tuple[str, ...] = ()  # Message-IDs, oldest first
    key: str = ""  # our Message-ID's local part


def _pdf(title: str, size: int = 24_000) -> bytes:
    return f"%PDF-1.4\n% {title}\n".encode() + b"0" * size


def _message_id(key: str) -> str:
    return f"<{key}@sample.kittiwake.example>"


def _plain(mail: _Plain, owner: str) -> SampleMail:
    head = [
        f"From: {mail.name} <{mail.address}>",
        f"To: {OWNER_NAME} <{owner}>",
        f"Subject: {mail.subject}",
        f"Date: {mail.date}",
        f"Message-ID: {_message_id(mail.key)}",
        "MIME-Version: 1.0",
    ]
    if mail.replies_to:
        head.append(f"In-Reply-To: {mail.replies_to[-1]}")
        head.append("References: " + " ".join(mail.replies_to))
    text = mail.text.replace("\n", "\r\n")
    if mail.attachment is None:
        head.append("Content-Type: text/plain; charset=utf-8")
        head.append("Content-Transfer-Encoding: 8bit")
        raw = "\r\n".join(head) + "\r\n\r\n" + text + "\r\n"
    else:
        name, kind, data = mail.attachment
        head.append('Content-Type: multipart/mixed; boundary="part"')
        raw = (
            "\r\n".join(head)
            + "\r\n\r\n--part\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\n"
            + text
            + f'\r\n--part\r\nContent-Type: {kind}; name="{name}"\r\n'
            + f'Content-Disposition: attachment; filename="{name}"\r\n'
            + "Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(data).decode().replace("\n", "\r\n")
            + "--part--\r\n"
        )
    return SampleMail(mail.subject, raw.encode(), mail.seen, mail.flagged)


def newsletter(owner: str, logo_png: bytes) -> bytes:
    """The club's HTML newsletter: inline logo, a tracking pixel (blocked), a PDF."""
    timetable = _pdf("a stand-in timetable", 20_000)
    return (
        "Authentication-Results: mx.harbour.example; spf=pass smtp.mailfrom=harbour.example;"
        " dkim=pass header.d=harbour.example; dmarc=pass header.from=harbour.example\r\n"
        'From: "Marta Lindqvist" <captain@harbour.example>\r\n'
        f"To: {OWNER_NAME} <{owner}>\r\nCc: crews@harbour.example\r\n"
        f"Subject: {NEWSLETTER_SUBJECT}\r\n"
        "Date: Fri, 27 Nov 2026 09:12:00 +0100\r\n"
        f"Message-ID: {_message_id('regatta')}\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        '--M\r\nContent-Type: multipart/related; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"{LETTER}\r\n"
        "--R\r\nContent-Type: image/png\r\nContent-ID: <logo@harbour.example>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.encodebytes(logo_png).decode()}\r\n--R--\r\n"
        "--M\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="regatta-timetable.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.encodebytes(timetable).decode()}\r\n--M--\r\n"
    ).encode()


def sample_mail(owner: str, friend: str, logo_png: bytes) -> list[SampleMail]:
    """Oldest first. `friend` is a real account on the server (the composer answers it)."""
    lunch, lunch_re = _message_id("lunch"), _message_id("lunch-re")
    style = _message_id("style")
    plain = [
        _Plain("Ada Lovelace", "ada@example.org", "Notes on the Analytical Engine",
               "Fri, 20 Nov 2026 09:15:00 +0000",
               "Dear Alice,\n\nhere are my notes on the engine, with the table of Bernoulli "
               "numbers\nat the end. Comments are welcome before Tuesday.\n\nAda",
               seen=True, flagged=True, key="ada",
               attachment=("analytical-engine-notes.pdf", "application/pdf", _pdf("notes"))),
        _Plain("Dennis Ritchie", "dmr@example.net", "C style guide",
               "Fri, 20 Nov 2026 14:02:00 +0000",
               "Hi all,\n\nthe draft style guide is on the wiki. Tabs, not spaces.\n\ndmr",
               seen=True, key="style"),
        _Plain("Grace Hopper", "grace@example.org", "Compiler meeting moved to Thursday",
               "Mon, 23 Nov 2026 10:30:00 +0000",
               "Hello Alice,\n\nthe compiler meeting moves to Thursday at 14:00, room 3.\n"
               "I will bring the new test results.\n\nGrace",
               seen=True, key="compiler"),
        _Plain("Brian Kernighan", "bwk@example.net", "Re: C style guide",
               "Mon, 23 Nov 2026 16:45:00 +0000",
               "> Tabs, not spaces.\n\nAgreed, and one true brace style. I left a few notes "
               "in the margins.\n\nBrian", seen=True, key="style-re", replies_to=(style,)),
        _Plain("Margaret Hamilton", "mh@example.org", "Flight software checklist",
               "Tue, 24 Nov 2026 08:20:00 +0000",
               "Alice,\n\nplease go through the checklist before the review; priority "
               "displays\nfirst.\n\nMargaret", seen=True, key="checklist"),
        _Plain("Katherine Johnson", "kj@example.org", "Trajectory figures (final)",
               "Tue, 24 Nov 2026 15:10:00 +0000",
               "Hi Alice,\n\nthe final trajectory figures are attached. I checked them twice."
               "\n\nKatherine", key="trajectory",
               attachment=("trajectory.csv", "text/csv",
                           b"t,x,y\n0,0,0\n1,12.5,3.1\n2,25.1,6.0\n")),
        _Plain("Alan Turing", "alan@example.org", "Lunch on Friday?",
               "Wed, 25 Nov 2026 11:05:00 +0000",
               "Alice, Grace,\n\nlunch on Friday at the Italian place by the river? "
               "12:30?\n\nAlan", seen=True, key="lunch"),
        _Plain("Grace Hopper", "grace@example.org", "Re: Lunch on Friday?",
               "Wed, 25 Nov 2026 11:40:00 +0000",
               "> lunch on Friday at the Italian place by the river? 12:30?\n\n"
               "Count me in. I will book a table for three by the window.\n\nGrace",
               key="lunch-re", replies_to=(lunch,)),
        _Plain("Alan Turing", "alan@example.org", "Re: Lunch on Friday?",
               "Wed, 25 Nov 2026 12:02:00 +0000",
               "> Count me in. I will book a table for three by the window.\n\n"
               "Splendid. See you both there.\n\nAlan",
               key="lunch-re-2", replies_to=(lunch, lunch_re)),
        _Plain("Radia Perlman", "radia@example.net", "Spanning tree: slides for Monday",
               "Thu, 26 Nov 2026 09:00:00 +0000",
               "Hi Alice,\n\nthe slides for Monday's talk are attached; feel free to "
               "reuse the diagrams.\n\nRadia", key="slides",
               attachment=("spanning-tree.pdf", "application/pdf", _pdf("slides", 60_000))),
        _Plain("Bob Builder", friend, REPLY_SUBJECT,
               "Fri, 27 Nov 2026 18:20:00 +0000",
               "Hi Alice,\n\nare you coming to dinner on Saturday? We are making the "
               "big paella again.\nBring someone if you like.\n\nBob", key="dinner",
               flagged=True),
    ]  # fmt: skip
    mails = [_plain(mail, owner) for mail in plain]
    mails.insert(-1, SampleMail(NEWSLETTER_SUBJECT, newsletter(owner, logo_png)))
    return mails
