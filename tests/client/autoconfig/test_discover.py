"""Discovery end to end over HTTP against a local ISPDB serving ../shared/ispdb."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kittiwake.client.autoconfig.candidates import Protocol, Source
from kittiwake.client.autoconfig.discover import Discovery
from kittiwake.client.autoconfig.dns import MxRecord, SrvRecord
from kittiwake.client.autoconfig.fetch import HttpFetcher
from kittiwake.client.net.endpoint import Security
from tests.servers.ispdb import SHARED_ISPDB, IspdbServer

pytestmark = pytest.mark.skipif(
    not SHARED_ISPDB.is_dir(), reason=f"ISPDB test data not found at {SHARED_ISPDB}"
)


class FakeResolver:
    """An injectable resolver: DNS answers the test decides."""

    def __init__(
        self,
        srv: dict[str, list[SrvRecord]] | None = None,
        mx: dict[str, list[MxRecord]] | None = None,
    ) -> None:
        self._srv = srv or {}
        self._mx = mx or {}
        self.asked: list[str] = []

    async def srv(self, name: str) -> list[SrvRecord]:
        self.asked.append(name)
        return self._srv.get(name, [])

    async def mx(self, domain: str) -> list[MxRecord]:
        self.asked.append(f"MX {domain}")
        return self._mx.get(domain, [])


@pytest.fixture
def ispdb() -> Iterator[IspdbServer]:
    with IspdbServer() as server:
        yield server


def discovery(ispdb: IspdbServer, resolver: FakeResolver | None = None) -> Discovery:
    return Discovery(
        fetcher=HttpFetcher(rewrite=ispdb.local_url, timeout=5),
        resolver=resolver or FakeResolver(),
        ispdb_url=ispdb.base_url,
        timeout=20,
    )


async def test_ispdb_answer_fills_placeholders(ispdb: IspdbServer) -> None:
    result = await discovery(ispdb).discover("jane.doe@web.de")
    assert result.best is not None and result.best.source is Source.ISPDB
    imap = result.best.best_incoming()
    assert imap is not None
    assert (imap.protocol, imap.host, imap.port, imap.security) == (
        Protocol.IMAP,
        "imap.web.de",
        993,
        Security.TLS,
    )
    assert imap.username == "jane.doe"  # %EMAILLOCALPART%
    assert result.best.best_outgoing() is not None
    assert any("/v1.1/web.de" in request for request in ispdb.requests)


async def test_the_providers_own_autoconfig_wins_over_the_ispdb(ispdb: IspdbServer) -> None:
    own = b"""<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="web.de">
      <incomingServer type="imap"><hostname>imap.own.web.de</hostname><port>993</port>
        <socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
      <outgoingServer type="smtp"><hostname>smtp.own.web.de</hostname><port>465</port>
        <socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>
    </emailProvider></clientConfig>"""
    ispdb.extra["/autoconfig.web.de/mail/config-v1.1.xml"] = own
    result = await discovery(ispdb).discover("jane@web.de")
    assert result.best is not None and result.best.source is Source.PROVIDER_AUTOCONFIG
    assert result.best.incoming[0].host == "imap.own.web.de"
    assert result.best.incoming[0].username == "jane@web.de"
    assert "emailaddress=jane%40web.de" in result.best.origin


async def test_well_known_autoconfig_is_tried_too(ispdb: IspdbServer) -> None:
    ispdb.extra["/example.test/.well-known/autoconfig/mail/config-v1.1.xml"] = (
        b"<clientConfig><emailProvider id='x'>"
        b"<incomingServer type='pop3'><hostname>pop.example.test</hostname><port>995</port>"
        b"<socketType>SSL</socketType><username>%EMAILLOCALPART%</username></incomingServer>"
        b"<outgoingServer type='smtp'><hostname>smtp.example.test</hostname><port>587</port>"
        b"<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></outgoingServer>"
        b"</emailProvider></clientConfig>"
    )
    result = await discovery(ispdb).discover("bob@example.test")
    assert result.best is not None and result.best.source is Source.PROVIDER_AUTOCONFIG
    assert result.best.best_incoming() is not None
    assert result.best.incoming[0].protocol is Protocol.POP3
    assert result.best.outgoing[0].security is Security.STARTTLS


async def test_srv_records_are_used_when_no_file_exists(ispdb: IspdbServer) -> None:
    resolver = FakeResolver(
        srv={
            "_imaps._tcp.example.test": [SrvRecord(0, 1, 993, "mx1.example.test")],
            "_submissions._tcp.example.test": [SrvRecord(0, 1, 465, "out.example.test")],
            # "." means the service is explicitly not offered (RFC 2782).
            "_pop3s._tcp.example.test": [SrvRecord(0, 0, 0, ".")],
        }
    )
    result = await discovery(ispdb, resolver).discover("bob@example.test")
    assert result.best is not None and result.best.source is Source.SRV
    assert [(c.host, c.port) for c in result.best.incoming] == [("mx1.example.test", 993)]
    assert [(c.host, c.port) for c in result.best.outgoing] == [("out.example.test", 465)]


async def test_the_mx_hosts_provider_is_found_in_the_ispdb(ispdb: IspdbServer) -> None:
    resolver = FakeResolver(
        mx={"custom-domain.test": [MxRecord(10, "mx-aol.mail.gm0.yahoodns.net")]}
    )
    result = await discovery(ispdb, resolver).discover("me@custom-domain.test")
    assert result.best is not None and result.best.source is Source.MX_ISPDB
    assert result.best.best_incoming() is not None
    assert result.best.incoming[0].host == "imap.mail.yahoo.com"
    assert result.best.incoming[0].username == "me@custom-domain.test"
    assert any("yahoodns.net" in line for line in result.log)


async def test_plain_text_only_providers_are_not_offered(ispdb: IspdbServer) -> None:
    result = await discovery(ispdb).discover("someone@bay.wind.ne.jp")
    assert result.best is None
    assert any("no usable TLS servers" in line for line in result.log)


async def test_nothing_found_says_so_for_each_path(ispdb: IspdbServer) -> None:
    result = await discovery(ispdb).discover("x@nowhere.test")
    assert result.best is None
    text = "\n".join(result.log)
    assert "404" in text and "no mail service records" in text and "no MX record" in text


async def test_not_an_address() -> None:
    result = await Discovery(resolver=FakeResolver()).discover("not-an-address")
    assert result.best is None and "not an e-mail address" in result.log[0]
