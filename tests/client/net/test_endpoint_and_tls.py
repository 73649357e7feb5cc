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
