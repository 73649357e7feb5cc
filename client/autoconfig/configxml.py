"""Parse Thunderbird's config-v1.1.xml (ISPDB and provider autoconfig): bytes in, candidates out.

The document comes from the network, so it is bounded in size, refused when it declares a
DOCTYPE (entity expansion), and every value is checked before it becomes a candidate. Plain-text
servers (socketType "plain") are dropped: Kittiwake never offers them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from kittiwake.client.autoconfig.candidates import (
    DiscoveredConfig,
    Protocol,
    ServerCandidate,
    Source,
)
from kittiwake.client.net.endpoint import Security

MAX_DOCUMENT_BYTES = 256 * 1024

_SECURITY = {"SSL": Security.TLS, "TLS": Security.TLS, "STARTTLS": Security.STARTTLS}
_PROTOCOLS = {"imap": Protocol.IMAP, "pop3": Protocol.POP3, "smtp": Protocol.SMTP}


class ConfigDocumentError(ValueError):
    """The document is not a usable config-v1.1 file."""


def fill_placeholders(template: str, address: str, real_name: str = "") -> str:
    local, _, domain = address.partition("@")
    return (
        template.replace("%EMAILADDRESS%", address)
        .replace("%EMAILLOCALPART%", local)
        .replace("%EMAILDOMAIN%", domain)
        .replace("%REALNAME%", real_name)
    )


def provider_domains(document: bytes) -> list[str]:
    """The <domain> entries of a provider file (the ISPDB serves a file for each)."""
    provider = _provider(_parse(document))
    return [(d.text or "").strip().lower() for d in provider.findall("domain") if d.text]


def parse_config(
    document: bytes,
    address: str,
    source: Source,
    *,
    origin: str = "",
    real_name: str = "",
) -> DiscoveredConfig:
    provider = _provider(_parse(document))
    incoming: list[ServerCandidate] = []
    outgoing: list[ServerCandidate] = []
    notes: list[str] = []
    for element in provider.findall("incomingServer") + provider.findall("outgoingServer"):
        candidate = _candidate(element, address, real_name)
        if candidate is None:
            kind = element.get("type", "?")
            notes.append(f"Skipped a {kind} server without TLS or with unusable settings.")
            continue
        (incoming if candidate.protocol.incoming else outgoing).append(candidate)
    name = (provider.findtext("displayName") or provider.get("id") or "").strip()
    return DiscoveredConfig(
        source=source,
        incoming=tuple(incoming),
        outgoing=tuple(outgoing),
        provider_name=name,
        origin=origin,
        notes=tuple(notes),
    )


def _parse(document: bytes) -> ElementTree.Element:
    if len(document) > MAX_DOCUMENT_BYTES:
        raise ConfigDocumentError("The configuration document is too large.")
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        raise ConfigDocumentError("The configuration document declares a DOCTYPE; refused.")
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise ConfigDocumentError(f"The configuration document is not valid XML: {error}") from None
    if root.tag != "clientConfig":
        raise ConfigDocumentError("This is not a mail client configuration (no <clientConfig>).")
    return root


def _provider(root: ElementTree.Element) -> ElementTree.Element:
    provider = root.find("emailProvider")
    if provider is None:
        raise ConfigDocumentError("The configuration names no <emailProvider>.")
    return provider


def _candidate(
    element: ElementTree.Element, address: str, real_name: str
) -> ServerCandidate | None:
    protocol = _PROTOCOLS.get(element.get("type", "").lower())
    security = _SECURITY.get((element.findtext("socketType") or "").strip().upper())
    host = fill_placeholders((element.findtext("hostname") or "").strip(), address, real_name)
    try:
        port = int((element.findtext("port") or "").strip())
    except ValueError:
        return None
    if protocol is None or security is None or not _valid_host(host) or not 0 < port < 65536:
        return None
    username = fill_placeholders((element.findtext("username") or "").strip(), address, real_name)
    methods = tuple(
        (auth.text or "").strip() for auth in element.findall("authentication") if auth.text
    )
    return ServerCandidate(protocol, host.lower(), port, security, username or address, methods)


def _valid_host(host: str) -> bool:
    if not host or len(host) > 253 or "%" in host:
        return False
    return all(ch.isalnum() or ch in "-._:[]" for ch in host)
