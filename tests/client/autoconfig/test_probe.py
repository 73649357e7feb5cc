"""The real prober against the real Dovecot: guessed hosts mapped to 127.0.0.1 and its ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from kittiwake.client.autoconfig.candidates import Protocol, Source
from kittiwake.client.autoconfig.discover import Discovery
from kittiwake.client.autoconfig.fetch import HttpFetcher
from kittiwake.client.autoconfig.guess import Guesser
from kittiwake.client.autoconfig.probe import NetworkProber
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import CertificateUntrusted, ConnectionRefused
from tests.client.autoconfig.test_discover import FakeResolver
from tests.servers.fixtures import MailServer
from tests.servers.ispdb import IspdbServer


def loopback_hosts(protocol: Protocol, domain: str) -> list[str]:
    return ["127.0.0.1"]


def dovecot_ports(server: MailServer) -> dict[Protocol, tuple[tuple[int, Security], ...]]:
    p = server.ports
    return {
        Protocol.IMAP: ((p["imaps"], Security.TLS), (p["imap"], Security.STARTTLS)),
        Protocol.POP3: ((p["pop3s"], Security.TLS), (p["pop3"], Security.STARTTLS)),
        Protocol.SMTP: ((p["submissions"], Security.TLS), (p["submission"], Security.STARTTLS)),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ispdb() -> Iterator[IspdbServer]:
    with IspdbServer() as server:
        yield server


@pytest.mark.parametrize(
    ("protocol", "service", "expected"),
    [
        (Protocol.IMAP, "imaps", "IMAP4REV1"),
        (Protocol.IMAP, "imap", "IMAP4REV1"),
        (Protocol.POP3, "pop3s", "UIDL"),
        (Protocol.POP3, "pop3", "UIDL"),
        (Protocol.SMTP, "submissions", "AUTH=PLAIN"),
        (Protocol.SMTP, "submission", "AUTH=PLAIN"),
    ],
)
async def test_each_protocol_answers_with_its_capabilities(
    mail_server: MailServer, protocol: Protocol, service: str, expected: str
) -> None:
    result = await NetworkProber().probe(protocol, mail_server.endpoint(service))
    assert result.reachable, result.error
    assert expected in result.capabilities
    assert result.error is None


async def test_an_untrusted_certificate_still_counts_as_an_answer(
    mail_server: MailServer,
) -> None:
    endpoint = mail_server.endpoint("imaps", ca_file=None)
    result = await NetworkProber().probe(Protocol.IMAP, endpoint)
    assert result.reachable
    assert isinstance(result.error, CertificateUntrusted)
    assert result.certificate is not None and len(result.certificate.sha256) == 95


async def test_another_protocol_on_the_port_is_not_an_answer(mail_server: MailServer) -> None:
    # A POP3 server on the IMAP-over-TLS port greets with "+OK", not "* OK".
    result = await NetworkProber().probe(Protocol.IMAP, mail_server.endpoint("pop3s"))
    assert not result.reachable
    result = await NetworkProber().probe(Protocol.POP3, mail_server.endpoint("imaps"))
    assert not result.reachable


async def test_nothing_listening_is_not_an_answer() -> None:
    endpoint = Endpoint("127.0.0.1", free_port(), Security.TLS, connect_timeout=5)
    result = await NetworkProber().probe(Protocol.SMTP, endpoint)
    assert not result.reachable
    assert isinstance(result.error, ConnectionRefused)


async def test_guessing_finds_every_server_most_secure_first(mail_server: MailServer) -> None:
    guesser = Guesser(
        NetworkProber(),
        hosts=loopback_hosts,
        ports=dovecot_ports(mail_server),
        ca_file=mail_server.ca_file,
        timeout=5,
    )
    log: list[str] = []
    config = await guesser.guess("alice@example.test", "example.test", log)
    assert config is not None and config.source is Source.GUESS
    found = {(c.protocol, c.port, c.security) for c in (*config.incoming, *config.outgoing)}
    assert found == {
        (Protocol.IMAP, mail_server.ports["imaps"], Security.TLS),
        (Protocol.POP3, mail_server.ports["pop3s"], Security.TLS),
        (Protocol.SMTP, mail_server.ports["submissions"], Security.TLS),
    }
    assert all(c.username == "alice@example.test" for c in config.incoming)


async def test_guessing_falls_back_to_starttls_ports(mail_server: MailServer) -> None:
    closed = free_port()
    p = mail_server.ports
    ports = {
        Protocol.IMAP: ((closed, Security.TLS), (p["imap"], Security.STARTTLS)),
        Protocol.POP3: ((closed, Security.TLS),),
        Protocol.SMTP: ((closed, Security.TLS), (p["submission"], Security.STARTTLS)),
    }
    guesser = Guesser(
        NetworkProber(), hosts=loopback_hosts, ports=ports, ca_file=mail_server.ca_file
    )
    log: list[str] = []
    config = await guesser.guess("bob@example.test", "example.test", log)
    assert config is not None
    assert [(c.protocol, c.port) for c in config.incoming] == [(Protocol.IMAP, p["imap"])]
    assert config.outgoing[0].security is Security.STARTTLS
    assert any("no pop3 server answered" in line for line in log)


async def test_discovery_guesses_when_no_source_knows_the_domain(
    mail_server: MailServer, ispdb: IspdbServer
) -> None:
    discovery = Discovery(
        fetcher=HttpFetcher(rewrite=ispdb.local_url, timeout=5),
        resolver=FakeResolver(),
        ispdb_url=ispdb.base_url,
        guesser=Guesser(
            NetworkProber(),
            hosts=loopback_hosts,
            ports=dovecot_ports(mail_server),
            ca_file=mail_server.ca_file,
        ),
        timeout=30,
    )
    result = await discovery.discover("carol@nowhere.test")
    assert result.best is not None and result.best.source is Source.GUESS
    assert any("Probing: imap answers at 127.0.0.1" in line for line in result.log)
