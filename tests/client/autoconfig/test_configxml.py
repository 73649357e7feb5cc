"""config-v1.1.xml parsing: hostile or broken documents are refused, never half-used."""

from __future__ import annotations

import pytest

from kittiwake.client.autoconfig.candidates import Protocol, Source
from kittiwake.client.autoconfig.configxml import (
    MAX_DOCUMENT_BYTES,
    ConfigDocumentError,
    fill_placeholders,
    parse_config,
)
from kittiwake.client.net.endpoint import Security

GOOD = b"""<clientConfig version="1.1"><emailProvider id="example.org">
<domain>example.org</domain><displayName>Example Mail</displayName>
<incomingServer type="imap"><hostname>imap.%EMAILDOMAIN%</hostname><port>143</port>
  <socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username>
  <authentication>password-cleartext</authentication></incomingServer>
<incomingServer type="pop3"><hostname>pop.example.org</hostname><port>110</port>
  <socketType>plain</socketType><username>%EMAILADDRESS%</username></incomingServer>
<incomingServer type="imap"><hostname>evil host</hostname><port>993</port>
  <socketType>SSL</socketType></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>99999</port>
  <socketType>SSL</socketType></outgoingServer>
<outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>587</port>
  <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>"""


def test_only_tls_servers_with_sane_values_become_candidates() -> None:
    config = parse_config(GOOD, "ann@example.org", Source.ISPDB)
    assert config.provider_name == "Example Mail"
    assert [(c.protocol, c.host, c.port, c.security, c.username) for c in config.incoming] == [
        (Protocol.IMAP, "imap.example.org", 143, Security.STARTTLS, "ann")
    ]
    assert [(c.port, c.username) for c in config.outgoing] == [(587, "ann@example.org")]
    assert len(config.notes) == 3  # plain POP3, bad host name, bad port


def test_placeholders() -> None:
    text = "%EMAILLOCALPART%|%EMAILDOMAIN%|%EMAILADDRESS%|%REALNAME%"
    assert fill_placeholders(text, "a.b@c.org", "A B") == "a.b|c.org|a.b@c.org|A B"


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><clientConfig/>',
        b"<clientConfig><emailProvider>",
        b"<html><body>not found</body></html>",
        b"<clientConfig version='1.1'></clientConfig>",
        b"<clientConfig>" + b" " * MAX_DOCUMENT_BYTES + b"</clientConfig>",
    ],
)
def test_hostile_or_broken_documents_are_refused(document: bytes) -> None:
    with pytest.raises(ConfigDocumentError):
        parse_config(document, "a@b.org", Source.ISPDB)
