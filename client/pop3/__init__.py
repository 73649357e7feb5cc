"""POP3 client on asyncio streams (RFC 1939, 2449 CAPA, 2595 STLS, 5034 SASL).

`parse` is the pure protocol code, `session` the thin asyncio layer, `starttls` the STLS
dialog connect.py runs before upgrading, `sasl` the AUTH initial responses.
"""
