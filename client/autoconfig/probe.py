"""The real Prober for guessing: does a mail server of this protocol answer here?

Each probe opens a connection with the protocol client's own opening code (IMAP greeting and
CAPABILITY, POP3 greeting and CAPA, SMTP EHLO) over implicit TLS or STARTTLS, reads what the
server can do, and leaves without logging in. Nothing of the user's is sent.

A refused certificate still means "a server answers here": the TLS handshake got as far as the
server's certificate, which is exactly what the wizard then shows the user to accept or not.
"""

from __future__ import annotations

from kittiwake.client.autoconfig.candidates import Protocol
from kittiwake.client.autoconfig.guess import ProbeResult
from kittiwake.client.imap.opening import open_session as open_imap
from kittiwake.client.net.endpoint import Endpoint
from kittiwake.client.net.errors import CertificateError, KittiwakeError
from kittiwake.client.pop3.session import Pop3Session
from kittiwake.client.smtp.check import check_login


class NetworkProber:
    """Probes with the real protocol clients; never raises for an ordinary miss."""

    async def probe(self, protocol: Protocol, endpoint: Endpoint) -> ProbeResult:
        try:
            if protocol is Protocol.IMAP:
                return await _probe_imap(endpoint)
            if protocol is Protocol.POP3:
                return await _probe_pop3(endpoint)
            return await _probe_smtp(endpoint)
        except CertificateError as error:
            return ProbeResult(True, error=error, certificate=error.certificate)
        except KittiwakeError as error:
            return ProbeResult(False, error=error)


async def _probe_imap(endpoint: Endpoint) -> ProbeResult:
    session = await open_imap(endpoint)
    capabilities = session.capabilities.names
    await session.logout()
    # Anything that answers a greeting and CAPABILITY is an IMAP server only if it says so.
    return ProbeResult(bool({"IMAP4REV1", "IMAP4REV2"} & capabilities), capabilities)


async def _probe_pop3(endpoint: Endpoint) -> ProbeResult:
    session = await Pop3Session.connect(endpoint)
    capabilities = session.capabilities.names
    await session.quit()
    return ProbeResult(True, capabilities)


async def _probe_smtp(endpoint: Endpoint) -> ProbeResult:
    # check_login without credentials stops after EHLO over TLS: the submission client's own
    # opening (resolve, connect, TLS or STARTTLS, certificate), then QUIT.
    check = await check_login(endpoint, None)
    if check.error is not None:
        raise check.error
    caps = check.capabilities
    names = {f"AUTH={method}" for method in caps.auth_methods}
    if caps.starttls:
        names.add("STARTTLS")
    if caps.smtputf8:
        names.add("SMTPUTF8")
    if caps.eight_bit_mime:
        names.add("8BITMIME")
    return ProbeResult(True, frozenset(names))
