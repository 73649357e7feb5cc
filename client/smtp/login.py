"""AUTH after TLS: PLAIN or LOGIN for a password, XOAUTH2 for an OAuth2 token. One attempt.

aiosmtplib's `login()` tries every mechanism in turn after a failure, so one wrong password
counts as two or three failed logins on the server (and can trip its lockout); we pick one.
"""

from __future__ import annotations

import aiosmtplib

from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.endpoint import Endpoint, Security
from kittiwake.client.net.errors import AuthenticationFailed, InsecureConfiguration, LoginDisabled
from kittiwake.client.smtp import failures, wire

_PASSWORD_MECHANISMS = ("PLAIN", "LOGIN")
_TOKEN_MECHANISMS = ("XOAUTH2",)


def choose_mechanism(offered: frozenset[str], credentials: Credentials, endpoint: Endpoint) -> str:
    label = endpoint.label
    if not offered:
        raise LoginDisabled(
            f"{label} offers no login (AUTH) on this connection.",
            host=endpoint.host,
            port=endpoint.port,
        )
    oauth = credentials.kind is SecretKind.OAUTH2_TOKEN
    wanted = _TOKEN_MECHANISMS if oauth else _PASSWORD_MECHANISMS
    for mechanism in wanted:
        if mechanism in offered:
            return mechanism
    raise LoginDisabled(
        f"{label} offers login by {', '.join(sorted(offered))}, none of which Kittiwake "
        f"can use with this account (it needs {' or '.join(wanted)}).",
        host=endpoint.host,
        port=endpoint.port,
    )


async def authenticate(
    client: wire.SmtpClient,
    endpoint: Endpoint,
    offered: frozenset[str],
    credentials: Credentials,
) -> str:
    """Log in; returns the mechanism used. Raises AuthenticationFailed with the server text."""
    if client.tls_object() is None and endpoint.security is not Security.PLAIN_LOOPBACK_ONLY:
        # Unreachable by construction (connection.py); kept so no change can leak a password.
        raise InsecureConfiguration("Refusing to log in before TLS is up.")
    mechanism = choose_mechanism(offered, credentials, endpoint)
    user, secret = credentials.username, credentials.secret
    client.in_auth = True
    try:
        if mechanism == "XOAUTH2":
            await client.auth_xoauth2(user, secret)
        elif mechanism == "PLAIN":
            await client.auth_plain(user, secret)
        else:
            await client.auth_login(user, secret)
    except aiosmtplib.SMTPAuthenticationError as error:
        temporary = 400 <= error.code < 500
        raise AuthenticationFailed(
            f"{endpoint.label} refused the login for {user}: {error.code} {error.message}",
            "The server reports a temporary problem; try again later." if temporary else None,
            host=endpoint.host,
            port=endpoint.port,
            server_text=error.message,
        ) from None
    except Exception as error:
        # `from None`: keep the AUTH exchange out of chained tracebacks altogether.
        raise failures.translate(error, endpoint, "logging in") from None
    finally:
        client.in_auth = False
    return mechanism
