"""The last resort: try the usual host names and ports and keep what answers like a mail server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol as TypingProtocol

from kittiwake.client.autoconfig.candidates import (
    DiscoveredConfig,
    Protocol,
    ServerCandidate,
    Source,
)
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import CertificateError, CertificateInfo, KittiwakeError


@dataclass(frozen=True)
class ProbeResult:
    reachable: bool  # a server of that protocol answered (even if its certificate is refused)
    capabilities: frozenset[str] = frozenset()
    error: KittiwakeError | None = None
    # The refused certificate of a server that answered, for the wizard to show.
    certificate: CertificateInfo | None = None


class Prober(TypingProtocol):
    async def probe(self, protocol: Protocol, endpoint: Endpoint) -> ProbeResult: ...


# The usual ports, most secure first (RFC 8314 prefers implicit TLS).
DEFAULT_PORTS: dict[Protocol, tuple[tuple[int, Security], ...]] = {
    Protocol.IMAP: ((993, Security.TLS), (143, Security.STARTTLS)),
    Protocol.POP3: ((995, Security.TLS), (110, Security.STARTTLS)),
    Protocol.SMTP: ((465, Security.TLS), (587, Security.STARTTLS)),
}


def default_hosts(protocol: Protocol, domain: str) -> list[str]:
    prefixes = {
        Protocol.IMAP: ("imap", "mail"),
        Protocol.POP3: ("pop3", "pop", "mail"),
        Protocol.SMTP: ("smtp", "mail"),
    }[protocol]
    return [f"{prefix}.{domain}" for prefix in prefixes] + [domain]


@dataclass
class Guesser:
    prober: Prober
    hosts: Callable[[Protocol, str], list[str]] = default_hosts
    ports: dict[Protocol, tuple[tuple[int, Security], ...]] = field(
        default_factory=lambda: dict(DEFAULT_PORTS)
    )
    ca_file: str | None = None
    timeout: float = 8.0

    async def guess(self, address: str, domain: str, log: list[str]) -> DiscoveredConfig | None:
        found = await asyncio.gather(
            *(self._first_answer(p, domain, address, log) for p in Protocol)
        )
        incoming = tuple(c for c in found[:2] if c is not None)
        outgoing = tuple(c for c in found[2:] if c is not None)
        if not incoming or not outgoing:
            log.append(f"Probing: no complete set of servers answered for {domain}.")
            return None
        return DiscoveredConfig(
            Source.GUESS, incoming, outgoing, origin=f"probed servers of {domain}"
        )

    async def _first_answer(
        self, protocol: Protocol, domain: str, address: str, log: list[str]
    ) -> ServerCandidate | None:
        options: Sequence[tuple[str, int, Security]] = [
            (host, port, security)
            for host in self.hosts(protocol, domain)
            for port, security in self.ports[protocol]
        ]
        # All probes run at once; the most preferred one that answered wins.
        results = await asyncio.gather(
            *(self._probe(protocol, host, port, security) for host, port, security in options)
        )
        for (host, port, security), result in zip(options, results, strict=True):
            if result.reachable:
                note = ""
                if isinstance(result.error, CertificateError):
                    note = " (its certificate needs your decision)"
                log.append(f"Probing: {protocol.value} answers at {host}:{port}{note}.")
                return ServerCandidate(protocol, host, port, security, address)
        log.append(f"Probing: no {protocol.value} server answered for {domain}.")
        return None

    async def _probe(
        self, protocol: Protocol, host: str, port: int, security: Security
    ) -> ProbeResult:
        try:
            endpoint = Endpoint(
                host, port, security, ca_file=self.ca_file, connect_timeout=self.timeout
            )
            return await asyncio.wait_for(self.prober.probe(protocol, endpoint), self.timeout * 2)
        except KittiwakeError as error:
            return ProbeResult(False, error=error)
        except (TimeoutError, OSError) as error:
            return ProbeResult(False, error=KittiwakeError(str(error)))
