"""TLS policy: verified certificates, TLS 1.2 or newer, host names checked, pins by SHA-256.

One place builds every SSLContext the engine uses, so the policy cannot drift per protocol.
"""

from __future__ import annotations

import os
import ssl

from kittiwake.client.net.errors import (
    CertificateError,
    CertificateExpired,
    CertificateHostMismatch,
    CertificateInfo,
    CertificateUntrusted,
)

# OpenSSL X509_V_ERR_* codes that say *why* a chain was refused.
_EXPIRED = {9, 10}  # not yet valid, expired
_HOST_MISMATCH = {62}  # X509_V_ERR_HOSTNAME_MISMATCH
_IP_MISMATCH = {64}


def verifying_context(ca_file: str | None = None) -> ssl.SSLContext:
    """The default: system trust store (plus one extra CA if given), host name checked."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _trust_the_system_store(context)
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _trust_the_system_store(context: ssl.SSLContext) -> None:
    """The system's CAs, looked up lazily when the directory form is there.

    load_default_certs() reads OpenSSL's CA bundle file, parsing all ~150 certificates on every
    new context (60-80 ms, up to 365 ms on a loaded machine: a third of a no-change `kittiwake
    sync`). The hashed directory (/etc/ssl/certs on Debian) holds the same CAs, and OpenSSL
    reads only the one a chain asks for. A bundle file elsewhere (SSL_CERT_FILE pointing at a
    company CA, say) is still loaded; only the distribution's own bundle, which sits in that
    directory and repeats it, is skipped.
    """
    paths = ssl.get_default_verify_paths()  # SSL_CERT_FILE / SSL_CERT_DIR taken into account
    directory = paths.capath
    if not directory or not _has_hash_links(directory):
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        return
    context.load_verify_locations(capath=directory)
    bundle = paths.cafile
    if bundle and os.path.dirname(os.path.realpath(bundle)) != os.path.realpath(directory):
        context.load_verify_locations(cafile=bundle)


def _has_hash_links(directory: str) -> bool:
    try:
        with os.scandir(directory) as entries:
            return any(entry.name.endswith(".0") for entry in entries)
    except OSError:
        return False


def pinning_context() -> ssl.SSLContext:
    """For a certificate the user accepted: the chain is not checked, the fingerprint is.

    The caller MUST compare `fingerprint(peer_der)` with the pin before sending anything.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fingerprint(der: bytes) -> str:
    import hashlib  # here: every connection imports this module, few show a certificate

    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalise_fingerprint(text: str) -> str:
    hex_only = "".join(ch for ch in text if ch.isalnum()).upper()
    return ":".join(hex_only[i : i + 2] for i in range(0, len(hex_only), 2))


def describe_certificate(der: bytes, host: str = "") -> CertificateInfo:
    """Subject, issuer and validity from DER, using only the stdlib's decoder."""
    decoded = _decode_der(der)

    def name(field: str) -> str:
        rdns: tuple[tuple[tuple[str, str], ...], ...] = decoded.get(field, ())  # type: ignore[assignment]
        return ", ".join(f"{key}={value}" for rdn in rdns for key, value in rdn)

    return CertificateInfo(
        subject=name("subject"),
        issuer=name("issuer"),
        not_before=str(decoded.get("notBefore", "")),
        not_after=str(decoded.get("notAfter", "")),
        sha256=fingerprint(der),
        host=host,
        der=der,
    )


def _decode_der(der: bytes) -> dict[str, object]:
    # ssl has no public DER decoder; the private test helper is the only stdlib one. If it ever
    # disappears we still show the fingerprint, which is what pinning relies on.
    import os
    import tempfile

    pem = ssl.DER_cert_to_PEM_cert(der)
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as handle:
        handle.write(pem)
        path = handle.name
    try:
        decoder = getattr(ssl, "_ssl")._test_decode_cert  # noqa: B009
        return dict(decoder(path))
    except Exception:
        return {}
    finally:
        os.unlink(path)


def classify_verification_error(
    error: ssl.SSLCertVerificationError,
    host: str,
    port: int,
    certificate: CertificateInfo | None,
) -> CertificateError:
    code = error.verify_code
    reason = error.verify_message or str(error)
    where = f"{host}:{port}"
    if code in _EXPIRED:
        return CertificateExpired(
            f"The certificate of {where} is not valid now ({reason}).",
            certificate=certificate,
            host=host,
            port=port,
        )
    if code in _HOST_MISMATCH or code in _IP_MISMATCH:
        return CertificateHostMismatch(
            f"The certificate of {where} does not name {host} ({reason}).",
            certificate=certificate,
            host=host,
            port=port,
        )
    return CertificateUntrusted(
        f"The certificate of {where} is not trusted ({reason}).",
        certificate=certificate,
        host=host,
        port=port,
    )
