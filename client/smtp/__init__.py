"""Mail submission (RFC 6409) over aiosmtplib: mandatory TLS, one AUTH, byte-exact messages.

- session.py      SubmissionSession: open (connection + login), send messages, close
- check.py        check_login(): the account wizard's EHLO/TLS/AUTH/QUIT with a step log
- connection.py   resolve, connect, implicit TLS or mandatory STARTTLS, certificate or pin
- login.py        AUTH PLAIN / LOGIN / XOAUTH2, after TLS only
- transaction.py  MAIL / RCPT / DATA for one message; "outcome unknown" after a lost DATA
- envelope.py, payload.py, capabilities.py, replies.py   pure: bytes and replies in, values out
- wire.py         the socket we open and hand to aiosmtplib; the redacted command log
"""
