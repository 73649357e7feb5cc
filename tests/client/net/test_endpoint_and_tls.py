"""Endpoint refuses clear text off loopback; TLS contexts follow the policy."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest

from kittiwake.client.net import tls
from kittiwake.client.net.credentials import Credentials
from kittiwake.client.net.endpoint import Endpoint, Security, is_loopback
from kittiwake.client.net.errors import InsecureConfiguration, KittiwakeError


def test_plain_text_is_refused_for_any_host_but_loopback() -> None:
    with pytest.raises(InsecureConfiguration) as raised:
        Endpoint("mail.example.org", 143, Security.PLAIN_LOOPBACK_ONLY)
    assert "mail.example.org" in str(raised.value)
    assert Endpoint("127.0.0.1", 1143, Security.PLAIN_LOOPBACK_ONLY).port == 1143
    assert Endpoint("::1", 1143, Security.PLAIN_LOOPBACK_ONLY).host == "::1"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.1", "[::1]"])
def test_loopback_names(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "example.org", "localhost.example.org"])
def test_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_invalid_port_is_refused() -> None:
    with pytest.raises(InsecureConfiguration):
        Endpoint("example.org", 0)


def test_verifying_context_requires_tls12_and_checks_host_names() -> None:
    context = tls.verifying_context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert tls.pinning_context().minimum_version == ssl.TLSVersion.TLSv1_2


def test_fingerprints_are_colon_hex_and_normalise() -> None:
    print_ = tls.fingerprint(b"certificate bytes")
    assert len(print_) == 95 and print_.count(":") == 31 and print_ == print_.upper()
    assert tls.normalise_fingerprint(print_.replace(":", "").lower()) == print_


def test_credentials_never_show_their_secret() -> None:
    credentials = Credentials("alice", "hunter2-secret")
    assert "hunter2-secret" not in repr(credentials)
    assert "hunter2-secret" not in str(credentials)


def test_every_error_has_a_person_message_and_hint() -> None:
    error = InsecureConfiguration("Refusing plain text.")
    assert isinstance(error, KittiwakeError) and isinstance(error, ValueError)
    assert error.for_person().startswith("Refusing plain text.\n")


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    from tests.servers.certs import test_certificates

    copy = tmp_path / "ca.pem"
    copy.write_bytes(Path(test_certificates().ca_file).read_bytes())
    return copy


async def test_verifying_contexts_are_built_once_per_ca_file_version(ca_file: Path) -> None:
    from kittiwake.client.net.connect import context_for

    endpoint = Endpoint("127.0.0.1", 993, ca_file=str(ca_file))
    first = await context_for(endpoint)
    assert await context_for(endpoint) is first
    os.utime(ca_file, (1, 1))  # an edited CA file is read again
    assert await context_for(endpoint) is not first
    pinned = Endpoint("127.0.0.1", 993, pinned_sha256="AB" * 32)
    assert (await context_for(pinned)).verify_mode == ssl.CERT_NONE


def _hashed_ca_dir(directory: Path, ca_pem: str) -> Path:
    """A CA directory the way update-ca-certificates lays one out: <subject hash>.0 links."""
    import subprocess

    directory.mkdir()
    pem = directory / "test-ca.pem"
    pem.write_text(ca_pem)
    subject_hash = subprocess.run(
        ["openssl", "x509", "-subject_hash", "-noout", "-in", str(pem)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (directory / f"{subject_hash}.0").symlink_to(pem.name)
    return directory


def _read(path: str) -> str:
    return Path(path).read_text()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


async def _handshake(context: ssl.SSLContext, server: ssl.SSLContext) -> None:
    import asyncio

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server)
    port = listener.sockets[0].getsockname()[1]
    try:
        _reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, server_hostname="localhost"
        )
        writer.close()
    finally:
        listener.close()


async def test_the_system_store_is_read_lazily_from_its_hashed_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.servers.certs import test_certificates

    certs = test_certificates()
    ca_dir = _hashed_ca_dir(tmp_path / "certs", _read(certs.ca_file))
    # The distribution's bundle sits in the directory it repeats: not parsed up front.
    _write(ca_dir / "ca-certificates.crt", _read(certs.ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(ca_dir))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_dir / "ca-certificates.crt"))
    context = tls.verifying_context()
    assert context.cert_store_stats()["x509_ca"] == 0  # nothing parsed before a handshake
    await _handshake(context, certs.server_context("valid"))  # the CA is found on demand
    with pytest.raises(ssl.SSLCertVerificationError):
        await _handshake(tls.verifying_context(), certs.server_context("untrusted"))


async def test_a_bundle_file_outside_the_directory_is_still_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.servers.certs import test_certificates

    certs = test_certificates()
    empty = tmp_path / "empty"
    _write(empty / "00000000.0", "")  # a hashed directory without our CA
    company = tmp_path / "company-ca.pem"
    _write(company, _read(certs.ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(empty))
    monkeypatch.setenv("SSL_CERT_FILE", str(company))
    await _handshake(tls.verifying_context(), certs.server_context("valid"))
