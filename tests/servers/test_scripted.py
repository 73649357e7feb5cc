"""Self-tests of the scripted servers and test certificates, with stdlib asyncio clients."""

from __future__ import annotations

import asyncio
import re
import ssl

import pytest

from tests.servers.certs import test_certificates
from tests.servers.scripted import ClientClosed, ScriptedPeer, ScriptedServer


def client_context() -> ssl.SSLContext:
    return test_certificates().client_context()


async def test_plain_transcript_records_every_client_byte() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK hello\r\n")
        line = await peer.expect(re.compile(rb"^(\S+) NOOP"))
        await peer.send(line.split()[0] + b" OK done\r\n")
        # The script never reads this last line; it must still be in the transcript.
        await peer.read_until_closed()

    async with ScriptedServer(script) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        assert await reader.readline() == b"* OK hello\r\n"
        writer.write(b"t1 NOOP\r\n")
        assert await reader.readline() == b"t1 OK done\r\n"
        writer.write(b"t2 LOGOUT\r\n")
        await writer.drain()
        writer.close()
        await server.wait_closed()
    assert server.received == b"t1 NOOP\r\nt2 LOGOUT\r\n"
    assert server.errors == []
    assert server.connections == 1


async def test_starttls_upgrade_records_decrypted_bytes() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")
        await peer.expect(b"a STARTTLS")
        await peer.send(b"a OK go\r\n")
        await peer.start_tls("valid")
        assert peer.tls_active
        await peer.expect(b"b NOOP")
        await peer.send(b"b OK secret-channel\r\n")

    async with ScriptedServer(script) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        await reader.readline()
        writer.write(b"a STARTTLS\r\n")
        assert await reader.readline() == b"a OK go\r\n"
        await writer.start_tls(client_context(), server_hostname="127.0.0.1")
        writer.write(b"b NOOP\r\n")
        assert await reader.readline() == b"b OK secret-channel\r\n"
        await server.wait_closed()
        writer.close()
    assert server.received == b"a STARTTLS\r\nb NOOP\r\n"
    server.raise_errors()


async def test_implicit_tls_with_valid_certificate() -> None:
    async def script(peer: ScriptedPeer) -> None:
        assert peer.tls_active
        await peer.send(b"+OK pop ready\r\n")
        await peer.expect(b"QUIT")

    async with ScriptedServer(script, tls="valid") as server:
        reader, writer = await asyncio.open_connection(
            server.host, server.port, ssl=client_context(), server_hostname="127.0.0.1"
        )
        assert await reader.readline() == b"+OK pop ready\r\n"
        writer.write(b"QUIT\r\n")
        await server.wait_closed()
        writer.close()
    assert server.received == b"QUIT\r\n"
    assert server.errors == [] and server.handshake_errors == []


@pytest.mark.parametrize(
    ("kind", "verify_codes"),
    [
        ("expired", {10}),  # X509_V_ERR_CERT_HAS_EXPIRED
        ("wrong-host", {62, 64}),  # host name / IP address mismatch
        ("untrusted", {19, 20}),  # unknown issuer / self-signed in chain
    ],
)
async def test_bad_certificates_are_refused_by_a_verifying_client(
    kind: str, verify_codes: set[int]
) -> None:
    async def script(peer: ScriptedPeer) -> None:
        raise AssertionError("the script must not run when the handshake fails")

    async with ScriptedServer(script, tls=kind) as server:  # type: ignore[arg-type]
        with pytest.raises(ssl.SSLCertVerificationError) as refused:
            await asyncio.open_connection(
                server.host, server.port, ssl=client_context(), server_hostname="127.0.0.1"
            )
        await server.wait_closed()
    assert refused.value.verify_code in verify_codes
    assert server.errors == []
    assert len(server.handshake_errors) == 1


async def test_starttls_with_bad_certificate_is_a_handshake_error_not_a_script_error() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.send(b"220 hi\r\n")
        await peer.expect(b"STARTTLS")
        await peer.send(b"220 go\r\n")
        await peer.start_tls("expired")

    async with ScriptedServer(script) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        await reader.readline()
        writer.write(b"STARTTLS\r\n")
        await reader.readline()
        with pytest.raises(ssl.SSLCertVerificationError):
            await writer.start_tls(client_context(), server_hostname="127.0.0.1")
        await server.wait_closed()
        writer.close()
    assert server.errors == []
    assert len(server.handshake_errors) == 1


async def test_script_exceptions_are_surfaced() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.expect(b"EHLO")

    async with ScriptedServer(script) as server:
        _, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"HELO nobody\r\n")
        await server.wait_closed()
        writer.close()
    assert len(server.errors) == 1
    assert isinstance(server.errors[0], AssertionError)
    assert b"HELO nobody" in str(server.errors[0]).encode()
    with pytest.raises(AssertionError):
        server.raise_errors()


async def test_client_hanging_up_mid_script_is_reported() -> None:
    async def script(peer: ScriptedPeer) -> None:
        await peer.readline()

    async with ScriptedServer(script) as server:
        _, writer = await asyncio.open_connection(server.host, server.port)
        writer.close()
        await server.wait_closed()
    assert [type(error) for error in server.errors] == [ClientClosed]


async def test_wait_closed_times_out_without_a_connection() -> None:
    async def script(peer: ScriptedPeer) -> None:
        return None

    async with ScriptedServer(script) as server:
        with pytest.raises(TimeoutError):
            await server.wait_closed(timeout=0.05)


def test_certificate_files_exist_and_differ() -> None:
    certs = test_certificates()
    assert certs is test_certificates()
    paths = {kind: certs.server_cert_pem(kind) for kind in ("valid", "expired", "untrusted")}
    assert len({cert for cert, _ in paths.values()}) == 3
    with open(certs.ca_file, "rb") as handle:
        assert handle.read().startswith(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(ValueError):
        certs.server_context("bogus")  # type: ignore[arg-type]
