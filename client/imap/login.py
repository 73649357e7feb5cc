"""Logging in: AUTHENTICATE PLAIN or LOGIN for passwords, XOAUTH2 for OAuth2 tokens.

Never in clear text (open_session only returns after TLS, except the explicit plain loopback
mode), never when the server says LOGINDISABLED, and never a secret in a log or an error.
"""

from __future__ import annotations

from kittiwake.client.imap import encode, sasl
from kittiwake.client.imap.session import ImapSession, Result
from kittiwake.client.net.credentials import Credentials, SecretKind
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import (
    AuthenticationFailed,
    InsecureConfiguration,
    LoginDisabled,
)


class LoginCommands(ImapSession):
    async def login(self, credentials: Credentials) -> None:
        if self.authenticated:
            return
        endpoint = self.endpoint
        if not self.connection.encrypted and endpoint.security is not Security.PLAIN_LOOPBACK_ONLY:
            raise InsecureConfiguration("Refusing to send a password before TLS.")
        caps = self.capabilities
        if caps.login_disabled:
            raise LoginDisabled(
                f"{endpoint.label} does not allow logging in on this connection (LOGINDISABLED).",
                host=endpoint.host,
                port=endpoint.port,
            )
        mechanisms = caps.auth_mechanisms
        generation = self.capability_generation
        if credentials.kind is SecretKind.OAUTH2_TOKEN:
            if "XOAUTH2" not in mechanisms:
                raise AuthenticationFailed(
                    f"{endpoint.label} does not offer OAuth2 sign-in (AUTH=XOAUTH2).",
                    "Use a password or an app password for this account.",
                    host=endpoint.host,
                    port=endpoint.port,
                )
            result = await self._authenticate(
                "XOAUTH2", sasl.xoauth2(credentials.username, credentials.secret)
            )
        elif "PLAIN" in mechanisms:
            result = await self._authenticate(
                "PLAIN", sasl.plain(credentials.username, credentials.secret)
            )
        else:
            result = await self.execute(
                "LOGIN",
                encode.string(credentials.username),
                encode.string(credentials.secret),
                check=False,
                log_args=False,
            )
        status = result.status
        if status.status != "OK":
            raise AuthenticationFailed(
                f"{endpoint.label} refused the login: {status.text}",
                host=endpoint.host,
                port=endpoint.port,
                server_text=status.text,
            )
        self.authenticated = True
        # Capabilities change after login (Dovecot adds its extensions); most servers send
        # them with the OK, otherwise ask.
        if self.capability_generation == generation:
            await self.capability()

    async def _authenticate(self, mechanism: str, initial: bytes) -> Result:
        sent_initial = self.capabilities.sasl_ir

        def respond(challenge: bytes) -> bytes:
            nonlocal sent_initial
            if not sent_initial:
                sent_initial = True
                return initial
            # A second challenge is an error report (XOAUTH2 sends JSON); an empty answer lets
            # the server finish with its NO, which carries the text for the person.
            return b""

        args: list[encode.Arg] = [encode.atom(mechanism)]
        if sent_initial:
            args.append(encode.Raw(initial))
        return await self.execute(
            "AUTHENTICATE", *args, responder=respond, check=False, log_args=False
        )
