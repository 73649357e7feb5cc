"""POP3 client on asyncio streams (RFC 1939, 2449 CAPA, 2595 STLS, 5034 SASL).

`parse` is the pure protocol code (bytes in, values out), `wire` moves one command and its
answer at a time, `session` is the API (login, STAT, LIST, UIDL, TOP, RETR, DELE, QUIT),
`starttls` the STLS dialog connect.py runs before upgrading, `sasl` the AUTH responses.
"""
