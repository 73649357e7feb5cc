"""The one error hierarchy of the engine.

Every error carries `message` (what failed, for a person) and `hint` (what to check). Each class
also subclasses the stdlib error a caller would naturally catch (ConnectionError, TimeoutError,
PermissionError, ...), so code that knows nothing of Kittiwake still handles it sensibly.

Rule: no secret (password, token, AUTH payload) ever goes into a message, a hint or an args tuple.
Server text is kept verbatim in `server_text` and must be shown as plain text.
"""

from __future__ import annotations

import ssl

from kittiwake.client.records import record


@record
class CertificateInfo:
    """What a person needs to decide whether to trust a certificate."""

    subject: str
    issuer: str
    not_before: str
    not_after: str
    sha256: str  # colon-separated upper-case hex, as browsers show it
    host: str = ""
    der: bytes = b""

    def describe(self) -> str:
        return (
            f"Subject: {self.subject}\nIssuer: {self.issuer}\n"
            f"Valid: {self.not_before} to {self.not_after}\nSHA-256: {self.sha256}"
        )


class KittiwakeError(Exception):
    """Base of every error the engine raises on purpose."""

    default_hint = ""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        host: str = "",
        port: int = 0,
        server_text: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = self.default_hint if hint is None else hint
        self.host = host
        self.port = port
        self.server_text = server_text

    def __str__(self) -> str:
        return self.message

    def for_person(self) -> str:
        """Message and hint on two lines, as the status bar and the wizard show them."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


# --- reaching the server -------------------------------------------------------------------


class NetworkError(KittiwakeError, ConnectionError):
    default_hint = "Check your network connection and the server name and port."


class HostNotFound(NetworkError):
    default_hint = "Check the server name for typing mistakes, and that you are online."


class ConnectionRefused(NetworkError, ConnectionRefusedError):
    default_hint = "Check the port number and the security mode (TLS or STARTTLS)."


class ConnectionLost(NetworkError, ConnectionResetError):
    default_hint = "The server or the network closed the connection; Kittiwake will retry."


class SubmissionOutcomeUnknown(ConnectionLost):
    """The connection broke after a message's DATA went out: it may or may not be delivered."""

    default_hint = (
        "Kittiwake cannot tell whether the server accepted the message. Check the Sent folder "
        "or ask a recipient before sending it again."
    )


class OperationTimeout(KittiwakeError, TimeoutError):
    default_hint = (
        "The server did not answer in time. Check the port and security mode, "
        "a firewall, or try again later."
    )


class Offline(NetworkError):
    default_hint = "Kittiwake is working offline; changes are kept and sent when you reconnect."


# --- TLS -----------------------------------------------------------------------------------


class TlsError(NetworkError, ssl.SSLError):
    default_hint = "Check the security mode (TLS on 993/995/465, STARTTLS on 143/110/587)."


class TlsHandshakeFailed(TlsError):
    pass


class CertificateError(TlsError):
    """The server's certificate was refused; `certificate` says what it was, when known."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        certificate: CertificateInfo | None = None,
        host: str = "",
        port: int = 0,
    ) -> None:
        super().__init__(message, hint, host=host, port=port)
        self.certificate = certificate


class CertificateUntrusted(CertificateError):
    default_hint = (
        "The certificate is not signed by an authority this computer trusts. If you know this "
        "server uses its own certificate, compare the fingerprint with your provider's and "
        "accept it for this account."
    )


class CertificateExpired(CertificateError):
    default_hint = (
        "The certificate has expired (or the computer's clock is wrong): tell the server's admin."
    )


class CertificateHostMismatch(CertificateError):
    default_hint = "The certificate was issued for another name: check the server name."


class CertificatePinMismatch(CertificateError):
    default_hint = (
        "The server now shows a different certificate from the one you accepted. This can be a "
        "planned change or an attack: confirm the new fingerprint with your provider first."
    )

    def __init__(
        self,
        *,
        pinned: str,
        certificate: CertificateInfo,
        host: str = "",
        port: int = 0,
    ) -> None:
        super().__init__(
            f"The certificate of {host} changed: you accepted {pinned}, "
            f"the server now shows {certificate.sha256}.",
            certificate=certificate,
            host=host,
            port=port,
        )
        self.pinned = pinned


class StartTlsNotOffered(TlsError):
    default_hint = (
        "The server does not offer STARTTLS on this port, so Kittiwake will not log in. "
        "Use implicit TLS (ports 993, 995, 465) or check the port."
    )


class StartTlsRefused(TlsError):
    default_hint = (
        "The server refused to start TLS. Try implicit TLS, or contact the server's admin."
    )


class InsecureConfiguration(KittiwakeError, ValueError):
    default_hint = "Plain-text connections are allowed only to this computer (loopback)."


# --- talking to the server -----------------------------------------------------------------


class ProtocolError(KittiwakeError, ConnectionError):
    """The server said something we cannot accept (malformed, hostile or too large)."""

    default_hint = "The server sent an unexpected answer. Check the port and the server type."


class AuthenticationFailed(KittiwakeError, PermissionError):
    default_hint = "Check the user name and the password (some providers need an app password)."


class LoginDisabled(AuthenticationFailed):
    default_hint = "The server does not allow logging in here. Check the security mode."


class CommandFailed(KittiwakeError, OSError):
    """A command the server answered with NO/BAD/-ERR/5xx outside login and submission."""

    default_hint = "The server refused the operation; its own words are shown above."


class MessageRefused(KittiwakeError, OSError):
    """SMTP refused a message; `permanent` (5xx) means retrying the same message cannot help."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        code: int = 0,
        enhanced_status: str = "",
        server_text: str = "",
        host: str = "",
        port: int = 0,
    ) -> None:
        super().__init__(message, hint, host=host, port=port, server_text=server_text)
        self.code = code
        self.enhanced_status = enhanced_status

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600


class MessageTooLarge(MessageRefused):
    default_hint = "The server limits message size: remove or shrink attachments."


class SecretStoreUnavailable(KittiwakeError, RuntimeError):
    default_hint = (
        "No system keyring is available (for example GNOME Keyring or KWallet). Install or unlock "
        "one, or choose to be asked for the password every session."
    )


class PasswordCommandFailed(SecretStoreUnavailable):
    """An account's password command failed; its output is never shown (it may be a secret)."""

    default_hint = (
        "Run the account's password command in a terminal to see what goes wrong, then fix it "
        "or choose another password source."
    )


class ConfigError(KittiwakeError, ValueError):
    default_hint = "The file was left untouched; fix or move it, then start Kittiwake again."


class HeaderInjection(KittiwakeError, ValueError):
    """A header value or address holds CR, LF or NUL, which would let text forge new headers."""

    default_hint = "Remove line breaks from the field (names, addresses and subjects are one line)."


class InvalidAddress(KittiwakeError, ValueError):
    """An e-mail address that cannot be sent to as written."""

    default_hint = "Check the address for typing mistakes: it looks like name@example.com."
