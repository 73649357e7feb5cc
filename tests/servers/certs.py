"""Test certificates made with trustme: one test CA, and good and bad server certificates.

Every kind of certificate a TLS test needs lives here, so that the client's refusal of an
expired, misnamed or untrusted certificate is proved against real certificates, not mocks.
"""

from __future__ import annotations

import atexit
import datetime
import functools
import os
import shutil
import ssl
import tempfile
from typing import Literal

import trustme

CertKind = Literal["valid", "expired", "wrong-host", "untrusted"]
KINDS: tuple[CertKind, ...] = ("valid", "expired", "wrong-host", "untrusted")

# The names the "valid" certificate covers; tests connect to 127.0.0.1.
SERVER_NAMES = ("127.0.0.1", "localhost")
WRONG_HOST = "other.invalid"


class TestCertificates:
    """Session-wide certificates; files live in a private temporary directory."""

    __test__ = False  # a helper, not a pytest test class

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="kittiwake-certs-")
        # Dovecot reads the files as root before dropping privileges, but keep the directory
        # traversable so a helper running as another user can read the CA.
        os.chmod(self._dir, 0o755)
        atexit.register(shutil.rmtree, self._dir, True)
        self._ca = trustme.CA(organization_name="Kittiwake test CA")
        # Another CA the client is never told about: its certificates must be refused.
        self._other_ca = trustme.CA(organization_name="Kittiwake untrusted CA")
        self.ca_file = os.path.join(self._dir, "ca.pem")
        self._ca.cert_pem.write_to_path(self.ca_file)

        now = datetime.datetime.now(datetime.UTC)
        leaves: dict[CertKind, trustme.LeafCert] = {
            "valid": self._ca.issue_cert(*SERVER_NAMES),
            "expired": self._ca.issue_cert(
                *SERVER_NAMES,
                not_before=now - datetime.timedelta(days=60),
                not_after=now - datetime.timedelta(days=1),
            ),
            "wrong-host": self._ca.issue_cert(WRONG_HOST),
            "untrusted": self._other_ca.issue_cert(*SERVER_NAMES),
        }
        self._paths: dict[CertKind, tuple[str, str]] = {}
        for kind, leaf in leaves.items():
            cert_path = os.path.join(self._dir, f"{kind}.crt")
            key_path = os.path.join(self._dir, f"{kind}.key")
            # The chain file holds the leaf first, then its CA, as servers expect.
            with open(cert_path, "wb") as handle:
                for blob in leaf.cert_chain_pems:
                    handle.write(blob.bytes())
            leaf.private_key_pem.write_to_path(key_path)
            os.chmod(key_path, 0o600)
            self._paths[kind] = (cert_path, key_path)
        self._contexts: dict[CertKind, ssl.SSLContext] = {}

    def server_cert_pem(self, kind: CertKind = "valid") -> tuple[str, str]:
        """(certificate chain path, private key path) for a server of that kind."""
        return self._paths[_check(kind)]

    def server_context(self, kind: CertKind = "valid") -> ssl.SSLContext:
        """A server-side SSLContext presenting the certificate of that kind."""
        kind = _check(kind)
        if kind not in self._contexts:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            cert_path, key_path = self._paths[kind]
            context.load_cert_chain(cert_path, key_path)
            self._contexts[kind] = context
        return self._contexts[kind]

    def client_context(self) -> ssl.SSLContext:
        """A stdlib client context trusting only the test CA (for self-tests and helpers)."""
        return ssl.create_default_context(cafile=self.ca_file)


def _check(kind: str) -> CertKind:
    if kind not in KINDS:
        raise ValueError(f"unknown certificate kind {kind!r}; expected one of {KINDS}")
    return kind


@functools.cache
def test_certificates() -> TestCertificates:
    """The cached session-wide certificates (trustme key generation is not free)."""
    return TestCertificates()


test_certificates.__test__ = False  # type: ignore[attr-defined]
