"""Where and how to reach one server: the value every protocol client is opened with."""

from __future__ import annotations

import enum
import ipaddress

from kittiwake.client.net.errors import InsecureConfiguration
from kittiwake.client.records import record


class Security(enum.StrEnum):
    TLS = "tls"  # implicit TLS from the first byte (993, 995, 465)
    STARTTLS = "starttls"  # plain greeting, then a mandatory upgrade (143, 110, 587)
    # Clear text, only to a loopback host and only when the user chose it explicitly.
    PLAIN_LOOPBACK_ONLY = "plain"


def is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@record
class Endpoint:
    host: str
    port: int
    security: Security = Security.TLS
    # An extra CA to trust for this server only (a self-hosted server's own CA, the test CA).
    ca_file: str | None = None
    # SHA-256 fingerprint (colon hex) of a certificate the user accepted for this account.
    pinned_sha256: str | None = None
    connect_timeout: float = 15.0
    # Seconds of silence from the server before a command is given up.
    command_timeout: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise InsecureConfiguration(
                f"{self.port} is not a valid port number.", "Ports run from 1 to 65535."
            )
        if self.security is Security.PLAIN_LOOPBACK_ONLY and not is_loopback(self.host):
            raise InsecureConfiguration(
                f"Refusing a plain-text connection to {self.host}: passwords would cross the "
                "network readable by anyone on the way.",
                host=self.host,
                port=self.port,
            )

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"
