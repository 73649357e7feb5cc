"""What discovery finds: server candidates, each saying where it came from."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from kittiwake.client.net.endpoint import Security


class Protocol(enum.StrEnum):
    IMAP = "imap"
    POP3 = "pop3"
    SMTP = "smtp"

    @property
    def incoming(self) -> bool:
        return self is not Protocol.SMTP


class Source(enum.IntEnum):
    """Where a configuration came from; a lower value is more trustworthy and wins."""

    PROVIDER_AUTOCONFIG = 1  # autoconfig.<domain> or <domain>/.well-known/autoconfig
    ISPDB = 2  # Thunderbird's central database
    SRV = 3  # RFC 6186 / RFC 8314 DNS records
    MX_ISPDB = 4  # the ISPDB entry of the MX host's provider
    GUESS = 5  # imap./pop./smtp./mail. hosts probed on the usual ports
    MANUAL = 6

    @property
    def label(self) -> str:
        return {
            Source.PROVIDER_AUTOCONFIG: "your provider's own configuration",
            Source.ISPDB: "the Thunderbird ISP database",
            Source.SRV: "DNS service records",
            Source.MX_ISPDB: "the ISP database entry of your mail exchanger",
            Source.GUESS: "probing common server names",
            Source.MANUAL: "entered by hand",
        }[self]


@dataclass(frozen=True)
class ServerCandidate:
    protocol: Protocol
    host: str
    port: int
    security: Security
    username: str
    # Thunderbird's names: password-cleartext, password-encrypted, OAuth2, ...
    authentication: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscoveredConfig:
    source: Source
    incoming: tuple[ServerCandidate, ...]
    outgoing: tuple[ServerCandidate, ...]
    provider_name: str = ""
    # e.g. the URL or DNS name the answer came from, to show on the wizard's second page.
    origin: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def usable(self) -> bool:
        return bool(self.incoming) and bool(self.outgoing)

    def best_incoming(self, prefer: Protocol = Protocol.IMAP) -> ServerCandidate | None:
        preferred = [c for c in self.incoming if c.protocol is prefer] or list(self.incoming)
        return preferred[0] if preferred else None

    def best_outgoing(self) -> ServerCandidate | None:
        return self.outgoing[0] if self.outgoing else None
