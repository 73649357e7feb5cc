"""Each discovery source as one coroutine: address in, DiscoveredConfig (or None) out.

A source never raises for an ordinary miss; it returns None and appends a line to the log, so the
wizard can show how every path went.
"""

from __future__ import annotations

import urllib.parse

from kittiwake.client.autoconfig.candidates import (
    DiscoveredConfig,
    Protocol,
    ServerCandidate,
    Source,
)
from kittiwake.client.autoconfig.configxml import ConfigDocumentError, parse_config
from kittiwake.client.autoconfig.dns import Resolver, base_domain
from kittiwake.client.autoconfig.fetch import Fetcher, FetchFailed
from kittiwake.client.net.endpoint import Security

DEFAULT_ISPDB = "https://autoconfig.thunderbird.net/v1.1/"

# RFC 6186 and RFC 8314 service names, most secure first.
SRV_SERVICES: tuple[tuple[str, Protocol, Security], ...] = (
    ("_imaps._tcp", Protocol.IMAP, Security.TLS),
    ("_imap._tcp", Protocol.IMAP, Security.STARTTLS),
    ("_pop3s._tcp", Protocol.POP3, Security.TLS),
    ("_pop3._tcp", Protocol.POP3, Security.STARTTLS),
    ("_submissions._tcp", Protocol.SMTP, Security.TLS),
    ("_submission._tcp", Protocol.SMTP, Security.STARTTLS),
)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


async def provider_autoconfig(
    address: str, fetcher: Fetcher, log: list[str]
) -> DiscoveredConfig | None:
    domain = domain_of(address)
    query = urllib.parse.urlencode({"emailaddress": address})
    urls = (
        f"https://autoconfig.{domain}/mail/config-v1.1.xml?{query}",
        f"https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml?{query}",
    )
    for url in urls:
        config = await _fetch_config(url, address, Source.PROVIDER_AUTOCONFIG, fetcher, log)
        if config is not None:
            return config
    return None


async def ispdb(
    address: str,
    fetcher: Fetcher,
    log: list[str],
    *,
    base_url: str = DEFAULT_ISPDB,
    domain: str | None = None,
    source: Source = Source.ISPDB,
) -> DiscoveredConfig | None:
    lookup = domain or domain_of(address)
    url = base_url.rstrip("/") + "/" + urllib.parse.quote(lookup)
    return await _fetch_config(url, address, source, fetcher, log)


async def srv_records(address: str, resolver: Resolver, log: list[str]) -> DiscoveredConfig | None:
    domain = domain_of(address)
    incoming: list[ServerCandidate] = []
    outgoing: list[ServerCandidate] = []
    for service, protocol, security in SRV_SERVICES:
        name = f"{service}.{domain}"
        records = [r for r in await resolver.srv(name) if r.target not in {"", "."}]
        if not records:
            continue
        log.append(f"DNS: {name} -> {records[0].target}:{records[0].port}")
        best = records[0]
        candidate = ServerCandidate(protocol, best.target.lower(), best.port, security, address)
        (incoming if protocol.incoming else outgoing).append(candidate)
    if not incoming and not outgoing:
        log.append(f"DNS: no mail service records (RFC 6186) for {domain}.")
        return None
    return DiscoveredConfig(
        Source.SRV, tuple(incoming), tuple(outgoing), origin=f"SRV records of {domain}"
    )


async def mx_provider(
    address: str,
    resolver: Resolver,
    fetcher: Fetcher,
    log: list[str],
    *,
    base_url: str = DEFAULT_ISPDB,
) -> DiscoveredConfig | None:
    domain = domain_of(address)
    records = await resolver.mx(domain)
    if not records:
        log.append(f"DNS: no MX record for {domain}.")
        return None
    mx_host = records[0].host
    log.append(f"DNS: mail for {domain} goes to {mx_host}.")
    tried: set[str] = {domain}
    for candidate_domain in (base_domain(mx_host), mx_host.partition(".")[2]):
        if not candidate_domain or candidate_domain in tried:
            continue
        tried.add(candidate_domain)
        config = await ispdb(
            address,
            fetcher,
            log,
            base_url=base_url,
            domain=candidate_domain,
            source=Source.MX_ISPDB,
        )
        if config is not None:
            return config
    return None


async def _fetch_config(
    url: str, address: str, source: Source, fetcher: Fetcher, log: list[str]
) -> DiscoveredConfig | None:
    try:
        document = await fetcher.fetch(url)
    except FetchFailed as error:
        log.append(f"{source.label}: {error}")
        return None
    try:
        config = parse_config(document, address, source, origin=url)
    except ConfigDocumentError as error:
        log.append(f"{source.label}: {url}: {error}")
        return None
    if not config.usable:
        log.append(f"{source.label}: {url} lists no usable TLS servers.")
        return None
    log.append(f"{source.label}: found {config.provider_name or 'a configuration'} at {url}.")
    return config
