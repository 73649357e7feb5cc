"""Fetch a small document over HTTPS for discovery: verified TLS, bounded size, bounded time.

Clear-text HTTP is allowed only to a loopback host (a local ISPDB mirror, the test suite): a
configuration fetched in clear text could send the password to an attacker's server.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Protocol

from kittiwake.client.net import tls
from kittiwake.client.net.endpoint import is_loopback

MAX_BYTES = 256 * 1024


class FetchFailed(Exception):
    """The document could not be fetched; str() says why, for the discovery log."""


class Fetcher(Protocol):
    async def fetch(self, url: str) -> bytes: ...


class HttpFetcher:
    def __init__(
        self,
        *,
        timeout: float = 10.0,
        ca_file: str | None = None,
        # Tests map provider URLs to a local server; production leaves this None.
        rewrite: Callable[[str], str] | None = None,
    ) -> None:
        self._timeout = timeout
        self._ca_file = ca_file
        self._rewrite = rewrite

    async def fetch(self, url: str) -> bytes:
        target = self._rewrite(url) if self._rewrite else url
        parts = urllib.parse.urlsplit(target)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            raise FetchFailed(f"Refusing clear-text HTTP for {url}.")
        if parts.scheme not in {"http", "https"}:
            raise FetchFailed(f"Unsupported URL {url}.")
        return await asyncio.to_thread(self._get, target)

    def _get(self, url: str) -> bytes:
        context = tls.verifying_context(self._ca_file)
        request = urllib.request.Request(url, headers={"User-Agent": "Kittiwake"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout, context=context) as answer:
                if answer.status != 200:
                    raise FetchFailed(f"{url} answered HTTP {answer.status}.")
                body: bytes = answer.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise FetchFailed(f"{url} answered HTTP {error.code}.") from None
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            reason = getattr(error, "reason", error)
            raise FetchFailed(f"{url} could not be fetched ({reason}).") from None
        if len(body) > MAX_BYTES:
            raise FetchFailed(f"{url} is larger than {MAX_BYTES // 1024} KB; ignored.")
        return body
