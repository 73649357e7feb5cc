"""Account discovery: every source runs at once, and the most trustworthy answer wins.

Order of trust (candidates.Source): the provider's own autoconfig, the ISPDB, DNS SRV records,
the ISPDB entry of the MX host's provider, then probing. A better source that is still running
is waited for; a worse one that finished first is kept in reserve. Guessing opens many
connections, so it starts only once the sources above have all failed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field

from kittiwake.client.autoconfig import sources
from kittiwake.client.autoconfig.candidates import DiscoveredConfig, Source
from kittiwake.client.autoconfig.dns import DnsPythonResolver, Resolver
from kittiwake.client.autoconfig.fetch import Fetcher, HttpFetcher
from kittiwake.client.autoconfig.guess import Guesser


@dataclass
class DiscoveryResult:
    best: DiscoveredConfig | None
    found: list[DiscoveredConfig] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


@dataclass
class Discovery:
    fetcher: Fetcher = field(default_factory=HttpFetcher)
    resolver: Resolver = field(default_factory=DnsPythonResolver)
    guesser: Guesser | None = None
    ispdb_url: str = sources.DEFAULT_ISPDB
    timeout: float = 30.0

    async def discover(self, address: str) -> DiscoveryResult:
        if "@" not in address or not sources.domain_of(address):
            return DiscoveryResult(None, log=["That is not an e-mail address."])
        log: list[str] = []
        lookups: dict[Source, Awaitable[DiscoveredConfig | None]] = {
            Source.PROVIDER_AUTOCONFIG: sources.provider_autoconfig(address, self.fetcher, log),
            Source.ISPDB: sources.ispdb(address, self.fetcher, log, base_url=self.ispdb_url),
            Source.SRV: sources.srv_records(address, self.resolver, log),
            Source.MX_ISPDB: sources.mx_provider(
                address, self.resolver, self.fetcher, log, base_url=self.ispdb_url
            ),
        }
        tasks = {source: asyncio.ensure_future(job) for source, job in lookups.items()}
        found: list[DiscoveredConfig] = []
        try:
            async with asyncio.timeout(self.timeout):
                for source in sorted(tasks):
                    config = await _quietly(tasks[source], log)
                    if config is not None:
                        found.append(config)
                        return DiscoveryResult(config, found, log)
                if self.guesser is not None:
                    guessed = await self.guesser.guess(address, sources.domain_of(address), log)
                    if guessed is not None:
                        found.append(guessed)
                        return DiscoveryResult(guessed, found, log)
        except TimeoutError:
            log.append("Discovery took too long; enter the servers by hand.")
        finally:
            for task in tasks.values():
                task.cancel()
            for task in tasks.values():
                with contextlib.suppress(BaseException):
                    await task
        return DiscoveryResult(None, found, log)


async def _quietly(
    task: asyncio.Future[DiscoveredConfig | None], log: list[str]
) -> DiscoveredConfig | None:
    try:
        return await task
    except asyncio.CancelledError:
        raise
    except Exception as error:  # a source must never sink discovery as a whole
        log.append(f"A discovery step failed unexpectedly: {error!r}")
        return None
