"""DNS look-ups discovery needs (SRV, MX), behind a small interface tests can replace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str  # "." (or "") means "this service is not offered" (RFC 2782)


@dataclass(frozen=True)
class MxRecord:
    preference: int
    host: str


class Resolver(Protocol):
    async def srv(self, name: str) -> list[SrvRecord]: ...

    async def mx(self, domain: str) -> list[MxRecord]: ...


class DnsPythonResolver:
    """The system's resolvers through dnspython; any failure is simply 'no records'."""

    def __init__(self, timeout: float = 5.0) -> None:
        self._timeout = timeout

    async def srv(self, name: str) -> list[SrvRecord]:
        answer = await self._resolve(name, "SRV")
        return sorted(
            (
                SrvRecord(r.priority, r.weight, r.port, r.target.to_text().rstrip("."))
                for r in answer
            ),
            key=lambda record: (record.priority, -record.weight),
        )

    async def mx(self, domain: str) -> list[MxRecord]:
        answer = await self._resolve(domain, "MX")
        return sorted(
            (MxRecord(r.preference, r.exchange.to_text().rstrip(".").lower()) for r in answer),
            key=lambda record: record.preference,
        )

    async def _resolve(self, name: str, kind: str) -> list[Any]:
        try:
            import dns.asyncresolver
            import dns.exception
        except ImportError:
            return []
        try:
            answer = await dns.asyncresolver.resolve(name, kind, lifetime=self._timeout)
        except (dns.exception.DNSException, OSError):
            return []
        return list(answer)


def base_domain(host: str) -> str:
    """The provider's domain of a host: aspmx.l.google.com -> google.com, mx.x.co.uk -> x.co.uk.

    A small rule instead of the public suffix list: a two-letter country TLD whose second label
    is short (co, com, net, org, ac, gov, ...) keeps three labels.
    """
    labels = host.lower().rstrip(".").split(".")
    if len(labels) <= 2:
        return ".".join(labels)
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


_SECOND_LEVEL = {"co", "com", "net", "org", "ac", "gov", "edu", "ne", "or", "go", "gr", "ad"}
