"""connect.open_connection against scripted servers: every failure lands in the taxonomy."""

from __future__ import annotations

import asyncio
import socket

import pytest

from kittiwake.client.net import tls
from kittiwake.client.net.connect import open_connection
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import (
    CertificateExpired,
    CertificateHostMismatch,
    CertificatePinMismatch,
    CertificateUntrusted,
    ConnectionRefused,
    HostNotFound,
    NetworkError,
    OperationTimeout,
    StartTlsNotOffered,
    TlsHandshakeFailed,
)
from tests.servers.scripted import ScriptedPeer, ScriptedServer


async def greet_then_echo(peer: ScriptedPeer) -> None:
    await peer.send(b"hello over tls\r\n")
    line = await peer.readline()
    await peer.send(b"echo " + line)
    await peer.read_until_closed()


async def simple_starttls_dialog(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> bytes:
    greeting = await reader.readline()
    writer.write(b"STARTTLS\r\n")
    answer = await reader.readline()
    if not answer.startswith(b"GO"):
        raise StartTlsNotOffered("no STARTTLS")
    return greeting


async def test_implicit_tls_with_the_test_ca_is_verified_and_works() -> None:
    async with ScriptedServer(greet_then_echo, tls="valid") as server:
        connection = await open_connection(
            Endpoint(server.host, server.port, ca_file=server.ca_file)
        )
        assert await connection.reader.readline() == b"hello over tls\r\n"
        connection.writer.write(b"ping\r\n")
        assert await connection.reader.readline() == b"echo ping\r\n"
        assert connection.encrypted and connection.peer_certificate()
        await connection.close()


@pytest.mark.parametrize(
    ("kind", "error", "words"),
    [
        ("untrusted", CertificateUntrusted, "not trusted"),
        ("expired", CertificateExpired, "not valid now"),
        ("wrong-host", CertificateHostMismatch, "does not name"),
    ],
)
async def test_a_refused_certificate_says_why_and_shows_the_certificate(
    kind: str, error: type[Exception], words: str
) -> None:
    async with ScriptedServer(greet_then_echo, tls=kind) as server:  # type: ignore[arg-type]
        with pytest.raises(error) as raised:
            await open_connection(Endpoint(server.host, server.port, ca_file=server.ca_file))
    certificate = raised.value.certificate  # type: ignore[attr-defined]
    assert words in str(raised.value)
    assert certificate is not None and len(certificate.sha256) == 95
    assert certificate.subject or certificate.issuer
    assert raised.value.hint  # type: ignore[attr-defined]


async def test_a_pinned_certificate_is_accepted_and_a_different_one_refused() -> None:
    async with ScriptedServer(greet_then_echo, tls="untrusted") as server:
        with pytest.raises(CertificateUntrusted) as raised:
            await open_connection(Endpoint(server.host, server.port))
        pin = raised.value.certificate.sha256  # type: ignore[union-attr]
        pinned = Endpoint(server.host, server.port, pinned_sha256=pin)
        connection = await open_connection(pinned)
        assert tls.fingerprint(connection.peer_certificate() or b"") == pin
        await connection.close()
    async with ScriptedServer(greet_then_echo, tls="valid") as other:
        with pytest.raises(CertificatePinMismatch) as mismatch:
            await open_connection(Endpoint(other.host, other.port, pinned_sha256=pin))
    assert pin in str(mismatch.value)
    assert mismatch.value.certificate is not None
    assert mismatch.value.certificate.sha256 in str(mismatch.value)


async def test_starttls_drops_bytes_injected_before_the_handshake() -> None:
    async def injector(peer: ScriptedPeer) -> None:
        await peer.send(b"WELCOME\r\n")
        await peer.expect(b"STARTTLS")
        # A man in the middle appends a forged answer right after the go-ahead.
        await peer.send(b"GO\r\nFORGED answer\r\n")
        await peer.start_tls("valid")
        await peer.send(b"real answer\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(injector) as server:
        endpoint = Endpoint(server.host, server.port, Security.STARTTLS, ca_file=server.ca_file)
        connection = await open_connection(endpoint, simple_starttls_dialog)
        assert connection.pre_tls == b"WELCOME\r\n"
        assert await connection.reader.readline() == b"real answer\r\n"
        await connection.close()


async def test_starttls_certificate_failure_still_fetches_the_certificate() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"WELCOME\r\n")
        await peer.expect(b"STARTTLS")
        await peer.send(b"GO\r\n")
        await peer.start_tls("expired")
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        endpoint = Endpoint(server.host, server.port, Security.STARTTLS, ca_file=server.ca_file)
        with pytest.raises(CertificateExpired) as raised:
            await open_connection(endpoint, simple_starttls_dialog)
    assert raised.value.certificate is not None


async def test_a_plain_server_on_a_tls_endpoint_is_a_handshake_failure_with_a_hint() -> None:
    async def plain(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK plain text server\r\n")
        await peer.read_until_closed()

    async with ScriptedServer(plain) as server:
        with pytest.raises(TlsHandshakeFailed) as raised:
            await open_connection(Endpoint(server.host, server.port, ca_file=server.ca_file))
    assert "STARTTLS" in raised.value.hint


async def test_a_silent_server_on_a_starttls_endpoint_times_out_with_a_hint() -> None:
    async def silent(peer: ScriptedPeer) -> None:
        await peer.read_until_closed()

    async with ScriptedServer(silent) as server:
        endpoint = Endpoint(
            server.host, server.port, Security.STARTTLS, ca_file=server.ca_file, connect_timeout=0.3
        )
        with pytest.raises(OperationTimeout) as raised:
            await open_connection(endpoint, simple_starttls_dialog)
    assert "implicit TLS" in raised.value.hint
    assert isinstance(raised.value, TimeoutError)


async def test_a_closed_port_is_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionRefused) as raised:
        await open_connection(Endpoint("127.0.0.1", port))
    assert str(port) in str(raised.value)
    assert isinstance(raised.value, ConnectionRefusedError)


async def test_an_unknown_host_is_host_not_found() -> None:
    with pytest.raises(HostNotFound) as raised:
        await open_connection(Endpoint("mail.does-not-exist.invalid", 993))
    assert "mail.does-not-exist.invalid" in str(raised.value)
    assert isinstance(raised.value, ConnectionError)


def test_connecting_with_no_running_loop_fails_cleanly_without_a_stray_coroutine() -> None:
    """A step of a connecting task taken outside a running loop (a Qt event handled outside
    the loop, as pytest-qt's teardown does) fails with a NetworkError, and leaves no coroutine
    that Python would report as never awaited."""
    import gc
    import ssl
    import warnings

    from kittiwake.client.net import connect

    endpoint = Endpoint("127.0.0.1", 1, Security.TLS)
    step = connect._open(endpoint, ssl.create_default_context(), None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(NetworkError):
            step.send(None)
        del step
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]
